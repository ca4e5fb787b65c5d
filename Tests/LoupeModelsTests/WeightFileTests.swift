import Foundation
import LoupeFormats
import LoupeModels
import LoupeTensor
import LoupeTestSupport
import Testing

/// PyTorch .pth files in both containers, written by torch.save (scripts/make-fixtures.py).
@Suite struct WeightFileTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    static let expected = loadFixture(path("checkpoints.safetensors"))

    @Test(arguments: ["state-zip.pth", "state-legacy.pth", "wrapped-zip.pth"])
    func readsStateDictionaries(_ file: String) throws {
        let tensors = try WeightFile.load(Self.path(file))
        #expect(Set(tensors.keys) == Set(Self.expected.keys))
        for (name, value) in Self.expected {
            #expect(tensors[name]?.shape == value.shape, "\(file): shape of \(name)")
            #expect(tensors[name]?.scalars == value.scalars, "\(file): values of \(name)")
        }
    }

    @Test func refusesCodeAndForeignObjects() {
        for (file, mentions) in [("malicious.pth", "os.system"), ("foreign-object.pth", "NotAStateDict")] {
            #expect {
                try WeightFile.load(Self.path(file))
            } throws: { error in
                guard case let .unsupportedPickle(path, detail) = error as? WeightsError else { return false }
                return path.hasSuffix(file) && detail.contains(mentions)
            }
        }
    }

    /// Text-protocol INST and PUT are valid pickle but not what torch writes: refused.
    @Test func refusesForeignOpcodes() {
        let inst = Data([0x80, 0x02] + Array("ibuiltins\neval\n(S'1'\ntp0\n.".utf8))
        #expect {
            try WeightFile.decode(inst, source: "odd.pth")
        } throws: { error in
            guard case let .unsupportedPickle(_, detail) = error as? WeightsError else { return false }
            return detail.contains("opcode 0x69")
        }
    }

    @Test func safetensorsAreReadToo() throws {
        let tensors = try WeightFile.load(Self.path("checkpoints.safetensors"))
        #expect(tensors["conv.weight"]?.shape == [3, 2, 3, 3])
    }

    @Test func unknownAndMissingFilesNameThePath() {
        #expect(throws: WeightsError.unknownFormat(path: "x.bin")) { try WeightFile.decode(Data("GIF89a..........".utf8), source: "x.bin") }
        #expect { try WeightFile.load("/no/such/teacher.pth") } throws: { ($0 as? WeightsError)?.description.contains("/no/such/teacher.pth") == true }
    }

    /// Truncations and byte flips of both containers: only WeightsError, never a crash.
    @Test func damagedFilesOnlyThrowTypedErrors() throws {
        let seeds = try ["state-zip.pth", "state-legacy.pth"].map { [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.path($0)))) }
        var generator = SeededGenerator(seed: 31)
        var rejected = 0
        for round in 0..<600 {
            var bytes = seeds[round % 2]
            if round % 3 == 0 {
                bytes = Array(bytes.prefix(Int(generator.next() % UInt64(bytes.count))))
            } else {
                for _ in 0..<(1 + Int(generator.next() % 6)) {
                    bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
                }
            }
            do {
                _ = try WeightFile.decode(Data(bytes), source: "damaged.pth")
            } catch is WeightsError {
                rejected += 1
            } catch {
                Issue.record("round \(round): untyped error \(error)")
            }
        }
        #expect(rejected > 300)
    }

    /// A ResNet-50 checkpoint given to a ResNet-18: every problem listed with both shapes.
    @Test func resNet50WeightsDoNotFitResNet18() throws {
        var generator = SeededGenerator(seed: 0)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("resnet50-\(UUID()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try SafeTensors(tensors: ResNet(.resnet50, using: &generator).stateDictionary()).write(to: file)
        let resnet18 = ResNet(.resnet18, using: &generator)
        #expect {
            try resnet18.loadStateDictionary(WeightFile.load(file), source: file)
        } throws: { error in
            guard let error = error as? StateDictionaryError else { return false }
            let text = error.description
            return text.contains(file) && error.unexpected.contains("layer1.0.conv3.weight")
                && error.mismatched.contains { $0.name == "layer1.0.conv1.weight" && $0.expected == [64, 64, 3, 3] && $0.found == [64, 64, 1, 1] }
                && error.mismatched.contains { $0.name == "fc.weight" && $0.found == [1000, 2048] }
        }
    }
}
