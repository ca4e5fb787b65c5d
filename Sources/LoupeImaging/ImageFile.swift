import Foundation
import LoupeFormats
import LoupeTensor

/// Reads image files of any format Loupe knows (`ImageFormat`), chosen by content.
///
/// This is the one door images come in by: data sets, masks, `infer` inputs, the console
/// and textures all read through it. Overlays and maps are written as PNG (`PNG.write`).
public enum ImageFile {
    /// Images above this many pixels are refused unless a caller raises the limit: a
    /// guard against decompression bombs (a few KB of file, gigabytes of pixels). 2²⁷
    /// admits 8k×16k line-camera frames.
    public static let defaultMaximumPixels = 1 << 27
    /// No side may be longer than this (libpng's own limit): with the pixel cap it bounds
    /// every size computed from a header, so tile plans and buffers cannot overflow.
    public static let maximumSide = 1 << 24

    /// The size a header claims, if an image of it may be decoded: both sides from 1 to
    /// `maximumSide` and at most `maximumPixels` pixels. Every size read from a header
    /// (decoding or not) passes here before anything is planned or allocated from it.
    public static func checkedSize(width: Int, height: Int, maximumPixels: Int = defaultMaximumPixels,
                                   source: String, format: ImageFormat) throws -> (width: Int, height: Int) {
        guard width > 0, height > 0 else {
            throw ImageError.corrupt(path: source, format: format, detail: "the header claims a \(width)x\(height) image")
        }
        guard width <= maximumSide, height <= maximumSide, width * height <= maximumPixels else {
            // Sides from a header can be 2³² each: their product is said, not computed in Int.
            let pixels = width.multipliedReportingOverflow(by: height)
            throw ImageError.tooLarge(path: source, detail: "image is \(width)x\(height)"
                                      + (pixels.overflow ? "" : " = \(pixels.partialValue) pixels") + ", above the limit of \(maximumPixels) pixels"
                                      + " (and \(maximumSide) per side)")
        }
        return (width, height)
    }

    /// Reads and decodes the image at `path`.
    public static func read(_ path: String, maximumPixels: Int = defaultMaximumPixels) throws -> Image {
        try decode(contents(of: path), source: path, maximumPixels: maximumPixels)
    }

    /// Decodes image bytes of any known format; `source` names them in errors.
    public static func decode(_ data: Data, source: String = "<memory>", maximumPixels: Int = defaultMaximumPixels) throws -> Image {
        switch try format(of: data, source: source) {
        case .png: return try PNG.decode(data, source: source, maximumPixels: maximumPixels)
        case .jpeg: return try JPEG.decode(data, source: source, maximumPixels: maximumPixels)
        case .bmp: return try BMP.decode(data, source: source, maximumPixels: maximumPixels)
        case .tiff: return try TIFF.samples(data, source: source, maximumPixels: maximumPixels).image
        }
    }

    /// The image at `path` resized to `width`×`height` with Pillow's bilinear filter: the same
    /// pixels as `read(path).resized(width:height:)`, but an 8-bit frame is shrunk straight
    /// from the decoder's bytes instead of first becoming a full-size float image.
    public static func read(_ path: String, resizedTo width: Int, _ height: Int, maximumPixels: Int = defaultMaximumPixels) throws -> Image {
        let data = try contents(of: path)
        switch try format(of: data, source: path) {
        case .png: return try PNG.samples(data, source: path, maximumPixels: maximumPixels).resized(width: width, height: height)
        case .tiff: return try TIFF.samples(data, source: path, maximumPixels: maximumPixels).resized(width: width, height: height)
        case .jpeg:
            let (samples, orientation) = try JPEG.samples(data, source: path, maximumPixels: maximumPixels)
            guard orientation == .upright else { return orientation.apply(to: samples.image).resized(width: width, height: height) }
            return samples.resized(width: width, height: height)
        case .bmp: return try BMP.decode(data, source: path, maximumPixels: maximumPixels).resized(width: width, height: height)
        }
    }

    /// Width and height as the decoded image will have them (after a JPEG's EXIF rotation),
    /// from the file's headers without decoding pixels: enough to plan tiles of a large frame.
    /// Checked as decoding checks them (`checkedSize`), so a plan never exceeds what decodes.
    public static func dimensions(_ path: String, maximumPixels: Int = defaultMaximumPixels) throws -> (width: Int, height: Int) {
        let format: ImageFormat, size: (width: Int, height: Int)
        // A PNG's size is in its first 24 bytes: tiling plans every frame from it, so the
        // rest of the file is not read (the other formats need more of their headers).
        if let head = head(of: path, count: 24), ImageFormat.detect(head) == .png {
            (format, size) = (.png, try PNG.dimensions(Data(head), source: path))
        } else {
            let data = try contents(of: path)
            format = try self.format(of: data, source: path)
            switch format {
            case .png: size = try PNG.dimensions(data, source: path)
            case .jpeg: size = try JPEG.dimensions(data, source: path)
            case .bmp: size = try BMP.dimensions(data, source: path)
            case .tiff: size = try TIFF.dimensions(data, source: path)
            }
        }
        return try checkedSize(width: size.width, height: size.height, maximumPixels: maximumPixels, source: path, format: format)
    }

