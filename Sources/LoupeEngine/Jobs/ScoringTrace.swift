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
    /// What the map output is called and what it holds (the ROI segmenter's is its logits).
    public let mapName: String
    public let mapDescription: String

    public init(trace: OperationTrace, input: Int, map: Int, score: Int?, batch: Int, names: [ObjectIdentifier: String],
                mapName: String = "anomaly_map", mapDescription: String? = nil) {
        (self.trace, self.input, self.map, self.score, self.batch, self.names) = (trace, input, map, score, batch, names)
        self.mapName = mapName
        self.mapDescription = mapDescription
            ?? (score == nil ? "each tile's map before the blur: stitch, blur and score the frame" : "blurred anomaly map")
    }
}

extension RegionSegmenter {
    /// Records the segmenter's pass on `batch` random frames at its input size: normalised
    /// images (N×3×S×S) in, the part's logits (N×S×S: part where above 0) out.
    public func traceSegmentationPass(batch: Int, seed: UInt64 = 1) -> ScoringTrace {
        let size = metadata.imageSize
        var generator = SeededGenerator(seed: seed)
        let images = Tensor.randomNormal([batch, 3, size, size], using: &generator)
        let trace = OperationTrace()
        let (input, logits) = trace.record(inputs: [images]) { inputs -> (Int, Tensor) in
            withoutGradients { (trace.valueIndex(of: inputs[0])!, model(inputs[0]).reshaped([batch, size, size])) }
        }
        var names: [ObjectIdentifier: String] = [:]
        for (name, parameter) in model.namedParameters { names[parameter.value.storageIdentity] = "roi." + name }
        for (name, buffer) in model.namedBuffers { names[buffer.value.storageIdentity] = "roi." + name }
        return ScoringTrace(trace: trace, input: input, map: trace.value(of: logits), score: nil, batch: batch, names: names,
                            mapName: "part_logits", mapDescription: "the part's logits: resize to the frame, part where above 0")
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
