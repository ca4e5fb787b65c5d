import LoupeImaging

/// The zip container `torch.save` writes: uncompressed ("stored") entries, optionally with
/// ZIP64 sizes. Read with every offset and length checked against the data, so a damaged
/// archive is an error, never a crash (a general zip library crashed on fuzzed input here).
struct StoredZipArchive {
    struct Entry {
        let path: String
        let dataRange: Range<Int>
        let crc32: UInt32
    }

    let entries: [String: Entry]
    private let bytes: [UInt8]
    private let source: String

    init(bytes: [UInt8], source: String) throws {
        self.bytes = bytes
        self.source = source
        func fail(_ detail: String) -> WeightsError { .malformed(path: source, detail: "zip archive: \(detail)") }
        func integer(_ offset: Int, _ size: Int) throws -> Int {
            guard offset >= 0, size <= bytes.count, offset <= bytes.count - size else { throw fail("field at byte \(offset) lies outside the file") }
            return (0..<size).reversed().reduce(0) { $0 << 8 | Int(bytes[offset + $1]) }
        }
        // The end-of-central-directory record sits in the last 64 KiB + 22 bytes.
        let earliest = max(0, bytes.count - 65_557)
        guard bytes.count >= 22,
              let end = stride(from: bytes.count - 22, through: earliest, by: -1).first(where: { (try? integer($0, 4)) == 0x0605_4B50 }) else {
            throw fail("no end-of-central-directory record")
        }
        var count = try integer(end + 10, 2)
        var directory = try integer(end + 16, 4)
        if count == 0xFFFF || directory == 0xFFFF_FFFF {
            // ZIP64: a locator just before points at the ZIP64 end record.
            guard end >= 20, try integer(end - 20, 4) == 0x0706_4B50 else { throw fail("ZIP64 locator missing") }
            let record = try integer(end - 12, 8)
            guard try integer(record, 4) == 0x0606_4B50 else { throw fail("ZIP64 end record missing") }
            count = try integer(record + 32, 8)
            directory = try integer(record + 48, 8)
        }
        guard count <= bytes.count / 46 else { throw fail("claims \(count) entries") }
        var entries: [String: Entry] = [:]
        var position = directory
        for _ in 0..<count {
            guard try integer(position, 4) == 0x0201_4B50 else { throw fail("bad central directory entry at byte \(position)") }
            let method = try integer(position + 10, 2)
            let crc = UInt32(try integer(position + 16, 4))
            var size = try integer(position + 20, 4)
            let nameLength = try integer(position + 28, 2), extraLength = try integer(position + 30, 2)
            let commentLength = try integer(position + 32, 2)
            var localHeader = try integer(position + 42, 4)
            let nameStart = position + 46
            guard nameStart + nameLength <= bytes.count else { throw fail("entry name outside the file") }
            let path = String(decoding: bytes[nameStart..<(nameStart + nameLength)], as: UTF8.self)
            if size == 0xFFFF_FFFF || localHeader == 0xFFFF_FFFF {
                // ZIP64 extra field (id 1): uncompressed, compressed sizes, local header offset.
                var extra = nameStart + nameLength
                let extraEnd = extra + extraLength
                while extra + 4 <= extraEnd {
                    let id = try integer(extra, 2), length = try integer(extra + 2, 2)
                    if id == 1 {
                        var field = extra + 4
                        if size == 0xFFFF_FFFF { size = try integer(field, 8); field += 16 }
                        if localHeader == 0xFFFF_FFFF { localHeader = try integer(field, 8) }
                    }
                    extra += 4 + length
                }
            }
            guard method == 0 else { throw fail("entry \(path) is compressed (method \(method)); torch.save stores entries uncompressed") }
            guard try integer(localHeader, 4) == 0x0403_4B50 else { throw fail("bad local header for \(path)") }
            let dataStart = localHeader + 30 + (try integer(localHeader + 26, 2)) + (try integer(localHeader + 28, 2))
            guard size >= 0, dataStart <= bytes.count, size <= bytes.count - dataStart else { throw fail("entry \(path) extends past the end of the file") }
            entries[path] = Entry(path: path, dataRange: dataStart..<(dataStart + size), crc32: crc)
            position = nameStart + nameLength + extraLength + commentLength
        }
        self.entries = entries
    }

    /// The entry's bytes, checked against its CRC-32.
    func contents(of entry: Entry) throws -> ArraySlice<UInt8> {
        let data = bytes[entry.dataRange]
        guard CRC32.checksum(data) == entry.crc32 else {
            throw WeightsError.malformed(path: source, detail: "zip entry \(entry.path) is corrupt (CRC mismatch)")
        }
        return data
    }
}
