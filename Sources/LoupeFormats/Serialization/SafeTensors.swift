import Foundation
import LoupeTensor

/// A safetensors file: named tensors plus string metadata.
///
/// The format is an 8-byte little-endian header length, a JSON header mapping each name
/// to `{dtype, shape, data_offsets}` (plus an optional `__metadata__` string map), then the
/// raw little-endian data. Reading validates every field and offset, so a truncated or
/// hostile file is a `SafeTensorsError`, never a crash.
public struct SafeTensors: Sendable {
    /// Tensors by name.
    public var tensors: [String: Tensor]
    /// Free-form string metadata (`__metadata__`).
    public var metadata: [String: String]
    /// Names of tensors written as I64 (whole numbers; PyTorch's integer buffers such as
    /// BatchNorm's `num_batches_tracked`), so `load_state_dict` gets the dtype it has.
    public var integerNames: Set<String> = []

    /// Header sizes above this are refused before allocating (the reference library's limit).
    public static let maximumHeaderBytes = 100_000_000

    public init(tensors: [String: Tensor] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// A module's state as PyTorch keeps it: its integer buffers (`num_batches_tracked`) as I64.
    public init(stateDictionary tensors: [String: Tensor], metadata: [String: String] = [:]) {
        self.init(tensors: tensors, metadata: metadata)
        integerNames = Set(tensors.keys.filter { $0.hasSuffix("num_batches_tracked") })
    }

    /// Reads and validates the file at `path`.
    public init(contentsOf path: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            throw SafeTensorsError.unreadable(path: path, reason: FileFailure.reason(error))
        }
        try self.init(decoding: data, source: path)
    }

    /// Decodes and validates safetensors bytes; `source` names them in errors.
    public init(decoding data: Data, source: String = "<memory>") throws {
        let bytes = [UInt8](data)
        let headerLength = try Self.headerLength(bytes.prefix(8), source: source)
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw SafeTensorsError.truncated(path: source, detail: "header length \(headerLength) but only \(bytes.count - 8) bytes follow")
        }
        let dataStart = 8 + Int(headerLength)
        let header = try Self.parseHeader(Data(bytes[8..<dataStart]), source: source)
        let dataSize = bytes.count - dataStart

        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        var ranges: [(Int, Int, String)] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let map = value as? [String: Any] else {
                    throw SafeTensorsError.malformedHeader(path: source, detail: "__metadata__ is not an object")
                }
                for (key, entry) in map {
                    guard let text = entry as? String else {
                        throw SafeTensorsError.malformedHeader(path: source, detail: "__metadata__ value for '\(key)' is not a string")
                    }
                    metadata[key] = text
                }
                continue
            }
            let entry = try TensorEntry(name: name, json: value, source: source)
            guard entry.end <= dataSize else {
                throw SafeTensorsError.truncated(path: source, detail: "tensor '\(name)' ends at byte \(entry.end) of a \(dataSize)-byte data section")
            }
            ranges.append((entry.begin, entry.end, name))
            tensors[name] = bytes.withUnsafeBufferPointer { entry.decode(UnsafeRawPointer($0.baseAddress! + dataStart + entry.begin)) }
        }
        ranges.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        for (previous, next) in zip(ranges, ranges.dropFirst()) where next.0 < previous.1 {
            throw SafeTensorsError.badTensorEntry(path: source, tensor: next.2, detail: "its data overlaps tensor '\(previous.2)'")
        }
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The `__metadata__` of the file at `path`, reading only its header (a run listing
    /// reads many checkpoints' metadata and none of their weights).
    public static func metadata(ofFileAt path: String) throws -> [String: String] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw SafeTensorsError.unreadable(path: path, reason: "cannot open")
        }
        defer { try? handle.close() }
        let headerLength = try Self.headerLength([UInt8]((try? handle.read(upToCount: 8)) ?? Data()), source: path)
        let json = (try? handle.read(upToCount: Int(headerLength))) ?? Data()
        guard json.count == Int(headerLength) else {
            throw SafeTensorsError.truncated(path: path, detail: "header length \(headerLength) but only \(json.count) bytes follow")
        }
        guard let entries = try parseHeader(json, source: path)["__metadata__"] else { return [:] }
        guard let map = entries as? [String: Any] else { throw SafeTensorsError.malformedHeader(path: path, detail: "__metadata__ is not an object") }
        return map.compactMapValues { $0 as? String }
    }

    /// The little-endian header length the first 8 bytes give, checked against the cap.
    private static func headerLength(_ prefix: some Collection<UInt8>, source: String) throws -> UInt64 {
        guard prefix.count >= 8 else {
            throw SafeTensorsError.truncated(path: source, detail: "\(prefix.count) bytes, fewer than the 8-byte header length")
        }
        let length = prefix.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard length <= UInt64(maximumHeaderBytes) else {
            throw SafeTensorsError.malformedHeader(path: source, detail: "header length \(length) exceeds \(maximumHeaderBytes) bytes")
        }
        return length
    }

    private static func parseHeader(_ json: Data, source: String) throws -> [String: Any] {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: json)
        } catch {
            throw SafeTensorsError.malformedHeader(path: source, detail: "header is not valid JSON")
        }
        guard let header = object as? [String: Any] else {
            throw SafeTensorsError.malformedHeader(path: source, detail: "header is not a JSON object")
        }
        return header
    }

    /// The encoded file: tensors as F32 (`integerNames` as I64) in name order, header
    /// padded to 8 bytes.
    public func encoded() -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        let names = tensors.keys.sorted()
        // Written as I64 only when every value is a whole number (a diverged model's NaN stays F32: nothing is lost).
        let integers = Set(integerNames.filter { name in
            tensors[name].map { $0.scalars.allSatisfy { $0.isFinite && $0 == $0.rounded() && Swift.abs($0) < 9.2e18 } } ?? false
        })
        for name in names {
            let tensor = tensors[name]!
            let integer = integers.contains(name)
            let size = tensor.count * (integer ? 8 : 4)
            header[name] = ["dtype": integer ? "I64" : "F32", "shape": tensor.shape, "data_offsets": [offset, offset + size]] as [String: Any]
            offset += size
        }
        var json = (try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])) ?? Data("{}".utf8)
        while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }
        var result = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { result.append(contentsOf: $0) }
        result.append(json)
        for name in names {
            if integers.contains(name) {
                let values = tensors[name]!.scalars.map { Int64($0.rounded()).littleEndian }
                values.withUnsafeBufferPointer { result.append($0) }
                continue
            }
            tensors[name]!.withUnsafePointer { pointer in
                result.append(UnsafeBufferPointer(start: pointer, count: tensors[name]!.count))
            }
        }
        return result
    }

    /// Writes the file through a temporary file and a rename, so a crash never leaves a
    /// half-written file under `path`.
    public func write(to path: String) throws {
        let url = URL(fileURLWithPath: path)
        do {
            try encoded().write(to: url, options: .atomic)
        } catch {
            throw SafeTensorsError.writeFailed(path: path, reason: FileFailure.reason(error))
        }
    }
}

