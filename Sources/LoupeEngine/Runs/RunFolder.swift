import Foundation
import LoupeData
import LoupeFormats
import LoupeModels
import LoupeTensor

/// A run's folder: everything one training produced and everything evaluated with it.
///
///     runs/NAME/config.toml        the method's configuration and the data it trained on
///     runs/NAME/model.safetensors  weights, optimiser state, metadata (method, epoch, threshold)
///     runs/NAME/train-log.csv      epoch, step, loss, lr, seconds
///     runs/NAME/scores.csv         one row per test image (eval)
///     runs/NAME/metrics.json       image and pixel metrics (eval)
///     runs/NAME/maps/<kind>/<stem>.png  16-bit anomaly maps (eval --save-maps)
///
/// Every file is written to a temporary name and renamed into place, so an interrupted
/// run never leaves a half-written file.
public struct RunFolder: Sendable {
    public let path: String

    public init(_ path: String) { self.path = path }

    public var configuration: String { path + "/config.toml" }
    public var checkpoint: String { path + "/model.safetensors" }
    public var trainLog: String { path + "/train-log.csv" }
    /// The weights of the epoch with the lowest training loss so far (`TrainingJob`).
    public var bestEpochWeights: String { path + "/best-epoch.safetensors" }
    public var scores: String { path + "/scores.csv" }
    public var metrics: String { path + "/metrics.json" }
    public var maps: String { path + "/maps" }
    /// Where `eval --save-maps` puts the map of a test image of `kind`.
    public func savedMap(kind: String, imagePath: String) -> String {
        maps + "/" + kind + "/" + ((imagePath as NSString).lastPathComponent as NSString).deletingPathExtension + ".png"
    }
    /// The console's review journal, and its CSV export.
    public var reviewJournal: String { path + "/review.jsonl" }
    public var reviewExport: String { path + "/review.csv" }

    public var exists: Bool { FileManager.default.fileExists(atPath: checkpoint) }

    func create() throws {
        try Self.createFolder(path)
    }

    /// Removes `eval`'s scores and metrics once training has replaced the weights they
    /// scored (a run evaluated part-way, then resumed), so no view shows them as the run's.
    func removeEvaluation() {
        for file in [scores, metrics] { try? FileManager.default.removeItem(atPath: file) }
    }

    /// Removes the temporary files of atomic writes a killed process left behind
    /// (Foundation names them `.dat.nosync…` beside the target); the targets are intact.
    func removeAbandonedTemporaryFiles() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        for name in names where name.hasPrefix(".dat.nosync") {
            try? FileManager.default.removeItem(atPath: path + "/" + name)
        }
    }

    /// Makes `path` and its parents, or throws `RunError.cannotWrite` with the system's reason.
    public static func createFolder(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw RunError.cannotWrite(path: path, reason: FileFailure.reason(error))
        }
    }

    /// Writes `data` atomically (temporary file, then rename): on any failure (disk full,
    /// read-only) the file already at `path` is unchanged, and `RunError.cannotWrite` says why.
    public static func write(_ data: Data, to path: String) throws {
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw RunError.cannotWrite(path: path, reason: FileFailure.reason(error))
        }
    }

    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }
}

extension RunFolder {
    /// Rewrites the checkpoint (atomically) with a new decision threshold; pass the
    /// checkpoint when it is already in memory.
    public func saveThreshold(_ threshold: Float, checkpoint: Checkpoint? = nil) throws {
        var updated = try checkpoint ?? Checkpoint.read(self.checkpoint)
        updated.metadata.threshold = threshold
        try updated.write(to: self.checkpoint)
    }
}

/// What `model.safetensors` records besides the weights.
public struct CheckpointMetadata: Codable, Equatable, Sendable {
    /// The checkpoint layout this Loupe writes; a run from a newer Loupe (a higher number)
    /// is refused by name instead of misread. Absent in files from before it was recorded (1).
    public static let currentFormatVersion = 1
    public var formatVersion: Int? = CheckpointMetadata.currentFormatVersion
    /// The method's name (also in `configuration`): what loading the weights needs first.
    public var method = "rd"
    public var configuration: TrainingConfiguration
    /// The data set the model was trained on: its path (`DatasetSource.path`), or the good
    /// folder of plain folders, which `dataFolders` then holds.
    public var dataRoot: String
    public var dataFolders: PlainFolders?
    /// Epochs completed.
    public var epoch: Int
    /// Decision threshold on image scores (set by evaluation or the console).
    public var threshold: Float?
    /// Teacher weights files' names, sizes and content hashes, to notice a different
    /// teacher at load time.
    public var teacherWeights: String
    /// The teacher weights files trained with, absolute, one per backbone (absent in runs
    /// from before it was recorded: those score with the installed weights).
    public var teacherWeightsPaths: [String]?
    /// Frames cut into tiles at native resolution (nil: resized to the input size); `infer`,
    /// `eval` and the console reuse it.
    public var tiling: Tiling?
    /// Tiles drawn per image per epoch (nil: every tile).
    public var tilesPerImage: Int?
    /// The ROI run every frame was cropped with (two-stage inspection; nil: whole frames).
    public var region: RegionReference?
    /// Engine threads the last epoch trained with (`--threads`, LOUPE_THREADS,
    /// OMP_NUM_THREADS or the cores allowed); absent in runs from before it was recorded.
    public var threads: Int?

