import Foundation
import LoupeImaging
import LoupeTensor
import LoupeTestSupport
import Testing

/// Mutated copies of real files of every format: each decodes or throws an `ImageError`;
/// none crashes, hangs or leaks.
@Suite struct FuzzedImageTests {
    /// Found by `make fuzz`: a TIFF whose header claims 65536×65536 tiles for a 2×2 image made
    /// the decoder allocate one tile (4 GB, 12 GB in the fuzzer's file) before reading it.
    @Test func aTileLargerThanTheImageAllowsIsRefusedBeforeAllocating() throws {
        #expect {
            try ImageFile.read(FormatFixtures.path("fuzz-huge-tile.tif"))
        } throws: { error in
            "\(error)".contains("a tile of 4294967296 bytes, above the limit for a 2x2 image")
        }
    }

    /// Real files each mutation starts from, and how many leading bytes (the signature) a
    /// random tail keeps.
    static func seeds(_ format: ImageFormat) throws -> (files: [[UInt8]], signature: Int) {
        let names: [String], signature: Int
        switch format {
        case .png: (names, signature) = (["rgb8_interlaced", "grey16", "palette_alpha", "camera_down_128x100"].map { "../\($0).png" }, 8)
        case .jpeg: (names, signature) = (["jpeg_rgb_baseline", "jpeg_rgb_progressive", "jpeg_grey", "jpeg_exif_6"], 3)
        case .tiff: (names, signature) = (["tiff_rgb8_lzw", "tiff_rgb8_tiled", "tiff_grey16_deflate", "tiff_rgb16_planar", "tiff_palette"], 4)
        case .bmp: (names, signature) = (["bmp_rgb24", "bmp_palette4", "bmp_rgba32_bitfields", "bmp_bilevel"], 2)
        }
        let files = try names.map { name in
            [UInt8](try Data(contentsOf: URL(fileURLWithPath: name.hasPrefix("../") ? ImagingFixtures.path(String(name.dropFirst(3)))
                                                                                      : FormatFixtures.path(name))))
        }
        return (files, signature)
    }

    /// Bit flips anywhere, truncations, header-byte flips, and random tails after a valid signature.
    static func mutated(_ format: ImageFormat, count: Int, seed: UInt64) throws -> [[UInt8]] {
        let (files, signature) = try seeds(format)
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { index in
            var bytes = files[index % files.count]
            switch index % 4 {
            case 0:
                for _ in 0..<(1 + Int(generator.next() % 8)) {
                    bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
                }
            case 1: bytes = Array(bytes.prefix(signature + Int(generator.next() % UInt64(bytes.count - signature))))
            case 2:
                let position = signature + Int(generator.next() % UInt64(min(bytes.count - signature, 160)))
                bytes[position] ^= UInt8(truncatingIfNeeded: 1 << (generator.next() % 8))
            default:
                bytes = Array(bytes.prefix(signature)) + (0..<Int(generator.next() % 300)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            }
            return bytes
        }
    }

    @Test(arguments: ImageFormat.allCases)
    func onlyTypedErrors(_ format: ImageFormat) throws {
        var rejected = 0
        for (index, bytes) in try Self.mutated(format, count: 1_000, seed: 1234).enumerated() {
            do {
                _ = try ImageFile.decode(Data(bytes), maximumPixels: 1 << 22)
            } catch is ImageError {
                rejected += 1
            } catch {
                Issue.record("\(format.name) input \(index): untyped error \(error)")
            }
        }
        #expect(rejected > 300, "\(format.name): only \(rejected) of 1,000 mutated files rejected")
    }

    /// The same inputs leave the C heap where it was: the codecs' buffers are freed on every
    /// error path. Measured in a child process, where no other test allocates (an exit test
    /// cannot take arguments, so it walks the formats itself).
    @Test func noLeaks() async {
        await #expect(processExitsWith: .success) {
            var leaked = false
            for format in ImageFormat.allCases {
                let inputs = try FuzzedImageTests.mutated(format, count: 1_100, seed: 1234)
                for bytes in inputs.prefix(100) { _ = try? ImageFile.decode(Data(bytes), maximumPixels: 1 << 22) }  // warm caches
                let before = HeapUsage.bytesInUse()
                for bytes in inputs.dropFirst(100) { _ = try? ImageFile.decode(Data(bytes), maximumPixels: 1 << 22) }
                let growth = HeapUsage.bytesInUse() - before
                if growth > 64 * 1024 {
                    print("\(format.name): heap grew by \(growth) bytes over 1,000 decodes")
                    leaked = true
                }
            }
            if leaked { exit(1) }
        }
    }
}