/// One validated header entry.
private struct TensorEntry {
    enum DataType: String { case f32 = "F32", f16 = "F16", bf16 = "BF16", i64 = "I64" }

    let dataType: DataType
    let shape: [Int]
    let begin: Int, end: Int

    init(name: String, json: Any, source: String) throws {
        func bad(_ detail: String) -> SafeTensorsError { .badTensorEntry(path: source, tensor: name, detail: detail) }
        guard let fields = json as? [String: Any] else { throw bad("entry is not an object") }
        guard let typeName = fields["dtype"] as? String else { throw bad("missing or non-string dtype") }
        guard let dataType = DataType(rawValue: typeName) else {
            throw SafeTensorsError.unsupportedDataType(path: source, tensor: name, dataType: typeName)
        }
        guard let shapeValues = fields["shape"] as? [Any] else { throw bad("missing shape list") }
        var shape: [Int] = []
        var elements = 1
        for value in shapeValues {
            guard let number = value as? NSNumber, number.doubleValue == number.doubleValue.rounded(),
                  number.doubleValue >= 0, number.doubleValue < 1e15 else {
                throw bad("shape \(shapeValues) holds a value that is not a non-negative integer")
            }
            let dimension = number.intValue
            let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
            guard !overflow, product < (1 << 40) else { throw bad("shape \(shapeValues) is too large") }
            shape.append(dimension)
            elements = product
        }
        guard let offsets = fields["data_offsets"] as? [Any], offsets.count == 2,
              let first = offsets[0] as? NSNumber, let second = offsets[1] as? NSNumber,
              first.doubleValue >= 0, second.doubleValue >= first.doubleValue, second.doubleValue < 1e15,
              first.doubleValue == first.doubleValue.rounded(), second.doubleValue == second.doubleValue.rounded() else {
            throw bad("data_offsets must be two integers [begin, end] with begin ≤ end")
        }
        begin = first.intValue
        end = second.intValue
        let byteSize = elements * dataType.byteSize
        guard end - begin == byteSize else {
            throw bad("data_offsets span \(end - begin) bytes but shape \(shape) of \(typeName) needs \(byteSize)")
        }
        self.dataType = dataType
        self.shape = shape
    }

    /// Converts the raw little-endian bytes at `pointer` to a Float32 tensor.
    func decode(_ pointer: UnsafeRawPointer) -> Tensor {
        let count = shape.reduce(1, *)
        return Tensor.build(shape: shape) { out in
            switch dataType {
            case .f32:
                for i in 0..<count { out[i] = Float(bitPattern: UInt32(littleEndian: pointer.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))) }
            case .f16:
                for i in 0..<count {
                    out[i] = Float(Float16(bitPattern: UInt16(littleEndian: pointer.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))))
                }
            case .bf16:
                for i in 0..<count {
                    let bits = UInt16(littleEndian: pointer.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
                    out[i] = Float(bitPattern: UInt32(bits) << 16)
                }
            case .i64:
                for i in 0..<count { out[i] = Float(Int64(littleEndian: pointer.loadUnaligned(fromByteOffset: i * 8, as: Int64.self))) }
            }
        }
    }
}

private extension TensorEntry.DataType {
    var byteSize: Int {
        switch self {
        case .f32: return 4
        case .f16, .bf16: return 2
        case .i64: return 8
        }
    }
}
