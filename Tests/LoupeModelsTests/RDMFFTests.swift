import Foundation
import LoupeModels
import LoupeTensor
import LoupeTestSupport
import Testing

/// rd-mff's network against an independent PyTorch definition (scripts/rd_mff_peer.py, with
/// the shared peer's RD decoder for --mirror-student; built by scripts/make-fixtures.py) at
/// small channels (8, 16, 24) on a 4×4 grid, with either student: the peer's initial weights load by name; the
/// first loss's gradient of every parameter, two SGD steps' losses and weights, and
/// eval-mode maps match. The ablations change the network as they say.
@Suite struct RDMFFTests {
    static let fixtures = loadFixture(URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/multi-scale-fusion.safetensors").path)

    static func model(_ settings: [String: SettingValue] = ["heads": .integer(2)], size: Int = 64) throws -> any DistillationModel {
        var configuration = TrainingConfiguration()
        configuration.method = "rd-mff"
        configuration.imageSize = size
        configuration.settings = settings
        return try MethodRegistry.makeModel(for: configuration, teacher: .single(.efficientNetLite0, channels: [8, 16, 24]))
    }

    @Test(arguments: ["mirror", "trunk"]) func twoTrainingStepsAndMapsMatchThePeer(student: String) throws {
        let model = try Self.model(["heads": .integer(2), "mirror_student": .bool(student == "mirror")])
        let initial = fixtureCase(Self.fixtures, student + "/initial")
        #expect(Set(model.stateDictionary().keys) == Set(initial.keys))
        try model.loadStateDictionary(initial, source: "multi-scale-fusion.safetensors")
        let teacher = (0..<3).map { Self.fixtures["teacher\($0)"]! }
        let optimizer = StochasticGradientDescent(parameters: model.parameters, learningRate: 0.05)
        var losses: [Float] = []
        for step in 0..<2 {
            let loss = model.trainingLoss(TrainingBatch(teacherFeatures: teacher)).total
            optimizer.zeroGradients()
            loss.backward()
            if step == 0 {
                let gradients = fixtureCase(Self.fixtures, student + "/gradient")
                #expect(gradients.count == model.namedParameters.count)
                for (key, parameter) in model.namedParameters {
                    expectClose(parameter.gradient, gradients[key], tolerance: 1e-4, scale: .tensorRootMeanSquare, "gradient of \(key)")
                }
            }
            optimizer.step()
            losses.append(loss.item)
        }
        expectClose(Tensor(shape: [2], scalars: losses), Self.fixtures[student + "/losses"], tolerance: 1e-5, "losses")
        let state = model.stateDictionary()
        for (key, expected) in fixtureCase(Self.fixtures, student + "/final") {
            expectClose(state[key], expected, tolerance: 1e-4, scale: .tensorRootMeanSquare, key)
        }
        model.eval()
        let maps = withoutGradients { model.anomalyMaps(images: .zeros([teacher[0].shape[0], 3, 64, 64]), teacherFeatures: teacher, height: 64, width: 64) }
        expectClose(maps, Self.fixtures[student + "/maps"], tolerance: 1e-4, scale: .tensorRootMeanSquare, "eval-mode anomaly maps")
    }

    @Test func ablationsChangeTheNetworkAsTheySay() throws {
        let full = Set(try Self.model().stateDictionary().keys)
        #expect(full.contains("fusion.down1.0.0.weight") && full.contains("filter.layers.0.self_attn.in_proj_weight")
                && full.contains("student.heads.2.bias"))
        let noFusion = Set(try Self.model(["heads": .integer(2), "mff": .bool(false)]).stateDictionary().keys)
        #expect(!noFusion.contains { $0.hasPrefix("fusion.down") } && noFusion.contains("fusion.compact.0.weight"))
        let noFilter = Set(try Self.model(["heads": .integer(2), "transformer": .bool(false)]).stateDictionary().keys)
        #expect(!noFilter.contains { $0.hasPrefix("filter.") })
        let mirrored = Set(try Self.model(["heads": .integer(2), "mirror_student": .bool(true)]).stateDictionary().keys)
        #expect(mirrored.contains("student.up3.0.conv1.weight") && !mirrored.contains { $0.hasPrefix("student.heads") })
        #expect(try Set(Self.model(["heads": .integer(2), "depth": .integer(3)]).stateDictionary().keys)
            .contains("filter.layers.2.linear2.weight"))
        // Every variant reconstructs the teacher's three shapes.
        let teacher = (0..<3).map { Self.fixtures["teacher\($0)"]! }
        for settings: [String: SettingValue] in [["mff": .bool(false)], ["transformer": .bool(false)], ["mirror_student": .bool(true)], [:]] {
            let model = try Self.model(settings.merging(["heads": .integer(2)]) { a, _ in a })
            let maps = withoutGradients { model.anomalyMaps(images: .zeros([teacher[0].shape[0], 3, 64, 64]), teacherFeatures: teacher, height: 64, width: 64) }
            #expect(maps.shape == [2, 64, 64], "\(settings)")
        }
    }

    @Test func settingsAreChecked() throws {
        let cases: [([String: SettingValue], MethodError)] = [
            (["layers": .integer(2)], .unknownSetting(method: "rd-mff", key: "layers", known: RDMFF.settings.map(\.key))),
            (["heads": .bool(true)], .wrongType(key: "heads", value: "true", expected: "a whole number")),
            (["heads": .integer(9)], .outOfRange(key: "heads", value: "9", range: 1...8)),
            (["mff": .integer(0)], .wrongType(key: "mff", value: "0", expected: "true or false")),
        ]
        for (settings, error) in cases {
            #expect(throws: error) { try Self.model(settings) }
        }
        #expect(throws: MethodError.unknownMethod(name: "stfpm", known: MethodRegistry.names)) { try MethodRegistry.method(named: "stfpm") }
    }
}
