@testable import LoupeTensor
import Testing

/// Which convolutions unfold their image a block of output rows at a time: the definition
/// tests of those geometries (ConvolutionReferenceTests) only cover the path while these hold.
@Suite struct BlockedColumnsConvolutionTests {
    func kernel(channels: Int, outChannels: Int, size: Int, width: Int? = nil, batch: Int, kernel: Int, stride: Int, padding: Int) -> ConvolutionKernel {
        let geometry = ConvolutionGeometry(channels: channels, height: size, width: width ?? size, kernelHeight: kernel, kernelWidth: kernel,
                                           stride: stride, padding: Padding2D(padding), dilation: 1, op: "test")
        return ConvolutionKernel(geometry: geometry, outChannels: outChannels, groups: 1, batch: batch)
    }

    @Test func imageStemsAndTheTestCasesUseIt() {
        // The pfadseg and stu-seg students' stem at 256², training (8) and scoring (1).
        #expect(kernel(channels: 3, outChannels: 32, size: 256, batch: 8, kernel: 7, stride: 2, padding: 3).unfoldsInBlocks)
        #expect(kernel(channels: 3, outChannels: 32, size: 256, batch: 1, kernel: 7, stride: 2, padding: 3).unfoldsInBlocks)
        #expect(kernel(channels: 3, outChannels: 4, size: 200, width: 190, batch: 2, kernel: 7, stride: 2, padding: 3).unfoldsInBlocks)
        #expect(kernel(channels: 1, outChannels: 2, size: 380, width: 390, batch: 1, kernel: 3, stride: 1, padding: 1).unfoldsInBlocks)
        #expect(kernel(channels: 3, outChannels: 4, size: 200, width: 190, batch: 2, kernel: 7, stride: 2, padding: 3).keptCount == nil)
        // The EfficientNet-Lite teachers' stem at 256² (27 rows at 128², 1.7 MB an image).
        #expect(kernel(channels: 3, outChannels: 32, size: 256, batch: 8, kernel: 3, stride: 2, padding: 1).unfoldsInBlocks)
        #expect(kernel(channels: 3, outChannels: 4, size: 200, width: 210, batch: 2, kernel: 3, stride: 2, padding: 1).unfoldsInBlocks)
    }

    @Test func smallImagesAndDeepLayersDoNot() {
        // A stem's columns under 1 MB an image (27 rows at 64²); deep layers have many channels.
        #expect(!kernel(channels: 3, outChannels: 32, size: 128, batch: 8, kernel: 3, stride: 2, padding: 1).unfoldsInBlocks)
        #expect(!kernel(channels: 64, outChannels: 64, size: 64, batch: 8, kernel: 3, stride: 1, padding: 1).unfoldsInBlocks)
        #expect(!kernel(channels: 3, outChannels: 4, size: 7, width: 6, batch: 3, kernel: 3, stride: 1, padding: 1).unfoldsInBlocks)
        // Few channels on both sides and a large kernel: summed tap by tap instead.
        #expect(!kernel(channels: 2, outChannels: 1, size: 512, batch: 1, kernel: 7, stride: 1, padding: 3).unfoldsInBlocks)
    }
}
