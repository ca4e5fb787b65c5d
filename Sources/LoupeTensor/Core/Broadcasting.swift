/// How two shapes combine under NumPy/PyTorch broadcasting, with adjacent dimensions merged
/// so the inner loop runs over as many contiguous elements as possible.
struct BroadcastPlan {
    let outputShape: [Int]
    /// Merged dimensions: sizes and per-operand strides (0 where that operand broadcasts).
    let sizes: [Int]
    let leftStrides: [Int]
    let rightStrides: [Int]

    static func outputShape(_ left: [Int], _ right: [Int], op: String) -> [Int] {
        let rank = max(left.count, right.count)
        let l = Array(repeating: 1, count: rank - left.count) + left
        let r = Array(repeating: 1, count: rank - right.count) + right
        return (0..<rank).map { axis in
            if l[axis] == r[axis] || r[axis] == 1 { return l[axis] }
            invariant(l[axis] == 1, "\(op): shapes \(left) and \(right) do not broadcast (axis \(axis): \(l[axis]) vs \(r[axis]))")
            return r[axis]
        }
    }

    init(_ left: [Int], _ right: [Int], op: String) {
        let out = BroadcastPlan.outputShape(left, right, op: op)
        let rank = out.count
        let l = Array(repeating: 1, count: rank - left.count) + left
        let r = Array(repeating: 1, count: rank - right.count) + right
        func strides(_ dims: [Int]) -> [Int] {
            var result = Array(repeating: 0, count: rank)
            var step = 1
            for axis in stride(from: rank - 1, through: 0, by: -1) {
                result[axis] = dims[axis] == 1 && out[axis] != 1 ? 0 : step
                step *= dims[axis]
            }
            return result
        }
        let ls = strides(l), rs = strides(r)
        // Merge axis into the next-inner one when both operands step through them alike.
        var sizes: [Int] = [], lStrides: [Int] = [], rStrides: [Int] = []
        for axis in 0..<rank where out[axis] != 1 {
            if let lastSize = sizes.last, let lastL = lStrides.last, let lastR = rStrides.last,
               lastL == ls[axis] * out[axis], lastR == rs[axis] * out[axis] {
                sizes[sizes.count - 1] = lastSize * out[axis]
                lStrides[lStrides.count - 1] = ls[axis]
                rStrides[rStrides.count - 1] = rs[axis]
            } else {
                sizes.append(out[axis]); lStrides.append(ls[axis]); rStrides.append(rs[axis])
            }
        }
        if sizes.isEmpty { sizes = [1]; lStrides = [0]; rStrides = [0] }
        outputShape = out
        self.sizes = sizes
        leftStrides = lStrides
        rightStrides = rStrides
    }

    /// Runs of the innermost merged dimension, and the length of each.
    var runCount: Int { sizes.dropLast().reduce(1, *) }
    var runLength: Int { sizes[sizes.count - 1] }

    /// Whether distinct runs reach distinct values of the right operand: no outer dimension
    /// broadcasts it. A gradient summed to the right shape can then run its runs in any
    /// order, or at once, and each value still gets the same sum.
    var runsOwnTheirRightValues: Bool { rightStrides.dropLast().allSatisfy { $0 != 0 } }

    /// Calls `body(leftOffset, rightOffset, outputOffset, innerCount, leftStep, rightStep)`
    /// once per run of the innermost merged dimension.
    func forEachRun(_ body: (Int, Int, Int, Int, Int, Int) -> Void) {
        forEachRun(in: 0..<runCount, body)
    }

    /// `forEachRun` with the runs shared out over the cores in contiguous chunks (each run
    /// is the same call as one at a time; `body` must write only its own run's values).
    func forEachRunInParallel(_ body: (Int, Int, Int, Int, Int, Int) -> Void) {
        Parallel.forChunks(of: runCount, grain: max(1, 16_384 / max(runLength, 1))) { runs in forEachRun(in: runs, body) }
    }

    /// The runs `runs`, from the offsets of the first (counted out of its index), then by
    /// an odometer over the outer dimensions.
    private func forEachRun(in runs: Range<Int>, _ body: (Int, Int, Int, Int, Int, Int) -> Void) {
        let inner = sizes.count - 1
        let innerCount = sizes[inner]
        var index = Array(repeating: 0, count: max(inner, 1))
        var lOffset = 0, rOffset = 0, rest = runs.lowerBound
        for axis in stride(from: inner - 1, through: 0, by: -1) {
            index[axis] = rest % sizes[axis]
            rest /= sizes[axis]
            lOffset += index[axis] * leftStrides[axis]
            rOffset += index[axis] * rightStrides[axis]
        }
        for run in runs {
            body(lOffset, rOffset, run * innerCount, innerCount, leftStrides[inner], rightStrides[inner])
            // Odometer increment over the outer dimensions.
            var axis = inner - 1
            while axis >= 0 {
                index[axis] += 1
                lOffset += leftStrides[axis]
                rOffset += rightStrides[axis]
                if index[axis] < sizes[axis] { break }
                lOffset -= leftStrides[axis] * sizes[axis]
                rOffset -= rightStrides[axis] * sizes[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }
}
