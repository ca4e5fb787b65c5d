import LoupeTensor

/// The attention gate of Attention U-Net (Oktay et al. 2018), which paper 000 (§3.1.3,
/// Figure 3) puts on the decoder's skips: the coarse decoder feature g says where to look,
/// the skip x is kept where α = σ(ψ(ReLU(W_g·g + W_x·x))) is high, so background edges in
/// the skip do not reach the mask. W_g, W_x and ψ are 1×1 conv + BN; α is one channel.
final class GateAttention: Module {
    let gating: Sequential
    let skip: Sequential
    let psi: Sequential

    init(gatingChannels: Int, skipChannels: Int, innerChannels: Int, using generator: inout SeededGenerator) {
        gating = Sequential([Conv2d(inChannels: gatingChannels, outChannels: innerChannels, kernelSize: 1, using: &generator), BatchNorm2d(innerChannels)])
        skip = Sequential([Conv2d(inChannels: skipChannels, outChannels: innerChannels, kernelSize: 1, using: &generator), BatchNorm2d(innerChannels)])
        psi = Sequential([Conv2d(inChannels: innerChannels, outChannels: 1, kernelSize: 1, using: &generator), BatchNorm2d(1)])
    }

    /// `x` (the skip) weighed by the gate that `g` (same size) opens.
    func callAsFunction(_ g: Tensor, _ x: Tensor) -> Tensor {
        x * psi((gating(g) + skip(x)).relu()).sigmoid()
    }
}
