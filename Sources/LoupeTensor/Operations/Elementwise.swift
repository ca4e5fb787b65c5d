import Foundation

// Element-wise arithmetic with broadcasting, each forward beside its gradient.

extension Tensor {
    /// Applies `f` to matching elements of `left` and `right` under broadcasting.
    static func combine(_ left: Tensor, _ right: Tensor, op: String, _ f: (Float, Float) -> Float) -> Tensor {
        withoutActuallyEscaping(f) { combine(left, right, op: op, BinaryClosure(body: $0)) }
    }

    /// `combine` for a function type: specialised, so `f` is inlined into the loops.
    static func combine<F: BinaryElementFunction>(_ left: Tensor, _ right: Tensor, op: String, _ f: F) -> Tensor {
        if left.shape == right.shape {
            return Tensor.build(shape: left.shape) { out in
                left.withUnsafePointer { a in
                    right.withUnsafePointer { b in
                        Parallel.forChunks(of: left.count) { range in
                            for i in range { out[i] = f(a[i], b[i]) }
                        }
                    }
                }
            }
        }
        let plan = BroadcastPlan(left.shape, right.shape, op: op)
        return Tensor.build(shape: plan.outputShape) { out in
            left.withUnsafePointer { a in
                right.withUnsafePointer { b in
                    // Each run writes its own output values: the runs go over the cores
                    // (one core did pfadseg's channel-attention products, 1 M values each).
                    plan.forEachRunInParallel { lo, ro, oo, n, ls, rs in
                        switch (ls, rs) {
                        case (1, 1): for i in 0..<n { out[oo + i] = f(a[lo + i], b[ro + i]) }
                        case (1, 0): let y = b[ro]; for i in 0..<n { out[oo + i] = f(a[lo + i], y) }
                        case (0, 1): let x = a[lo]; for i in 0..<n { out[oo + i] = f(x, b[ro + i]) }
                        default: for i in 0..<n { out[oo + i] = f(a[lo + i * ls], b[ro + i * rs]) }
                        }
                    }
                }
            }
        }
    }

    /// Applies `f` to every element.
    func map(_ f: (Float) -> Float) -> Tensor {
        withoutActuallyEscaping(f) { map(UnaryClosure(body: $0)) }
    }

    /// `map` for a function type: specialised, so `f` is inlined into the loop.
    func map<F: UnaryElementFunction>(_ f: F) -> Tensor {
        Tensor.build(shape: shape) { out in
            withUnsafePointer { a in
                Parallel.forChunks(of: count) { range in
                    for i in range { out[i] = f(a[i]) }
                }
            }
        }
    }

    /// Sums this gradient over the axes that broadcasting expanded, giving `shape`.
    public func summed(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        let plan = BroadcastPlan(shape, target, op: "summed(toShape:)")
        invariant(plan.outputShape == shape, "summed(toShape:): \(target) does not broadcast to \(shape)")
        return Tensor.build(shape: target) { out in
            let total = target.reduce(1, *)
            memset(out, 0, total * MemoryLayout<Float>.stride)
            withUnsafePointer { g in
                let addRun = { (go: Int, to: Int, _: Int, n: Int, gs: Int, ts: Int) in
                    if ts == 0 {
                        // Sixteen lanes over a contiguous run: a single running sum's rounding
                        // grows with n and seeded most of rd-dual's difference from ONNX Runtime.
                        var sum: Float = 0
                        if gs == 1 { sum = LaneSums.sum(g + go, count: n) } else { for i in 0..<n { sum += g[go + i * gs] } }
                        out[to] += sum
                    } else {
                        for i in 0..<n { out[to + i * ts] += g[go + i * gs] }
                    }
                }
                // Over the cores when every run sums into values of its own (N×C×H×W to
                // N×C×1×1); one run after another when runs share values, so each sums in order.
                if plan.runsOwnTheirRightValues { plan.forEachRunInParallel(addRun) } else { plan.forEachRun(addRun) }
            }
        }
    }

    /// This tensor repeated along broadcast axes to `target`.
    public func broadcasted(to target: [Int]) -> Tensor {
        if shape == target { return self }
        let plan = BroadcastPlan(target, shape, op: "broadcasted(to:)")
        invariant(plan.outputShape == target, "broadcasted(to:): \(shape) does not broadcast to \(target)")
        let source = self
        // Written run by run from this tensor alone: a mean's gradient (16×64×1×1 to
        // 16×64×64×64 in pfadseg) was combined with a zero tensor of the full size first.
        let result = Tensor.build(shape: target) { out in
            withUnsafePointer { x in
                plan.forEachRunInParallel { _, from, to, n, _, step in
                    if step == 0 {
                        (out + to).update(repeating: x[from], count: n)
                    } else {
                        for i in 0..<n { out[to + i] = x[from + i * step] }
                    }
                }
            }
        }
        return result.recorded(from: [self]) { g in [g.summed(toShape: source.shape)] }
    }
}

// MARK: - Tensor ⊕ Tensor

extension Tensor {
    public static func + (left: Tensor, right: Tensor) -> Tensor {
        Tensor.traced(.add, [left, right]) {
            Tensor.combine(left, right, op: "add", ElementFunctions.Add()).recorded(from: [left, right]) { g in
                [left.requiresGradient ? g.summed(toShape: left.shape) : nil,
                 right.requiresGradient ? g.summed(toShape: right.shape) : nil]
            }
        }
    }

