import Foundation
import LoupeEngine
import Testing

@Suite struct ShardTests {
    @Test func shardsPartitionTheImagesEvenly() throws {
        let items = Array(0..<23)
        let shards = try (0..<4).map { try Shard(index: $0, count: 4).select(items) }
        #expect(shards.flatMap { $0 }.sorted() == items)
        #expect(shards.map(\.count).max()! - shards.map(\.count).min()! <= 1)
    }

    @Test func parsingAndEnvironment() throws {
        #expect(try Shard(parsing: "3/8") == Shard(index: 3, count: 8))
        #expect(throws: ShardError.outOfRange(index: 8, count: 8)) { try Shard(parsing: "8/8") }
        #expect(throws: ShardError.unreadable("three")) { try Shard(parsing: "three") }
        #expect(try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "3"]) == Shard(index: 2, count: 4))
        #expect(try Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "1", "LOUPE_SHARD_COUNT": "2"]) == Shard(index: 1, count: 2))
        #expect(throws: ShardError.missingCount("LOUPE_SHARD_COUNT")) { try Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "1"]) }
        #expect(try Shard.fromEnvironment([:]) == nil)
    }

    @Test func mergeJoinsCompletePartsAndRefusesGaps() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-parts-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let files = (0..<5).map { "img\($0).png" }
        var paths: [String] = []
        for index in 0..<2 {
            let shard = try Shard(index: index, count: 2)
            var text = ScoreParts.header(shard: shard, run: "runs/a")
            for file in shard.select(files) { text += ScoreParts.row(.init(path: file, score: 0.5, isDefect: false)) }
            paths.append(folder + "/part\(index).csv")
            try text.write(toFile: paths[index], atomically: true, encoding: .utf8)
        }
        let merged = try ScoreParts.merge(paths.reversed())
        #expect(merged.split(separator: "\n").dropFirst().map { String($0.split(separator: ",")[0]) } == files)
        #expect(throws: ShardError.incompleteParts(missing: [1], count: 2)) { try ScoreParts.merge([paths[0]]) }
        // Found by `make fuzz`: a header claiming 0/24444444444444444 made the merge walk every
        // shard number; it names the first ten missing at once.
        let huge = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/fuzz/score-part-huge-shard-count.csv").path
        let hugePart = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-huge-\(UUID()).csv").path
        try "# loupe scores shard 0/24444444444444444 run=runs/a\nfile,score,verdict\na.png,1,good\n".write(toFile: hugePart, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: hugePart) }
        #expect(throws: ShardError.incompleteParts(missing: Array(1...10), count: 24444444444444444)) { try ScoreParts.merge([hugePart]) }
        #expect(throws: ShardError.self) { try ScoreParts.merge([huge]) }
        #expect { try ScoreParts.merge([paths[0], paths[0]]) } throws: { ($0 as? ShardError).map { "\($0)".contains("both shard 0/2") } ?? false }
    }
}
