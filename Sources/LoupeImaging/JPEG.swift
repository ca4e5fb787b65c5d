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
        guard !data.isEmpty else { throw ImageError.empty(path: source) }
        var decoded = loupe_jpeg_image()
        var message = [CChar](repeating: 0, count: 256)
        let status = data.withUnsafeBytes { bytes in
            loupe_jpeg_decode(bytes.bindMemory(to: UInt8.self).baseAddress, bytes.count, UInt64(maximumPixels), &decoded, &message, message.count)
        }
        try check(status, message: ImageFile.message(message), source: source)
        let samples = DecodedSamples(width: Int(decoded.width), height: Int(decoded.height), channels: Int(decoded.channels),
                                     bitDepth: 8, pointer: UnsafeMutableRawPointer(decoded.pixels))
        return (samples, ExifOrientation.of(jpeg: [UInt8](data.prefix(1 << 17))))
    }

    /// Width and height after the EXIF orientation, from the headers alone.
    static func dimensions(_ data: Data, source: String) throws -> (width: Int, height: Int) {
        var width: UInt32 = 0, height: UInt32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = data.withUnsafeBytes { bytes in
            loupe_jpeg_dimensions(bytes.bindMemory(to: UInt8.self).baseAddress, bytes.count, &width, &height, &message, message.count)
        }
        try check(status, message: ImageFile.message(message), source: source)
        let swaps = ExifOrientation.of(jpeg: [UInt8](data.prefix(1 << 17))).swapsSides
        return swaps ? (Int(height), Int(width)) : (Int(width), Int(height))
    }

    private static func check(_ status: Int32, message: String, source: String) throws {
        switch Int(status) {
        case Int(LOUPE_JPEG_OK): return
        case Int(LOUPE_JPEG_TOO_LARGE): throw ImageError.tooLarge(path: source, detail: message)
        case Int(LOUPE_JPEG_OUT_OF_MEMORY), Int(LOUPE_JPEG_UNSUPPORTED):
            throw ImageError.unsupported(path: source, detail: message.isEmpty ? "out of memory" : message)
        default: throw ImageError.corrupt(path: source, format: .jpeg, detail: message.isEmpty ? "undecodable data" : message)
        }
    }
}
