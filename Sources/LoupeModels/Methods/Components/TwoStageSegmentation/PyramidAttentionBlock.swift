import LoupeTensor

/// PA_Residual block (paper 003 Fig. 3): a ResNet basic block whose second 3×3 convolution
/// is PCAR and whose residual sum is AFF. The ablations (Table 4) put the plain convolution
/// and the plain sum back. A projection (1×1 conv, BN) shortcut when the shape changes.
final class PyramidAttentionBlock: Module, Layer {
    let conv1: Conv2d, bn1: BatchNorm2d
    let conv2: any Layer, bn2: BatchNorm2d
    let shortcut: Sequential?
    let fusion: AttentionalFeatureFusion?

    init(inChannels: Int, outChannels: Int, stride: Int = 1, attention: PyramidAttention, using generator: inout SeededGenerator) {
        conv1 = Conv2d(inChannels: inChannels, outChannels: outChannels, kernelSize: 3, stride: stride, padding: Padding2D(1), bias: false,
                       using: &generator)
        bn1 = BatchNorm2d(outChannels)
        conv2 = attention.parallelConvolutions ? ParallelConvolutionalAttention(channels: outChannels, using: &generator)
            : Conv2d(inChannels: outChannels, outChannels: outChannels, kernelSize: 3, padding: Padding2D(1), bias: false, using: &generator)
        bn2 = BatchNorm2d(outChannels)
        shortcut = inChannels == outChannels && stride == 1 ? nil
            : Sequential([Conv2d(inChannels: inChannels, outChannels: outChannels, kernelSize: 1, stride: stride, bias: false, using: &generator),
                          BatchNorm2d(outChannels)])
        fusion = attention.attentionalFusion ? AttentionalFeatureFusion(channels: outChannels, using: &generator) : nil
    }

    func callAsFunction(_ input: Tensor) -> Tensor {
        let branch = bn2(conv2(conv1(input, then: bn1, .relu)))
        let identity = shortcut.map { $0(input) } ?? input
        return (fusion.map { $0(branch, identity) } ?? branch + identity).relu()
    }

    /// Two blocks, the first changing channels (and stride): a ResNet-18 layer.
    static func layer(_ inChannels: Int, _ outChannels: Int, stride: Int = 1, attention: PyramidAttention,
                      using generator: inout SeededGenerator) -> Sequential {
        Sequential([PyramidAttentionBlock(inChannels: inChannels, outChannels: outChannels, stride: stride, attention: attention, using: &generator),
                    PyramidAttentionBlock(inChannels: outChannels, outChannels: outChannels, attention: attention, using: &generator)])
    }
}

/// Which of paper 003's block changes are on (Table 4's ablations switch them off).
struct PyramidAttention: Equatable {
    var parallelConvolutions = true
    var attentionalFusion = true
}
