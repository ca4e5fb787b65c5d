@testable import LoupeTensor
import Testing

/// Which convolutions are summed tap by tap from the planes: the definition tests of
/// those geometries (ConvolutionReferenceTests) only cover the path while these hold.
@Suite struct DirectConvolutionTests {
    func kernel(channels: Int, outChannels: Int, height: Int, width: Int, batch: Int, kernel: Int, stride: Int = 1,
                padding: Padding2D) -> ConvolutionKernel {
        let geometry = ConvolutionGeometry(channels: channels, height: height, width: width, kernelHeight: kernel, kernelWidth: kernel,
                                           stride: stride, padding: padding, dilation: 1, op: "test")
        return ConvolutionKernel(geometry: geometry, outChannels: outChannels, groups: 1, batch: batch)
    }

    @Test func sacdsSpatialAttentionAndTheTestCasesUseIt() {
        // FeaCali's 7×7 at each scale of a 256² step (good and defective images, 16).
        for size in [64, 32, 16] {
            #expect(kernel(channels: 2, outChannels: 1, height: size, width: size, batch: 16, kernel: 7, padding: Padding2D(3)).isDirect)
        }
        #expect(kernel(channels: 2, outChannels: 1, height: 12, width: 37, batch: 2, kernel: 7, padding: Padding2D(3)).isDirect)
        #expect(kernel(channels: 1, outChannels: 2, height: 5, width: 4, batch: 1, kernel: 7, padding: Padding2D(3)).isDirect)
        #expect(kernel(channels: 2, outChannels: 3, height: 9, width: 10, batch: 3, kernel: 5,
                       padding: Padding2D(top: 4, left: 0, bottom: 0, right: 2)).isDirect)
    }

    @Test func productsWorthAColumnMatrixDoNot() {
        // Small kernels, many channels, strides: the unfolding paths the other cases cover.
        #expect(!kernel(channels: 2, outChannels: 2, height: 9, width: 8, batch: 1, kernel: 3, padding: Padding2D(1)).isDirect)
        #expect(!kernel(channels: 3, outChannels: 4, height: 7, width: 6, batch: 3, kernel: 5, padding: Padding2D(3)).isDirect)
        #expect(!kernel(channels: 3, outChannels: 32, height: 256, width: 256, batch: 1, kernel: 7, stride: 2, padding: Padding2D(3)).isDirect)
        #expect(!kernel(channels: 2, outChannels: 1, height: 64, width: 64, batch: 16, kernel: 7, stride: 2, padding: Padding2D(3)).isDirect)
    }
}
