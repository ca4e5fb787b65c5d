import Foundation
import LoupeData
import LoupeImaging
import LoupeModels
import LoupeTensor

/// An epoch's training inputs made on the fly, batch by batch in the epoch's order: the
/// images changed by the run's augmentation, and/or made defective by the method's
/// synthetic-anomaly recipe. Each input's changes are drawn from generators of its own
/// (seed, epoch, position in the epoch), so a run, and a resumed run, gets the same ones.
final class StepBatches {
    struct Batch {
        /// The good inputs (N×3×size×size) as trained on, when the run augments them or the
        /// model reads images.
        let good: Tensor?
        /// Whether `good` was augmented (the teacher must then see it anew).
        let isAugmented: Bool
        /// The inputs with synthetic defects, and their N×1×size×size masks (0 or 1).
        let defective: (inputs: Tensor, masks: Tensor)?
        /// The twins a defective share below 1 left clean (each the good input, its mask
        /// empty), by position in the batch: their teacher features are the good ones.
        var cleanTwins: [Int] = []
    }

    private let loader: PrefetchingLoader<Batch>

    init(units: [TrainingUnit], order: [Int], batchSize: Int, preprocessing: Preprocessing, augmentation: Augmentation?,
         synthesis: SyntheticAnomalyRecipe?, textures: TextureSource?, keepsImages: Bool = false, seed: UInt64, epoch: Int) {
        let batches = (order.count + batchSize - 1) / batchSize
        loader = PrefetchingLoader(count: batches, prefetch: 2) { step in
            let positions = (step * batchSize)..<min(order.count, (step + 1) * batchSize)
            var good: [Tensor] = [], defective: [Tensor] = [], masks: [Tensor] = [], clean: [Int] = []
            for position in positions {
                let unit = units[order[position]]
                let base = seed &* 0x2545_F491_4F6C_DD1D &+ UInt64(epoch) &* 0x9E37_79B9 &+ UInt64(position)
                var image = try preprocessing.prepare(unit.sample.path).image(unit.tile?.index ?? 0)
                if let augmentation {
                    var generator = SeededGenerator(seed: base)
                    image = augmentation.apply(image, using: &generator)
                }
                if augmentation != nil || keepsImages { good.append(image.tensor(normalization: preprocessing.normalization)) }
                if let synthesis {
                    var generator = SeededGenerator(seed: base ^ 0x5EED_DEFEC7)
                    let anomaly = try synthesis.make(image, textures: textures, using: &generator)
                    let inside: [Float] = anomaly.mask.pixels.map { $0 > 127 ? 1 : 0 }
                    if synthesis.defectiveShare < 1, !inside.contains(1) { clean.append(position - positions.lowerBound) }
                    defective.append(anomaly.image.tensor(normalization: preprocessing.normalization))
                    masks.append(Tensor(shape: [1, 1, anomaly.mask.height, anomaly.mask.width], scalars: inside))
                }
            }
            return Batch(good: good.isEmpty ? nil : Tensor.concatenate(good, alongAxis: 0), isAugmented: augmentation != nil,
                         defective: synthesis == nil ? nil : (Tensor.concatenate(defective, alongAxis: 0), Tensor.concatenate(masks, alongAxis: 0)),
                         cleanTwins: clean)
        }
    }

    /// The next batch.
    func next() throws -> Batch {
        guard let result = loader.next() else { throw RunError.cancelled }
        return try result.get()
    }
}