    /// The format of the file at `path` from its first bytes; nil for an empty file or one of
    /// no known format. Reads only the signature, so listing a folder of frames stays cheap.
    public static func sniff(_ path: String) -> ImageFormat? {
        ImageFormat.detect(head(of: path, count: ImageFormat.signatureLength) ?? [])
    }

    /// Why the file at `path` is not an image Loupe reads ("empty file", "a GIF image"…).
    public static func whyNotImage(_ path: String) -> String {
        guard let head = head(of: path, count: 12) else { return "cannot open the file" }
        if head.isEmpty { return "empty file (0 bytes)" }
        return ImageFormat.detect(head).map { "a \($0.name) image" } ?? ImageFormat.describeUnknown(head)
    }

    /// The first `count` bytes of a file; nil when it cannot be read (missing, a folder).
    static func head(of path: String, count: Int) -> [UInt8]? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        // The throwing read: `readData(ofLength:)` traps on a folder.
        do {
            return [UInt8](try handle.read(upToCount: count) ?? Data())  // nil data: the file is empty
        } catch {
            return nil
        }
    }

    /// An image file's bytes, or an `ImageError.unreadable` with the reason (a folder, a
    /// broken link, the system's error).
    public static func contents(of path: String) throws -> Data {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ImageError.unreadable(path: path, reason: "a folder, not an image file")
        }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = FileFailure.reason(error)
            if !FileManager.default.fileExists(atPath: path), let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path) {
                throw ImageError.unreadable(path: path, reason: brokenLinkReason(target: target))
            }
            throw ImageError.unreadable(path: path, reason: FileManager.default.fileExists(atPath: path) ? reason : "no such file")
        }
    }

    /// Why a symbolic link to `target` cannot be read: it leads nowhere or back to itself.
    public static func brokenLinkReason(target: String) -> String {
        "a symbolic link to \(target), which does not resolve (missing or a loop)"
    }

    static func format(of data: Data, source: String) throws -> ImageFormat {
        guard !data.isEmpty else { throw ImageError.empty(path: source) }
        guard let format = ImageFormat.detect(data) else {
            throw ImageError.unknownFormat(path: source, detail: ImageFormat.describeUnknown(data))
        }
        return format
    }

    /// Runs a C codec shim over `data`: every shim takes the bytes, their count and a message
    /// buffer and returns a status (`check` turns it into the error); `shim` makes the call
    /// with the codec's own output struct, which the caller then reads.
    static func runShim(_ data: Data, format: ImageFormat, source: String,
                        _ shim: (_ bytes: UnsafePointer<UInt8>?, _ count: Int, _ message: UnsafeMutablePointer<CChar>, _ capacity: Int) -> Int32) throws {
        guard !data.isEmpty else { throw ImageError.empty(path: source) }
        var message = [CChar](repeating: 0, count: 256)
        let capacity = message.count
        let status = data.withUnsafeBytes { bytes in
            message.withUnsafeMutableBufferPointer { shim(bytes.bindMemory(to: UInt8.self).baseAddress, bytes.count, $0.baseAddress!, capacity) }
        }
        try check(status, message: message, format: format, source: source, data: data)
    }

    /// Throws the error a C shim's status stands for. The shims share their codes: 0 ok,
    /// 1 not this format, 2 above the pixel limit, 4 out of memory, 5 unsupported, else corrupt.
    static func check(_ status: Int32, message buffer: [CChar], format: ImageFormat, source: String, data: Data) throws {
        let message = self.message(buffer)
        switch status {
        case 0: return
        case 1: throw ImageError.unknownFormat(path: source, detail: ImageFormat.describeUnknown(data))
        case 2: throw ImageError.tooLarge(path: source, detail: message)
        case 4, 5: throw ImageError.unsupported(path: source, detail: message.isEmpty ? "out of memory" : message)
        default: throw ImageError.corrupt(path: source, format: format, detail: message.isEmpty ? "undecodable data" : message)
        }
    }

    /// The text a C shim left in its message buffer.
    static func message(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
