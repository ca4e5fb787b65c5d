import CImageCodecs
import LoupeFormats
import LoupeTensor
import Foundation

/// PNG reading and writing through libpng; every overlay and map Loupe writes is a PNG.
public enum PNG {
    /// Width and height from the file's header (signature and IHDR, 24 bytes), without
    /// decoding the pixels.
    static func dimensions(_ data: Data, source: String) throws -> (width: Int, height: Int) {
        let header = [UInt8](data.prefix(24))
        guard header.count == 24, ImageFormat.detect(header) == .png, Array(header[12..<16]) == Array("IHDR".utf8) else {
            throw ImageError.corrupt(path: source, format: .png, detail: "no image header (IHDR) at the start")
        }
        func bigEndian(_ offset: Int) -> Int { header[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) } }
        return (bigEndian(16), bigEndian(20))
    }

    /// Decodes PNG bytes; `source` names them in errors.
    public static func decode(_ data: Data, source: String = "<memory>", maximumPixels: Int = ImageFile.defaultMaximumPixels) throws -> Image {
        try samples(data, source: source, maximumPixels: maximumPixels).image
    }

    static func samples(_ data: Data, source: String, maximumPixels: Int) throws -> DecodedSamples {
        var decoded = loupe_png_image()
        try ImageFile.runShim(data, format: .png, source: source) { loupe_png_decode($0, $1, UInt64(maximumPixels), &decoded, $2, $3) }
        return DecodedSamples(width: Int(decoded.width), height: Int(decoded.height), channels: Int(decoded.channels),
                              bitDepth: Int(decoded.bit_depth), pointer: decoded.pixels)
    }

    /// PNG bytes of `image` at 8 or 16 bits per sample (values rounded and clipped).
    public static func encode(_ image: Image, bitDepth: Int = 8) throws -> Data {
        invariant(bitDepth == 8 || bitDepth == 16, "PNG.encode: bit depth \(bitDepth) must be 8 or 16")
        let plane = image.width * image.height, channels = image.channels
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        let status: Int32
        if bitDepth == 16 {
            var samples = [UInt16](repeating: 0, count: plane * channels)
            for i in 0..<plane { for c in 0..<channels {
                samples[i * channels + c] = UInt16((min(max(image.pixels[c * plane + i], 0), 255) * 65535 / 255).rounded())
            } }
            status = loupe_png_encode(samples, UInt32(image.width), UInt32(image.height), UInt32(channels), 16, &output, &size, &message, message.count)
        } else {
            var samples = [UInt8](repeating: 0, count: plane * channels)
            for i in 0..<plane { for c in 0..<channels {
                samples[i * channels + c] = UInt8(min(max(image.pixels[c * plane + i], 0), 255).rounded())
            } }
            status = loupe_png_encode(samples, UInt32(image.width), UInt32(image.height), UInt32(channels), 8, &output, &size, &message, message.count)
        }
        guard status == LOUPE_PNG_OK, let output else {
            let detail = ImageFile.message(message)
            throw ImageError.writeFailed(path: "<memory>", reason: detail.isEmpty ? "encoder failed" : detail)
        }
        defer { loupe_png_free(output) }
        return Data(bytes: output, count: size)
    }

    /// Writes `image` to `path` through a temporary file and a rename, so a crash never
    /// leaves a half-written PNG.
    public static func write(_ image: Image, to path: String, bitDepth: Int = 8) throws {
        do {
            try encode(image, bitDepth: bitDepth).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch let error as ImageError {
            throw ImageError.writeFailed(path: path, reason: error.description)
        } catch {
            throw ImageError.writeFailed(path: path, reason: FileFailure.reason(error))
        }
    }
}
