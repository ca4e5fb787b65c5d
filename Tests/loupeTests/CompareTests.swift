import Foundation
import LoupeFormats
import LoupeTensor
import Testing

/// `loupe compare` through the binary: an interrupted comparison goes on to the table an
/// uninterrupted one makes, its CSV and JSON hold every cell, and data it cannot rank with
/// is refused or shown with what it has.
@Suite struct CompareTests {
    static let variants = ["rd", "rd-mff"]
    static let arguments = ["compare", "--data", "samples/texture", "--methods", variants.joined(separator: ","), "--seeds", "0,1",
                            "--epochs", "1", "--size", "64"]

    /// Killed (SIGKILL, no chance to clean up) while the third run trains, then run again:
    /// the same metrics as a comparison never interrupted; the runs finished before the kill
    /// are kept, and the second variant took the teacher's features from the first's cache.
    @Test func anInterruptedComparisonGoesOnToTheSameTable() throws {
        guard Loupe.weightsAvailable else { return }
        let folder = HostileInputTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let cache = ["LOUPE_CACHE": folder + "/cache"]
        let whole = try Loupe.run(Self.arguments + ["--runs", folder + "/whole"], environment: cache)
        #expect(whole.status == 0, "\(whole.error)")

        let interrupted = folder + "/interrupted"
        let process = Process()
        process.executableURL = Loupe.executable
        process.arguments = Self.arguments + ["--runs", interrupted, "--quiet"]
        process.currentDirectoryURL = Loupe.repository
        process.environment = ProcessInfo.processInfo.environment.merging(cache) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Seed by seed: the third run is rd with seed 1; kill once it has started.
        let third = interrupted + "/rd-seed1/compare.log"
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: third) && process.isRunning && Date() < deadline { usleep(2_000) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(!FileManager.default.fileExists(atPath: interrupted + "/comparison.md"), "the comparison finished before it was killed")

        let resumed = try Loupe.run(Self.arguments + ["--runs", interrupted], environment: cache)
        #expect(resumed.status == 0, "\(resumed.error)")
        #expect(resumed.error.contains("[1/4] rd seed 0: finished earlier, kept"), "\(resumed.error)")
        #expect(resumed.error.contains("[2/4] rd-mff seed 0: finished earlier, kept"), "\(resumed.error)")
        #expect(try Self.metricCells(interrupted) == Self.metricCells(folder + "/whole"))
        #expect(try Self.metricCells(interrupted).count == 2)
        // The teacher ran once per image: rd-mff read rd's features from the cache.
        let log = try String(contentsOfFile: folder + "/whole/rd-mff-seed0/compare.log", encoding: .utf8)
        #expect(log.contains("teacher features: 60 inputs in") && log.contains("(60 from the feature cache)"), "\(log)")
        let first = try String(contentsOfFile: folder + "/whole/rd-seed0/compare.log", encoding: .utf8)
        #expect(first.contains("(0 from the feature cache)"), "\(first)")
    }

