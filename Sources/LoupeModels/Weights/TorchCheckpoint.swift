import Foundation
import LoupeTensor

/// PyTorch `.pth` files as `torch.save` writes a state_dict, in both of its containers:
///
/// - zip (torch ≥ 1.6): `<name>/data.pkl` holds the pickled dict; storage `k` is the entry
///   `<name>/data/k`, raw little-endian.
/// - legacy: five pickles in a row (magic number, protocol version, system info, the dict,
///   the list of storage keys), then for each key an 8-byte element count and its data.
enum TorchCheckpoint {
    /// Little-endian bytes of the legacy magic number 0x1950a86a20f9469cfc6c.
    static let legacyMagic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]

    static func decode(_ data: Data, source: String) throws -> [String: Tensor] {
        if data.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return try decodeZip(data, source: source) }
        return try decodeLegacy([UInt8](data), source: source)
    }

    private static func decodeLegacy(_ bytes: [UInt8], source: String) throws -> [String: Tensor] {
        var machine = PickleMachine(bytes: bytes, source: source)
        defer { machine.objects.release() }
        guard case let .bytes(magic) = try machine.run(), magic == legacyMagic else {
            throw WeightsError.malformed(path: source, detail: "not a torch.save file (wrong magic number)")
        }
        guard try machine.run().asInt == 1001 else {
            throw WeightsError.malformed(path: source, detail: "unknown torch.save protocol version")
        }
        _ = try machine.run()  // system info: byte order and type sizes (little-endian assumed, checked by data)
        let object = try machine.run()
        guard let keys = try machine.run().asTuple?.compactMap(\.asString) else {
            throw WeightsError.malformed(path: source, detail: "missing storage key list")
        }
        // Storages follow in key order: element count, then the elements.
        var position = machine.end
        var storages: [String: Range<Int>] = [:]
        let references = try storageReferences(in: object, source: source)
        for key in keys {
            guard let reference = references[key] else { throw WeightsError.malformed(path: source, detail: "storage \(key) is listed but never used") }
            guard bytes.count - position >= 8 else { throw WeightsError.malformed(path: source, detail: "file ends before storage \(key)") }
            let count = bytes[position..<(position + 8)].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            position += 8
            let size = Int(clamping: count).multipliedReportingOverflow(by: reference.dataType.byteSize)
            guard !size.overflow, size.partialValue <= bytes.count - position else {
                throw WeightsError.malformed(path: source, detail: "file ends inside storage \(key) (truncated)")
            }
            storages[key] = position..<(position + size.partialValue)
            position += size.partialValue
        }
        return try tensors(in: object, source: source) { reference, body in
            guard let range = storages[reference.key] else { throw WeightsError.malformed(path: source, detail: "storage \(reference.key) has no data") }
            return try bytes.withUnsafeBytes { raw in try body(raw.baseAddress! + range.lowerBound, range.count / reference.dataType.byteSize) }
        }
    }

    private static func decodeZip(_ data: Data, source: String) throws -> [String: Tensor] {
        let archive = try StoredZipArchive(bytes: [UInt8](data), source: source)
        guard let pickleEntry = archive.entries.values.first(where: { $0.path.hasSuffix("data.pkl") }) else {
            throw WeightsError.malformed(path: source, detail: "zip archive without data.pkl")
        }
        let prefix = String(pickleEntry.path.dropLast("data.pkl".count))
        var machine = PickleMachine(bytes: Array(try archive.contents(of: pickleEntry)), source: source)
        defer { machine.objects.release() }
        let object = try machine.run()
        var storages: [String: [UInt8]] = [:]
        for key in try storageReferences(in: object, source: source).keys {
            guard let entry = archive.entries[prefix + "data/" + key] else {
                throw WeightsError.malformed(path: source, detail: "zip archive lacks storage data/\(key)")
            }
            storages[key] = Array(try archive.contents(of: entry))
        }
        return try tensors(in: object, source: source) { reference, body in
            guard let bytes = storages[reference.key] else { throw WeightsError.malformed(path: source, detail: "storage \(reference.key) has no data") }
            return try bytes.withUnsafeBytes { raw in try body(raw.baseAddress!, bytes.count / reference.dataType.byteSize) }
        }
    }

    /// Every storage the object refers to, by key. A list or dict met again on the way down
    /// is a cycle (refused), met again elsewhere is shared (walked once); nesting deeper than
    /// `PickleLimits.depth` or more than `PickleLimits.objects` values visited is refused, so
    /// no pickle can exhaust the stack or the time.
    private static func storageReferences(in value: PickleValue, source: String) throws -> [String: StorageReference] {
        var found: [String: StorageReference] = [:]
        var onPath: Set<ObjectIdentifier> = [], done: Set<ObjectIdentifier> = []
        var visited = 0
        func refuse(_ detail: String) -> WeightsError { .malformed(path: source, detail: detail) }
        func walk(_ value: PickleValue, depth: Int) throws {
            visited += 1
            guard visited <= PickleLimits.objects else { throw refuse("more than \(PickleLimits.objects) pickled values") }
            guard depth <= PickleLimits.depth else { throw refuse("values nested deeper than \(PickleLimits.depth) levels") }
            func container(_ object: AnyObject, _ children: () throws -> Void) throws {
                let id = ObjectIdentifier(object)
                guard !onPath.contains(id) else { throw refuse("a list or dict contains itself (a cycle)") }
                guard done.insert(id).inserted else { return }
                onPath.insert(id)
                try children()
                onPath.remove(id)
            }
            switch value {
            case let .tensor(tensor): found[tensor.storage.key] = tensor.storage
            case let .storage(storage): found[storage.key] = storage
            case let .dict(dict): try container(dict) { for entry in dict.entries { try walk(entry.value, depth: depth + 1) } }
            case let .list(list): try container(list) { for item in list.items { try walk(item, depth: depth + 1) } }
            case let .tuple(items): for item in items { try walk(item, depth: depth + 1) }
            default: break
            }
        }
        try walk(value, depth: 0)
        return found
    }

    /// Runs the body on a storage's bytes and element count (valid only inside the body).
    typealias StorageAccess = (StorageReference, (UnsafeRawPointer, Int) throws -> Tensor) throws -> Tensor

    /// The tensors of a state_dict, unwrapping `{"state_dict": …}` / `{"model": …}` and a
    /// `module.` prefix (DataParallel).
    private static func tensors(in object: PickleValue, source: String, storage: StorageAccess) throws -> [String: Tensor] {
        guard case var .dict(dict) = object else {
            throw WeightsError.unsupportedPickle(path: source, detail: "the file holds no dictionary of tensors")
        }
        // A dict met again ends the unwrapping (the walk above refuses cycles; this loop does
        // not rely on it).
        var unwrapped: Set<ObjectIdentifier> = [ObjectIdentifier(dict)]
        while !dict.stringKeyed.contains(where: { if case .tensor = $0.1 { return true }; return false }),
              let inner = dict.stringKeyed.first(where: { ["state_dict", "model", "model_state_dict"].contains($0.0) }),
              case let .dict(nested) = inner.1, unwrapped.insert(ObjectIdentifier(nested)).inserted {
            dict = nested
        }
        var result: [String: Tensor] = [:]
        for (name, value) in dict.stringKeyed {
            guard case let .tensor(reference) = value else { continue }
            let key = name.hasPrefix("module.") ? String(name.dropFirst("module.".count)) : name
            result[key] = try storage(reference.storage) { base, available in
                guard let last = lastElement(of: reference), last < available else {
                    throw WeightsError.malformed(path: source, detail: "tensor \(name) (shape \(reference.shape)) reaches past the end of its storage")
                }
                return gather(reference, base)
            }
        }
        return result
    }

    /// The storage index of a view's last element (-1 when it is empty), or nil when the
    /// arithmetic overflows: hostile shapes must not wrap around the bounds check.
    private static func lastElement(of reference: TensorReference) -> Int? {
        var count = 1, last = reference.offset
        for (size, stride) in zip(reference.shape, reference.strides) {
            let product = count.multipliedReportingOverflow(by: size)
            let reach = (size - 1).multipliedReportingOverflow(by: stride)
            guard !product.overflow, !reach.overflow, product.partialValue <= 1 << 34 else { return nil }
            count = product.partialValue
            let sum = last.addingReportingOverflow(reach.partialValue)
            guard !sum.overflow else { return nil }
            last = sum.partialValue
        }
        return count == 0 ? -1 : last
    }

    /// A contiguous Float tensor from a strided view of a storage.
    private static func gather(_ reference: TensorReference, _ base: UnsafeRawPointer) -> Tensor {
        let shape = reference.shape, strides = reference.strides
        let count = shape.reduce(1, *)
        return Tensor.build(shape: shape) { out in
            guard count > 0 else { return }
            var index = [Int](repeating: 0, count: shape.count)
            var offset = reference.offset
            for i in 0..<count {
                out[i] = reference.storage.dataType.value(base, offset)
                var axis = shape.count - 1
                while axis >= 0 {
                    index[axis] += 1
                    offset += strides[axis]
                    if index[axis] < shape[axis] { break }
                    offset -= strides[axis] * shape[axis]
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
    }
}
