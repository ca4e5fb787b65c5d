/// Small crafted files of the kinds an attacker or a damaged disk hands over, built byte by
/// byte so the tests say exactly what each one is (no Python needed to make them).
public enum HostileFiles {
    // MARK: pickles (protocol 2, as torch.save writes them)

    /// `d = {}; d["a"] = d`: a dict that contains itself through the memo.
    public static let selfContainingDictionary: [UInt8] =
        [0x80, 0x02, 0x7D, 0x71, 0x00] + binunicode("a") + [0x71, 0x01, 0x68, 0x00, 0x73, 0x2E]

    /// `l = []; l.append(l); {"state_dict": l}`: a list that contains itself, under the key
    /// the reader unwraps.
    public static let selfContainingListUnderStateDict: [UInt8] =
        [0x80, 0x02, 0x7D, 0x71, 0x00] + binunicode("state_dict") + [0x5D, 0x71, 0x01, 0x68, 0x01, 0x61, 0x73, 0x2E]

    /// `d = {}; d["state_dict"] = d`: the unwrap loop's own key, pointing back.
    public static let selfUnwrappingDictionary: [UInt8] =
        [0x80, 0x02, 0x7D, 0x71, 0x00] + binunicode("state_dict") + [0x68, 0x00, 0x73, 0x2E]

    /// `depth` lists, each the only item of the one before.
    public static func nestedLists(depth: Int) -> [UInt8] {
        [0x80, 0x02] + [UInt8](repeating: 0x5D, count: depth) + [UInt8](repeating: 0x61, count: depth - 1) + [0x2E]
    }

    /// `((((None,),),),)` nested `depth` times (tuples are values: freed recursively).
    public static func nestedTuples(depth: Int) -> [UInt8] {
        [0x80, 0x02, 0x4E] + [UInt8](repeating: 0x85, count: depth) + [0x2E]
    }

    /// t₀ = None, tₖ = (tₖ₋₁, tₖ₋₁): `levels` bytes×3 of file, 2^levels values to walk.
    public static func doublingTuples(levels: Int) -> [UInt8] {
        [0x80, 0x02, 0x4E] + (0..<levels).flatMap { _ in [UInt8]([0x71, 0x00, 0x68, 0x00, 0x86]) } + [0x2E]
    }

    static func binunicode(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        return [0x58] + littleEndian(UInt32(bytes.count)) + bytes
    }

    // MARK: containers

    /// A zip of stored (uncompressed) entries, as `torch.save` writes one.
    public static func storedZip(_ entries: [(name: String, contents: [UInt8])]) -> [UInt8] {
        var file: [UInt8] = [], directory: [UInt8] = []
        for (name, contents) in entries {
            let offset = UInt32(file.count), crc = crc32(contents), size = UInt32(contents.count)
            let nameBytes = Array(name.utf8)
            file += [0x50, 0x4B, 0x03, 0x04, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0] + littleEndian(crc) + littleEndian(size) + littleEndian(size)
                + littleEndian16(UInt16(nameBytes.count)) + [0, 0] + nameBytes + contents
            directory += [0x50, 0x4B, 0x01, 0x02, 20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0] + littleEndian(crc) + littleEndian(size)
                + littleEndian(size) + littleEndian16(UInt16(nameBytes.count)) + [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
                + littleEndian(offset) + nameBytes
        }
        let count = littleEndian16(UInt16(entries.count))
        return file + directory + [0x50, 0x4B, 0x05, 0x06, 0, 0, 0, 0] + count + count + littleEndian(UInt32(directory.count))
            + littleEndian(UInt32(file.count)) + [0, 0]
    }

    /// A `.pth` as torch ≥ 1.6 saves it, holding `pickle` as its `archive/data.pkl`.
    public static func torchZip(pickle: [UInt8]) -> [UInt8] {
        storedZip([("archive/data.pkl", pickle)])
    }

    // MARK: images

    /// A PNG of nothing but its signature and an IHDR chunk (valid CRC) claiming
    /// `width`×`height` 8-bit RGB: 33 bytes.
    public static func pngHeader(width: UInt32, height: UInt32) -> [UInt8] {
        let chunk: [UInt8] = Array("IHDR".utf8) + bigEndian(width) + bigEndian(height) + [8, 2, 0, 0, 0]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + bigEndian(13) + chunk + bigEndian(crc32(chunk))
    }

    // MARK: bytes

    static func littleEndian(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
    static func littleEndian16(_ value: UInt16) -> [UInt8] { [UInt8(truncatingIfNeeded: value), UInt8(truncatingIfNeeded: value >> 8)] }
    static func bigEndian(_ value: UInt32) -> [UInt8] { littleEndian(value).reversed() }

    /// CRC-32 (IEEE, reflected), bit by bit: independent of the table-driven one Loupe reads with.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
