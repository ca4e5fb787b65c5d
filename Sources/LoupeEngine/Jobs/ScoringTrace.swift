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

extension ScoringTrace {
    /// Records `pass` on `batch` random normalised images of side `size` (their values do not
    /// matter: the operations do, and they are the same for every input); `pass` returns the
    /// map and, if any, the score. `named` are the modules whose tensors are the weights,
    /// each with the prefix its initializers get.
    static func record(batch: Int, size: Int, seed: UInt64, named: [(String, Module)], teacher: [(String, Tensor)] = [],
                       mapName: String = "anomaly_map", mapDescription: String? = nil,
                       _ pass: (Tensor) -> (map: Tensor, score: Tensor?)) -> ScoringTrace {
        var generator = SeededGenerator(seed: seed)
        let images = Tensor.randomNormal([batch, 3, size, size], using: &generator)
        let trace = OperationTrace()
        let (input, outputs) = trace.record(inputs: [images]) { inputs in
            withoutGradients { (trace.valueIndex(of: inputs[0])!, pass(inputs[0])) }
        }
        var names: [ObjectIdentifier: String] = [:]
        for (name, tensor) in teacher { names[tensor.storageIdentity] = name }
        for (prefix, module) in named {
            for (name, parameter) in module.namedParameters { names[parameter.value.storageIdentity] = prefix + name }
            for (name, buffer) in module.namedBuffers { names[buffer.value.storageIdentity] = prefix + name }
        }
        return ScoringTrace(trace: trace, input: input, map: trace.value(of: outputs.map), score: outputs.score.map(trace.value(of:)),
                            batch: batch, names: names, mapName: mapName, mapDescription: mapDescription)
    }
}

extension RegionSegmenter {
    /// Records the segmenter's pass: normalised frames at its input size (N×3×S×S) in, the
    /// part's logits (N×S×S: part where above 0) out.
    public func traceSegmentationPass(batch: Int, seed: UInt64 = 1) -> ScoringTrace {
        let size = metadata.imageSize
        return ScoringTrace.record(batch: batch, size: size, seed: seed, named: [("roi.", model)], mapName: "part_logits",
                                   mapDescription: "the part's logits: resize to the frame, part where above 0") { images in
            (model(images).reshaped([batch, size, size]), nil)
        }
    }
}

extension Scorer {
    /// Records the scoring pass: normalised images in, the blurred maps and the image scores
    /// out (a tiled run's: the tile's map before the blur, no score).
    public func traceScoringPass(batch: Int, seed: UInt64 = 1) -> ScoringTrace {
        let size = preprocessing.size, tiled = preprocessing.tiling != nil
        return ScoringTrace.record(batch: batch, size: size, seed: seed, named: [("model.", model as Module)], teacher: teacher.namedTensors) { images in
            let maps = model.scoringMaps(images: images, teacherFeatures: teacher.features(images), height: size, width: size)
            if tiled { return (maps.anomaly, nil) }
            let anomaly = blur(maps.anomaly)
            return (anomaly, imageScore(maps: maps.imageScoring.map { blur($0) } ?? anomaly))
        }
    }
}