    /// A variant that differs from an earlier one only in how it scores takes its training:
    /// the same weights, and the metrics of a run of its own trained from the start; the
    /// student's map scores otherwise than the segmentation network's.
    @Test func aVariantThatOnlyScoresOtherwiseSharesTheTraining() throws {
        guard Loupe.weightsAvailable else { return }
        let folder = HostileInputTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let cache = ["LOUPE_CACHE": folder + "/cache"]
        let comparison = folder + "/compare"
        let result = try Loupe.run(["compare", "--data", "samples/texture", "--methods", "stu-seg,stu-seg:student-map", "--epochs", "2", "--size", "64",
                                    "--seeds", "0,1", "--runs", comparison], environment: cache)
        #expect(result.status == 0, "\(result.error)")
        #expect(result.error.contains("[2/4] stu-seg:student-map seed 0: scoring the training of stu-seg seed 0"), "\(result.error)")
        #expect(result.error.contains("[4/4] stu-seg:student-map seed 1: scoring the training of stu-seg seed 1"), "\(result.error)")
        #expect(result.error.contains("[1/4] stu-seg seed 0: training"), "\(result.error)")
        let seedOne = (try SafeTensors(contentsOf: comparison + "/stu-seg-seed1/model.safetensors").tensors,
                       try SafeTensors(contentsOf: comparison + "/stu-seg-student-map-seed1/model.safetensors").tensors)
        #expect(seedOne.0.allSatisfy { name, tensor in seedOne.1[name]?.scalars == tensor.scalars }, "seed 1 takes seed 1's training")
        let (trainer, shared) = (comparison + "/stu-seg-seed0", comparison + "/stu-seg-student-map-seed0")
        #expect(try String(contentsOfFile: shared + "/config.toml", encoding: .utf8).contains("student_map = true"))
        let sharedLog = try String(contentsOfFile: shared + "/compare.log", encoding: .utf8)
        #expect(!sharedLog.contains("`loupe train`") && !sharedLog.contains("epoch 1/"), "it trained: \(sharedLog)")
        let weights = try SafeTensors(contentsOf: trainer + "/model.safetensors").tensors
        let sharedWeights = try SafeTensors(contentsOf: shared + "/model.safetensors").tensors
        #expect(weights.keys.sorted() == sharedWeights.keys.sorted())
        #expect(weights.allSatisfy { name, tensor in sharedWeights[name]?.scalars == tensor.scalars })
        func peakMemory(_ run: String) throws -> Int? {
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: run + "/resources.json"))) as? [String: Any]
            return (object?["peak_memory_bytes"] as? NSNumber)?.intValue
        }
        #expect(try peakMemory(shared)! >= peakMemory(trainer)!, "the shared run's memory is its training's")

        let own = folder + "/own"
        let trained = try Loupe.run(["train", "--config", comparison + "/comparison.toml", "--run", own, "--method", "stu-seg", "--student-map",
                                     "--seed", "0"], environment: cache)
        #expect(trained.status == 0, "\(trained.error)")
        #expect(try Loupe.run(["eval", "--run", own]).status == 0)
        func metrics(_ run: String) throws -> [String: Double] {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: run + "/metrics.json"))) as? [String: Any])
            return object.filter { $0.key != "infer_ms_per_image" }.compactMapValues { ($0 as? NSNumber)?.doubleValue }
        }
        #expect(try metrics(shared) == metrics(own))
        #expect(try metrics(shared)["aupro_0.3"] != metrics(trainer)["aupro_0.3"], "the student's map scored as the network's")
    }

    /// The table's rows, metric columns only (the times and memory differ between calls).
    static func metricCells(_ folder: String) throws -> [[String]] {
        let table = try String(contentsOfFile: folder + "/comparison.md", encoding: .utf8)
        return table.split(separator: "\n").filter { line in variants.contains { line.hasPrefix("| \($0) |") } }.map { line in
            Array(line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.prefix(7))
        }
    }

    /// Every cell of comparison.md is in comparison.csv and comparison.json, and the same.
    @Test func csvAndJSONHoldEveryCell() throws {
        guard Loupe.weightsAvailable else { return }
        let folder = HostileInputTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try Loupe.run(["compare", "--data", "samples/texture", "--methods", "rd,rd-mff:no-transformer", "--seeds", "0,1", "--epochs", "1",
                                    "--size", "32", "--lanes", "2", "--runs", folder], environment: ["LOUPE_CACHE": folder + "/cache"])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.error.contains("2 at a time"), "\(result.error)")
        let markdown = try String(contentsOfFile: folder + "/comparison.md", encoding: .utf8).split(separator: "\n")
        #expect(result.output.contains(markdown[1]), "the table is printed too")
        let header = markdown[1].split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        let rows = markdown.filter { $0.hasPrefix("| rd") }.map { $0.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) } }
        #expect(rows.count == 2 && header.count == 10)
        let keys = ["I-AUROC": "image_auroc", "P-AUROC": "pixel_auroc", "AUPRO": "aupro_0.3", "P-AP": "pixel_ap", "IAP": "iap",
                    "epoch s": "epoch_s", "ms/img": "ms_per_image", "peak MiB": "peak_memory_mib"]

        let records = try CSV.records(try String(contentsOfFile: folder + "/comparison.csv", encoding: .utf8)).map(\.fields)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/comparison.json"))) as? [String: Any])
        let jsonRows = try #require(json["rows"] as? [[String: Any]])
        #expect((json["command"] as? String)?.hasPrefix("loupe compare --data samples/texture") == true)
        for (index, row) in rows.enumerated() {
            let record = Dictionary(uniqueKeysWithValues: zip(records[0], records[index + 1]))
            let entry = jsonRows[index]
            #expect(record["variant"] == row[0] && entry["variant"] as? String == row[0])
            #expect(record["seeds"] == "0 1" && entry["seeds"] as? [Int] == [0, 1])
            for (column, shown) in zip(header.dropFirst(2), row.dropFirst(2)) {
                let key = try #require(keys[column])
                let cell = try #require((entry["cells"] as? [String: Any])?[key] as? [String: Double], "\(column)")
                let best = shown.hasPrefix("**")
                #expect(record[key + "_best"] == (best ? "1" : "0") && ((entry["cells"] as? [String: [String: Any]])?[key]?["best"] as? Bool) == best)
                let fromCSV = try #require(["mean", "min", "max", "median"].map { record[key + "_" + $0].flatMap(Double.init) } as [Double?])
                let text = shown.replacingOccurrences(of: "**", with: "")
                // Linux's JSONSerialization parses a double up to a few ulps off, enough to flip a
                // rounded digit at a tie, so the JSON is held to the CSV's exact values within 1e-12.
                let fromJSON = [cell["mean"], cell["min"], cell["max"], cell["median"]]
                for (csvValue, jsonValue) in zip(fromCSV, fromJSON) {
                    #expect(abs(csvValue! - jsonValue!) <= 1e-12 * max(1, abs(csvValue!)), "\(column): \(csvValue!) vs \(jsonValue!)")
                }
                if ["epoch s", "ms/img", "peak MiB"].contains(column) {
                    let format = column == "epoch s" ? "%.2f" : "%.0f"
                    #expect(String(format: format, fromCSV[3]!) == text, "\(column): \(text)")
                } else {
                    let expected = String(format: "%.1f (%.1f–%.1f)", 100 * fromCSV[0]!, 100 * fromCSV[1]!, 100 * fromCSV[2]!)
                    #expect(expected == text, "\(column): \(text)")
                }
            }
        }
    }

    /// `--backbone A,B` is shared by every variant, so each variant's method must take two
    /// teachers: sacd trains on both, rd beside it is refused by name before anything trains.
    @Test func twoTeachersForEveryVariant() throws {
        guard Loupe.weightsAvailable else { return }
        let folder = HostileInputTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let both = ["compare", "--data", "samples/texture", "--backbone", "efficientnet-lite0,efficientnet-lite2", "--epochs", "1", "--size", "64"]
        let mixed = try Loupe.run(both + ["--methods", "sacd,rd", "--runs", folder + "/mixed"])
        #expect(mixed.status == 1 && mixed.error.contains("--methods rd: --backbone: rd distils from one teacher"), "\(mixed.error)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/mixed"))
        let result = try Loupe.run(both + ["--methods", "sacd", "--runs", folder + "/both"], environment: ["LOUPE_CACHE": folder + "/cache"])
        #expect(result.status == 0 && result.output.contains("| sacd | 0 |"), "\(result.error)")
        #expect(try String(contentsOfFile: folder + "/both/comparison.toml", encoding: .utf8).contains("backbone = \"efficientnet-lite0,efficientnet-lite2\""))
    }

    /// Without masks the table has the image metrics and says why; without any defective
    /// test image the command refuses before training, pointing to `infer`.
    @Test func dataWithoutMasksOrDefects() throws {
        guard Loupe.weightsAvailable else { return }
        let folder = HostileInputTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let unmasked = try Loupe.run(["compare", "--good", "samples/texture/train/good", "--test-good", "samples/texture/test/good",
                                      "--defect", "samples/texture/test/hole", "--methods", "rd", "--epochs", "1", "--size", "32",
                                      "--runs", folder + "/unmasked"], environment: ["LOUPE_CACHE": folder + "/cache"])
        #expect(unmasked.status == 0, "\(unmasked.error)")
        #expect(unmasked.output.contains("| variant | seeds | I-AUROC | epoch s | ms/img | peak MiB |"), "\(unmasked.output)")
        #expect(unmasked.output.contains("no defect masks"), "\(unmasked.output)")

        let unlabelled = try Loupe.run(["compare", "--good", "samples/texture/train/good", "--test-good", "samples/texture/test/good",
                                        "--methods", "rd", "--runs", folder + "/unlabelled"])
        #expect(unlabelled.status == 1)
        #expect(unlabelled.error.contains("no defective test images") && unlabelled.error.contains("loupe infer"), "\(unlabelled.error)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/unlabelled/comparison.toml"))
    }

    /// Another shared setting in the same folder is refused by name; a method option that
    /// does not exist is refused before anything trains.
    @Test func changedSettingsAndUnknownOptionsAreRefusedByName() throws {
        guard Loupe.weightsAvailable else { return }
        let folder = HostileInputTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let first = try Loupe.run(["compare", "--data", "samples/texture", "--methods", "rd", "--epochs", "1", "--size", "32", "--runs", folder],
                                  environment: ["LOUPE_CACHE": folder + "/cache"])
        #expect(first.status == 0, "\(first.error)")
        let changed = try Loupe.run(["compare", "--data", "samples/texture", "--methods", "rd", "--epochs", "2", "--size", "32", "--runs", folder])
        #expect(changed.status == 1)
        #expect(changed.error.contains("started with training.epochs = 1, this call asks for 2"), "\(changed.error)")
        let unknown = try Loupe.run(["compare", "--data", "samples/texture", "--methods", "rd-mff:wings=2", "--runs", folder + "/other"])
        #expect(unknown.status == 1)
        #expect(unknown.error.contains("--methods rd-mff:wings=2: unknown option '--wings'"), "\(unknown.error)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/other"))
        // --lanes beyond the cores, and a core this process may not use, are refused.
        let lanes = try Loupe.run(["compare", "--data", "samples/texture", "--methods", "rd", "--lanes", "999", "--runs", folder + "/other"])
        #expect(lanes.status == 1 && lanes.error.contains("--lanes: 999; expected 1 to"), "\(lanes.error)")
        let cores = try Loupe.run(["eval", "--run", folder + "/rd-seed0", "--cores", "4000"])
        #expect(cores.status == 1 && cores.error.contains("--cores 4000: this process may not run there"), "\(cores.error)")
    }
}
