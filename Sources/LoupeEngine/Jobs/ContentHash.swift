import Foundation
import LoupeImaging

/// 64-bit FNV-1a: names cache entries by content (not a security hash; a collision only
/// costs a wrong cache hit, and 64 bits make that negligible for any image collection).
struct ContentHash {
    private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325

    mutating func add<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        for byte in bytes { value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
    }

    mutating func add(_ text: String) { add(Array(text.utf8) + [0]) }

    /// The hash of a file's bytes, or a `RunError` naming the file.
    static func ofFile(_ path: String) throws -> UInt64 {
        guard let data = FileManager.default.contents(atPath: path) else { throw RunError.unreadableFile(path: path) }
        return of(data)
    }

    /// The hash of an image file's bytes, or the `ImageError` saying why it cannot be read
    /// (a folder, a broken link, no permission).
    static func ofImage(_ path: String) throws -> UInt64 {
        of(try ImageFile.contents(of: path))
    }

    static func of(_ data: Data) -> UInt64 {
        var hash = ContentHash()
        data.withUnsafeBytes { hash.add($0) }
        return hash.value
    }

    var hex: String { String(format: "%016llx", value) }
}

extension RunFolder {
    /// The checkpoint's content hash (hex), which names this exact model in what is made
    /// from it (an exported ONNX file).
    public func checkpointHash() throws -> String {
        String(format: "%016llx", try ContentHash.ofFile(checkpoint))
    }
}
