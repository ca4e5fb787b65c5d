import Foundation

/// A value built by the pickle subset that `torch.save` writes for a state_dict.
indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue])
    case list(PickleList)
    case dict(PickleDictionary)
    /// A class or function named by a GLOBAL opcode (allowed names only).
    case global(String)
    /// A tensor storage named by a persistent id.
    case storage(StorageReference)
    /// `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)`.
    case tensor(TensorReference)

    var asInt: Int? { if case let .int(v) = self { return v }; if case let .bool(b) = self { return b ? 1 : 0 }; return nil }
    var asString: String? { if case let .string(s) = self { return s }; return nil }
    var asTuple: [PickleValue]? {
        switch self {
        case let .tuple(items): return items
        case let .list(list): return list.items
        default: return nil
        }
    }
}

/// Lists and dicts are mutated after creation (APPENDS, SETITEMS) and shared through the
/// memo, so they are references, and a hostile file can make them contain themselves
/// (`PickleObjects` breaks such cycles when decoding ends).
final class PickleList { var items: [PickleValue] = [] }

final class PickleDictionary {
    var entries: [(key: PickleValue, value: PickleValue)] = []
    /// Entries whose keys are strings, in insertion order.
    var stringKeyed: [(String, PickleValue)] { entries.compactMap { entry in entry.key.asString.map { ($0, entry.value) } } }
}

/// Every list and dict one file's pickles made, kept so they can be emptied together when
/// decoding ends: a list that contains itself (legal through the memo) would otherwise
/// never be freed, and a chain of a million nested lists would be freed by a recursion as
/// deep. Emptied one by one while all are still held, none frees another.
final class PickleObjects {
    private var containers: [AnyObject] = []

    func keep(_ container: AnyObject) { containers.append(container) }

    /// Empties every container; call once the decoded values are no longer needed.
    func release() {
        for container in containers {
            if let list = container as? PickleList { list.items = [] }
            if let dict = container as? PickleDictionary { dict.entries = [] }
        }
        containers = []
    }
}

/// How far a pickle may nest and how many values a walk over it may visit: torch's state
/// dicts nest a few levels and hold thousands of values, while memo references make cycles,
/// million-level nesting and exponentially shared tuples a few bytes each.
enum PickleLimits {
    static let depth = 1_000
    static let objects = 1_000_000
}

/// Where a storage's bytes live and how to read them.
struct StorageReference: Hashable {
    let key: String
    let dataType: TorchDataType
    let elementCount: Int
}

struct TensorReference {
    let storage: StorageReference
    let offset: Int
    let shape: [Int]
    let strides: [Int]
}

/// Element types of torch storages, by their legacy class names.
enum TorchDataType: String {
    case float32 = "FloatStorage", float64 = "DoubleStorage", float16 = "HalfStorage", bfloat16 = "BFloat16Storage"
    case int64 = "LongStorage", int32 = "IntStorage", int16 = "ShortStorage", int8 = "CharStorage", uint8 = "ByteStorage", bool = "BoolStorage"

    var byteSize: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32: return 4
        case .float16, .bfloat16, .int16: return 2
        case .int8, .uint8, .bool: return 1
        }
    }

    /// Element `index` of raw little-endian bytes, as Float.
    func value(_ base: UnsafeRawPointer, _ index: Int) -> Float {
        switch self {
        case .float32: return Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)))
        case .float64: return Float(Double(bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))))
        case .float16: return Float(Float16(bitPattern: UInt16(littleEndian: base.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self))))
        case .bfloat16: return Float(bitPattern: UInt32(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self))) << 16)
        case .int64: return Float(Int64(littleEndian: base.loadUnaligned(fromByteOffset: index * 8, as: Int64.self)))
        case .int32: return Float(Int32(littleEndian: base.loadUnaligned(fromByteOffset: index * 4, as: Int32.self)))
        case .int16: return Float(Int16(littleEndian: base.loadUnaligned(fromByteOffset: index * 2, as: Int16.self)))
        case .int8: return Float(base.load(fromByteOffset: index, as: Int8.self))
        case .uint8, .bool: return Float(base.load(fromByteOffset: index, as: UInt8.self))
        }
    }
}

/// Runs the pickle opcodes torch writes for state_dicts, and nothing else.
///
/// Pickle is a program: a general unpickler can call any function. This one knows a fixed
/// set of opcodes and a fixed set of globals (OrderedDict, tensor rebuilding, storage
/// types); anything else is an error. Every read is bounds-checked, so a damaged file
/// ends in a `WeightsError`, never a crash.
struct PickleMachine {
    static let allowedGlobals: Set<String> = Set([
        "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter",
        "builtins.set", "__builtin__.set", "torch.Size",
    ]).union(["FloatStorage", "DoubleStorage", "HalfStorage", "BFloat16Storage", "LongStorage", "IntStorage",
             "ShortStorage", "CharStorage", "ByteStorage", "BoolStorage"].map { "torch." + $0 })

    let bytes: [UInt8]
    let source: String
    private(set) var position: Int
    /// The lists and dicts made so far: `objects.release()` when their values are done with.
    let objects = PickleObjects()

