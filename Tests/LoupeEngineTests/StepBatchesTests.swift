import Foundation
import LoupeData
@testable import LoupeEngine
import LoupeImaging
import LoupeModels
import LoupeTensor
import LoupeTestSupport
import Testing

/// The inputs made each step: a synthetic defect's mask lines up with its image after
/// augmentation (outside the mask the defective input is the augmented good input, value
/// for value; inside it differs), and the same seed and epoch make the same batch.
@Suite struct StepBatchesTests {
    static func batches(recipe: SyntheticAnomalyRecipe, textures: TextureSource?, epoch: Int = 3) throws -> StepBatches {
        let dataset = try Dataset.mvtec(root: ReverseDistillationRunTests.samples + "/texture")
        let preprocessing = Preprocessing(size: 64, normalization: .imageNet)
        let units = try TrainingUnit.all(Array(dataset.trainSamples.prefix(6)), preprocessing: preprocessing)
        let augmentation = Augmentation(horizontalFlipProbability: 0.5, maximumRotationDegrees: 20, contrast: 0.2)
        return StepBatches(units: units, order: [5, 2, 0, 4, 1, 3], batchSize: 6, preprocessing: preprocessing, augmentation: augmentation,
                           synthesis: recipe, textures: textures, seed: 11, epoch: epoch)
    }

    @Test(arguments: ["texture", "cut-paste", "scar"])
    func masksLineUpWithTheirImagesAfterAugmentation(kind: String) throws {
        let recipe = kind == "texture" ? SyntheticAnomalyRecipe(textureBlend: 1)
            : kind == "scar" ? SyntheticAnomalyRecipe(textureBlend: 0, scar: 1) : SyntheticAnomalyRecipe(textureBlend: 0, cutPaste: 1)
        let textures = kind == "texture" ? try TextureSource(folder: (ReverseDistillationRunTests.samples as NSString).deletingLastPathComponent + "/textures") : nil
        let batch = try Self.batches(recipe: recipe, textures: textures).next()
        #expect(batch.isAugmented)
        let good = try #require(batch.good), (defective, masks) = try #require(batch.defective)
        #expect(good.shape == [6, 3, 64, 64] && defective.shape == [6, 3, 64, 64] && masks.shape == [6, 1, 64, 64])
        let plane = 64 * 64
        for image in 0..<6 {
            var inside = 0, changedInside = 0
            for pixel in 0..<plane {
                let isDefect = masks.scalars[image * plane + pixel] == 1
                let differs = (0..<3).contains { c in
                    let index = (image * 3 + c) * plane + pixel
                    return good.scalars[index] != defective.scalars[index]
                }
                if isDefect { inside += 1; if differs { changedInside += 1 } }
                else { #expect(!differs, "\(kind) image \(image): pixel \(pixel) changed outside its mask") }
            }
            #expect(inside > 0, "\(kind) image \(image): empty mask")
            #expect(changedInside > 0, "\(kind) image \(image): nothing changed inside the mask")
        }
    }

    /// With a defective share of one half, about half the twins over a few epochs are the
    /// good input itself with an empty mask, and the rest have a defect as before.
    @Test func aDefectiveShareLeavesTheOtherTwinsGood() throws {
        let recipe = SyntheticAnomalyRecipe(textureBlend: 0, cutPaste: 1, scar: 1, defectiveShare: 0.5)
        var good = 0, defective = 0
        for epoch in 0..<5 {
            let batch = try Self.batches(recipe: recipe, textures: nil, epoch: epoch).next()
            let inputs = try #require(batch.good), (twins, masks) = try #require(batch.defective)
            let (plane, image) = (64 * 64, 3 * 64 * 64)
            for index in 0..<6 {
                let mask = masks.scalars[(index * plane)..<((index + 1) * plane)]
                let same = inputs.scalars[(index * image)..<((index + 1) * image)] == twins.scalars[(index * image)..<((index + 1) * image)]
                #expect(batch.cleanTwins.contains(index) == mask.allSatisfy({ $0 == 0 }), "epoch \(epoch) image \(index): clean twins listed")
                if mask.allSatisfy({ $0 == 0 }) {
                    #expect(same, "epoch \(epoch) image \(index): an empty mask on a changed twin")
                    good += 1
                } else {
                    #expect(!same, "epoch \(epoch) image \(index): a mask on an unchanged twin")
                    defective += 1
                }
            }
        }
        // 30 draws at one half: 8 to 22 of either is 99.5 % likely; the seed fixes the draw.
        #expect((8...22).contains(good) && good + defective == 30, "\(good) good twins of 30")
    }

    /// The twins' teacher features: a clean twin's are the good input's, as given; the others
    /// are the teacher's on those twins alone (to rounding of a smaller batch).
    @Test func cleanTwinsTakeTheGoodFeatures() {
        var generator = SeededGenerator(seed: 5)
        // As a pretrained teacher runs: BatchNorms folded, so an image's features do not depend on its batch.
        let network = EfficientNetLite(.lite0, using: &generator)
        network.foldBatchNorms()
        let teacher = Teacher([.efficientNetLite0], networks: [network])
        let twins = Tensor.randomNormal([3, 3, 32, 32], using: &generator)
        let good = teacher.features(Tensor.randomNormal([3, 3, 32, 32], using: &generator))
        let teachers = teacher.features(twins)
        let mixed = TrainingSession.twinFeatures(twins, clean: [1], good: good, teacher: teacher)
        for scale in 0..<3 {
            #expect(mixed[scale].shape == teachers[scale].shape)
            #expect(mixed[scale].sliced(alongAxis: 0, 1..<2).scalars == good[scale].sliced(alongAxis: 0, 1..<2).scalars)
            for row in [0, 2] {
                expectClose(mixed[scale].sliced(alongAxis: 0, row..<(row + 1)), teachers[scale].sliced(alongAxis: 0, row..<(row + 1)),
                            tolerance: 1e-5, "scale \(scale) twin \(row)")
            }
        }
        #expect(TrainingSession.twinFeatures(twins, clean: [0, 1, 2], good: good, teacher: teacher).map(\.scalars) == good.map(\.scalars))
        #expect(TrainingSession.twinFeatures(twins, clean: [], good: good, teacher: teacher).map(\.scalars) == teachers.map(\.scalars))
    }

    @Test func sameSeedAndEpochMakeTheSameBatch() throws {
        let recipe = SyntheticAnomalyRecipe(textureBlend: 0, cutPaste: 1, scar: 1)
        let first = try Self.batches(recipe: recipe, textures: nil).next(), again = try Self.batches(recipe: recipe, textures: nil).next()
        let other = try Self.batches(recipe: recipe, textures: nil, epoch: 4).next()
        #expect(first.defective?.inputs.scalars == again.defective?.inputs.scalars && first.defective?.masks.scalars == again.defective?.masks.scalars)
        #expect(first.defective?.masks.scalars != other.defective?.masks.scalars)
    }
}
