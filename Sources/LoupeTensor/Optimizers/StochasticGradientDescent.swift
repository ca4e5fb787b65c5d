/// SGD with optional momentum, dampening, Nesterov and L2 weight decay, as `torch.optim.SGD`.
public final class StochasticGradientDescent: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    public let momentum: Float, dampening: Float, weightDecay: Float, nesterov: Bool
    private var velocity: OptimizerSlots

    public init(parameters: [Parameter], learningRate: Float, momentum: Float = 0, dampening: Float = 0,
                weightDecay: Float = 0, nesterov: Bool = false) {
        invariant(!nesterov || (momentum > 0 && dampening == 0), "SGD: Nesterov needs momentum > 0 and no dampening")
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum; self.dampening = dampening
        self.weightDecay = weightDecay; self.nesterov = nesterov
        velocity = OptimizerSlots(count: parameters.count)
    }

    /// The momentum buffers, named `sgd.velocity.<index>`.
    public var state: [String: Tensor] { velocity.tensors(prefix: "sgd.velocity") }

    public func restore(_ state: [String: Tensor]) { velocity.restore(from: state, prefix: "sgd.velocity") }

    /// Every parameter's update in pieces (`UpdatePieces`), eight values at a time; each
    /// value's arithmetic is the scalar one, in order: the same bits.
    public func step() {
        var updates: [(parameter: Parameter, gradient: Tensor, velocity: Tensor, isNew: Bool)] = []
        for (index, parameter) in parameters.enumerated() {
            guard let gradient = parameter.gradient else { continue }
            let (velocityValues, isNew) = velocity.slot(index, count: momentum != 0 ? gradient.count : 0)
            updates.append((parameter, gradient, velocityValues, isNew))
        }
        let rule = SGDRule(learningRate: learningRate, momentum: momentum, dampening: dampening, weightDecay: weightDecay, nesterov: nesterov)
        UpdatePieces.forEach(updates, count: \.gradient.count) { update, range in
            let (parameter, gradient, velocity, isNew) = update
            parameter.update { p in
                gradient.withUnsafePointer { g in
                    velocity.updateInPlace { v in
                        var i = range.lowerBound
                        while i + 8 <= range.upperBound {
                            rule.update(p + i, g + i, v + i, isNew: isNew, count: 8)
                            i += 8
                        }
                        if i < range.upperBound { rule.update(p + i, g + i, v + i, isNew: isNew, count: range.upperBound - i) }
                    }
                }
            }
        }
    }
}

/// `torch.optim.SGD`'s update of up to eight values: d = g + λp; with momentum the
/// velocity v = d on the first step, else μv + (1 − dampening)d, and d = v (Nesterov:
/// d + μv); p −= lr · d. The velocity is not touched without momentum (it has no values).
private struct SGDRule {
    let learningRate: Float, momentum: Float, dampening: Float, weightDecay: Float
    let nesterov: Bool

    @inline(__always)
    func update(_ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ v: UnsafeMutablePointer<Float>, isNew: Bool, count: Int) {
        var (pv, gv, vv) = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
        let moving = momentum != 0
        if count == 8 {
            (pv, gv) = (.load(p), .load(g))
            if moving { vv = .load(v) }
        } else {
            for j in 0..<count { (pv[j], gv[j]) = (p[j], g[j]) }
            if moving { for j in 0..<count { vv[j] = v[j] } }
        }
        var d = gv + weightDecay * pv
        if moving {
            vv = isNew ? d : momentum * vv + (1 - dampening) * d
            d = nesterov ? d + momentum * vv : vv
        }
        pv -= learningRate * d
        if count == 8 {
            pv.store(p)
            if moving { vv.store(v) }
        } else {
            for j in 0..<count { p[j] = pv[j] }
            if moving { for j in 0..<count { v[j] = vv[j] } }
        }
    }
}