    init(bytes: [UInt8], start: Int = 0, source: String) {
        self.bytes = bytes
        self.source = source
        position = start
    }

    /// The position after the last STOP: where the next pickle or raw data begins.
    var end: Int { position }

    private func failure(_ detail: String) -> WeightsError { .malformed(path: source, detail: "\(detail) (pickle byte \(position))") }

    private mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, count <= bytes.count - position else { throw failure("data ends inside a pickle value") }
        defer { position += count }
        return bytes[position..<(position + count)]
    }

    private mutating func byte() throws -> UInt8 { try take(1).first! }

    private mutating func littleEndian(_ count: Int) throws -> UInt64 {
        try take(count).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    private mutating func line() throws -> String {
        guard let newline = bytes[position...].firstIndex(of: 0x0A) else { throw failure("unterminated text line") }
        defer { position = newline + 1 }
        return String(decoding: bytes[position..<newline], as: UTF8.self)
    }

    private mutating func text(_ count: Int) throws -> String {
        String(decoding: try take(count), as: UTF8.self)
    }

    /// Runs one pickle to its STOP and returns its value.
    mutating func run() throws -> PickleValue {
        // Each value with how deeply tuples nest in it: tuples are values, freed by a
        // recursion as deep as they nest, so their depth is capped as they are built.
        // Lists and dicts are freed flat (`PickleObjects`) and their depth is checked by
        // the walks over the finished value (`TorchCheckpoint`).
        var stack: [(value: PickleValue, depth: Int)] = []
        var marks: [Int] = []
        var memo: [Int: (value: PickleValue, depth: Int)] = [:]

        func push(_ value: PickleValue) { stack.append((value, 0)) }
        func pop() throws -> PickleValue { try popEntry().value }
        func popEntry() throws -> (value: PickleValue, depth: Int) {
            guard let entry = stack.popLast() else { throw failure("stack underflow") }
            return entry
        }
        func popToMark() throws -> [(value: PickleValue, depth: Int)] {
            guard let mark = marks.popLast(), mark <= stack.count else { throw failure("missing MARK") }
            defer { stack.removeSubrange(mark...) }
            return Array(stack[mark...])
        }
        func pushTuple(_ items: [(value: PickleValue, depth: Int)]) throws {
            let depth = 1 + (items.map(\.depth).max() ?? 0)
            guard depth <= PickleLimits.depth else { throw failure("tuples nested deeper than \(PickleLimits.depth) levels") }
            stack.append((.tuple(items.map(\.value)), depth))
        }
        func memoize(_ index: Int) throws {
            guard let top = stack.last else { throw failure("memo of empty stack") }
            memo[index] = top
        }

        while true {
            let opcode = try byte()
            switch opcode {
            case 0x80: _ = try byte()                                    // PROTO
            case 0x95: _ = try littleEndian(8)                           // FRAME
            case 0x2E: return try pop()                                  // STOP
            case 0x28: marks.append(stack.count)                         // MARK
            case 0x4E: push(.none)                                       // NONE
            case 0x88: push(.bool(true))                                 // NEWTRUE
            case 0x89: push(.bool(false))                                // NEWFALSE
            case 0x4B: push(.int(Int(try byte())))                       // BININT1
            case 0x4D: push(.int(Int(try littleEndian(2))))              // BININT2
            case 0x4A: push(.int(Int(Int32(truncatingIfNeeded: try littleEndian(4)))))  // BININT
            case 0x8A:                                                   // LONG1
                let count = Int(try byte())
                // torch's legacy magic number is an 80-bit integer: keep such values as bytes.
                guard count <= 8 else { push(.bytes(Array(try take(count)))); continue }
                let raw = try littleEndian(count)
                let shift = UInt64(64 - 8 * count)
                push(.int(count == 0 ? 0 : Int(Int64(bitPattern: raw << shift) >> Int64(shift))))
            case 0x47:                                                   // BINFLOAT (big-endian)
                let raw = try take(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                push(.float(Double(bitPattern: raw)))
            case 0x58: push(.string(try text(Int(try littleEndian(4)))))   // BINUNICODE
            case 0x8C: push(.string(try text(Int(try byte()))))            // SHORT_BINUNICODE
            case 0x8D:                                                     // BINUNICODE8
                let count = try littleEndian(8)
                guard count <= UInt64(bytes.count) else { throw failure("string longer than the file") }
                push(.string(try text(Int(count))))
            case 0x54: push(.string(try text(Int(Int32(truncatingIfNeeded: try littleEndian(4))))))  // BINSTRING
            case 0x55: push(.string(try text(Int(try byte()))))            // SHORT_BINSTRING
            case 0x42: push(.bytes(Array(try take(Int(try littleEndian(4))))))  // BINBYTES
            case 0x43: push(.bytes(Array(try take(Int(try byte())))))          // SHORT_BINBYTES
            case 0x7D: let dict = PickleDictionary(); objects.keep(dict); push(.dict(dict))   // EMPTY_DICT
            case 0x5D: let list = PickleList(); objects.keep(list); push(.list(list))         // EMPTY_LIST
            case 0x29: push(.tuple([]))                                  // EMPTY_TUPLE
            case 0x74: try pushTuple(try popToMark())                    // TUPLE
            case 0x85: try pushTuple([try popEntry()])                   // TUPLE1
            case 0x86: let b = try popEntry(), a = try popEntry(); try pushTuple([a, b])                       // TUPLE2
            case 0x87: let c = try popEntry(), b = try popEntry(), a = try popEntry(); try pushTuple([a, b, c])  // TUPLE3
            case 0x71: try memoize(Int(try byte()))                      // BINPUT
            case 0x72: try memoize(Int(try littleEndian(4)))             // LONG_BINPUT
            case 0x94: try memoize(memo.count)                           // MEMOIZE
            case 0x68, 0x6A:                                             // BINGET, LONG_BINGET
                let index = opcode == 0x68 ? Int(try byte()) : Int(try littleEndian(4))
                guard let entry = memo[index] else { throw failure("memo entry \(index) was never stored") }
                stack.append(entry)
            case 0x61:                                                   // APPEND
                let item = try pop()
                guard case let .list(list) = try pop() else { throw failure("APPEND to a non-list") }
                list.items.append(item)
                push(.list(list))
            case 0x65:                                                   // APPENDS
                let items = try popToMark().map(\.value)
                guard case let .list(list) = try pop() else { throw failure("APPENDS to a non-list") }
                list.items += items
                push(.list(list))
            case 0x73:                                                   // SETITEM
                let value = try pop(), key = try pop()
                guard case let .dict(dict) = try pop() else { throw failure("SETITEM on a non-dict") }
                dict.entries.append((key, value))
                push(.dict(dict))
            case 0x75:                                                   // SETITEMS
                let items = try popToMark().map(\.value)
                guard items.count % 2 == 0, case let .dict(dict) = try pop() else { throw failure("SETITEMS on a non-dict") }
                for pair in stride(from: 0, to: items.count, by: 2) { dict.entries.append((items[pair], items[pair + 1])) }
                push(.dict(dict))
            case 0x63:                                                   // GLOBAL "module\nname\n"
                let module = try line(), name = try line()
                push(try global(module + "." + name))
            case 0x93:                                                   // STACK_GLOBAL
                let name = try pop(), module = try pop()
                guard let n = name.asString, let m = module.asString else { throw failure("STACK_GLOBAL without names") }
                push(try global(m + "." + n))
            case 0x51:                                                   // BINPERSID
                push(try persistentLoad(try pop()))
            case 0x52, 0x81:                                             // REDUCE, NEWOBJ
                let arguments = try pop(), callable = try pop()
                let result = try reduce(callable, arguments)
                if case let .list(list) = result { objects.keep(list) }
                if case let .dict(dict) = result { objects.keep(dict) }
                push(result)
            case 0x62:                                                   // BUILD: state for an object; state_dict metadata only
                _ = try pop()
            default:
                throw WeightsError.unsupportedPickle(path: source, detail: String(format: "pickle opcode 0x%02X at byte %d is not one torch writes for a state_dict", opcode, position - 1))
            }
        }
    }

    private func global(_ name: String) throws -> PickleValue {
        guard Self.allowedGlobals.contains(name) else {
            throw WeightsError.unsupportedPickle(path: source, detail: "the file refers to \(name)")
        }
        return .global(name)
    }

    /// ('storage', StorageType, key, location, element count[, view metadata]).
    private func persistentLoad(_ id: PickleValue) throws -> PickleValue {
        guard let fields = id.asTuple, fields.count >= 5, fields[0].asString == "storage",
              case let .global(typeName) = fields[1], let key = fields[2].asString, let count = fields[4].asInt, count >= 0,
              let dataType = TorchDataType(rawValue: String(typeName.dropFirst("torch.".count))) else {
            throw failure("unrecognised persistent id (not a tensor storage)")
        }
        return .storage(StorageReference(key: key, dataType: dataType, elementCount: count))
    }

    private func reduce(_ callable: PickleValue, _ arguments: PickleValue) throws -> PickleValue {
        guard case let .global(name) = callable, let args = arguments.asTuple else { throw failure("call of a non-function") }
        switch name {
        case "collections.OrderedDict":
            return .dict(PickleDictionary())
        case "torch._utils._rebuild_tensor_v2":
            guard args.count >= 4, case let .storage(storage) = args[0], let offset = args[1].asInt,
                  let size = args[2].asTuple?.compactMap(\.asInt), let stride = args[3].asTuple?.compactMap(\.asInt),
                  size.count == args[2].asTuple?.count, stride.count == size.count, offset >= 0,
                  size.allSatisfy({ $0 >= 0 }), stride.allSatisfy({ $0 >= 0 }) else {
                throw failure("malformed tensor record")
            }
            return .tensor(TensorReference(storage: storage, offset: offset, shape: size, strides: stride))
        case "torch._utils._rebuild_parameter":
            guard let tensor = args.first, case .tensor = tensor else { throw failure("malformed parameter record") }
            return tensor
        case "torch.Size":
            return args.first ?? .tuple([])
        default:
            return .list(PickleList())  // set(): contents are irrelevant to weights
        }
    }
}
