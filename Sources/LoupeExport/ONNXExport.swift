import Foundation
import LoupeEngine
import LoupeFormats
import LoupeImaging
import LoupeModels
import LoupeTensor
import SwiftProtobuf

/// `loupe export --format onnx`: a run's scoring pass (teacher, student, map, blur, image
/// score) as one ONNX model, built from the operations the engine records while it scores
/// (`Scorer.traceScoringPass`), not from a hand-written copy per method.
public enum ONNXExport {
    /// What was exported, for the command to report.
    public struct Summary: Sendable {
        public let nodes: Int
        public let initializers: Int
        public let parameters: Int
        public let tiled: Bool
        public let metadata: [(String, String)]
    }

    /// The ONNX model of the run in `run`; with `rawFrames`, it takes 8-bit frames of that
    /// width and height (tiled runs: tiles, `RawFrames.tiles`) and preprocesses them inside.
    /// The run's ROI cropper comes along: its segmenter is exported beside the detector.
    static func model(of run: RunFolder, rawFrames: RawFrames? = nil) throws
        -> (model: Onnx_ModelProto, summary: Summary, region: RegionCropper?) {
        let checkpoint = try Checkpoint.read(run.checkpoint)
        let scorer = try Scorer(checkpoint: checkpoint, path: run.path)
        let (size, normalization) = (scorer.preprocessing.size, scorer.preprocessing.normalization)
        let rawInput = try rawFrames.map { frames -> RawImageInput in
            if scorer.preprocessing.region != nil { throw ExportError.preprocessingWithRegion }
            switch (frames, scorer.preprocessing.tiling) {
            case (.tiles, nil): throw ExportError.preprocessingNeedsFrame
            case (.frame, _?): throw ExportError.frameOfTiledRun(tile: size)
            case let (.frame(width, height), nil): return RawImageInput(frameWidth: width, frameHeight: height, size: size, normalization: normalization)
            case (.tiles, _?): return RawImageInput(frameWidth: size, frameHeight: size, size: size, normalization: normalization)
            }
        }
        // Recorded at two batch sizes: what differs between them is the batch (reshapes
        // write it -1); anything else that differs cannot be exported.
        let graph = try graph(one: scorer.traceScoringPass(batch: 1, seed: 1), two: scorer.traceScoringPass(batch: 2, seed: 2),
                              size: size, rawInput: rawInput)

        let metadata = checkpoint.metadata, configuration = metadata.configuration
        let input = rawInput.map { "N×\($0.frameHeight)×\($0.frameWidth)×3 RGB, uint8 (resized to \(size)×\(size) as Pillow's bilinear and normalised inside)" }
            ?? "N×3×\(size)×\(size) RGB, float32"
        var properties: [(String, String)] = [
            ("loupe_version", LoupeVersion.current),
            ("method", configuration.method),
            ("variant", configuration.variant),
            ("teacher", configuration.backbone),
            ("input", input),
        ] + normalizationProperties(normalization) + [
            ("image_score", configuration.effectiveImageScore.name),
            ("map_range", "\(configuration.mapRange.lowerBound)…\(configuration.mapRange.upperBound)"),
            ("blur_sigma", "\(configuration.blurSigma)"),
            ("run_hash", try run.checkpointHash()),
            ("epochs", "\(metadata.epoch)"),
        ]
        if let threshold = metadata.threshold { properties.append(("threshold", "\(threshold)")) }
        if let tiling = metadata.tiling {
            properties += [("tile_size", "\(tiling.size)"), ("tile_overlap", "\(tiling.overlap)"),
                           ("tiling", "the model maps one tile before the blur: cut tiles every tile_size − tile_overlap pixels (mirrored "
                            + "past the frame's edge), stitch their maps (mean where they overlap), blur the frame (sigma blur_sigma), score it")]
        }
        let model = assemble(graph, properties, "Loupe \(configuration.variant) anomaly detector: images in, anomaly maps and image scores out.")
        return (model, summary(of: graph, properties, tiled: metadata.tiling != nil), scorer.preprocessing.region)
    }

    /// The ROI segmenter's model (`loupe roi train`): normalised frames at its input size in,
    /// the part's logits out; metadata say how Loupe turns them into the part's box.
    static func model(of segmenter: RegionSegmenter, margin: Double) throws -> (model: Onnx_ModelProto, summary: Summary) {
        let size = segmenter.metadata.imageSize
        let graph = try graph(one: segmenter.traceSegmentationPass(batch: 1, seed: 1), two: segmenter.traceSegmentationPass(batch: 2, seed: 2),
                              size: size, rawInput: nil)
        let properties: [(String, String)] = [
            ("loupe_version", LoupeVersion.current),
            ("method", "roi-segmenter"),
            ("teacher", segmenter.metadata.backbone),
            ("input", "N×3×\(size)×\(size) RGB, float32: the whole frame resized to \(size)×\(size) (Pillow's bilinear)"),
        ] + normalizationProperties(.efficientNetLite) + [
            ("roi_margin", "\(margin)"),
            ("part_box", "resize part_logits bilinearly (align_corners=False) to the frame's size; part where above 0; keep the largest "
             + "4-connected set; its bounding box grown by round(roi_margin · its width) and round(roi_margin · its height) on each side, "
             + "clipped to the frame; no part: score the whole frame. Crop the frame to the box and give it to the detector's model"),
            ("run_hash", segmenter.identity),
            ("epochs", "\(segmenter.metadata.epoch)"),
        ]
        let model = assemble(graph, properties, "Loupe ROI segmenter: frames in, the part's logits out.")
        return (model, summary(of: graph, properties, tiled: false))
    }

