import CBLAS
import CMatrixKernels

/// C = op(A)·op(B) (+ C when `accumulate`), row-major: every matrix product in the engine
/// goes through here or, for many small ones at once, `gemmBatch`. OpenBLAS computes it,
/// or the packing-free kernel where `RowsProduct.suits` the shape.
/// `parts` caps how many cores it splits over (1 inside a loop already spread over them).
func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
          a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
          c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool = false, parts partLimit: Int = .max) {
    guard m > 0, n > 0 else { return }
    if k == 0 {
        if !accumulate { for row in 0..<m { (c + row * ldc).update(repeating: 0, count: n) } }
        return
    }
    let product = MatrixProduct(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc,
                                accumulate: accumulate)
    let parts = min(Parallel.coreCount, MatrixThreads.limit, partLimit, m * n * k / MatrixThreads.grain)
    if parts <= 1 { return product.block(rows: 0..<m, columns: 0..<n, a, b, c) }
    // Our workers split C into column (or row) blocks, each a single-threaded product:
    // no OpenBLAS threads left spinning against the engine's own parallel loops.
    let splitColumns = n >= m
    let length = splitColumns ? n : m
    Parallel.forEach(parts) { part in
        let start = part == 0 ? 0 : (length * part / parts) & ~15
        let end = part == parts - 1 ? length : (length * (part + 1) / parts) & ~15
        guard end > start else { return }
        product.block(rows: splitColumns ? 0..<m : start..<end, columns: splitColumns ? start..<end : 0..<n, a, b, c)
    }
}

/// One matrix product's layout and the kernel that computes it (C's m × n is given per
/// block; the whole's only chooses the kernel).
struct MatrixProduct {
    let transposeA: Bool, transposeB: Bool
    let k: Int
    let lda: Int, ldb: Int, ldc: Int
    let accumulate: Bool
    /// The packing-free kernel (CMatrixKernels) rather than OpenBLAS.
    let packingFree: Bool

    init(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, lda: Int, ldb: Int, ldc: Int, accumulate: Bool = false) {
        (self.transposeA, self.transposeB, self.k) = (transposeA, transposeB, k)
        (self.lda, self.ldb, self.ldc, self.accumulate) = (lda, ldb, ldc, accumulate)
        packingFree = !transposeB && !accumulate && RowsProduct.suits(m: m, n: n, k: k)
        if !packingFree { _ = MatrixThreads.openBLASReady }
    }

    /// C[rows, columns] from the matching rows of op(A) and columns of op(B), on this thread.
    /// The kernel's values do not depend on the block; OpenBLAS's may in the last bits.
    func block(rows: Range<Int>, columns: Range<Int>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
               _ c: UnsafeMutablePointer<Float>) {
        let a = a + rows.lowerBound * (transposeA ? 1 : lda), b = b + columns.lowerBound * (transposeB ? ldb : 1)
        let c = c + rows.lowerBound * ldc + columns.lowerBound
        if packingFree {
            return loupe_rows_product(rows.count, columns.count, k, a, transposeA ? 1 : lda, transposeA ? lda : 1, b, ldb, c, ldc)
        }
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(rows.count), Int32(columns.count), Int32(k), 1, a, Int32(lda), b, Int32(ldb), accumulate ? 1 : 0, c, Int32(ldc))
    }
}

/// Products with a short inner dimension (B and C not transposed) through the packing-free
/// kernel: there OpenBLAS's packing of A and B and its zeroing of C cost as much as the
/// multiplies (Winograd's per-position products at 16–64 channels, the transposed 2×2
/// convolutions of RD's decoder).
enum RowsProduct {
    /// Whether an m × k A suits the kernel: a short inner dimension, and A small enough to
    /// stay in L2 while the kernel walks B's columns (it reads all of A for every 32 of them).
    /// One product, one core (a C harness timing both, best of 30), OpenBLAS → kernel:
    /// 24 × 24 · 24 × 2,048 31.9 → 18.3 µs, 64 × 64 · 64 × 2,048 153 → 132, 128 × 128 ·
    /// 128 × 512 122 → 113, 224 × 224 · 224 × 128 91 → 85; 256 × 256 · 256 × 512 447 → 471.
    /// In RD's step, the stride-2 convolution's input gradient (A 3,024 × 224, 2.7 MB) took
    /// 7.2 → 11.6 ms through the kernel: OpenBLAS's blocking for cache wins there.
    /// At n = 16 (batch-1 scoring's 224 channels at 8², 16 Winograd tiles) half of each
    /// 32-column block is empty: 224 × 224 · 224 × 16 17.2 → 25.4 µs; at 32, 34.5 → 25.0.
    static func suits(m: Int, n: Int, k: Int) -> Bool { k <= 224 && m * k <= 65_536 && n >= 32 }
}

/// How matrix products use the cores: OpenBLAS runs single-threaded and `gemm` splits the
/// product over the engine's own workers. OpenBLAS's threads spin-wait after each product
/// and competed with the engine's parallel loops for the two cores (a fifth of a training
/// step in the profile); splitting ourselves made an RD epoch on pcb about 13 % faster.
enum MatrixThreads {
    /// Multiply-adds below which one core does the whole product.
    static let grain = 1 << 20
    /// At most this many parts per product (`setMatrixThreads`).
    nonisolated(unsafe) static var limit = Parallel.coreCount
    /// OpenBLAS on the best kernels this CPU runs and on one thread, once, before the first product.
    static let openBLASReady: Void = {
        OpenBLASKernel.chooseForThisCPU()
        openblas_set_num_threads(1)
    }()
}

