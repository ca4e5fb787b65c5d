import CImageCodecs
import Foundation

/// TIFF reading through libtiff: the first page, 8- or 16-bit grey or RGB at full
/// precision, strips or tiles, any compression libtiff has (none, LZW, Deflate, PackBits…).
public enum TIFF {
    /// The first page's samples (`ImageFile.decode` is the way in); `source` names the bytes in errors.
    static func samples(_ data: Data, source: String, maximumPixels: Int) throws -> DecodedSamples {
        var decoded = loupe_tiff_image()
        try ImageFile.runShim(data, format: .tiff, source: source) { loupe_tiff_decode($0, $1, UInt64(maximumPixels), &decoded, $2, $3) }
        return DecodedSamples(width: Int(decoded.width), height: Int(decoded.height), channels: Int(decoded.channels),
                              bitDepth: Int(decoded.bit_depth), pointer: decoded.pixels)
    }

    /// Width and height of the first page, from its directory alone.
    static func dimensions(_ data: Data, source: String) throws -> (width: Int, height: Int) {
        var width: UInt32 = 0, height: UInt32 = 0
        try ImageFile.runShim(data, format: .tiff, source: source) { loupe_tiff_dimensions($0, $1, &width, &height, $2, $3) }
        return (Int(width), Int(height))
    }
}
