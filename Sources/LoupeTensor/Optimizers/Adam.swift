import Foundation

/// Adam, or AdamW when `decoupledWeightDecay` is set, as `torch.optim.Adam`/`AdamW`.
public final class Adam: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    public let beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
    /// AdamW: decay the weights directly instead of adding the decay to the gradient.
    public let decoupledWeightDecay: Bool
    /// Steps taken so far (for bias correction).
    public private(set) var stepCount = 0
    private var firstMoments: OptimizerSlots
    private var secondMoments: OptimizerSlots

    public init(parameters: [Parameter], learningRate: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999),
                epsilon: Float = 1e-8, weightDecay: Float = 0, decoupledWeightDecay: Bool = false) {
        self.parameters = parameters
        self.learningRate = learningRate
        (beta1, beta2) = betas
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
        firstMoments = OptimizerSlots(count: parameters.count)
        secondMoments = OptimizerSlots(count: parameters.count)
    }

    /// AdamW with PyTorch's default decay of 0.01.
    public static func adamW(parameters: [Parameter], learningRate: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999),
                             epsilon: Float = 1e-8, weightDecay: Float = 0.01) -> Adam {
        Adam(parameters: parameters, learningRate: learningRate, betas: betas, epsilon: epsilon,
             weightDecay: weightDecay, decoupledWeightDecay: true)
    }

    /// Moments and step count, to save with a checkpoint so training resumes exactly.
    public var state: [String: Tensor] {
        var result = firstMoments.tensors(prefix: "adam.m").merging(secondMoments.tensors(prefix: "adam.v")) { a, _ in a }
        result["adam.step"] = Tensor(Float(stepCount))
        return result
    }

    /// Restores `state` from a checkpoint of the same parameters.
    public func restore(_ state: [String: Tensor]) {
        firstMoments.restore(from: state, prefix: "adam.m")
        secondMoments.restore(from: state, prefix: "adam.v")
        stepCount = Int(state["adam.step"]?.item ?? 0)
    }

    public func step() {
        stepCount += 1
        let constants = AdamConstants(beta1: beta1, beta2: beta2, epsilon: epsilon,
                                      correction2Root: (1 - Foundation.pow(beta2, Float(stepCount))).squareRoot(),
                                      stepSize: learningRate / (1 - Foundation.pow(beta1, Float(stepCount))),
                                      weightDecay: decoupledWeightDecay ? 0 : weightDecay,
                                      decoupledDecay: decoupledWeightDecay ? learningRate * weightDecay : 0)
        var updates: [(parameter: Parameter, gradient: Tensor, m: Tensor, v: Tensor)] = []
        for (index, parameter) in parameters.enumerated() {
            guard let gradient = parameter.gradient else { continue }
            let n = gradient.count
            updates.append((parameter, gradient, firstMoments.slot(index, count: n).values, secondMoments.slot(index, count: n).values))
        }
        UpdatePieces.forEach(updates, count: \.gradient.count) { update, range in
            let (parameter, gradient, m, v) = update
            parameter.update { p in
                gradient.withUnsafePointer { g in
                    m.updateInPlace { m in
                        v.updateInPlace { v in
                            var i = range.lowerBound
                            while i + 8 <= range.upperBound {
                                constants.update(p + i, g + i, m + i, v + i, count: 8)
                                i += 8
                            }
                            if i < range.upperBound { constants.update(p + i, g + i, m + i, v + i, count: range.upperBound - i) }
                        }
                    }
                }
            }
        }
    }
}

/// One step's Adam arithmetic, eight values at a time: as a plain loop it compiled to one
/// value per instruction, and its square root and division made it a thirtieth of an RD step.
private struct AdamConstants {
    let beta1: Float, beta2: Float, epsilon: Float, correction2Root: Float, stepSize: Float
    /// L2 decay added to the gradient (Adam), 0 for AdamW.
    let weightDecay: Float
    /// Learning rate × decay taken off the weights first (AdamW), 0 for Adam.
    let decoupledDecay: Float

    /// Updates `count` ≤ 8 parameters p with gradients g and moments m, v; a short run goes
    /// through zero-padded lanes, so every value takes the same arithmetic.
    @inline(__always)
    func update(_ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ m: UnsafeMutablePointer<Float>,
                _ v: UnsafeMutablePointer<Float>, count: Int) {
        var (pv, gv, mv, vv) = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
        if count == 8 {
            (pv, gv) = (.load(p), .load(g))
            (mv, vv) = (.load(m), .load(v))
        } else {
            for j in 0..<count { (pv[j], gv[j], mv[j], vv[j]) = (p[j], g[j], m[j], v[j]) }
        }
        if decoupledDecay != 0 { pv *= 1 - decoupledDecay }
        if weightDecay != 0 { gv += weightDecay * pv }
        mv = beta1 * mv + (1 - beta1) * gv
        vv = beta2 * vv + (1 - beta2) * gv * gv
        let denominator = vv.squareRoot() / correction2Root + epsilon
        pv -= stepSize * mv / denominator
        if count == 8 {
            pv.store(p)
            mv.store(m)
            vv.store(v)
        } else {
            for j in 0..<count { (p[j], m[j], v[j]) = (pv[j], mv[j], vv[j]) }
        }
    }
}
