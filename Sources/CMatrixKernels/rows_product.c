// loupe_rows_product: C = A·B with B and C read and written row by row and A in place.
// A register block holds ROWS rows × two vectors of C; for every p it loads two vectors of
// B's row p and adds A[i][p]·B[p] to each row, so every value of C is one straight sum
// over p, whatever the block. The three versions below differ only in vector width.
#include "matrix_kernels.h"
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define ALWAYS_INLINE inline __attribute__((always_inline))

#if defined(__x86_64__)
// MARK: AVX-512: 12 rows × 32 columns (24 accumulators of 16)

__attribute__((target("avx512f"))) static ALWAYS_INLINE void block512(int rows, long k, const float *a, long ra, long ca,
                                                                     const float *b, long ldb, float *c, long ldc,
                                                                     __mmask16 m0, __mmask16 m1) {
    __m512 acc[12][2];
    for (int r = 0; r < rows; r++) { acc[r][0] = _mm512_setzero_ps(); acc[r][1] = _mm512_setzero_ps(); }
    for (long p = 0; p < k; p++) {
        const float *row = b + p * ldb;
        __m512 b0 = _mm512_maskz_loadu_ps(m0, row), b1 = _mm512_maskz_loadu_ps(m1, row + 16);
        for (int r = 0; r < rows; r++) {
            __m512 x = _mm512_set1_ps(a[r * ra + p * ca]);
            acc[r][0] = _mm512_fmadd_ps(x, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(x, b1, acc[r][1]);
        }
    }
    for (int r = 0; r < rows; r++) {
        _mm512_mask_storeu_ps(c + r * ldc, m0, acc[r][0]);
        _mm512_mask_storeu_ps(c + r * ldc + 16, m1, acc[r][1]);
    }
}

__attribute__((target("avx512f"))) static void product512(long m, long n, long k, const float *a, long ra, long ca,
                                                         const float *b, long ldb, float *c, long ldc) {
    for (long j = 0; j < n; j += 32) {
        long width = n - j < 32 ? n - j : 32;
        __mmask16 m0 = width >= 16 ? 0xFFFF : (__mmask16)((1u << width) - 1);
        __mmask16 m1 = width >= 32 ? 0xFFFF : width <= 16 ? 0 : (__mmask16)((1u << (width - 16)) - 1);
        for (long i = 0; i < m; i += 12) {
            const float *ai = a + i * ra, *bj = b + j;
            float *cij = c + i * ldc + j;
            switch (m - i < 12 ? m - i : 12) {
#define CASE(R) case R: block512(R, k, ai, ra, ca, bj, ldb, cij, ldc, m0, m1); break;
                CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8) CASE(9) CASE(10) CASE(11) CASE(12)
#undef CASE
            }
        }
    }
}

// MARK: AVX2 + FMA: 6 rows × 16 columns (12 accumulators of 8)

__attribute__((target("avx2,fma"))) static ALWAYS_INLINE void block256(int rows, long k, const float *a, long ra, long ca,
                                                                      const float *b, long ldb, float *c, long ldc,
                                                                      __m256i m0, __m256i m1) {
    __m256 acc[6][2];
    for (int r = 0; r < rows; r++) { acc[r][0] = _mm256_setzero_ps(); acc[r][1] = _mm256_setzero_ps(); }
    for (long p = 0; p < k; p++) {
        const float *row = b + p * ldb;
        __m256 b0 = _mm256_maskload_ps(row, m0), b1 = _mm256_maskload_ps(row + 8, m1);
        for (int r = 0; r < rows; r++) {
            __m256 x = _mm256_broadcast_ss(a + r * ra + p * ca);
            acc[r][0] = _mm256_fmadd_ps(x, b0, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(x, b1, acc[r][1]);
        }
    }
    for (int r = 0; r < rows; r++) {
        _mm256_maskstore_ps(c + r * ldc, m0, acc[r][0]);
        _mm256_maskstore_ps(c + r * ldc + 8, m1, acc[r][1]);
    }
}

__attribute__((target("avx2,fma"))) static __m256i lanesBelow(long count) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

__attribute__((target("avx2,fma"))) static void product256(long m, long n, long k, const float *a, long ra, long ca,
                                                          const float *b, long ldb, float *c, long ldc) {
    for (long j = 0; j < n; j += 16) {
        long width = n - j < 16 ? n - j : 16;
        __m256i m0 = lanesBelow(width), m1 = lanesBelow(width - 8);
        for (long i = 0; i < m; i += 6) {
            const float *ai = a + i * ra, *bj = b + j;
            float *cij = c + i * ldc + j;
            switch (m - i < 6 ? m - i : 6) {
#define CASE(R) case R: block256(R, k, ai, ra, ca, bj, ldb, cij, ldc, m0, m1); break;
                CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6)
#undef CASE
            }
        }
    }
}

#endif

// MARK: Plain C, the same sums in the same order

static void productPlain(long m, long n, long k, const float *a, long ra, long ca, const float *b, long ldb, float *c, long ldc) {
    for (long i = 0; i < m; i++) {
        for (long j = 0; j < n; j++) {
            float sum = 0;
            for (long p = 0; p < k; p++) sum = __builtin_fmaf(a[i * ra + p * ca], b[p * ldb + j], sum);
            c[i * ldc + j] = sum;
        }
    }
}

int loupe_matrix_kernels_level(void) {
    static int chosen = -1;  // every thread computes the same value: a relaxed race is harmless
    int level = __atomic_load_n(&chosen, __ATOMIC_RELAXED);
    if (level < 0) {
#if defined(__x86_64__)
        __builtin_cpu_init();
        level = __builtin_cpu_supports("avx512f") ? 2 : (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) ? 1 : 0;
#else
        level = 0;  // other architectures: the plain C version
#endif
        __atomic_store_n(&chosen, level, __ATOMIC_RELAXED);
    }
    return level;
}

void loupe_rows_product_at(int level, long m, long n, long k, const float *a, long rowStepA, long columnStepA, const float *b, long ldb,
                        float *c, long ldc) {
    int supported = loupe_matrix_kernels_level();
    switch (level < supported ? level : supported) {
#if defined(__x86_64__)
    case 2: product512(m, n, k, a, rowStepA, columnStepA, b, ldb, c, ldc); break;
    case 1: product256(m, n, k, a, rowStepA, columnStepA, b, ldb, c, ldc); break;
#endif
    default: productPlain(m, n, k, a, rowStepA, columnStepA, b, ldb, c, ldc); break;
    }
}

void loupe_rows_product(long m, long n, long k, const float *a, long rowStepA, long columnStepA, const float *b, long ldb,
                        float *c, long ldc) {
    loupe_rows_product_at(loupe_matrix_kernels_level(), m, n, k, a, rowStepA, columnStepA, b, ldb, c, ldc);
}
