@testable import LoupeTensor
import Testing

/// Which convolutions take the Winograd path: the golden, finite-difference and definition
/// tests of those cases only cover it while these hold.
@Suite struct WinogradConvolutionTests {
    func kernel(channels: Int, outChannels: Int, size: Int, width: Int? = nil, batch: Int = 8, kernel: Int = 3, stride: Int = 1,
                padding: Int = 1, groups: Int = 1) -> ConvolutionKernel {
        let geometry = ConvolutionGeometry(channels: channels, height: size, width: width ?? size, kernelHeight: kernel,
                                           kernelWidth: kernel, stride: stride, padding: Padding2D(padding), dilation: 1, op: "test")
        return ConvolutionKernel(geometry: geometry, outChannels: outChannels, groups: groups, batch: batch)
    }

    @Test func reverseDistillationsStudentConvolutionsUseIt() {
        // At 256²: F(2×2) where the weights dominate, F(4×4) on the wide images.
        #expect(kernel(channels: 224, outChannels: 224, size: 8).winograd?.outputTile == 2)
        #expect(kernel(channels: 112, outChannels: 112, size: 16).winograd?.outputTile == 2)
        #expect(kernel(channels: 40, outChannels: 40, size: 32).winograd?.outputTile == 4)
        #expect(kernel(channels: 24, outChannels: 24, size: 64).winograd?.outputTile == 4)
        // At 192² the 224-channel layers are 6² (F(4×4)'s tiles would hang over).
        #expect(kernel(channels: 224, outChannels: 224, size: 6).winograd?.outputTile == 2)
    }

    @Test func theTestCasesCoverBothTileSizes() {
        // OperationCatalog's convWinograd, deconvWinograd, convWinograd4x4, then
        // ConvolutionReferenceTests'.
        #expect(kernel(channels: 32, outChannels: 33, size: 7, width: 6, batch: 2).winograd?.outputTile == 2)
        #expect(kernel(channels: 33, outChannels: 32, size: 5, width: 7, batch: 2).winograd?.outputTile == 2)
        #expect(kernel(channels: 24, outChannels: 24, size: 17, width: 35, batch: 1).winograd?.outputTile == 4)
        #expect(kernel(channels: 32, outChannels: 36, size: 6, width: 8, batch: 2).winograd?.outputTile == 2)
        #expect(kernel(channels: 40, outChannels: 32, size: 9, width: 5, batch: 1).winograd?.outputTile == 2)
        #expect(kernel(channels: 24, outChannels: 24, size: 10, width: 30, batch: 2).winograd?.outputTile == 4)
        #expect(kernel(channels: 24, outChannels: 24, size: 9, width: 66, batch: 1).winograd?.outputTile == 4)
        #expect(kernel(channels: 24, outChannels: 24, size: 9, width: 66, batch: 1).winograd?.vectorTiles == 16)
    }

    @Test func otherConvolutionsDoNot() {
        #expect(kernel(channels: 16, outChannels: 16, size: 64).winograd == nil, "too few channels")
        #expect(kernel(channels: 64, outChannels: 64, size: 16, stride: 2).winograd == nil)
        #expect(kernel(channels: 64, outChannels: 64, size: 16, kernel: 5, padding: 2).winograd == nil)
        #expect(kernel(channels: 64, outChannels: 64, size: 16, padding: 0).winograd == nil)
        #expect(kernel(channels: 64, outChannels: 64, size: 16, groups: 2).winograd == nil)
    }
}