    public static func - (left: Tensor, right: Tensor) -> Tensor {
        Tensor.traced(.subtract, [left, right]) {
            Tensor.combine(left, right, op: "subtract", ElementFunctions.Subtract()).recorded(from: [left, right]) { g in
                [left.requiresGradient ? g.summed(toShape: left.shape) : nil,
                 right.requiresGradient ? (-g).summed(toShape: right.shape) : nil]
            }
        }
    }

    public static func * (left: Tensor, right: Tensor) -> Tensor {
        Tensor.traced(.multiply, [left, right]) {
            Tensor.combine(left, right, op: "multiply", ElementFunctions.Multiply()).recorded(from: [left, right]) { g in
                [left.requiresGradient ? (g * right.detached).summed(toShape: left.shape) : nil,
                 right.requiresGradient ? (g * left.detached).summed(toShape: right.shape) : nil]
            }
        }
    }

    public static func / (left: Tensor, right: Tensor) -> Tensor {
        Tensor.traced(.divide, [left, right]) {
            Tensor.combine(left, right, op: "divide", ElementFunctions.Divide()).recorded(from: [left, right]) { g in
                let r = right.detached
                return [left.requiresGradient ? (g / r).summed(toShape: left.shape) : nil,
                        right.requiresGradient
                            ? Tensor.combine(Tensor.combine(g, left.detached, op: "divide", *), r, op: "divide") { gl, y in -gl / (y * y) }
                                .summed(toShape: right.shape)
                            : nil]
            }
        }
    }

    public static prefix func - (x: Tensor) -> Tensor {
        Tensor.traced(.multiplyScalar(-1), [x]) { x.map { -$0 }.recorded(from: [x]) { g in [-g] } }
    }
}

// MARK: - Tensor ⊕ scalar

extension Tensor {
    public static func + (x: Tensor, s: Float) -> Tensor {
        Tensor.traced(.addScalar(s), [x]) { x.map(ElementFunctions.AddScalar(scalar: s)).recorded(from: [x]) { g in [g] } }
    }
    public static func + (s: Float, x: Tensor) -> Tensor { x + s }
    public static func - (x: Tensor, s: Float) -> Tensor { x + (-s) }
    public static func - (s: Float, x: Tensor) -> Tensor {
        Tensor.traced(.scalarMinus(s), [x]) { x.map { s - $0 }.recorded(from: [x]) { g in [-g] } }
    }
    public static func * (x: Tensor, s: Float) -> Tensor {
        Tensor.traced(.multiplyScalar(s), [x]) { x.map(ElementFunctions.MultiplyScalar(scalar: s)).recorded(from: [x]) { g in [g * s] } }
    }
    public static func * (s: Float, x: Tensor) -> Tensor { x * s }
    public static func / (x: Tensor, s: Float) -> Tensor { x * (1 / s) }
    public static func / (s: Float, x: Tensor) -> Tensor {
        Tensor.traced(.scalarDivide(s), [x]) {
            x.map { s / $0 }.recorded(from: [x]) { g in [Tensor.combine(g, x.detached, op: "divide") { gv, v in -s * gv / (v * v) }] }
        }
    }

    /// Each element raised to `exponent`.
    public func pow(_ exponent: Float) -> Tensor {
        traced(.power(exponent), [self]) {
            let x = detached
            return map { Foundation.pow($0, exponent) }.recorded(from: [self]) { g in
                [Tensor.combine(g, x, op: "pow") { gv, v in gv * exponent * Foundation.pow(v, exponent - 1) }]
            }
        }
    }

    public func squareRoot() -> Tensor {
        traced(.squareRoot, [self]) {
            let y = map { $0.squareRoot() }
            let saved = y
            return y.recorded(from: [self]) { g in [Tensor.combine(g, saved, op: "sqrt") { gv, r in gv / (2 * r) }] }
        }
    }

    public func exp() -> Tensor {
        traced(.exponential, [self]) {
            let y = map { Foundation.exp($0) }
            let saved = y
            return y.recorded(from: [self]) { g in [g * saved] }
        }
    }

    public func log() -> Tensor {
        traced(.logarithm, [self]) {
            let x = detached
            return map { Foundation.log($0) }.recorded(from: [self]) { g in [g / x] }
        }
    }

    public func abs() -> Tensor {
        traced(.absolute, [self]) {
            let x = detached
            return map { Swift.abs($0) }.recorded(from: [self]) { g in
                [Tensor.combine(g, x, op: "abs") { gv, v in v > 0 ? gv : (v < 0 ? -gv : 0) }]
            }
        }
    }

    /// Elements limited to `[lower, upper]`; the gradient passes only where not clamped.
    public func clamped(min lower: Float = -.infinity, max upper: Float = .infinity) -> Tensor {
        traced(.clamp(lower: lower, upper: upper), [self]) {
            let x = detached
            return map(ElementFunctions.Clamp(lower: lower, upper: upper)).recorded(from: [self]) { g in
                [Tensor.combine(g, x, op: "clamp") { gv, v in v >= lower && v <= upper ? gv : 0 }]
            }
        }
    }
}
