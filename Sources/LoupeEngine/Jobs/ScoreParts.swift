import Foundation

/// The CSV a sharded `loupe infer` writes per shard, and their merge.
///
///     # loupe scores shard 3/8 run=runs/pcb
///     file,score,verdict
public enum ScoreParts {
    public static func header(shard: Shard, run: String) -> String {
        "# loupe scores shard \(shard) run=\(run)\nfile,score,verdict\n"
    }

    public static func row(_ result: InferenceJob.Result) -> String {
        let verdict = result.isDefect.map { $0 ? "defect" : "good" } ?? ""
        return "\(result.path),\(result.score),\(verdict)\n"
    }

    /// One CSV of every row of `parts`, sorted by file; the parts must be shards
    /// 0…n−1 of the same n and run, each once.
    public static func merge(_ parts: [String]) throws -> String {
        var seen: [Int: String] = [:]
        var count: Int?, run: String?
        var rows: [String] = []
        for part in parts {
            let text: String
            do { text = try String(contentsOfFile: part, encoding: .utf8) } catch {
                throw ShardError.mixedParts("\(part) cannot be read")
            }
            let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
            guard let first = lines.first, first.hasPrefix("# loupe scores shard "),
                  let spec = first.split(separator: " ").dropFirst(4).first, let shard = try? Shard(parsing: String(spec)) else {
                throw ShardError.mixedParts("\(part) is not a part written by `loupe infer --shard`")
            }
            let partRun = first.components(separatedBy: " run=").last ?? ""
            if let count, count != shard.count { throw ShardError.mixedParts("\(part) is shard \(shard) but others are of \(count)") }
            if let run, run != partRun { throw ShardError.mixedParts("\(part) scored with run \(partRun), others with \(run)") }
            if let other = seen[shard.index] { throw ShardError.mixedParts("\(part) and \(other) are both shard \(shard)") }
            seen[shard.index] = part
            count = shard.count
            run = partRun
            rows += lines.dropFirst(2).map(String.init)
        }
        guard let count else { throw ShardError.mixedParts("no parts given") }
        // The count comes from the parts' headers: name the first missing shards without
        // walking a count of billions (found by `make fuzz`: a header claiming 0/2444…4).
        guard seen.count == count else {
            throw ShardError.incompleteParts(missing: Array((0..<count).lazy.filter { seen[$0] == nil }.prefix(10)), count: count)
        }
        return "file,score,verdict\n" + rows.sorted().map { $0 + "\n" }.joined()
    }
}
