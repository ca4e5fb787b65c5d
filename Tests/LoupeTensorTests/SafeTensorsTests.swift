import Foundation
import LoupeFormats
import LoupeTensor
import LoupeTestSupport
import Testing

@Suite struct SafeTensorsTests {
    /// A well-formed file in bytes, built by hand (not by our encoder).
    static func handBuilt(header: String, data: [UInt8]) -> Data {
        var bytes = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(Data(header.utf8))
        bytes.append(contentsOf: data)
        return bytes
    }

    @Test func roundTripKeepsValuesShapesAndMetadata() throws {
        var generator = SeededGenerator(seed: 5)
        let original = SafeTensors(tensors: ["layer1.0.conv1.weight": .randomNormal([4, 3, 3, 3], using: &generator),
                                             "bn.num_batches_tracked": Tensor(7), "empty": .zeros([0, 3])],
                                   metadata: ["method": "rd", "threshold": "0.42"])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-\(UUID()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try original.write(to: path)
        let read = try SafeTensors(contentsOf: path)
        #expect(read.metadata == original.metadata)
        #expect(Set(read.tensors.keys) == Set(original.tensors.keys))
        for (name, tensor) in original.tensors {
            #expect(read.tensors[name]?.shape == tensor.shape)
            #expect(read.tensors[name]?.scalars == tensor.scalars)
        }
    }

    @Test func readsEveryDataTypePyTorchWrote() throws {
        let file = try SafeTensors(contentsOf: Fixtures.path("dtypes.safetensors"))
        #expect(file.metadata["purpose"] == "dtype conversion")
        #expect(file.tensors["f16"]?.scalars == file.tensors["expected_f16"]?.scalars)
        #expect(file.tensors["bf16"]?.scalars == file.tensors["expected_bf16"]?.scalars)
        #expect(file.tensors["i64"]?.scalars == file.tensors["expected_i64"]?.scalars)
        #expect(file.tensors["f32"]?.shape == [3, 4])
    }

    @Test func handBuiltFileDecodes() throws {
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"__metadata__":{"k":"v"}}"#
        let data: [UInt8] = [0, 0, 128, 63, 0, 0, 0, 64]  // 1.0, 2.0
        let file = try SafeTensors(decoding: Self.handBuilt(header: header, data: data))
        #expect(file.tensors["a"]?.scalars == [1, 2])
        #expect(file.metadata == ["k": "v"])
    }

    /// Each malformed file gives the error that names its problem.
    @Test(arguments: [
        ("{}", [UInt8](), "tiny", "fewer than the 8-byte"),
        (#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, [UInt8](repeating: 0, count: 8), "", "ends at byte 16"),
        (#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, [UInt8](repeating: 0, count: 8), "", "needs 12"),
        (#"{"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]}}"#, [UInt8](repeating: 0, count: 8), "", "data type U8"),
        (#"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, [UInt8](repeating: 0, count: 8), "", "not a non-negative integer"),
        (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, [UInt8](repeating: 0, count: 8), "", "begin ≤ end"),
        (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
         [UInt8](repeating: 0, count: 8), "", "overlaps"),
        (#"{"a": [1, 2]}"#, [UInt8](), "", "entry is not an object"),
        (#"{"__metadata__":{"k":3}}"#, [UInt8](), "", "not a string"),
        ("[1, 2]", [UInt8](), "", "not a JSON object"),
        ("{not json", [UInt8](), "", "not valid JSON"),
        (#"{"a":{"dtype":"F32","shape":[100000000000,100000000000],"data_offsets":[0,8]}}"#, [UInt8](), "", "too large"),
    ])
    func malformedFilesAreTypedErrors(header: String, data: [UInt8], mode: String, message: String) {
        let bytes = mode == "tiny" ? Data([1, 2, 3]) : Self.handBuilt(header: header, data: data)
        #expect {
            try SafeTensors(decoding: bytes, source: "model.safetensors")
        } throws: { error in
            guard let error = error as? SafeTensorsError else { return false }
            return error.description.contains("model.safetensors") && error.description.contains(message)
        }
    }

    @Test func headerLengthBeyondFileIsTruncation() {
        var bytes = Data()
        withUnsafeBytes(of: UInt64(1_000).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(Data("{}".utf8))
        #expect(throws: SafeTensorsError.truncated(path: "<memory>", detail: "header length 1000 but only 2 bytes follow")) {
            try SafeTensors(decoding: bytes)
        }
    }

    @Test func missingFileNamesThePath() {
        #expect {
            try SafeTensors(contentsOf: "/nonexistent/teacher.safetensors")
        } throws: { error in
            (error as? SafeTensorsError)?.description.contains("/nonexistent/teacher.safetensors") == true
        }
    }

    /// 1,000 random and mutated inputs: every one decodes or throws a SafeTensorsError;
    /// none crashes (a crash would end the test process).
    @Test func fuzzedInputsOnlyThrowTypedErrors() {
        var generator = SeededGenerator(seed: 77)
        let valid = SafeTensors(tensors: ["w": .ones([2, 3]), "b": .zeros([3])], metadata: ["m": "x"]).encoded()
        var decoded = 0, rejected = 0
        for round in 0..<1_000 {
            var bytes = [UInt8](valid)
            switch round % 5 {
            case 0:  // random bytes of random length
                bytes = (0..<Int(generator.next() % 200)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            case 1:  // flip a few bytes anywhere
                for _ in 0..<(1 + Int(generator.next() % 4)) {
                    bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
                }
            case 2:  // truncate
                bytes = Array(bytes.prefix(Int(generator.next() % UInt64(bytes.count))))
            case 3:  // corrupt the header length
                let length = generator.next() % 2 == 0 ? generator.next() : generator.next() % 400
                withUnsafeBytes(of: length.littleEndian) { for i in 0..<8 { bytes[i] = $0[i] } }
            default:  // mutate a digit or quote inside the JSON header
                let positions = bytes.indices.dropFirst(8).prefix(120).filter { bytes[$0] >= 48 && bytes[$0] <= 57 || bytes[$0] == 34 }
                if let position = positions.randomElement(using: &generator) {
                    bytes[position] = [48, 57, 45, 34, 44, 93, 123][Int(generator.next() % 7)]
                }
            }
            do {
                _ = try SafeTensors(decoding: Data(bytes))
                decoded += 1
            } catch is SafeTensorsError {
                rejected += 1
            } catch {
                Issue.record("round \(round): untyped error \(error)")
            }
        }
        #expect(decoded + rejected == 1_000)
        #expect(rejected > 500)
    }
}
