import Foundation
import LoupeTensor
import LoupeTestSupport

/// This target's fixtures, loaded once.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static let operations = loadFixture(path("operations.safetensors"))
    static let optimizers = loadFixture(path("optimizers.safetensors"))
    static let training = loadFixture(path("training.safetensors"))
}
