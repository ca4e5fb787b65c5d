import Foundation
import LoupeFormats
import LoupeImaging
import LoupeModels
import LoupeTensor

/// A trained ROI segmenter (`loupe roi train`): `roi.safetensors` in the run folder holds
/// the weights and this metadata, `roi-log.csv` the losses.
public struct RegionRunMetadata: Codable, Equatable, Sendable {
    public var backbone: String
    /// Square input size the segmenter sees frames at.
    public var imageSize: Int
    public var epochs: Int
    /// Epochs completed.
    public var epoch: Int
    public var batchSize: Int
    public var learningRate: Float
    public var seed: UInt64
    /// The encoder's starting weights: name, size and content hash.
    public var teacherWeights: String

    public init(backbone: String, imageSize: Int, epochs: Int, epoch: Int, batchSize: Int, learningRate: Float, seed: UInt64, teacherWeights: String) {
        (self.backbone, self.imageSize, self.epochs, self.epoch) = (backbone, imageSize, epochs, epoch)
        (self.batchSize, self.learningRate, self.seed, self.teacherWeights) = (batchSize, learningRate, seed, teacherWeights)
    }
}

/// A ROI run folder's files.
public struct RegionRun: Sendable {
    public let path: String

    public init(_ path: String) { self.path = path }

    public var checkpoint: String { path + "/roi.safetensors" }
    public var log: String { path + "/roi-log.csv" }
    public var exists: Bool { FileManager.default.fileExists(atPath: checkpoint) }

    static let metadataKey = "loupe-roi"

    func write(model: RegionSegmentationModel, metadata: RegionRunMetadata) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(metadata), as: UTF8.self)
        try SafeTensors(stateDictionary: model.stateDictionary(), metadata: [Self.metadataKey: json]).write(to: checkpoint)
    }

    /// The metadata alone (the header, not the weights).
    public func readMetadata() throws -> RegionRunMetadata {
        guard exists else { throw RegionError.notARegionRun(path: path) }
        let header: [String: String]
        do {
            header = try SafeTensors.metadata(ofFileAt: checkpoint)
        } catch let error as SafeTensorsError {
            throw RunError.damagedCheckpoint(path: checkpoint, detail: error.description)
        }
        guard let json = header[Self.metadataKey], let metadata = try? JSONDecoder().decode(RegionRunMetadata.self, from: Data(json.utf8)) else {
            throw RegionError.notARegionRun(path: path)
        }
        // The shared settings' ranges (as config.toml's) hold here too: the input size sizes
        // every frame's resize, the batch size a training step's allocation.
        var shared = TrainingConfiguration()
        (shared.imageSize, shared.epochs, shared.batchSize, shared.learningRate) = (metadata.imageSize, metadata.epochs, metadata.batchSize, metadata.learningRate)
        if let problem = shared.problem { throw RunError.damagedCheckpoint(path: checkpoint, detail: "its metadata says \(problem)") }
        guard metadata.epoch >= 0 else { throw RunError.damagedCheckpoint(path: checkpoint, detail: "its metadata says epoch is \(metadata.epoch)") }
        return metadata
    }

    /// The content hash of the checkpoint: what a detector trained with this ROI run records.
    public func identity() throws -> String {
        String(format: "%@ (content %016llx)", (path as NSString).lastPathComponent, try ContentHash.ofFile(checkpoint))
    }
}

extension RegionSegmentationModel {
    /// An untrained segmenter with `backbone`'s encoder (weights from `weights` when given).
    static func make(backbone name: String, weights: String?, seed: UInt64) throws -> RegionSegmentationModel {
        guard let backbone = BackboneName(rawValue: name), let variant = EfficientNetLite.Variant(rawValue: backbone.rawValue) else {
            throw RegionError.unsupportedBackbone(name: name)
        }
        var generator = SeededGenerator(seed: seed)
        let lite = EfficientNetLite(variant, outputStride: 16, using: &generator)
        if let weights { try lite.loadStateDictionary(WeightFile.load(weights), source: weights) }
        return RegionSegmentationModel(encoder: lite, using: &generator)
    }
}

/// A trained segmenter ready to find the part in frames.
public final class RegionSegmenter: @unchecked Sendable {
    public let run: RegionRun
    public let metadata: RegionRunMetadata
    /// The checkpoint's identity (`RegionRun.identity`).
    public let identity: String
    let model: RegionSegmentationModel
    private let lock = NSLock()

    public init(run: RegionRun) throws {
        self.run = run
        metadata = try run.readMetadata()
        identity = try run.identity()
        model = try RegionSegmentationModel.make(backbone: metadata.backbone, weights: nil, seed: 0)
        let file: SafeTensors
        do {
            file = try SafeTensors(contentsOf: run.checkpoint)
        } catch let error as SafeTensorsError {
            throw RunError.damagedCheckpoint(path: run.checkpoint, detail: error.description)
        }
        try model.loadStateDictionary(file.tensors, source: run.checkpoint)
        model.eval()
    }

    /// The part's pixels in `frame` (frame-sized, row-major): the segmenter sees the frame
    /// at its input size, its logits are resized back bilinearly, above 0 is part.
    public func mask(of frame: Image) -> [Bool] {
        let size = metadata.imageSize
        let input = frame.rgb().resized(width: size, height: size).tensor(normalization: .efficientNetLite)
        // One forward pass at a time: loader threads share the segmenter.
        let logits = lock.withLock { withoutGradients { model(input) } }
        return logits.resizedBilinear(height: frame.height, width: frame.width).scalars.map { $0 > 0 }
    }
}
