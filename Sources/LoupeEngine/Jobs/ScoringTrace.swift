import Foundation
import LoupeModels
import LoupeTensor

/// A run's scoring pass recorded as engine operations (`OperationTrace`), what an export
/// translates: input the normalised images (N×3×S×S), outputs the anomaly maps (N×S×S)
/// and the image scores (N). A tiled run's pass is the tile's: the unblurred map, no score
/// (stitching, the blur and the score belong to the whole frame).
public struct ScoringTrace {
    public let trace: OperationTrace
    public let input: Int
    public let map: Int
    public let score: Int?
    /// The batch the pass was recorded at.
    public let batch: Int
    /// Names for the constants that are the run's weights, by their buffers.
    public let names: [ObjectIdentifier: String]

    public init(trace: OperationTrace, input: Int, map: Int, score: Int?, batch: Int, names: [ObjectIdentifier: String]) {
        (self.trace, self.input, self.map, self.score, self.batch, self.names) = (trace, input, map, score, batch, names)
    }
}

extension Scorer {
    /// Records the scoring pass of `batch` random inputs (their values do not matter: the
    /// operations do, and they are the same for every input).
    public func traceScoringPass(batch: Int, seed: UInt64 = 1) -> ScoringTrace {
        let size = preprocessing.size
        var generator = SeededGenerator(seed: seed)
        let images = Tensor.randomNormal([batch, 3, size, size], using: &generator)
        let trace = OperationTrace()
        let tiled = preprocessing.tiling != nil
        let (input, outputs) = trace.record(inputs: [images]) { inputs -> (Int, (Tensor, Tensor?)) in
            withoutGradients {
                let features = teacher.features(inputs[0])
                let maps = model.scoringMaps(images: inputs[0], teacherFeatures: features, height: size, width: size)
                if tiled { return (trace.valueIndex(of: inputs[0])!, (maps.anomaly, nil)) }
                let anomaly = blur(maps.anomaly)
                let scoring = maps.imageScoring.map { blur($0) } ?? anomaly
                return (trace.valueIndex(of: inputs[0])!, (anomaly, imageScore(maps: scoring)))
            }
        }
        var names: [ObjectIdentifier: String] = [:]
        for (name, tensor) in teacher.namedTensors { names[tensor.storageIdentity] = name }
        for (name, parameter) in model.namedParameters { names[parameter.value.storageIdentity] = "model." + name }
        for (name, buffer) in model.namedBuffers { names[buffer.value.storageIdentity] = "model." + name }
        return ScoringTrace(trace: trace, input: input, map: trace.value(of: outputs.0), score: outputs.1.map(trace.value(of:)),
                            batch: batch, names: names)
    }
}
