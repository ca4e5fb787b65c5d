// Matrix products for the shapes OpenBLAS handles poorly: few rows and a short inner
// dimension (Winograd's per-position products at 16–64 channels), where its packing copies
// and its zeroing of C cost as much as the multiplies. No packing: A is read in place with
// any row and column step, B and C row by row. AVX-512 or AVX2 + FMA chosen at run time on
// x86-64; plain C on other CPUs and architectures.
#ifndef LOUPE_MATRIX_KERNELS_H
#define LOUPE_MATRIX_KERNELS_H

// C[i·ldc + j] = Σ_p A[i·rowStepA + p·columnStepA] · B[p·ldb + j] for i < m, j < n,
// p from 0 up to k − 1 in that order (so each value sums the same way whatever m and n).
void loupe_rows_product(long m, long n, long k,
                        const float *a, long rowStepA, long columnStepA,
                        const float *b, long ldb,
                        float *c, long ldc);

// C[i·ldc + j] = Σ_t A[i·lda + t] · B[j·ldb + t] for i < m, j < n: A·Bᵀ for a long inner
// dimension k, each value summed lane by lane over every 16th (AVX-512) or 8th (AVX2) t.
void loupe_dots_product(long m, long n, long k,
                        const float *a, long lda,
                        const float *b, long ldb,
                        float *c, long ldc);

// The instruction set the products run on: 2 AVX-512, 1 AVX2 + FMA, 0 plain C.
int loupe_matrix_kernels_level(void);

// The same products on a given instruction set (as loupe_matrix_kernels_level numbers them),
// for tests that check every version this CPU can run (a level above it runs as its best).
void loupe_rows_product_at(int level, long m, long n, long k, const float *a, long rowStepA, long columnStepA,
                           const float *b, long ldb, float *c, long ldc);
void loupe_dots_product_at(int level, long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                           float *c, long ldc);

#endif
