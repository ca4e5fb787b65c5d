import LoupeTensor

/// A frozen feature extractor: the teacher every method distils from.
public protocol Backbone: Module {
    /// Output channels of each stage, shallowest first (strides 4, 8, 16, 32).
    var stageChannels: [Int] { get }
    /// Stage outputs for an N×3×H×W batch, shallowest first, stopping after `stageCount`.
    func features(_ input: Tensor, stageCount: Int) -> [Tensor]
    /// Folds each BatchNorm into its convolution for a frozen, evaluation-only network.
    func foldBatchNorms()
}
