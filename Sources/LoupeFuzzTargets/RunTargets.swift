import Foundation
import LoupeConsole
import LoupeEngine
import LoupeFormats
import LoupeModels

extension FuzzTarget {
    /// TOML as users edit it: a run's `config.toml` (`train --config`) and a console theme.
    static let configuration = FuzzTarget(name: "configuration", reads: "config.toml and console themes (TOML)") { bytes in
        withFile(bytes, named: "config.toml") { path in
            _ = try? RunConfigurationFile.read(path)
            _ = try? Theme(contentsOf: path)
        }
    }

    /// A run's review.jsonl replayed (torn lines, damaged JSON, any bytes).
    static let reviewJournal = FuzzTarget(name: "review-journal", reads: "review.jsonl (the console's marks)") { bytes in
        withFile(bytes, named: "review.jsonl") { path in _ = try? ReviewJournal(path: path) }
    }

    /// A run folder as the Runs view reads it: the input, split at its first NUL, is the
    /// run's metrics.json and its train-log.csv, beside a checkpoint of valid metadata.
    static let runRecord = FuzzTarget(name: "run-record", reads: "a run's metrics.json and train-log.csv (Runs view)") { bytes in
        let (metrics, log) = halves(bytes)
        let run = scratchFolder + "/run"
        if !FileManager.default.fileExists(atPath: run + "/model.safetensors") {
            try? FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
            try? Checkpoint(model: [:], optimizer: [:], metadata: CheckpointMetadata(configuration: TrainingConfiguration(), data: .path("data"),
                                                                                      epoch: 1, threshold: nil, teacherWeights: ""))
                .write(to: run + "/model.safetensors")
        }
        _ = FileManager.default.createFile(atPath: run + "/metrics.json", contents: Data(metrics))
        _ = FileManager.default.createFile(atPath: run + "/train-log.csv", contents: Data(log))
        _ = RunSummary.read(run)
    }

    /// The metadata of a run's checkpoint (`model.safetensors`'s "loupe" entry, JSON), as
    /// eval, infer, resume and the Runs view read it: a record, or an error naming the file.
    static let checkpointMetadata = FuzzTarget(name: "checkpoint-metadata", reads: "a checkpoint's metadata (JSON in model.safetensors)") { bytes in
        withMetadata(key: "loupe", bytes, named: "model.safetensors") { path in _ = try? Checkpoint.readMetadata(path) }
    }

    /// The record of a ROI run (`roi.safetensors`'s "loupe-roi" entry, JSON).
    static let regionRecord = FuzzTarget(name: "region-record", reads: "a ROI run's record (JSON in roi.safetensors)") { bytes in
        let run = scratchFolder + "/roi"
        try? FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
        withMetadata(key: "loupe-roi", bytes, named: "roi/roi.safetensors") { _ in _ = try? RegionRun(run).readMetadata() }
    }

    /// A safetensors file with no tensors whose metadata `key` holds the input as text.
    private static func withMetadata(key: String, _ bytes: [UInt8], named name: String, _ body: (String) -> Void) {
        let path = scratchFolder + "/" + name
        guard (try? SafeTensors(tensors: [:], metadata: [key: String(decoding: bytes, as: UTF8.self)]).write(to: path)) != nil else { return }
        body(path)
    }
}
