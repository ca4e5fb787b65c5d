import LoupeTensor

/// PCAR (paper 003 §3.2, Fig. 4), in place of a residual block's second 3×3 convolution:
/// three parallel convolutions see the feature at different scales, each is recalibrated
/// by SPR, and a softmax across the three branches (per channel and pixel) weights them
/// before they are summed back to C channels. Our reading of "parallel convolutions that
/// extract multi-scale spatial information": 3×3 kernels dilated 1, 2 and 3 (the same cost
/// per branch, receptive fields 3, 5 and 7).
final class ParallelConvolutionalAttention: Module, Layer {
    static let dilations = [1, 2, 3]
    let branches: [Conv2d]
    let recalibrations: [SpatialPyramidRecalibration]

    init(channels: Int, using generator: inout SeededGenerator) {
        branches = Self.dilations.map { dilation in
            Conv2d(inChannels: channels, outChannels: channels, kernelSize: 3, padding: Padding2D(dilation), dilation: dilation,
                   bias: false, using: &generator)
        }
        recalibrations = Self.dilations.map { _ in SpatialPyramidRecalibration(channels: channels, using: &generator) }
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        Tensor.softmaxWeightedSum(zip(branches, recalibrations).map { convolution, recalibration in recalibration(convolution(x)) })
    }
}