    /// How a model's input is normalised: value · scale + shift per channel, from pixel values 0…255.
    private static func normalizationProperties(_ normalization: Normalization) -> [(String, String)] {
        let affine = (0..<3).map { normalization.affine(channel: $0) }
        return [("normalization", normalization.rawValue),
                ("normalization_scale", affine.map { "\($0.0)" }.joined(separator: ",")),
                ("normalization_shift", affine.map { "\($0.1)" }.joined(separator: ","))]
    }

    /// The graph of a pass recorded at batch 1 (`one`) and 2 (`two`).
    private static func graph(one: ScoringTrace, two: ScoringTrace, size: Int, rawInput: RawImageInput?) throws -> Onnx_GraphProto {
        let reshapes = try batchReshapes(one, two)
        try checkConstants(one, two)
        var writer = ONNXGraphWriter(scoring: one, batchReshapes: reshapes)
        return try writer.graph(size: size, rawInput: rawInput)
    }

    private static func assemble(_ graph: Onnx_GraphProto, _ properties: [(String, String)], _ documentation: String) -> Onnx_ModelProto {
        var model = Onnx_ModelProto()
        model.irVersion = 8
        model.producerName = "loupe"
        model.producerVersion = LoupeVersion.current
        model.modelVersion = 1
        var opset = Onnx_OperatorSetIdProto()
        opset.domain = ""
        opset.version = ONNXGraphWriter.opset
        model.opsetImport = [opset]
        model.graph = graph
        model.docString = documentation
        model.metadataProps = properties.map { key, value in
            var entry = Onnx_StringStringEntryProto()
            (entry.key, entry.value) = (key, value)
            return entry
        }
        return model
    }

    private static func summary(of graph: Onnx_GraphProto, _ properties: [(String, String)], tiled: Bool) -> Summary {
        let parameters = graph.initializer.reduce(0) { $0 + Int($1.dims.reduce(1, *)) }
        return Summary(nodes: graph.node.count, initializers: graph.initializer.count, parameters: parameters, tiled: tiled, metadata: properties)
    }

    /// What the model's input is when it preprocesses inside (`--with-preprocessing`).
    public enum RawFrames: Sendable, Equatable {
        /// Whole frames of this width and height (untiled runs).
        case frame(width: Int, height: Int)
        /// The run's tiles, unnormalised (tiled runs).
        case tiles
    }

    /// What `write` wrote: the detector, and the ROI segmenter when the run crops its frames.
    public struct Written: Sendable {
        public let detector: Summary
        public let segmenter: Summary?
    }

    /// Writes the model of `run` to `path` and, when the run crops its frames to their part
    /// and `segmenterPath` is given, its ROI segmenter there (each atomically).
    @discardableResult
    public static func write(run: RunFolder, to path: String, rawFrames: RawFrames? = nil, segmenterTo segmenterPath: String? = nil) throws -> Written {
        let (model, summary, region) = try model(of: run, rawFrames: rawFrames)
        try RunFolder.write(try model.serializedBytes() as Data, to: path)
        guard let region, let segmenterPath else { return Written(detector: summary, segmenter: nil) }
        let segmenter = try self.model(of: region.segmenter, margin: region.margin)
        try RunFolder.write(try segmenter.model.serializedBytes() as Data, to: segmenterPath)
        return Written(detector: summary, segmenter: segmenter.summary)
    }

    /// Per reshape (by its output in `one`), the target with the batch written -1 where the
    /// two recordings differ in exactly that axis.
    static func batchReshapes(_ one: ScoringTrace, _ two: ScoringTrace) throws -> [Int: [Int]] {
        guard one.trace.nodes.count == two.trace.nodes.count else { throw ExportError.batchDependent(operation: "the scoring pass") }
        var targets: [Int: [Int]] = [:]
        for (a, b) in zip(one.trace.nodes, two.trace.nodes) {
            switch (a.operation, b.operation) {
            case let (.reshape(x), .reshape(y)) where x != y:
                let differing = x.indices.filter { x[$0] != y[$0] }
                guard x.count == y.count, differing.count == 1 else { throw ExportError.batchDependent(operation: "reshape to \(x)") }
                let axis = differing[0]
                let (inputOne, inputTwo) = (one.trace.shapes[a.inputs[0]], two.trace.shapes[b.inputs[0]])
                var target = x
                if axis < inputOne.count, inputOne[axis] == x[axis], inputTwo[axis] == y[axis] {
                    target[axis] = 0  // ONNX: the input's size on this axis (the batch)
                } else if !x.contains(-1) {
                    target[axis] = -1
                } else {
                    throw ExportError.batchDependent(operation: "reshape to \(x)")
                }
                targets[a.output] = target
            default:
                guard a.operation == b.operation else { throw ExportError.batchDependent(operation: a.operation.name) }
            }
        }
        return targets
    }

    /// The constants of two recordings on different inputs must be the same: one that
    /// differs came from a computation the trace did not see.
    static func checkConstants(_ one: ScoringTrace, _ two: ScoringTrace) throws {
        let (first, second) = (one.trace.constants.sorted { $0.key < $1.key }, two.trace.constants.sorted { $0.key < $1.key })
        for (a, b) in zip(first, second) where a.value.shape != b.value.shape || a.value.scalars != b.value.scalars {
            let reader = one.trace.nodes.first { $0.inputs.contains(a.key) }?.operation.name ?? "the outputs"
            throw ExportError.untracedComputation(shape: a.value.shape, readBy: reader)
        }
        guard first.count == second.count else { throw ExportError.batchDependent(operation: "the scoring pass's constants") }
    }
}
