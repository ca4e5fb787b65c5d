import LoupeTensor

/// A frozen feature extractor: the teacher every method distils from.
public protocol Backbone: Module {
    /// Output channels of each stage, shallowest first (strides 4, 8, 16, 32).
    var stageChannels: [Int] { get }
    /// The module whose output each stage is, by its parameter-name prefix (`layer1`,
    /// `_blocks.2`, …), so features can be asked for and reported by name.
    var stageNames: [String] { get }
    /// Stage outputs for an N×3×H×W batch, shallowest first, stopping after `stageCount`.
    func features(_ input: Tensor, stageCount: Int) -> [Tensor]
    /// Folds each BatchNorm into its convolution for a frozen, evaluation-only network.
    func foldBatchNorms()
    /// ImageNet class logits for an N×3×H×W batch.
    func callAsFunction(_ input: Tensor) -> Tensor
}

extension Backbone {
    /// Stage outputs by name, up to and including `deepest`.
    public func features(_ input: Tensor, upTo deepest: String) -> [String: Tensor] {
        guard let index = stageNames.firstIndex(of: deepest) else {
            invariant(false, "features(upTo:): \(deepest) is not one of \(stageNames)")
            return [:]
        }
        return Dictionary(uniqueKeysWithValues: zip(stageNames, features(input, stageCount: index + 1)))
    }
}
