/// The file formats Loupe decodes, told apart by their first bytes, never by extension: a
/// line camera's `.jpg` that is really a BMP still reads.
public enum ImageFormat: String, CaseIterable, Sendable, Codable {
    case png, jpeg, bmp, tiff

    /// How users know the format.
    public var name: String {
        switch self {
        case .png: return "PNG"
        case .jpeg: return "JPEG"
        case .bmp: return "BMP"
        case .tiff: return "TIFF"
        }
    }

    /// Bytes `detect` needs to see.
    public static let signatureLength = 8

    /// The format whose signature `bytes` (the file's start) carries, or nil.
    public static func detect<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> ImageFormat? {
        let head = Array(bytes.prefix(signatureLength))
        func starts(_ signature: [UInt8]) -> Bool { head.count >= signature.count && Array(head[0..<signature.count]) == signature }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A])
            || starts([0x49, 0x49, 0x2B, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2B]) { return .tiff }  // classic and BigTIFF
        if starts([0x42, 0x4D]) && head.count >= 6 { return .bmp }
        return nil
    }

    /// What a file that is none of these looks like, for the error that names it.
    public static func describeUnknown<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        let head = Array(bytes.prefix(12))
        func starts(_ text: String) -> Bool { head.starts(with: Array(text.utf8)) }
        if starts("GIF8") { return "a GIF image" }
        if starts("RIFF") && head.count >= 12 && Array(head[8..<12]) == Array("WEBP".utf8) { return "a WebP image" }
        if starts("%PDF") { return "a PDF document" }
        if starts("P5") || starts("P6") { return "a PGM/PPM image" }
        if head.count >= 12 && Array(head[4..<12]) == Array("ftypheic".utf8) { return "a HEIC image" }
        if starts("\u{1}\u{0}") || starts("PK") { return "an archive" }
        return "unrecognised content (starts " + head.prefix(8).map { String(format: "%02x", $0) }.joined(separator: " ") + ")"
    }
}
