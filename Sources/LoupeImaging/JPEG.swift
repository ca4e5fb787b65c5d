import CImageCodecs
import Foundation

/// JPEG reading through libjpeg-turbo with Pillow's decoding settings (baseline and
/// progressive, grey and colour), turned upright by the file's EXIF orientation.
public enum JPEG {
    /// Decodes JPEG bytes; `source` names them in errors.
    public static func decode(_ data: Data, source: String = "<memory>", maximumPixels: Int = ImageFile.defaultMaximumPixels) throws -> Image {
        let (samples, orientation) = try self.samples(data, source: source, maximumPixels: maximumPixels)
        return orientation.apply(to: samples.image)
    }

    /// The decoder's samples and the orientation still to apply to them.
    static func samples(_ data: Data, source: String, maximumPixels: Int) throws -> (DecodedSamples, ExifOrientation) {
        var decoded = loupe_jpeg_image()
        try ImageFile.runShim(data, format: .jpeg, source: source) { loupe_jpeg_decode($0, $1, UInt64(maximumPixels), &decoded, $2, $3) }
        let samples = DecodedSamples(width: Int(decoded.width), height: Int(decoded.height), channels: Int(decoded.channels),
                                     bitDepth: 8, pointer: UnsafeMutableRawPointer(decoded.pixels))
        return (samples, ExifOrientation.of(jpeg: [UInt8](data.prefix(1 << 17))))
    }

    /// Width and height after the EXIF orientation, from the headers alone.
    static func dimensions(_ data: Data, source: String) throws -> (width: Int, height: Int) {
        var width: UInt32 = 0, height: UInt32 = 0
        try ImageFile.runShim(data, format: .jpeg, source: source) { loupe_jpeg_dimensions($0, $1, &width, &height, $2, $3) }
        let swaps = ExifOrientation.of(jpeg: [UInt8](data.prefix(1 << 17))).swapsSides
        return swaps ? (Int(height), Int(width)) : (Int(width), Int(height))
    }
}