    public init(configuration: TrainingConfiguration, data: DatasetSource, epoch: Int, threshold: Float?, teacherWeights: String,
                tiling: Tiling? = nil, tilesPerImage: Int? = nil, teacherWeightsPaths: [String]? = nil, region: RegionReference? = nil) {
        self.teacherWeightsPaths = teacherWeightsPaths
        self.region = region
        self.tiling = tiling
        self.tilesPerImage = tilesPerImage
        self.configuration = configuration
        method = configuration.method
        switch data {
        case let .path(path): dataRoot = path
        case let .folders(folders): dataRoot = folders.good; dataFolders = folders
        }
        self.epoch = epoch
        self.threshold = threshold
        self.teacherWeights = teacherWeights
    }
}

extension CheckpointMetadata {
    /// The data set the model was trained on, as the user named it.
    public var data: DatasetSource { dataFolders.map(DatasetSource.folders) ?? .path(dataRoot) }
}

/// The checkpoint file: model tensors, optimiser state (prefixed `optimizer.`) and metadata.
public struct Checkpoint: Sendable {
    public var model: [String: Tensor]
    public var optimizer: [String: Tensor]
    public var metadata: CheckpointMetadata

    public init(model: [String: Tensor], optimizer: [String: Tensor], metadata: CheckpointMetadata) {
        self.model = model
        self.optimizer = optimizer
        self.metadata = metadata
    }

    public func write(to path: String) throws {
        var tensors = model
        for (name, tensor) in optimizer { tensors["optimizer." + name] = tensor }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys  // the same run writes the same bytes
        let json = try encoder.encode(metadata)
        try SafeTensors(stateDictionary: tensors, metadata: ["loupe": String(decoding: json, as: UTF8.self)]).write(to: path)
    }

    public static func read(_ path: String) throws -> Checkpoint {
        let file: SafeTensors
        do {
            file = try SafeTensors(contentsOf: path)
        } catch let error as SafeTensorsError {
            throw RunError.damagedCheckpoint(path: path, detail: error.description)
        }
        let metadata = try Self.metadata(file.metadata, path: path)
        var model: [String: Tensor] = [:], optimizer: [String: Tensor] = [:]
        for (name, tensor) in file.tensors {
            if name.hasPrefix("optimizer.") { optimizer[String(name.dropFirst("optimizer.".count))] = tensor } else { model[name] = tensor }
        }
        return Checkpoint(model: model, optimizer: optimizer, metadata: metadata)
    }

    /// The checkpoint's metadata alone (its header is read, not its weights), checked as `read` checks it.
    public static func readMetadata(_ path: String) throws -> CheckpointMetadata {
        do {
            return try metadata(SafeTensors.metadata(ofFileAt: path), path: path)
        } catch let error as SafeTensorsError {
            throw RunError.damagedCheckpoint(path: path, detail: error.description)
        }
    }

    private static func metadata(_ entries: [String: String], path: String) throws -> CheckpointMetadata {
        struct VersionProbe: Decodable { let formatVersion: Int? }
        if let text = entries["loupe"], let probe = try? JSONDecoder().decode(VersionProbe.self, from: Data(text.utf8)),
           let version = probe.formatVersion, version > CheckpointMetadata.currentFormatVersion {
            throw RunError.newerFormat(path: path, version: version, supported: CheckpointMetadata.currentFormatVersion)
        }
        guard let text = entries["loupe"], let decoded = try? JSONDecoder().decode(CheckpointMetadata.self, from: Data(text.utf8)) else {
            throw RunError.damagedCheckpoint(path: path, detail: "no Loupe metadata (not written by `loupe train`)")
        }
        guard let method = try? MethodRegistry.method(named: decoded.method) else {
            throw RunError.unknownMethod(path: path, found: decoded.method, known: MethodRegistry.names)
        }
        // Sizes and rates from a file someone handed over pass the rules config.toml passes:
        // a stride of 0 or a batch of billions would otherwise reach the tile plan and allocation.
        func damaged(_ detail: String) -> RunError { .damagedCheckpoint(path: path, detail: "its metadata says \(detail)") }
        if let problem = decoded.configuration.problem { throw damaged(problem.description) }
        // The method's settings too, and as their types hold them: JSON reads a whole-number
        // real (`cut_paste = 0.0`) back as an integer, and every reader should see the real.
        var metadata = decoded
        do { metadata.configuration.settings = try MethodRegistry.validated(decoded.configuration.settings, for: method) }
        catch let error as MethodError { throw damaged(error.description) }
        if let problem = decoded.tiling?.problem { throw damaged("tiling: \(problem)") }
        if let count = decoded.tilesPerImage, count < 1 { throw damaged("tiles_per_image is \(count); expected a positive whole number") }
        if decoded.epoch < 0 { throw damaged("epoch is \(decoded.epoch); expected a whole number from 0") }
        // Checkpoints from before methods were plug-ins name it only at the top.
        metadata.configuration.method = metadata.method
        return metadata
    }
}
