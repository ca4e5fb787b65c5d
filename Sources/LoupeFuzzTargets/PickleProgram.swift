import LoupeImaging

/// A pickle made from fuzzer bytes: each byte picks an operation (push a list, a dict, a
/// tuple, a string, a tensor record; memo put and get; append; set an item; repeat the last
/// operation up to 4,095 times, a pickle of at most `maximumSize` bytes: past the nesting and
/// count limits, small enough to stay within a fuzz input's second), so the fuzzer
/// explores structure (cycles through the memo, nesting, sharing, counts) instead of syntax.
struct PickleProgram {
    private(set) var pickle: [UInt8] = [0x80, 0x02]
    static let maximumSize = 1 << 19

    init(_ program: [UInt8]) {
        var index = 0
        func next() -> UInt8? {
            guard index < program.count else { return nil }
            defer { index += 1 }
            return program[index]
        }
        var last: [UInt8] = []
        while pickle.count < Self.maximumSize, let byte = next() {
            let operation: [UInt8]
            switch byte % 12 {
            case 0: operation = [0x5D]                                  // EMPTY_LIST
            case 1: operation = [0x7D]                                  // EMPTY_DICT
            case 2: operation = [0x4B, next() ?? 0]                     // BININT1
            case 3: operation = [0x8C, 10] + Array("state_dict".utf8)   // SHORT_BINUNICODE
            case 4: operation = [0x71, next() ?? 0]                     // BINPUT
            case 5: operation = [0x68, next() ?? 0]                     // BINGET
            case 6: operation = [0x61]                                  // APPEND
            case 7: operation = [0x73]                                  // SETITEM
            case 8: operation = [0x85]                                  // TUPLE1
            case 9: operation = [0x86]                                  // TUPLE2
            case 10: operation = Self.tensorRecord(key: next() ?? 0, count: next() ?? 0)
            default:                                                    // repeat the last one
                let count = (Int(next() ?? 0) << 8 | Int(next() ?? 0)) & 0x0FFF
                for _ in 0..<count where pickle.count < Self.maximumSize { pickle += last }
                continue
            }
            pickle += operation
            last = operation
        }
        pickle.append(0x2E)  // STOP
    }

    /// `torch._utils._rebuild_tensor_v2(storage key, 0, (count,), (1,))` on a float storage.
    static func tensorRecord(key: UInt8, count: UInt8) -> [UInt8] {
        let name = Array("\(key)".utf8)
        return [0x63] + Array("torch._utils\n_rebuild_tensor_v2\n".utf8)
            + [0x28, 0x28] + [0x8C, 7] + Array("storage".utf8) + [0x63] + Array("torch\nFloatStorage\n".utf8)
            + [0x8C, UInt8(name.count)] + name + [0x8C, 3] + Array("cpu".utf8) + [0x4B, count, 0x74, 0x51]
            + [0x4B, 0, 0x4B, count, 0x85, 0x4B, 1, 0x85, 0x74, 0x52]
    }

    /// A zip of stored entries, as torch writes one.
    static func storedZip(_ entries: [String: [UInt8]]) -> [UInt8] {
        var file: [UInt8] = [], directory: [UInt8] = []
        func le(_ value: Int, _ bytes: Int) -> [UInt8] { (0..<bytes).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        for (name, contents) in entries.sorted(by: { $0.key < $1.key }) {
            let offset = file.count, crc = Int(CRC32.checksum(contents[...])), nameBytes = Array(name.utf8)
            file += [0x50, 0x4B, 0x03, 0x04, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0] + le(crc, 4) + le(contents.count, 4) + le(contents.count, 4)
                + le(nameBytes.count, 2) + [0, 0] + nameBytes + contents
            directory += [0x50, 0x4B, 0x01, 0x02, 20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0] + le(crc, 4) + le(contents.count, 4) + le(contents.count, 4)
                + le(nameBytes.count, 2) + [UInt8](repeating: 0, count: 12) + le(offset, 4) + nameBytes
        }
        return file + directory + [0x50, 0x4B, 0x05, 0x06, 0, 0, 0, 0] + le(entries.count, 2) + le(entries.count, 2)
            + le(directory.count, 4) + le(file.count, 4) + [0, 0]
    }
}
