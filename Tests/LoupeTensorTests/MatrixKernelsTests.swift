import CMatrixKernels
import LoupeTensor
import Testing

/// The packing-free products (CMatrixKernels), every instruction set this CPU runs, against
/// a plain sum in Double: shapes that end inside a register block in every direction, A
/// read transposed, and sub-blocks that must give the very bits of the whole.
@Suite struct MatrixKernelsTests {
    /// The instruction sets to check: plain C always, then AVX2 and AVX-512 where the CPU has them.
    static var levels: [Int32] { Array(0...loupe_matrix_kernels_level()) }

    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return Tensor.randomNormal([count], using: &generator).scalars
    }

    // Rows: 12 (AVX-512) and 6 (AVX2) a block; columns: 32 and 16 a block.
    @Test(arguments: [(1, 1, 1), (5, 15, 7), (12, 32, 24), (13, 33, 3), (25, 100, 24), (6, 17, 40), (7, 16, 1)])
    func rowsProductMatchesTheSum(m: Int, n: Int, k: Int) {
        let a = Self.values(m * k, seed: UInt64(m * 100 + k)), b = Self.values(k * n, seed: UInt64(n * 100 + k))
        for level in Self.levels {
            for transposed in [false, true] {
                // A is m×k; transposed, it is stored k×m (A[i][p] at p·m + i), as Winograd's input gradient reads Uᵀ.
                let stored = transposed ? (0..<(k * m)).map { a[($0 % m) * k + $0 / m] } : a
                var c = [Float](repeating: .nan, count: m * n)
                loupe_rows_product_at(level, m, n, k, stored, transposed ? 1 : k, transposed ? m : 1, b, n, &c, n)
                let worst = (0..<(m * n)).map { index -> Double in
                    let (i, j) = (index / n, index % n)
                    let sum = (0..<k).reduce(0.0) { $0 + Double(a[i * k + $1]) * Double(b[$1 * n + j]) }
                    return abs(Double(c[index]) - sum)
                }.max() ?? 0
                #expect(worst < 1e-4, "level \(level) transposed \(transposed): largest error \(worst)")
            }
        }
    }

    /// Each value is one straight sum over p: a column range or a row range computed alone
    /// gives the same bits as the whole (Winograd's outputs do not depend on the batch).
    @Test func rowsProductValuesDoNotDependOnTheBlock() {
        let (m, n, k) = (20, 70, 24)
        let a = Self.values(m * k, seed: 1), b = Self.values(k * n, seed: 2)
        for level in Self.levels {
            var whole = [Float](repeating: 0, count: m * n), part = [Float](repeating: 0, count: m * n)
            loupe_rows_product_at(level, m, n, k, a, k, 1, b, n, &whole, n)
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    part.withUnsafeMutableBufferPointer { c in
                        // Rows 3…19 and columns 5…69: every block boundary moves.
                        loupe_rows_product_at(level, m - 3, n - 5, k, a.baseAddress! + 3 * k, k, 1, b.baseAddress! + 5, n,
                                              c.baseAddress! + 3 * n + 5, n)
                    }
                }
            }
            let same = (3..<m).allSatisfy { i in (5..<n).allSatisfy { j in whole[i * n + j] == part[i * n + j] } }
            #expect(same, "level \(level)")
        }
    }

    // Rows 4 (AVX-512) and 3 (AVX2) a block, columns 6 and 4, the sum 16 and 8 lanes at a time.
    @Test(arguments: [(1, 1, 1), (4, 6, 16), (5, 7, 17), (3, 4, 8), (9, 13, 100), (24, 24, 2048), (2, 1, 15)])
    func dotsProductMatchesTheSum(m: Int, n: Int, k: Int) {
        let a = Self.values(m * k, seed: UInt64(m * 100 + k)), b = Self.values(n * k, seed: UInt64(n * 100 + k + 1))
        for level in Self.levels {
            // Rows padded past k (ld = k + 3): the kernel must not read into the padding as data.
            let ld = k + 3
            let paddedA = (0..<(m * ld)).map { $0 % ld < k ? a[($0 / ld) * k + $0 % ld] : Float.nan }
            let paddedB = (0..<(n * ld)).map { $0 % ld < k ? b[($0 / ld) * k + $0 % ld] : Float.nan }
            var c = [Float](repeating: .nan, count: m * n)
            loupe_dots_product_at(level, m, n, k, paddedA, ld, paddedB, ld, &c, n)
            let worst = (0..<(m * n)).map { index -> Double in
                let (i, j) = (index / n, index % n)
                let sum = (0..<k).reduce(0.0) { $0 + Double(a[i * k + $1]) * Double(b[j * k + $1]) }
                return abs(Double(c[index]) - sum)
            }.max() ?? 0
            #expect(worst < 1e-3, "level \(level): largest error \(worst)")
        }
    }
}
