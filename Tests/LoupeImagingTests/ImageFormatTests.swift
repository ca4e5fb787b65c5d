import Foundation
import LoupeImaging
import LoupeTensor
import LoupeTestSupport
import Testing

enum FormatFixtures {
    static let directory = ImagingFixtures.path("formats")
    static let expected = loadFixture(ImagingFixtures.path("formats.safetensors"))
    static func path(_ name: String) -> String {
        let file = (try? FileManager.default.contentsOfDirectory(atPath: directory))?.first { ($0 as NSString).deletingPathExtension == name }
        return directory + "/" + (file ?? name)
    }
}

/// JPEG, TIFF and BMP files decoded against the pixels Pillow decodes from the same files
/// (`scripts/make-fixtures.py --only formats`).
@Suite struct ImageFormatTests {
    static let names = ["jpeg_rgb_baseline", "jpeg_rgb_444", "jpeg_rgb_progressive", "jpeg_grey", "jpeg_grey_progressive"]
        + (2...8).map { "jpeg_exif_\($0)" }
        + ["tiff_grey8", "tiff_grey8_lzw", "tiff_rgb8_lzw", "tiff_rgb8_deflate", "tiff_rgb8_packbits", "tiff_grey16", "tiff_rgba8",
           "tiff_palette", "tiff_grey16_deflate", "tiff_grey16_bigendian", "tiff_rgb16", "tiff_rgb8_tiled", "tiff_rgb16_planar",
           "tiff_grey8_tiled", "tiff_grey8_miniswhite"]
        + ["bmp_rgb24", "bmp_grey8", "bmp_palette8", "bmp_bilevel", "bmp_rgb24_topdown", "bmp_rgb32", "bmp_rgba32_bitfields",
           "bmp_palette4"]

    @Test(arguments: names)
    func decodesLikePillow(_ name: String) throws {
        let path = FormatFixtures.path(name)
        let image = try ImageFile.read(path)
        let expected = try #require(FormatFixtures.expected["\(name)/expected"], "no expected pixels for \(name)")
        #expect([image.channels, image.height, image.width] == expected.shape, "\(name)")
        guard [image.channels, image.height, image.width] == expected.shape else { return }
        // Identical samples: the same libjpeg-turbo settings as Pillow, lossless TIFF and BMP.
        expectClose(Tensor(shape: expected.shape, scalars: image.pixels), expected, tolerance: 1e-4, name)
        #expect(image.sourceBitDepth == (name.contains("16") ? 16 : 8), "\(name)")
        let header = try ImageFile.dimensions(path)
        #expect(header.width == expected.shape[2] && header.height == expected.shape[1], "\(name): header says \(header)")
    }

    @Test func formatIsTakenFromContentNotExtension() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-formats-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for (name, format) in [("jpeg_grey", ImageFormat.jpeg), ("tiff_grey16", .tiff), ("bmp_rgb24", .bmp)] {
            let disguised = folder + "/\(name).png"
            try FileManager.default.copyItem(atPath: FormatFixtures.path(name), toPath: disguised)
            #expect(ImageFile.sniff(disguised) == format)
            #expect(try ImageFile.read(disguised) == ImageFile.read(FormatFixtures.path(name)))
        }
    }

    @Test func unknownContentIsNamed() {
        #expect(ImageFormat.describeUnknown(Array("GIF89a....".utf8)) == "a GIF image")
        #expect(ImageFormat.describeUnknown(Array("RIFF\0\0\0\0WEBPVP8".utf8)) == "a WebP image")
        #expect(ImageFormat.describeUnknown([0x00, 0x01, 0x02]).hasPrefix("unrecognised content (starts 00 01 02"))
        #expect { try ImageFile.decode(Data("%PDF-1.4 ...".utf8), source: "scan.jpg") } throws: {
            ($0 as? ImageError)?.description == "scan.jpg: a PDF document, not an image Loupe reads (PNG, JPEG, BMP, TIFF)"
        }
    }

    /// A JPEG cut short is an error naming the file, not a picture padded with grey.
    @Test(arguments: ["jpeg_rgb_baseline", "jpeg_rgb_progressive", "tiff_rgb8_lzw", "tiff_rgb8_tiled", "bmp_rgb24", "bmp_palette4"])
    func truncatedFilesAreCorrupt(_ name: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: FormatFixtures.path(name)))
        #expect { try ImageFile.decode(data.prefix(data.count * 2 / 3), source: "line3/\(name)") } throws: { error in
            guard let error = error as? ImageError, case .corrupt = error else { return false }
            return error.description.hasPrefix("line3/\(name): corrupt ")
        }
    }

    @Test(arguments: ["jpeg_rgb_baseline", "tiff_grey16", "bmp_rgb24"])
    func pixelLimitHolds(_ name: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: FormatFixtures.path(name)))
        let size = try ImageFile.decode(data)
        #expect(throws: ImageError.self) { try ImageFile.decode(data, maximumPixels: size.width * size.height - 1) }
        #expect(try ImageFile.decode(data, maximumPixels: size.width * size.height).width == size.width)
    }

    @Test func runLengthBitmapsAreRefusedByName() throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: FormatFixtures.path("bmp_grey8"))))
        bytes[30] = 1  // compression: RLE8
        #expect { try ImageFile.decode(Data(bytes), source: "a.bmp") } throws: { ($0 as? ImageError)?.description.contains("RLE8") == true }
    }
}

/// Reading straight to a smaller size gives the very pixels of reading, then resizing.
@Suite struct ResizedReadTests {
    @Test(arguments: ["jpeg_rgb_baseline", "jpeg_grey", "jpeg_exif_6", "tiff_rgb16", "tiff_rgb8_tiled", "bmp_palette4"])
    func equalsReadThenResize(_ name: String) throws {
        let path = FormatFixtures.path(name)
        for (width, height) in [(17, 11), (61, 9), (5, 40)] {
            #expect(try ImageFile.read(path, resizedTo: width, height) == ImageFile.read(path).resized(width: width, height: height), "\(name) \(width)x\(height)")
        }
    }

    @Test func pngToo() throws {
        let path = ImagingFixtures.path("coffee.png")
        #expect(try ImageFile.read(path, resizedTo: 64, 48) == ImageFile.read(path).resized(width: 64, height: 48))
    }
}
