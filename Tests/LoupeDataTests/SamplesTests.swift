import Foundation
import LoupeData
import Testing

/// The shipped samples are what `make demo` and the end-to-end tests stand on.
@Suite struct SamplesTests {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("samples").path

    @Test func pcbSubsetIsCompleteAndReadable() throws {
        let dataset = try Dataset.mvtec(root: Self.samples + "/pcb")
        let report = ValidationReport(dataset: dataset)
        #expect(report.isUsable, "\(report.text)")
        #expect(dataset.trainSamples.count == 120)
        #expect(dataset.testSamples.filter(\.isGood).count == 30)
        #expect(dataset.testSamples.filter { !$0.isGood && $0.maskPath != nil }.count == 30)
        #expect(report.sizes == ["640x640 grey": 180])
        #expect(FileManager.default.fileExists(atPath: Self.samples + "/pcb/LICENSE"))
    }

    @Test func textureCategoryHasEveryKindWithMasks() throws {
        let dataset = try Dataset.mvtec(root: Self.samples + "/texture")
        let report = ValidationReport(dataset: dataset)
        #expect(report.isUsable && report.imagesWithoutMasks.isEmpty && report.masksWithoutImages.isEmpty)
        #expect(Set(dataset.testSamples.map(\.kind)) == ["good", "scratch", "hole", "stain", "foreign"])
    }
}
