import Foundation

/// Windows bitmap reading, our own: 1-, 4- and 8-bit palettes (grey palettes give grey
/// images), 16-, 24- and 32-bit colour (plain or bit-field masks, alpha when a mask names
/// it), bottom-up and top-down rows. Run-length-compressed bitmaps are refused by name.
public enum BMP {
    /// Decodes BMP bytes; `source` names them in errors.
    public static func decode(_ data: Data, source: String = "<memory>", maximumPixels: Int = ImageFile.defaultMaximumPixels) throws -> Image {
        guard !data.isEmpty else { throw ImageError.empty(path: source) }
        return try data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            let header = try Header(bytes, source: source)
            _ = try ImageFile.checkedSize(width: header.width, height: header.height, maximumPixels: maximumPixels, source: source, format: .bmp)
            return try header.pixels(bytes, source: source)
        }
    }

    /// Width and height from the headers alone.
    static func dimensions(_ data: Data, source: String) throws -> (width: Int, height: Int) {
        let header = try data.withUnsafeBytes { try Header($0.bindMemory(to: UInt8.self), source: source) }
        return (header.width, header.height)
    }

    /// What the file and DIB headers say, checked against the file's length.
    private struct Header {
        var width = 0, height = 0, topDown = false, bitsPerPixel = 0
        var pixelOffset = 0, stride = 0
        var palette: [(red: UInt8, green: UInt8, blue: UInt8)] = []
        /// Red, green, blue and alpha masks for 16- and 32-bit pixels.
        var masks: [UInt32] = [0, 0, 0, 0]

        init(_ bytes: UnsafeBufferPointer<UInt8>, source: String) throws {
            func corrupt(_ detail: String) -> ImageError { .corrupt(path: source, format: .bmp, detail: detail) }
            func number(_ at: Int, _ width: Int) throws -> Int {
                guard at + width <= bytes.count else { throw corrupt("headers end early (truncated)") }
                return (0..<width).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) }
            }
            func signed(_ at: Int, _ width: Int) throws -> Int {
                let value = try number(at, width), bits = 8 * width
                return value >= 1 << (bits - 1) ? value - (1 << bits) : value
            }
            pixelOffset = try number(10, 4)
            let headerSize = try number(14, 4)
            var compression = 0, colours = 0
            switch headerSize {
            case 12:
                width = try signed(18, 2)
                height = try signed(20, 2)
                bitsPerPixel = try number(24, 2)
            case 40, 52, 56, 64, 108, 124:
                width = try signed(18, 4)
                height = try signed(22, 4)
                bitsPerPixel = try number(28, 2)
                compression = try number(30, 4)
                colours = try number(46, 4)
            default:
                throw corrupt("unknown header size \(headerSize)")
            }
            topDown = height < 0
            height = abs(height)
            guard (1...(1 << 24)).contains(width), (1...(1 << 24)).contains(height) else { throw corrupt("image is \(width)x\(height)") }
            switch compression {
            case 0: break
            case 3, 6:
                guard bitsPerPixel == 16 || bitsPerPixel == 32 else { throw corrupt("bit-field masks on a \(bitsPerPixel)-bit image") }
                let count = compression == 6 || headerSize >= 56 ? 4 : 3
                masks = try (0..<4).map { $0 < count ? UInt32(try number(54 + 4 * $0, 4)) : 0 }
            case 1, 2: throw ImageError.unsupported(path: source, detail: "run-length-compressed BMP (RLE\(compression == 1 ? 8 : 4)); save it uncompressed")
            default: throw ImageError.unsupported(path: source, detail: "BMP compression \(compression) (embedded JPEG or PNG); save it uncompressed")
            }
            switch bitsPerPixel {
            case 1, 4, 8:
                let entrySize = headerSize == 12 ? 3 : 4
                let paletteStart = 14 + headerSize + (headerSize == 40 && compression == 3 ? 12 : headerSize == 40 && compression == 6 ? 16 : 0)
                let count = min(colours == 0 ? 1 << bitsPerPixel : colours, 1 << bitsPerPixel)
                palette = try (0..<count).map { entry in
                    let at = paletteStart + entry * entrySize
                    return (UInt8(try number(at + 2, 1)), UInt8(try number(at + 1, 1)), UInt8(try number(at, 1)))
                }
            case 16:
                if compression == 0 { masks = [0x7C00, 0x03E0, 0x001F, 0] }
            case 24: break
            case 32:
                if compression == 0 { masks = [0xFF_0000, 0xFF00, 0xFF, 0] }
            default:
                throw corrupt("\(bitsPerPixel) bits per pixel")
            }
            stride = (bitsPerPixel * width + 31) / 32 * 4
            guard pixelOffset >= 14, pixelOffset <= bytes.count, stride * height <= bytes.count - pixelOffset else {
                throw corrupt("pixel data ends early (truncated): \(width)x\(height) at \(bitsPerPixel) bits needs \(stride * height) bytes from offset \(pixelOffset), the file has \(max(0, bytes.count - pixelOffset))")
            }
        }

        /// The decoded image, grey when the palette is.
        func pixels(_ bytes: UnsafeBufferPointer<UInt8>, source: String) throws -> Image {
            let plane = width * height
            let grey = !palette.isEmpty && palette.allSatisfy { $0.red == $0.green && $0.green == $0.blue }
            let alpha = masks[3] != 0
            let channels = grey ? 1 : alpha ? 4 : 3
            var out = [Float](repeating: 0, count: plane * channels)
            out.withUnsafeMutableBufferPointer { out in
                for y in 0..<height {
                    let row = pixelOffset + (topDown ? y : height - 1 - y) * stride
                    for x in 0..<width {
                        let at = y * width + x
                        switch bitsPerPixel {
                        case 1, 4, 8:
                            let bit = x * bitsPerPixel
                            let index = Int(bytes[row + bit / 8] >> (8 - bitsPerPixel - bit % 8)) & ((1 << bitsPerPixel) - 1)
                            let colour = index < palette.count ? palette[index] : (red: 0, green: 0, blue: 0)
                            if grey {
                                out[at] = Float(colour.red)
                            } else {
                                out[at] = Float(colour.red); out[plane + at] = Float(colour.green); out[2 * plane + at] = Float(colour.blue)
                            }
                        case 24:
                            let p = row + 3 * x
                            out[at] = Float(bytes[p + 2]); out[plane + at] = Float(bytes[p + 1]); out[2 * plane + at] = Float(bytes[p])
                        default:
                            let size = bitsPerPixel / 8, p = row + size * x
                            let value = (0..<size).reduce(UInt32(0)) { $0 | UInt32(bytes[p + $1]) << (8 * $1) }
                            for c in 0..<channels { out[c * plane + at] = Self.component(value, mask: masks[c]) }
                        }
                    }
                }
            }
            return Image(width: width, height: height, channels: channels, pixels: out)
        }

        /// One colour component cut out by its mask and stretched to 0–255 (exact for 8-bit masks).
        static func component(_ value: UInt32, mask: UInt32) -> Float {
            guard mask != 0 else { return 0 }
            let shift = UInt32(mask.trailingZeroBitCount)
            let maximum = mask >> shift
            let raw = (value & mask) >> shift
            return maximum == 255 ? Float(raw) : Float((UInt64(raw) * 255 + UInt64(maximum) / 2) / UInt64(maximum))
        }
    }
}
