import LoupeTensor

/// SFM, the selective fusion module (paper 004): fuses a decoder level's skip feature with
/// the upsampled deeper feature by weights that follow the image's global context. Our
/// reading of the abstract, selective-kernel style (Li et al., SKNet, CVPR 2019): the two
/// are summed and pooled globally, a bottleneck (1×1 conv C → max(C/16, 32), BN, ReLU)
/// gives one 1×1-conv head per input, a softmax across the two inputs per channel weights
/// them, and the weighted inputs are summed.
final class SelectiveFusionModule: Module {
    let squeeze: Sequential
    let heads: [Conv2d]

    init(channels: Int, using generator: inout SeededGenerator) {
        let inner = max(channels / 16, 32)
        squeeze = Sequential([Conv2d(inChannels: channels, outChannels: inner, kernelSize: 1, bias: false, using: &generator),
                              BatchNorm2d(inner), Activation.relu])
        heads = (0..<2).map { _ in Conv2d(inChannels: inner, outChannels: channels, kernelSize: 1, using: &generator) }
    }

    /// `skip` and `deeper`, N×C×H×W each.
    func callAsFunction(_ skip: Tensor, _ deeper: Tensor) -> Tensor {
        let (n, c) = (skip.shape[0], skip.shape[1])
        let context = squeeze((skip + deeper).mean(alongAxes: [2, 3], keepingDimensions: true))
        let weights = Tensor.concatenate(heads.map { $0(context).reshaped([n, 1, c, 1, 1]) }, alongAxis: 1).softmax(alongAxis: 1)
        let first = weights.sliced(alongAxis: 1, 0..<1).reshaped([n, c, 1, 1]), second = weights.sliced(alongAxis: 1, 1..<2).reshaped([n, c, 1, 1])
        return skip * first + deeper * second
    }
}
