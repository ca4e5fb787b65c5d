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
        let correction1 = 1 - Foundation.pow(beta1, Float(stepCount))
        let correction2Root = (1 - Foundation.pow(beta2, Float(stepCount))).squareRoot()
        let stepSize = learningRate / correction1
        for (index, parameter) in parameters.enumerated() {
            guard let gradient = parameter.gradient else { continue }
            let n = gradient.count
            firstMoments.withSlot(index, count: n) { m, _ in
                secondMoments.withSlot(index, count: n) { v, _ in
                    gradient.withUnsafePointer { g in
                        parameter.update { p in
                            m.withUnsafeMutableBufferPointer { m in
                                v.withUnsafeMutableBufferPointer { v in
                                    let (m, v) = (m.baseAddress!, v.baseAddress!)
                                    Parallel.forChunks(of: n, grain: 65_536) { range in
                                        for i in range {
                                            var grad = g[i]
                                            if decoupledWeightDecay {
                                                p[i] *= 1 - learningRate * weightDecay
                                            } else {
                                                grad += weightDecay * p[i]
                                            }
                                            m[i] = beta1 * m[i] + (1 - beta1) * grad
                                            v[i] = beta2 * v[i] + (1 - beta2) * grad * grad
                                            let denominator = v[i].squareRoot() / correction2Root + epsilon
                                            p[i] -= stepSize * m[i] / denominator
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
