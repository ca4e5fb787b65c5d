import Foundation
import LoupeFormats

/// A comparison's folder (`loupe compare --runs DIR`):
///
///     DIR/comparison.toml           the settings every run shares (a run config file)
///     DIR/<variant>-seed<N>/        one run folder per variant and seed, with compare.log
///     DIR/comparison.md|csv|json    the table
///
/// A second call with the same settings goes on where the first stopped; one with other
/// shared settings is refused by name, so a table never mixes two settings.
public struct ComparisonFolder: Sendable {
    public let path: String

    public init(_ path: String) { self.path = path }

    public var settings: String { path + "/comparison.toml" }
    public var markdown: String { path + "/comparison.md" }
    public var csv: String { path + "/comparison.csv" }
    public var json: String { path + "/comparison.json" }

    public func run(_ variant: ComparisonVariant, seed: UInt64) -> RunFolder { RunFolder(path + "/" + variant.runName(seed: seed)) }
    /// What the children `loupe train` and `loupe eval` printed, appended call after call.
    public func log(of run: RunFolder) -> String { run.path + "/compare.log" }
    /// The run's peak memory, recorded by the comparison that ran it.
    func resources(of run: RunFolder) -> String { run.path + "/resources.json" }

    /// How far a run got, so a comparison does only what is missing.
    public enum RunState: Equatable, Sendable {
        /// Trained and evaluated.
        case finished
        /// Trained; `loupe eval` is missing.
        case trained
        /// Stopped after this many epochs: `loupe train --resume`.
        case stopped(epoch: Int)
        /// Nothing usable: train from the start.
        case fresh
    }

    public func state(of variant: ComparisonVariant, seed: UInt64) -> RunState {
        let run = self.run(variant, seed: seed)
        guard let metadata = try? Checkpoint.readMetadata(run.checkpoint) else { return .fresh }
        guard metadata.epoch >= metadata.configuration.epochs else { return metadata.epoch > 0 ? .stopped(epoch: metadata.epoch) : .fresh }
        return FileManager.default.fileExists(atPath: run.metrics) ? .finished : .trained
    }

    /// Writes the shared settings on the first call; on later calls refuses settings that
    /// differ from the recorded ones, naming the first key that does.
    public func adopt(settings text: String) throws {
        try RunFolder.createFolder(path)
        guard let recorded = try? String(contentsOfFile: settings, encoding: .utf8) else {
            return try RunFolder.write(text, to: settings)
        }
        let (old, new) = (Self.values(recorded), Self.values(text))
        for key in (Set(old.keys).union(new.keys)).sorted() where old[key] != new[key] {
            throw ComparisonError.settingChanged(file: settings, key: key, recorded: old[key] ?? "(unset)", given: new[key] ?? "(unset)")
        }
    }

    /// A settings file's `table.key` → value, comments dropped.
    static func values(_ text: String) -> [String: String] {
        var table = "", values: [String: String] = [:]
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") || line.isEmpty { continue }
            if line.hasPrefix("[") {
                table = String(line.dropFirst().dropLast())
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { continue }
            var value = line[line.index(after: equals)...]
            if let comment = value.range(of: "   #") { value = value[..<comment.lowerBound] }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            values[table.isEmpty ? key : table + "." + key] = value.trimmingCharacters(in: .whitespaces)
        }
        return values
    }

    /// A finished run's measures, nil until it is trained and evaluated.
    public func result(of variant: ComparisonVariant, seed: UInt64) -> ComparedRun? {
        let run = self.run(variant, seed: seed)
        guard state(of: variant, seed: seed) == .finished, let data = FileManager.default.contents(atPath: run.metrics),
              let metrics = try? JSONDecoder().decode(EvaluationMetrics.self, from: data) else { return nil }
        return ComparedRun(variant: variant, seed: seed, metrics: metrics, epochSeconds: TrainLog.medianEpochSeconds(at: run.trainLog),
                           peakMemoryBytes: peakMemory(of: run))
    }

    public func peakMemory(of run: RunFolder) -> Int? {
        guard let data = FileManager.default.contents(atPath: resources(of: run)),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return (object["peak_memory_bytes"] as? NSNumber)?.intValue
    }

    /// Records a child's peak memory, keeping the highest of every call that worked on the run.
    public func recordPeakMemory(_ bytes: Int, of run: RunFolder) throws {
        let peak = max(bytes, peakMemory(of: run) ?? 0)
        try RunFolder.write("{\"peak_memory_bytes\": \(peak)}\n", to: resources(of: run))
    }
}
