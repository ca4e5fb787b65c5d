// loupe_dots_product: C = A·Bᵀ with A's and B's rows read in place, for a long inner
// dimension and few rows (Winograd's weight gradient: one row per channel, one column
// per tile). A register block holds ROWS × COLUMNS vector sums along the rows, one lane
// for every sixteenth (AVX-512) or eighth (AVX2) value, added up lane by lane at the end.
#include "matrix_kernels.h"
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define ALWAYS_INLINE inline __attribute__((always_inline))

#if defined(__x86_64__)
// MARK: AVX-512: 4 rows × 6 columns

__attribute__((target("avx512f"))) static ALWAYS_INLINE void dots512(int rows, int columns, long k, const float *a, long lda,
                                                                    const float *b, long ldb, float *c, long ldc) {
    __m512 acc[4][6];
    for (int r = 0; r < rows; r++) for (int s = 0; s < columns; s++) acc[r][s] = _mm512_setzero_ps();
    for (long t = 0; t < k; t += 16) {
        __mmask16 mask = k - t >= 16 ? 0xFFFF : (__mmask16)((1u << (k - t)) - 1);
        __m512 x[4], y[6];
        for (int r = 0; r < rows; r++) x[r] = _mm512_maskz_loadu_ps(mask, a + r * lda + t);
        for (int s = 0; s < columns; s++) y[s] = _mm512_maskz_loadu_ps(mask, b + s * ldb + t);
        for (int r = 0; r < rows; r++) for (int s = 0; s < columns; s++) acc[r][s] = _mm512_fmadd_ps(x[r], y[s], acc[r][s]);
    }
    for (int r = 0; r < rows; r++) for (int s = 0; s < columns; s++) c[r * ldc + s] = _mm512_reduce_add_ps(acc[r][s]);
}

__attribute__((target("avx512f"))) static void product512(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                                                         float *c, long ldc) {
    for (long i = 0; i < m; i += 4) {
        int rows = m - i < 4 ? (int)(m - i) : 4;
        for (long j = 0; j < n; j += 6) {
            int columns = n - j < 6 ? (int)(n - j) : 6;
            const float *ai = a + i * lda, *bj = b + j * ldb;
            float *cij = c + i * ldc + j;
#define CASE(R, S) case 6 * R + S: dots512(R, S, k, ai, lda, bj, ldb, cij, ldc); break;
#define ROW(R) CASE(R, 1) CASE(R, 2) CASE(R, 3) CASE(R, 4) CASE(R, 5) CASE(R, 6)
            switch (6 * rows + columns) { ROW(1) ROW(2) ROW(3) ROW(4) }
#undef ROW
#undef CASE
        }
    }
}

// MARK: AVX2 + FMA: 3 rows × 4 columns

__attribute__((target("avx2,fma"))) static ALWAYS_INLINE float sum256(__m256 v) {
    __m128 half = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    half = _mm_add_ps(half, _mm_movehl_ps(half, half));
    half = _mm_add_ss(half, _mm_movehdup_ps(half));
    return _mm_cvtss_f32(half);
}

__attribute__((target("avx2,fma"))) static ALWAYS_INLINE void dots256(int rows, int columns, long k, const float *a, long lda,
                                                                     const float *b, long ldb, float *c, long ldc) {
    __m256 acc[3][4];
    for (int r = 0; r < rows; r++) for (int s = 0; s < columns; s++) acc[r][s] = _mm256_setzero_ps();
    for (long t = 0; t < k; t += 8) {
        __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(k - t)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        __m256 x[3], y[4];
        for (int r = 0; r < rows; r++) x[r] = _mm256_maskload_ps(a + r * lda + t, mask);
        for (int s = 0; s < columns; s++) y[s] = _mm256_maskload_ps(b + s * ldb + t, mask);
        for (int r = 0; r < rows; r++) for (int s = 0; s < columns; s++) acc[r][s] = _mm256_fmadd_ps(x[r], y[s], acc[r][s]);
    }
    for (int r = 0; r < rows; r++) for (int s = 0; s < columns; s++) c[r * ldc + s] = sum256(acc[r][s]);
}

__attribute__((target("avx2,fma"))) static void product256(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                                                          float *c, long ldc) {
    for (long i = 0; i < m; i += 3) {
        int rows = m - i < 3 ? (int)(m - i) : 3;
        for (long j = 0; j < n; j += 4) {
            int columns = n - j < 4 ? (int)(n - j) : 4;
            const float *ai = a + i * lda, *bj = b + j * ldb;
            float *cij = c + i * ldc + j;
#define CASE(R, S) case 4 * R + S: dots256(R, S, k, ai, lda, bj, ldb, cij, ldc); break;
#define ROW(R) CASE(R, 1) CASE(R, 2) CASE(R, 3) CASE(R, 4)
            switch (4 * rows + columns) { ROW(1) ROW(2) ROW(3) }
#undef ROW
#undef CASE
        }
    }
}

#endif

// MARK: Plain C

static void productPlain(long m, long n, long k, const float *a, long lda, const float *b, long ldb, float *c, long ldc) {
    for (long i = 0; i < m; i++) {
        for (long j = 0; j < n; j++) {
            float sum = 0;
            for (long t = 0; t < k; t++) sum = __builtin_fmaf(a[i * lda + t], b[j * ldb + t], sum);
            c[i * ldc + j] = sum;
        }
    }
}

void loupe_dots_product_at(int level, long m, long n, long k, const float *a, long lda, const float *b, long ldb, float *c, long ldc) {
    int supported = loupe_matrix_kernels_level();
    switch (level < supported ? level : supported) {
#if defined(__x86_64__)
    case 2: product512(m, n, k, a, lda, b, ldb, c, ldc); break;
    case 1: product256(m, n, k, a, lda, b, ldb, c, ldc); break;
#endif
    default: productPlain(m, n, k, a, lda, b, ldb, c, ldc); break;
    }
}

void loupe_dots_product(long m, long n, long k, const float *a, long lda, const float *b, long ldb, float *c, long ldc) {
    loupe_dots_product_at(loupe_matrix_kernels_level(), m, n, k, a, lda, b, ldb, c, ldc);
}
