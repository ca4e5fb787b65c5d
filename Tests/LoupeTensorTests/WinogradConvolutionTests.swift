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
        // At 256²: F(2×2) where the weights dominate (98× the activations), F(4×4) elsewhere.
        #expect(kernel(channels: 224, outChannels: 224, size: 8).winograd?.outputTile == 2)
        #expect(kernel(channels: 112, outChannels: 112, size: 16).winograd?.outputTile == 4)
        #expect(kernel(channels: 40, outChannels: 40, size: 32).winograd?.outputTile == 4)
        #expect(kernel(channels: 24, outChannels: 24, size: 64).winograd?.outputTile == 4)
        // At 192² the 224-channel layers are 6² (F(4×4)'s tiles would hang over).
        #expect(kernel(channels: 224, outChannels: 224, size: 6).winograd?.outputTile == 2)
    }

    /// pfadseg's and stu-seg's students (batch 8 training, batch 1 scoring) and their
    /// segmentation networks' first layer: F(2×2) only where the weights outweigh the
    /// activations by more than 32×.
    @Test func twoStageNetworksConvolutionsUseIt() {
        #expect(kernel(channels: 256, outChannels: 256, size: 16).winograd?.outputTile == 4)
        #expect(kernel(channels: 128, outChannels: 128, size: 32).winograd?.outputTile == 4)
        #expect(kernel(channels: 256, outChannels: 256, size: 8).winograd?.outputTile == 2)
        #expect(kernel(channels: 176, outChannels: 64, size: 64, batch: 1).winograd?.outputTile == 4)
        #expect(kernel(channels: 128, outChannels: 128, size: 32, batch: 1).winograd?.outputTile == 4)
        #expect(kernel(channels: 128, outChannels: 128, size: 16, batch: 1).winograd?.outputTile == 2)
        #expect(kernel(channels: 256, outChannels: 256, size: 16, batch: 1).winograd?.outputTile == 2)
    }

    /// The ROI segmenter's decoder: 16 channels at 256², 32 → 16 at 128²; below 16, im2col.
    @Test func regionDecoderConvolutionsUseIt() {
        #expect(kernel(channels: 16, outChannels: 16, size: 256).winograd?.outputTile == 4)
        #expect(kernel(channels: 32, outChannels: 16, size: 128).winograd?.outputTile == 4)
        #expect(kernel(channels: 16, outChannels: 16, size: 256, batch: 1).winograd?.outputTile == 4)
    }

    /// ConvolutionReferenceTests' cases reach every product the Winograd passes choose: the
    /// packing-free rows kernel and OpenBLAS for U·V, the dot kernel and OpenBLAS for dM·Vᵀ.
    @Test func theTestCasesCoverEveryProduct() {
        func rows(_ w: WinogradKernel) -> Bool { RowsProduct.suits(m: w.outChannels, n: w.tileCount, k: w.channels) }
        func dots(_ w: WinogradKernel) -> Bool {
            w.outChannels * w.channels <= WinogradKernel.dotsProductLimit && w.tileCount >= WinogradKernel.dotsProductShortestSum
        }
        let dotCase = kernel(channels: 24, outChannels: 20, size: 64, width: 32, batch: 2).winograd!
        #expect(rows(dotCase) && dots(dotCase))
        let narrow = kernel(channels: 32, outChannels: 36, size: 6, width: 8, batch: 2).winograd!
        #expect(!rows(narrow) && !dots(narrow))
        let single = kernel(channels: 24, outChannels: 24, size: 9, width: 66, batch: 1).winograd!
        #expect(rows(single) && !dots(single))
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
        #expect(kernel(channels: 16, outChannels: 17, size: 11, width: 13, batch: 2).winograd?.outputTile == 4)
    }

    /// A training step's input gradient uses the weight transform its forward kept; with
    /// frozen weights nothing is kept and the backward transforms them itself. Both give the
    /// same bits, at both tile sizes (the kept route is the one the reference tests check).
    @Test(arguments: [[2, 32, 7, 6], [1, 24, 17, 35]])
    func inputGradientWithAndWithoutTheKeptTransform(_ shape: [Int]) {
        var generator = SeededGenerator(seed: 11)
        let x = Tensor.randomNormal(shape, using: &generator)
        let w = Tensor.randomNormal([shape[1], shape[1], 3, 3], using: &generator)
        let r = Tensor.randomNormal(shape, using: &generator)
        func inputGradient(trainingWeights: Bool) -> [Float] {
            let input = x.copied().requiringGradient()
            (input.conv2d(weight: trainingWeights ? w.copied().requiringGradient() : w, padding: Padding2D(1)) * r).sum().backward()
            return input.gradient?.scalars ?? []
        }
        #expect(kernel(channels: shape[1], outChannels: shape[1], size: shape[2], width: shape[3], batch: shape[0]).winograd != nil)
        let kept = inputGradient(trainingWeights: true)
        #expect(kept.count == x.count)
        #expect(kept == inputGradient(trainingWeights: false))
    }

    @Test func otherConvolutionsDoNot() {
        #expect(kernel(channels: 8, outChannels: 16, size: 64).winograd == nil, "too few channels")
        #expect(kernel(channels: 16, outChannels: 15, size: 64).winograd == nil, "too few channels")
        #expect(kernel(channels: 64, outChannels: 64, size: 16, stride: 2).winograd == nil)
        #expect(kernel(channels: 64, outChannels: 64, size: 16, kernel: 5, padding: 2).winograd == nil)
        #expect(kernel(channels: 64, outChannels: 64, size: 16, padding: 0).winograd == nil)
        #expect(kernel(channels: 64, outChannels: 64, size: 16, groups: 2).winograd == nil)
    }
}
