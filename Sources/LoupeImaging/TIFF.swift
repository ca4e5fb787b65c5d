import CImageCodecs
import Foundation

/// TIFF reading through libtiff: the first page, 8- or 16-bit grey or RGB at full
/// precision, strips or tiles, any compression libtiff has (none, LZW, Deflate, PackBits…).
public enum TIFF {
    /// Decodes TIFF bytes; `source` names them in errors.
    public static func decode(_ data: Data, source: String = "<memory>", maximumPixels: Int = ImageFile.defaultMaximumPixels) throws -> Image {
        try samples(data, source: source, maximumPixels: maximumPixels).image
    }

    static func samples(_ data: Data, source: String, maximumPixels: Int) throws -> DecodedSamples {
        guard !data.isEmpty else { throw ImageError.empty(path: source) }
        var decoded = loupe_tiff_image()
        var message = [CChar](repeating: 0, count: 256)
        let status = data.withUnsafeBytes { bytes in
            loupe_tiff_decode(bytes.bindMemory(to: UInt8.self).baseAddress, bytes.count, UInt64(maximumPixels), &decoded, &message, message.count)
        }
        try ImageFile.check(status, message: message, format: .tiff, source: source, data: data)
        return DecodedSamples(width: Int(decoded.width), height: Int(decoded.height), channels: Int(decoded.channels),
                              bitDepth: Int(decoded.bit_depth), pointer: decoded.pixels)
    }

    /// Width and height of the first page, from its directory alone.
    static func dimensions(_ data: Data, source: String) throws -> (width: Int, height: Int) {
        var width: UInt32 = 0, height: UInt32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = data.withUnsafeBytes { bytes in
            loupe_tiff_dimensions(bytes.bindMemory(to: UInt8.self).baseAddress, bytes.count, &width, &height, &message, message.count)
        }
        try ImageFile.check(status, message: message, format: .tiff, source: source, data: data)
        return (Int(width), Int(height))
    }
}
