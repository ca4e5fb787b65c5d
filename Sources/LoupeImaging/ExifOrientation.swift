/// How a camera says its JPEG must be turned to stand upright (EXIF tag 0x0112), found by
/// walking the file's markers up to the first scan; applied the way Pillow's
/// `ImageOps.exif_transpose` does, so a phone or a rotated line camera gives upright frames.
public enum ExifOrientation: Int, Sendable {
    case upright = 1, mirrored = 2, upsideDown = 3, mirroredUpsideDown = 4
    case transposed = 5, rotatedClockwise = 6, transverse = 7, rotatedCounterClockwise = 8

    /// Whether width and height swap when the orientation is applied.
    public var swapsSides: Bool { rawValue >= 5 }

    /// `image` turned upright.
    public func apply(to image: Image) -> Image {
        switch self {
        case .upright: return image
        case .mirrored: return image.flippedHorizontally()
        case .upsideDown: return image.flippedHorizontally().flippedVertically()
        case .mirroredUpsideDown: return image.flippedVertically()
        case .transposed: return image.transposed()
        case .rotatedClockwise: return image.transposed().flippedHorizontally()
        case .transverse: return image.transposed().flippedHorizontally().flippedVertically()
        case .rotatedCounterClockwise: return image.transposed().flippedVertically()
        }
    }

    /// The orientation a JPEG's EXIF block records (upright when it has none or it is unreadable).
    public static func of<Bytes: RandomAccessCollection<UInt8>>(jpeg bytes: Bytes) -> ExifOrientation where Bytes.Index == Int {
        let start = bytes.startIndex, end = bytes.endIndex
        func byte(_ offset: Int) -> Int? { start + offset < end && offset >= 0 ? Int(bytes[start + offset]) : nil }
        var offset = 2  // after SOI
        while let marker0 = byte(offset), marker0 == 0xFF, let marker = byte(offset + 1) {
            if marker == 0xFF { offset += 1; continue }                      // fill byte
            if marker == 0xDA || marker == 0xD9 { break }                    // scan or end: no more headers
            if (0xD0...0xD7).contains(marker) || marker == 0x01 { offset += 2; continue }
            guard let high = byte(offset + 2), let low = byte(offset + 3) else { break }
            let length = high << 8 | low
            guard length >= 2 else { break }
            if marker == 0xE1, let orientation = parseExif(bytes, from: start + offset + 4, to: min(end, start + offset + 2 + length)) {
                return orientation
            }
            offset += 2 + length
        }
        return .upright
    }

    /// Orientation from an APP1 segment's body ("Exif\0\0" then a TIFF structure).
    private static func parseExif<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, from: Int, to: Int) -> ExifOrientation? where Bytes.Index == Int {
        let tiff = from + 6
        guard to - from >= 14, Array(bytes[from..<(from + 6)]) == Array("Exif\0\0".utf8) else { return nil }
        let littleEndian: Bool
        switch (bytes[tiff], bytes[tiff + 1]) {
        case (0x49, 0x49): littleEndian = true
        case (0x4D, 0x4D): littleEndian = false
        default: return nil
        }
        func number(_ at: Int, _ width: Int) -> Int? {
            guard at >= tiff, at + width <= to else { return nil }
            let value = (0..<width).reduce(0) { sum, i in sum | Int(bytes[at + (littleEndian ? i : width - 1 - i)]) << (8 * i) }
            return value
        }
        guard number(tiff + 2, 2) == 42, let directory = number(tiff + 4, 4), let count = number(tiff + directory, 2) else { return nil }
        for entry in 0..<count {
            let at = tiff + directory + 2 + entry * 12
            guard let tag = number(at, 2) else { return nil }
            if tag == 0x0112, number(at + 2, 2) == 3, let value = number(at + 8, 2) { return ExifOrientation(rawValue: value) }
        }
        return nil
    }
}
