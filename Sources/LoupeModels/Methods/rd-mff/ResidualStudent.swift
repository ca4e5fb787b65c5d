import LoupeTensor

/// rd-mff's heterogeneous student (paper 000: "a custom multi-level residual network"), not
/// a mirror of the teacher: a residual trunk doubles the resolution three times (2×2
/// stride-2 transposed conv-BN-ReLU, then a residual block), as wide as the teacher at each
/// scale, and each level reads its scale off the trunk through a linear 1×1 head. The heads
/// only read: a scale's reconstruction never feeds the next. Twice as wide it reconstructed
/// defects too well (texture AUPRO 51 against 58–60; docs/methods.md).
final class ResidualStudent: Module, StudentDecoder {
    let up: [Sequential]
    let blocks: [DistillationBlock]
    let heads: [Conv2d]

    init(channels: [Int], embeddingChannels: Int, using generator: inout SeededGenerator) {
        // Deepest first: stride 16, 8, 4.
        let targets = [channels[2], channels[1], channels[0]]
        let widths = targets
        var up: [Sequential] = [], blocks: [DistillationBlock] = [], heads: [Conv2d] = []
        var inChannels = embeddingChannels
        for (target, width) in zip(targets, widths) {
            up.append(Sequential([ConvTranspose2d(inChannels: inChannels, outChannels: width, kernelSize: 2, stride: 2, bias: false, using: &generator),
                                  BatchNorm2d(width), Activation.relu]))
            blocks.append(DistillationBlock(inChannels: width, planes: width, change: .none, bottleneckWidth: nil, shortcut: nil, using: &generator))
            heads.append(Conv2d(inChannels: width, outChannels: target, kernelSize: 1, bias: true, using: &generator))
            inChannels = width
        }
        (self.up, self.blocks, self.heads) = (up, blocks, heads)
    }

    func reconstruct(_ embedding: Tensor) -> [Tensor] {
        var trunk = embedding
        var scales: [Tensor] = []
        for level in 0..<3 {
            trunk = blocks[level](up[level](trunk))
            scales.append(heads[level](trunk))
        }
        return scales.reversed()
    }
}
