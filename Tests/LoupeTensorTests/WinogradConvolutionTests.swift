@testable import LoupeTensor
import Testing

/// Which convolutions take the Winograd path: the golden, finite-difference and definition
/// tests of those cases only cover it while these hold.
@Suite struct WinogradConvolutionTests {
    func kernel(channels: Int, outChannels: Int, size: Int, kernel: Int = 3, stride: Int = 1, padding: Int = 1,
                groups: Int = 1) -> ConvolutionKernel {
        let geometry = ConvolutionGeometry(channels: channels, height: size, width: size, kernelHeight: kernel, kernelWidth: kernel,
                                           stride: stride, padding: Padding2D(padding), dilation: 1, op: "test")
        return ConvolutionKernel(geometry: geometry, outChannels: outChannels, groups: groups, batch: 8)
    }

    @Test func reverseDistillationsWiderStudentConvolutionsUseIt() {
        #expect(kernel(channels: 224, outChannels: 224, size: 8).winograd != nil)
        #expect(kernel(channels: 112, outChannels: 112, size: 16).winograd != nil)
        #expect(kernel(channels: 40, outChannels: 40, size: 32).winograd != nil)
        // The test cases' geometries (OperationCatalog, ConvolutionReferenceTests).
        #expect(kernel(channels: 32, outChannels: 33, size: 7).winograd != nil)
        #expect(kernel(channels: 32, outChannels: 36, size: 6).winograd != nil)
    }

    @Test func otherConvolutionsDoNot() {
        #expect(kernel(channels: 24, outChannels: 24, size: 64).winograd == nil, "too few channels")
        #expect(kernel(channels: 64, outChannels: 64, size: 16, stride: 2).winograd == nil)
        #expect(kernel(channels: 64, outChannels: 64, size: 16, kernel: 5, padding: 2).winograd == nil)
        #expect(kernel(channels: 64, outChannels: 64, size: 16, padding: 0).winograd == nil)
        #expect(kernel(channels: 64, outChannels: 64, size: 16, groups: 2).winograd == nil)
    }
}