extension Tensor {
    /// Matrix product of [m, k] and [k, n], or batched [b, m, k]·[b, k, n].
    public func matmul(_ other: Tensor) -> Tensor {
        traced(.matrixMultiply, [self, other]) {
            invariant((rank == 2 && other.rank == 2) || (rank == 3 && other.rank == 3 && shape[0] == other.shape[0]),
                         "matmul: needs two matrices or two equal-sized batches of matrices, got \(shape) and \(other.shape)")
            let batch = rank == 3 ? shape[0] : 1
            let m = shape[rank - 2], k = shape[rank - 1], n = other.shape[rank - 1]
            invariant(other.shape[rank - 2] == k, "matmul: inner dimensions differ in \(shape) · \(other.shape)")
            let outShape = rank == 3 ? [batch, m, n] : [m, n]
            let left = detached, right = other.detached
            let result = Tensor.build(shape: outShape) { out in
                left.withUnsafePointer { a in
                    right.withUnsafePointer { b in
                        for i in 0..<batch {
                            gemm(transposeA: false, transposeB: false, m: m, n: n, k: k,
                                 a: a + i * m * k, lda: k, b: b + i * k * n, ldb: n, c: out + i * m * n, ldc: n)
                        }
                    }
                }
            }
            let needs = (requiresGradient, other.requiresGradient)
            return result.recorded(from: [self, other]) { g in
                let gradLeft: Tensor? = needs.0 ? Tensor.build(shape: left.shape) { out in
                    g.withUnsafePointer { gp in
                        right.withUnsafePointer { b in
                            for i in 0..<batch {
                                gemm(transposeA: false, transposeB: true, m: m, n: k, k: n,
                                     a: gp + i * m * n, lda: n, b: b + i * k * n, ldb: n, c: out + i * m * k, ldc: k)
                            }
                        }
                    }
                } : nil
                let gradRight: Tensor? = needs.1 ? Tensor.build(shape: right.shape) { out in
                    g.withUnsafePointer { gp in
                        left.withUnsafePointer { a in
                            for i in 0..<batch {
                                gemm(transposeA: true, transposeB: false, m: k, n: n, k: m,
                                     a: a + i * m * k, lda: k, b: gp + i * m * n, ldb: n, c: out + i * k * n, ldc: n)
                            }
                        }
                    }
                } : nil
                return [gradLeft, gradRight]
            }
        }
    }
}

/// Sets how many cores one matrix product may use.
public func setMatrixThreads(_ count: Int) {
    MatrixThreads.limit = max(1, count)
}

/// `count` independent products C[i] = A[i]·B[i] (matrices `stride…` apart), spread over
/// the cores a product at a time: for many small products one dispatch beats splitting each.
/// Each product is claimed by whichever thread is free, not dealt out in advance: dealt
/// out, one core waited for the other ~15 % of these loops' time in RD training.
func gemmBatch(count: Int, transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
               a: UnsafePointer<Float>, strideA: Int, lda: Int, b: UnsafePointer<Float>, strideB: Int, ldb: Int,
               c: UnsafeMutablePointer<Float>, strideC: Int, ldc: Int) {
    guard count > 0, m > 0, n > 0, k > 0 else {
        for i in 0..<count { gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, a: a + i * strideA, lda: lda,
                                  b: b + i * strideB, ldb: ldb, c: c + i * strideC, ldc: ldc) }
        return
    }
    let product = MatrixProduct(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc)
    forEachProduct(count, UncheckedSendable((a, b, c))) { i, a, b, c in
        product.block(rows: 0..<m, columns: 0..<n, a + i * strideA, b + i * strideB, c + i * strideC)
    }
}

/// `count` products C[i] = A[i]·B[i]ᵀ, A's and B's rows of length k read in place, through
/// the packing-free kernel: Winograd's weight gradients, few rows summed over many tiles.
func dotsProductBatch(count: Int, m: Int, n: Int, k: Int,
                      a: UnsafePointer<Float>, strideA: Int, lda: Int, b: UnsafePointer<Float>, strideB: Int, ldb: Int,
                      c: UnsafeMutablePointer<Float>, strideC: Int, ldc: Int) {
    forEachProduct(count, UncheckedSendable((a, b, c))) { i, a, b, c in
        loupe_dots_product(m, n, k, a + i * strideA, lda, b + i * strideB, ldb, c + i * strideC, ldc)
    }
}

/// Runs product `i` of `count` on whichever core is free (one core when products are kept to one).
private func forEachProduct(_ count: Int, _ work: UncheckedSendable<(UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>)>,
                            _ product: (Int, UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) {
    let body = { (i: Int) in product(i, work.value.0, work.value.1, work.value.2) }
    if MatrixThreads.limit > 1 { Parallel.forEach(count, body) } else { (0..<count).forEach(body) }
}
