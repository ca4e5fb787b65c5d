import Foundation
import LoupeImaging
import LoupeTensor
import LoupeTestSupport
import Testing

enum ImagingFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    static let expected = loadFixture(path("imaging.safetensors"))
}

@Suite struct PNGTests {
    /// Every colour type and bit depth, interlaced or not, as pypng wrote them.
    @Test(arguments: ["grey1", "grey2", "grey4", "grey8", "grey8_interlaced", "grey16", "grey16_interlaced", "grey_alpha8",
                      "rgb8", "rgb8_interlaced", "rgb16", "rgba8", "palette", "palette_alpha"])
    func decodesEveryFormat(_ name: String) throws {
        let image = try ImageFile.read(ImagingFixtures.path("\(name).png"))
        let expected = try #require(ImagingFixtures.expected["\(name)/expected"])
        #expect([image.channels, image.height, image.width] == expected.shape)
        expectClose(Tensor(shape: expected.shape, scalars: image.pixels), expected, tolerance: 1e-5, name)
        #expect(image.sourceBitDepth == (name.contains("16") ? 16 : 8))
        // The header alone gives the same size, whatever the format.
        let header = try ImageFile.dimensions(ImagingFixtures.path("\(name).png"))
        #expect(header.width == expected.shape[2] && header.height == expected.shape[1])
    }

    @Test func dimensionsRefuseWhatIsNotAnImage() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("not-png-\(UUID()).png").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try Data("GIF89a not a png, longer than a header".utf8).write(to: URL(fileURLWithPath: file))
        #expect(throws: ImageError.unknownFormat(path: file, detail: "a GIF image")) { try ImageFile.dimensions(file) }
        #expect(throws: ImageError.self) { try ImageFile.dimensions(file + ".missing") }
    }

    @Test(arguments: [(1, 8), (3, 8), (1, 16), (3, 16), (4, 8), (2, 16)])
    func encodeDecodeRoundTrip(channels: Int, bitDepth: Int) throws {
        var generator = SeededGenerator(seed: UInt64(channels * 100 + bitDepth))
        let levels: Float = bitDepth == 8 ? 255 : 65535
        let pixels = (0..<(channels * 11 * 5)).map { _ in (Float(generator.next() % UInt64(levels + 1)) * 255 / levels) }
        let image = Image(width: 11, height: 5, channels: channels, pixels: pixels, sourceBitDepth: bitDepth)
        let decoded = try PNG.decode(PNG.encode(image, bitDepth: bitDepth))
        #expect(decoded.channels == channels && decoded.width == 11 && decoded.height == 5)
        #expect(zip(decoded.pixels, pixels).allSatisfy { abs($0 - $1) < 1e-3 })
    }

    @Test func writeIsAtomicAndReadable() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-\(UUID()).png").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let image = Image(width: 4, height: 3, channels: 1, pixels: (0..<12).map { Float($0 * 20) })
        try PNG.write(image, to: path)
        #expect(try ImageFile.read(path) == image)
    }
}

@Suite struct BadImageTests {
    static func expectError(_ data: Data, _ matches: (ImageError) -> Bool, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(sourceLocation: sourceLocation) {
            try PNG.decode(data, source: "line3/frame.png")
        } throws: { error in
            guard let error = error as? ImageError else { return false }
            return matches(error) && error.description.contains("line3/frame.png")
        }
    }

    @Test func emptyFile() { Self.expectError(Data()) { $0 == .empty(path: "line3/frame.png") } }

    @Test func notAPNG() {
        Self.expectError(Data("GIF89a not a png at all".utf8)) { $0 == .unknownFormat(path: "line3/frame.png", detail: "a GIF image") }
    }

    @Test func truncatedFile() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: ImagingFixtures.path("coffee.png")))
        Self.expectError(data.prefix(data.count / 2)) { if case .corrupt = $0 { return true } else { return false } }
    }

    @Test func missingFileNamesPath() {
        #expect(throws: ImageError.unreadable(path: "/no/such/frame.png", reason: "no such file")) { try ImageFile.read("/no/such/frame.png") }
    }

    @Test func aFolderIsNotAnImage() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("frame-\(UUID()).png").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(throws: ImageError.unreadable(path: folder, reason: "a folder, not an image file")) { try ImageFile.read(folder) }
        #expect(throws: ImageError.unreadable(path: folder, reason: "a folder, not an image file")) { try ImageFile.dimensions(folder) }
    }

    /// A valid header claiming 50,000 × 50,000 pixels is refused before any pixel memory.
    @Test func decompressionBombIsRefused() throws {
        var bytes = [UInt8](try PNG.encode(Image(width: 2, height: 2, channels: 1)))
        // IHDR data starts at byte 16: width and height, big-endian, then its CRC at 29.
        for (offset, value) in [(16, UInt32(50_000)), (20, UInt32(50_000))] {
            for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (24 - 8 * UInt32(i))) }
        }
        let crc = CRC32.checksum(bytes[12..<29])
        for i in 0..<4 { bytes[29 + i] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * UInt32(i))) }
        Self.expectError(Data(bytes)) { error in
            if case let .tooLarge(_, detail) = error { return detail.contains("50000x50000") }
            return false
        }
    }

    @Test func pixelLimitIsConfigurable() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: ImagingFixtures.path("grey8.png")))
        #expect(throws: ImageError.self) { try PNG.decode(data, maximumPixels: 90) }
        #expect(try PNG.decode(data, maximumPixels: 91).width == 13)
    }
}
