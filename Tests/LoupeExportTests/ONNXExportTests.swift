import Foundation
import LoupeData
@testable import LoupeEngine
@testable import LoupeExport
import LoupeFormats
@testable import LoupeModels
import LoupeTensor
import Testing

/// `loupe export` without Python: the ONNX file's structure (inputs, outputs, opset,
/// metadata, every initializer read), the refusal of an operation without a translation,
/// and the blur's matrices against the engine's blur. `make interop` runs the files in
/// ONNX Runtime against `loupe infer`.
@Suite struct ONNXExportTests {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("samples/texture").path

    static var teacherAvailable: Bool {
        (try? BackboneName.efficientNetLite0.defaultWeightsPath()) != nil || ProcessInfo.processInfo.environment["LOUPE_REQUIRE_WEIGHTS"] == "1"
    }

    @Test func exportedRDModelHasItsInputsOutputsOpsetAndMetadata() throws {
        guard Self.teacherAvailable else { return }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-export-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        var configuration = TrainingConfiguration()
        (configuration.epochs, configuration.imageSize) = (1, 64)
        let run = RunFolder(root + "/rd")
        try TrainingJob(run: run, dataset: Dataset.mvtec(root: Self.samples), configuration: configuration, teacherWeights: nil, resume: false).start()
        let path = root + "/rd.onnx"
        let summary = try ONNXExport.write(run: run, to: path).detector
        // What a reader of the file finds, parsed back from its bytes.
        let model = try Onnx_ModelProto(serializedBytes: try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(model.opsetImport.map(\.version) == [18] && model.irVersion == 8 && model.producerName == "loupe")
        func dimensions(_ info: Onnx_ValueInfoProto) -> [String] {
            info.type.tensorType.shape.dim.map { dimension in
                if case let .dimParam(name)? = dimension.value { return name }
                return String(dimension.dimValue)
            }
        }
        #expect(model.graph.input.map(\.name) == ["images"] && dimensions(model.graph.input[0]) == ["N", "3", "64", "64"])
        #expect(model.graph.output.map(\.name) == ["anomaly_map", "score"])
        #expect(dimensions(model.graph.output[0]) == ["N", "64", "64"] && dimensions(model.graph.output[1]) == ["N"])
        let metadata = Dictionary(uniqueKeysWithValues: model.metadataProps.map { ($0.key, $0.value) })
        #expect(metadata["method"] == "rd" && metadata["image_score"] == "max" && metadata["loupe_version"] == LoupeVersion.current)
        let hash = try run.checkpointHash()
        #expect(metadata["normalization_scale"] == "0.0078125,0.0078125,0.0078125" && metadata["run_hash"] == hash)
        #expect(metadata["input"] == "N×3×64×64 RGB, float32" && metadata["blur_sigma"] == "4.0" && metadata["threshold"] == nil)
        // Every initializer is read (BatchNorm folded: no convolution's unfolded weights left
        // behind), and every node reads only names that exist.
        let read = Set(model.graph.node.flatMap(\.input))
        #expect(model.graph.initializer.allSatisfy { read.contains($0.name) })
        let known = Set(model.graph.initializer.map(\.name) + model.graph.node.flatMap(\.output) + ["images", ""])
        #expect(read.isSubset(of: known))
        #expect(!model.graph.node.contains { $0.opType == "BatchNormalization" }, "RD's BatchNorms follow convolutions: all folded")
        #expect(model.graph.initializer.contains { $0.name.hasPrefix("teacher._blocks.") } && model.graph.initializer.contains { $0.name.hasPrefix("model.") })
        #expect(summary.nodes == model.graph.node.count && !summary.tiled)

        // --with-preprocessing: 8-bit frames in (N×H×W×3), the same outputs; the resize and
        // normalisation are nodes before the network (ONNX Runtime's maps: `make interop`).
        try ONNXExport.write(run: run, to: path, rawFrames: .frame(width: 96, height: 80))
        let raw = try Onnx_ModelProto(serializedBytes: try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(raw.graph.input.map(\.name) == ["image"] && dimensions(raw.graph.input[0]) == ["N", "80", "96", "3"])
        #expect(raw.graph.input[0].type.tensorType.elemType == Int32(Onnx_TensorProto.DataType.uint8.rawValue))
        #expect(raw.graph.output.map(\.name) == ["anomaly_map", "score"] && dimensions(raw.graph.output[0]) == ["N", "64", "64"])
        let resizes = raw.graph.initializer.filter { $0.name.hasPrefix("resize_") }
        #expect(resizes.map(\.dims) == [[96, 64], [64, 80]] && resizes.allSatisfy { $0.dataType == Int32(Onnx_TensorProto.DataType.double.rawValue) })
        #expect(raw.metadataProps.first { $0.key == "input" }?.value == "N×80×96×3 RGB, uint8 (resized to 64×64 as Pillow's bilinear and normalised inside)")
        #expect(throws: ExportError.preprocessingNeedsFrame) { try ONNXExport.write(run: run, to: path, rawFrames: .tiles) }
        #expect(try ONNXExport.write(run: run, to: path, segmenterTo: root + "/rd.roi.onnx").segmenter == nil, "whole frames: no segmenter")
    }

    /// A run trained with --roi exports its ROI segmenter too (frames in, the part's logits
    /// out, the box rule in its metadata), and refuses --with-preprocessing by name.
    @Test func regionRunExportsItsSegmenter() throws {
        guard Self.teacherAvailable else { return }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-export-roi-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/roi", withIntermediateDirectories: true)
        let segmenter = RegionRun(root + "/roi")
        try segmenter.write(model: try RegionSegmentationModel.make(backbone: "efficientnet-lite0", weights: nil, seed: 1),
                            metadata: RegionRunMetadata(backbone: "efficientnet-lite0", imageSize: 64, epochs: 1, epoch: 1, batchSize: 1,
                                                        learningRate: 0.001, seed: 0, teacherWeights: "none"))
        var configuration = TrainingConfiguration()
        (configuration.epochs, configuration.imageSize) = (1, 64)
        let run = RunFolder(root + "/rd")
        try TrainingJob(run: run, dataset: Dataset.mvtec(root: Self.samples), configuration: configuration, teacherWeights: nil, resume: false,
                        featureStoreDirectory: nil, regionRun: segmenter.path, regionMargin: 0.2).start()
        let path = root + "/rd.roi.onnx"
        let summary = try #require(try ONNXExport.write(run: run, to: root + "/rd.onnx", segmenterTo: path).segmenter)
        let model = try Onnx_ModelProto(serializedBytes: try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(model.graph.input.map(\.name) == ["images"] && model.graph.output.map(\.name) == ["part_logits"])
        #expect(model.graph.output[0].type.tensorType.shape.dim.map(\.dimValue) == [0, 64, 64])
        let metadata = Dictionary(uniqueKeysWithValues: model.metadataProps.map { ($0.key, $0.value) })
        let identity = try segmenter.identity()
        #expect(metadata["method"] == "roi-segmenter" && metadata["roi_margin"] == "0.2" && metadata["run_hash"] == identity)
        #expect(model.graph.initializer.contains { $0.name.hasPrefix("roi.") } && summary.nodes == model.graph.node.count)
        #expect(throws: ExportError.preprocessingWithRegion) { try ONNXExport.write(run: run, to: root + "/rd.onnx", rawFrames: .frame(width: 192, height: 192)) }
    }

    /// An operation the writer cannot translate stops the export with its name.
    @Test func anOperationWithoutTranslationIsRefusedByName() throws {
        let trace = OperationTrace()
        var generator = SeededGenerator(seed: 1)
        let input = Tensor.randomNormal([2, 3, 4, 4], using: &generator)
        let output = trace.record(inputs: [input]) { inputs in
            inputs[0].batchNormalized(weight: .ones([3]), bias: .zeros([3]),
                                      running: RunningStatistics(mean: .zeros([3]), variance: .ones([3]), momentum: 0.1), isTraining: true)
        }
        let scoring = ScoringTrace(trace: trace, input: trace.inputs[0], map: trace.value(of: output), score: nil, batch: 2, names: [:])
        var writer = ONNXGraphWriter(scoring: scoring, batchReshapes: [:])
        #expect(throws: ExportError.unsupportedOperation("batchNormalized in training mode")) { try writer.graph(size: 4) }
        #expect(ExportError.unsupportedOperation("batchNormalized in training mode").description.contains("has no ONNX translation"))
    }

    /// Adaptive pooling whose bins tile the plane is one AveragePool of the bin's size; bins
    /// that overlap (5 rows into 2) are refused by name.
    @Test func adaptivePoolingIsAnAveragePoolOrRefused() throws {
        func graph(side: Int) throws -> Onnx_GraphProto {
            let trace = OperationTrace()
            var generator = SeededGenerator(seed: 2)
            let input = Tensor.randomNormal([1, 3, side, side], using: &generator)
            let output = trace.record(inputs: [input]) { $0[0].adaptiveAveragePool2d(height: 2, width: 2) }
            var writer = ONNXGraphWriter(scoring: ScoringTrace(trace: trace, input: trace.inputs[0], map: trace.value(of: output),
                                                               score: nil, batch: 1, names: [:]), batchReshapes: [:])
            return try writer.graph(size: side)
        }
        let pool = try #require(try graph(side: 8).node.first { $0.opType == "AveragePool" })
        #expect(pool.attribute.first { $0.name == "kernel_shape" }?.ints == [4, 4])
        #expect(pool.attribute.first { $0.name == "strides" }?.ints == [4, 4])
        #expect(throws: ExportError.unsupportedOperation("adaptive average pooling of 5×5 planes into 2×2 bins that overlap")) { try graph(side: 5) }
    }

    /// The blur written as two matrix products equals the engine's separable blur.
    @Test func blurMatricesEqualTheEngineBlur() {
        let blur = GaussianBlur(sigma: 4)
        let (height, width) = (13, 37)  // smaller than the kernel: the mirror folds more than once
        var generator = SeededGenerator(seed: 7)
        let map = Tensor.randomNormal([1, height, width], using: &generator)
        let expected = blur(map).scalars, x = map.scalars
        let taps = blur.weights.map(Float.init)
        let rows = ONNXGraphWriter.blurMatrix(taps, size: height, transposed: false)
        let columns = ONNXGraphWriter.blurMatrix(taps, size: width, transposed: true)
        var worst: Float = 0
        for i in 0..<height {
            for j in 0..<width {
                // (Bh · X · Bwᵀ)[i][j]
                var sum: Float = 0
                for k in 0..<height {
                    var inner: Float = 0
                    for l in 0..<width { inner += x[k * width + l] * columns[l * width + j] }
                    sum += rows[i * height + k] * inner
                }
                worst = max(worst, abs(sum - expected[i * width + j]))
            }
        }
        #expect(worst < 1e-5, "largest difference \(worst)")
        // Each row of a blur matrix sums to one: mirrored borders lose no weight.
        for i in 0..<height { #expect(abs(rows[(i * height)..<((i + 1) * height)].reduce(0, +) - 1) < 1e-5) }
    }

    /// `.npy` bytes as `numpy.save` writes them (checked against NumPy 1.26's output):
    /// magic, version 1.0, header length, the header dict padded with spaces to 128 bytes
    /// in all, values little-endian.
    @Test func numPyFileHeader() {
        let data = NumPyFile.float32([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
        #expect(Array(data.prefix(10)) == [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, 0x76, 0])
        #expect(data.count == 128 + 24 && data[127] == 0x0A)
        #expect(String(decoding: data[10..<127], as: UTF8.self) == header + String(repeating: " ", count: 117 - header.utf8.count))
        #expect(data.suffix(4) == Data([0, 0, 0xC0, 0x40]), "6.0 as little-endian float32")
        #expect(NumPyFile.float32([1], shape: [1]).count == 132)
    }
}
