@testable import LoupeTensor
import Testing

/// How depthwise gradients run (`ConvolutionReferenceTests` checks their values): stride 1
/// through the adjoint's forward, other strides by scattering into the padded phases.
@Suite struct DepthwiseConvolutionTests {
    func kernel(size: Int, kernel: Int, stride: Int, padding: Int) -> ConvolutionKernel {
        let geometry = ConvolutionGeometry(channels: 4, height: size, width: size, kernelHeight: kernel, kernelWidth: kernel,
                                           stride: stride, padding: Padding2D(padding), dilation: 1, op: "test")
        return ConvolutionKernel(geometry: geometry, outChannels: 4, groups: 4, batch: 2)
    }

    @Test func strideOneRunsAsTheAdjointsForward() {
        #expect(kernel(size: 16, kernel: 5, stride: 1, padding: 2).adjoint?.isDepthwise == true)
        #expect(kernel(size: 16, kernel: 3, stride: 2, padding: 1).adjoint == nil)
        #expect(kernel(size: 16, kernel: 3, stride: 1, padding: 3).adjoint == nil, "more padding than reach has no adjoint")
    }

    /// A pixel no window reaches (the last row and column of an even image at stride 2,
    /// unpadded) gets a zero gradient, also in a pooled buffer that held NaNs.
    @Test func pixelsNoWindowReachesGetZero() {
        var generator = SeededGenerator(seed: 8)
        let shape = [1, 16, 64, 64]  // 256 KiB: pooled buffers
        do {
            let poisoned = (0..<6).map { _ in Tensor.build(shape: shape) { $0.update(repeating: .nan, count: 16 * 64 * 64) } }
            #expect(poisoned.count == 6)
        }
        let x = Tensor.randomNormal(shape, using: &generator).requiringGradient()
        let w = Tensor.randomNormal([16, 1, 3, 3], using: &generator)
        let y = x.conv2d(weight: w, stride: 2, groups: 16)
        y.backward(gradient: Tensor.randomNormal(y.shape, using: &generator))
        let dx = x.gradient!.scalars
        #expect(dx.allSatisfy { $0.isFinite })
        for plane in 0..<16 {
            for i in 0..<64 {
                #expect(dx[plane * 4096 + 63 * 64 + i] == 0 && dx[plane * 4096 + i * 64 + 63] == 0)
            }
        }
    }
}
