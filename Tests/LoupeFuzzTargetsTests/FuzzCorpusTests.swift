import Foundation
import LoupeFuzzTargets
import Testing

/// Every fuzz target's committed corpus (`Fuzz/Corpus/NAME`, merged by `make fuzz`) and
/// regression inputs (`Fuzz/Regressions/NAME`, one per crash class found) replayed through
/// the same function libFuzzer calls: a crash here is a crash a user's file would cause.
@Suite struct FuzzCorpusTests {
    static let fuzz = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz").path

    static func inputs(_ target: String) -> [String] {
        ["Corpus", "Regressions"].flatMap { folder -> [String] in
            let path = "\(fuzz)/\(folder)/\(target)"
            return ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 }
        }
    }

    @Test(arguments: FuzzTarget.all.map(\.name))
    func corpusReplaysWithoutACrash(_ name: String) throws {
        let target = try #require(FuzzTarget.named(name))
        let inputs = Self.inputs(name)
        #expect(!inputs.isEmpty, "Fuzz/Corpus/\(name) has no seeds")
        for input in inputs {
            target.run([UInt8](try Data(contentsOf: URL(fileURLWithPath: input))))
        }
    }

    @Test func everyCorpusFolderBelongsToATarget() throws {
        let names = Set(FuzzTarget.all.map(\.name))
        for folder in ["Corpus", "Regressions"] {
            let found = (try? FileManager.default.contentsOfDirectory(atPath: "\(Self.fuzz)/\(folder)")) ?? []
            #expect(Set(found).isSubset(of: names), "Fuzz/\(folder) holds \(Set(found).subtracting(names).sorted()), no target reads them")
        }
    }
}
