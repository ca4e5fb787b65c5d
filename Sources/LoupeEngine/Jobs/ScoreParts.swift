import Foundation
import LoupeFormats

/// The CSV a sharded `loupe infer` writes per shard, and their merge.
///
///     # loupe scores shard 3/8 run="runs/pcb"
///     file,score,verdict
///
/// The first line names the shard and the run (a JSON string, so any folder name fits on
/// the line); the rest is a CSV table (`CSV`), so any file name reads back as itself.
public enum ScoreParts {
    static let columns = ["file", "score", "verdict"]

    public static func header(shard: Shard, run: String) -> String {
        "# loupe scores shard \(shard) run=\(quoted(run))\n" + CSV.record(columns)
    }

    public static func row(_ result: InferenceJob.Result) -> String {
        let verdict = result.isDefect.map { $0 ? "defect" : "good" } ?? ""
        return CSV.record([result.path, "\(result.score)", verdict])
    }

    /// One CSV of every row of `parts`, sorted by file; the parts must be shards
    /// 0…n−1 of the same n and run, each once.
    public static func merge(_ parts: [String]) throws -> String {
        var seen: [Int: String] = [:]
        var count: Int?, run: String?
        var rows: [[String]] = []
        for part in parts {
            let text: String
            do { text = try String(contentsOfFile: part, encoding: .utf8) } catch {
                throw ShardError.mixedParts("\(part) cannot be read")
            }
            let first = text.prefix { $0 != "\n" }
            guard first.hasPrefix("# loupe scores shard "),
                  let spec = first.split(separator: " ").dropFirst(4).first, let shard = try? Shard(parsing: String(spec)) else {
                throw ShardError.mixedParts("\(part) is not a part written by `loupe infer --shard`")
            }
            let partRun = unquoted(first.components(separatedBy: " run=").dropFirst().joined(separator: " run="))
            if let count, count != shard.count { throw ShardError.mixedParts("\(part) is shard \(shard) but others are of \(count)") }
            if let run, run != partRun { throw ShardError.mixedParts("\(part) scored with run \(partRun), others with \(run)") }
            if let other = seen[shard.index] { throw ShardError.mixedParts("\(part) and \(other) are both shard \(shard)") }
            seen[shard.index] = part
            count = shard.count
            run = partRun
            let records: [CSV.Record]
            do {
                records = try CSV.records(String(text.dropFirst(first.count)))
            } catch let error as CSVError {
                throw ShardError.mixedParts("\(part): \(error) (not as `loupe infer --shard` writes a part)")
            }
            for record in records.dropFirst() {
                guard record.fields.count == columns.count else {
                    throw ShardError.mixedParts("\(part): a row of \(record.fields.count) fields, expected \(columns.joined(separator: ","))")
                }
                rows.append(record.fields)
            }
        }
        guard let count else { throw ShardError.mixedParts("no parts given") }
        // The count comes from the parts' headers: name the first missing shards without
        // walking a count of billions (found by `make fuzz`: a header claiming 0/2444…4).
        guard seen.count == count else {
            throw ShardError.incompleteParts(missing: Array((0..<count).lazy.filter { seen[$0] == nil }.prefix(10)), count: count)
        }
        return CSV.record(columns) + rows.sorted { $0.lexicographicallyPrecedes($1) }.map(CSV.record).joined()
    }

    /// The run's folder as a JSON string.
    static func quoted(_ run: String) -> String {
        (try? JSONEncoder().encode(run)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
    }

    /// A run folder as `quoted` wrote it, or as parts from before quoting wrote it (bare).
    static func unquoted(_ text: String) -> String {
        guard text.hasPrefix("\""), let run = try? JSONDecoder().decode(String.self, from: Data(text.utf8)) else { return text }
        return run
    }
}
