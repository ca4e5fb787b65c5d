import Foundation
import LoupeModels

/// One run folder as the console's Runs view lists it: what it is, how far it trained, its
/// threshold and its metrics, or why it cannot be read.
public struct RunSummary: Sendable, Equatable {
    /// How far training got.
    public enum Progress: Sendable, Equatable {
        case finished
        /// Stopped after `epoch` of the configured epochs (`loupe train --resume` goes on).
        case stopped(epoch: Int)
        /// Its train-log.csv grew within the last minute: trained now, here or elsewhere.
        case training(epoch: Int)
        /// No checkpoint yet.
        case untrained

        /// How far from finished, as a number that orders states: finished above training,
        /// training above stopped (by epoch), stopped above untrained.
        public var rank: Int {
            switch self {
            case .untrained: return 0
            case let .stopped(epoch): return 1 + epoch
            case let .training(epoch): return 500_000 + epoch
            case .finished: return 1_000_000
            }
        }

        public var label: String {
            switch self {
            case .finished: return "finished"
            case let .stopped(epoch): return "stopped at \(epoch)"
            case let .training(epoch): return "training (\(epoch) done)"
            case .untrained: return "not trained"
            }
        }
    }

    /// The metrics the view shows, in its column order: header and `metrics.json` key.
    public static let metricColumns = [("I-AUROC", "image_auroc"), ("P-AUROC", "pixel_auroc"), ("AUPRO", "aupro_0.3"), ("P-AP", "pixel_ap"), ("IAP", "iap")]

    public let path: String
    public var name: String { (path as NSString).lastPathComponent }
    public let method: String?
    /// The method and the options that differ from its defaults (`stu-seg:no-segmentation`).
    public let variant: String?
    public let teacher: String?
    /// "256" (resized input) or "tile 256" (native-resolution tiles).
    public let input: String?
    public let epochs: Int?
    public let progress: Progress
    public let threshold: Float?
    /// metrics.json's values by key (empty until `eval` ran).
    public let metrics: [String: Double]
    /// The data set it was trained on (`DatasetSource`'s path or good folder).
    public let data: String?
    /// Why the run cannot be opened (damaged checkpoint, unknown method, newer format).
    public let problem: String?
    /// The seed it trained with.
    public let seed: UInt64?
    /// A row that stands for several runs (the seeds of one variant, grouped by the Runs
    /// view): those runs, by seed; empty for a run's own row.
    public let members: [RunSummary]

    public init(path: String, method: String? = nil, variant: String? = nil, teacher: String? = nil, input: String? = nil, epochs: Int? = nil,
                progress: Progress, threshold: Float? = nil, metrics: [String: Double] = [:], data: String? = nil, problem: String? = nil,
                seed: UInt64? = nil, members: [RunSummary] = []) {
        self.path = path
        self.method = method
        self.variant = variant ?? method
        self.teacher = teacher
        self.input = input
        self.epochs = epochs
        self.progress = progress
        self.threshold = threshold
        self.metrics = metrics
        self.data = data
        self.problem = problem
        self.seed = seed
        self.members = members
    }

    /// Reads the run at `path` (the checkpoint's header, the log, metrics.json); never
    /// throws: a run that cannot be read says why in `problem`.
    public static func read(_ path: String, now: Date = Date()) -> RunSummary {
        let run = RunFolder(path)
        let files = FileManager.default
        let logged = TrainLog.rows(at: run.trainLog).last?.epoch
        let logAge = ((try? files.attributesOfItem(atPath: run.trainLog))?[.modificationDate] as? Date).map { now.timeIntervalSince($0) }
        let growing = logAge.map { $0 < 60 } ?? false
        guard run.exists else {
            return RunSummary(path: path, progress: growing ? .training(epoch: logged.map { $0 - 1 } ?? 0) : .untrained,
                              problem: logged == nil ? "no model.safetensors yet" : nil)
        }
        let metadata: CheckpointMetadata
        do {
            metadata = try Checkpoint.readMetadata(run.checkpoint)
        } catch {
            // The row names the run already: the file's own path is noise in it.
            return RunSummary(path: path, progress: .untrained, problem: "\(error)".replacingOccurrences(of: path + "/", with: ""))
        }
        let configuration = metadata.configuration
        let progress: Progress = metadata.epoch >= configuration.epochs ? .finished
            : growing ? .training(epoch: metadata.epoch) : .stopped(epoch: metadata.epoch)
        var metrics: [String: Double] = [:]
        if let data = files.contents(atPath: run.metrics), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            metrics = object.compactMapValues { ($0 as? NSNumber)?.doubleValue }
        }
        return RunSummary(path: path, method: metadata.method, variant: configuration.variant, teacher: configuration.backbone,
                          input: metadata.tiling.map { "tile \($0.size)" } ?? "\(configuration.imageSize)", epochs: configuration.epochs,
                          progress: progress, threshold: metadata.threshold, metrics: metrics, data: metadata.dataRoot, seed: configuration.seed)
    }

    /// Every run folder directly in `directory` (a folder with a checkpoint, a training log
    /// or a config.toml), by name.
    public static func folders(in directory: String) -> [String] {
        let files = FileManager.default
        let names = (try? files.contentsOfDirectory(atPath: directory)) ?? []
        return names.sorted().map { directory + "/" + $0 }.filter { path in
            let run = RunFolder(path)
            return [run.checkpoint, run.trainLog, run.configuration].contains { files.fileExists(atPath: $0) }
        }
    }
}

/// The runs of a folder, re-read only where a file changed: the Runs view refreshes every
/// second or two, and a training run elsewhere shows its progress as its log grows.
public final class RunCatalog {
    public let directory: String
    private var cache: [String: (stamp: [Date?], summary: RunSummary)] = [:]

    public init(directory: String) { self.directory = directory }

    /// Every run now, from the cache where none of its files changed (and a run that is
    /// training is re-read at least every refresh, for its "training" state to lapse).
    public func refresh(now: Date = Date()) -> [RunSummary] {
        RunSummary.folders(in: directory).map { path in
            let run = RunFolder(path)
            let stamp = [run.checkpoint, run.trainLog, run.metrics].map {
                (try? FileManager.default.attributesOfItem(atPath: $0))?[.modificationDate] as? Date
            }
            if let cached = cache[path], cached.stamp == stamp, !isTraining(cached.summary) { return cached.summary }
            let summary = RunSummary.read(path, now: now)
            cache[path] = (stamp, summary)
            return summary
        }
    }

    private func isTraining(_ summary: RunSummary) -> Bool {
        if case .training = summary.progress { return true }
        return false
    }
}
