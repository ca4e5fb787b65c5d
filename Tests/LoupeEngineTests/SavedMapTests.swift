import Foundation
import LoupeEngine
import LoupeImaging
import Testing

/// Maps that `eval --save-maps` wrote are read back on the map's own scale, and only while
/// they belong to the run's current model.
@Suite struct SavedMapTests {
    @Test func savedMapsReadBackAndGoStaleWhenTheModelIsRetrained() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-saved-map-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let run = RunFolder(folder)
        try FileManager.default.createDirectory(atPath: run.maps + "/hole", withIntermediateDirectories: true)
        try RunFolder.write("epoch,step,loss,lr,seconds\n", to: run.trainLog)
        let values: [Float] = [0, 0.5, 1.25, 5.9]
        let path = run.savedMap(kind: "hole", imagePath: "data/test/hole/007.png")
        #expect(path == folder + "/maps/hole/007.png")
        try PNG.write(Image(width: 2, height: 2, channels: 1, pixels: values.map { $0 / 6 * 255 }, sourceBitDepth: 16),
                      to: path, bitDepth: 16)
        let saved = try #require(EvaluationJob.savedMap(of: run, kind: "hole", imagePath: "data/test/hole/007.png", range: 0...6))
        #expect(saved.width == 2 && saved.height == 2)
        // 16 bits over 0…6: within 1e-4.
        for (read, written) in zip(saved.values, values) { #expect(abs(read - written) < 1e-4) }
        // A probability map's run reads the same file on its own range.
        let probabilities = try #require(EvaluationJob.savedMap(of: run, kind: "hole", imagePath: "data/test/hole/007.png", range: 0...1))
        for (read, written) in zip(probabilities.values, values) { #expect(abs(read - written / 6) < 2e-5) }
        #expect(EvaluationJob.savedMap(of: run, kind: "good", imagePath: "data/test/good/007.png", range: 0...6) == nil)
        // A newer training log means a newer model: the map no longer applies.
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(60)], ofItemAtPath: run.trainLog)
        #expect(EvaluationJob.savedMap(of: run, kind: "hole", imagePath: "data/test/hole/007.png", range: 0...6) == nil)
    }
}
