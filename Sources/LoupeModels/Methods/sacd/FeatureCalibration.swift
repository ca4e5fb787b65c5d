import LoupeTensor

/// FeaCali (paper 002): calibrates a student feature toward the teacher's *normal*
/// feature by a learned correction it adds to it.
///
/// The paper's abstract names the module's purpose, not its layers; our reading is
/// CBAM-style attention (Woo et al. 2018) deciding what to correct: channel attention
/// a = σ(MLP(avg-pool S) + MLP(max-pool S)) (a shared 1×1-conv MLP, C → max(C/16, 8) → C),
/// spatial attention s = σ(conv7×7[mean_c(S·a), max_c(S·a)]), and the output
/// S + conv1×1(S·a·s). The last convolution starts at zero, so an untrained FeaCali is the
/// identity and training starts from RD's student.
final class FeatureCalibration: Module {
    let squeeze: Conv2d
    let excite: Conv2d
    let spatial: Conv2d
    let correction: Conv2d

    init(channels: Int, using generator: inout SeededGenerator) {
        let hidden = max(channels / 16, 8)
        squeeze = Conv2d(inChannels: channels, outChannels: hidden, kernelSize: 1, using: &generator)
        excite = Conv2d(inChannels: hidden, outChannels: channels, kernelSize: 1, using: &generator)
        spatial = Conv2d(inChannels: 2, outChannels: 1, kernelSize: 7, padding: Padding2D(3), using: &generator)
        correction = Conv2d(inChannels: channels, outChannels: channels, kernelSize: 1, using: &generator)
        super.init()
        correction.weight.assign(.zeros(correction.weight.shape))
        correction.bias?.assign(.zeros([channels]))
    }

    func callAsFunction(_ feature: Tensor) -> Tensor {
        let (n, c, h, w) = (feature.shape[0], feature.shape[1], feature.shape[2], feature.shape[3])
        let average = feature.mean(alongAxes: [2, 3], keepingDimensions: true)
        let largest = feature.reshaped([n, c, h * w]).maximum(alongAxis: 2).reshaped([n, c, 1, 1])
        let channel = (excite(squeeze(average).relu()) + excite(squeeze(largest).relu())).sigmoid()
        let weighted = feature * channel
        let pooled = Tensor.concatenate([weighted.mean(alongAxes: [1], keepingDimensions: true), weighted.maximum(alongAxis: 1)], alongAxis: 1)
        return feature + correction(weighted * spatial(pooled).sigmoid())
    }
}
