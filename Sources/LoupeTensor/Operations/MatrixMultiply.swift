import CBLAS

/// C = op(A)·op(B) (+ C when `accumulate`), row-major, through OpenBLAS: every matrix
/// product in the engine goes through here.
func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
          a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
          c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool = false) {
    guard m > 0, n > 0 else { return }
    if k == 0 {
        if !accumulate { for row in 0..<m { (c + row * ldc).update(repeating: 0, count: n) } }
        return
    }
    cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), accumulate ? 1 : 0, c, Int32(ldc))
}

extension Tensor {
    /// Matrix product of [m, k] and [k, n], or batched [b, m, k]·[b, k, n].
    public func matmul(_ other: Tensor) -> Tensor {
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

/// Sets how many threads OpenBLAS uses for every matrix product.
public func setMatrixThreads(_ count: Int) {
    openblas_set_num_threads(Int32(count))
}
