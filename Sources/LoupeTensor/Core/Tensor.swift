/// An n-dimensional array of Float32 in row-major (NCHW for images) order.
///
/// `Tensor` is a value: it shares its buffer until written, then copies. When gradients are
/// enabled and an input requires them, each operation records how to propagate gradients
/// back (see `GradientNode`); `backward()` then fills the gradients of the leaves.
public struct Tensor: @unchecked Sendable {
    /// The size of each dimension, outermost first.
    public let shape: [Int]
    var storage: TensorStorage
    /// Set when this tensor takes part in gradient computation.
    public internal(set) var gradientNode: GradientNode?
    /// Its value in the `OperationTrace` recording on this thread (export), if any.
    public internal(set) var traceID: Int?

    /// The number of elements (the product of `shape`).
    public var count: Int { storage.count }
    /// The number of dimensions.
    public var rank: Int { shape.count }

    init(shape: [Int], storage: TensorStorage) {
        invariant(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in shape \(shape)")
        invariant(shape.reduce(1, *) == storage.count,
                     "Tensor: shape \(shape) holds \(shape.reduce(1, *)) elements, storage has \(storage.count)")
        self.shape = shape
        self.storage = storage
    }

    /// A tensor filled with `value`.
    public init(repeating value: Float, shape: [Int]) {
        self.init(shape: shape, storage: TensorStorage(repeating: value, count: shape.reduce(1, *)))
    }

    /// A tensor holding `scalars` in row-major order.
    public init(shape: [Int], scalars: [Float]) {
        invariant(shape.reduce(1, *) == scalars.count,
                     "Tensor(shape:scalars:): shape \(shape) needs \(shape.reduce(1, *)) values, got \(scalars.count)")
        let storage = TensorStorage(uninitializedCount: scalars.count)
        scalars.withUnsafeBufferPointer { storage.pointer.update(from: $0.baseAddress!, count: scalars.count) }
        self.init(shape: shape, storage: storage)
    }

    /// A rank-0 tensor holding one value.
    public init(_ scalar: Float) {
        self.init(shape: [], scalars: [scalar])
    }

    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(repeating: 0, shape: shape) }
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(repeating: 1, shape: shape) }

    /// A tensor whose elements the caller writes through the pointer before returning.

    public static func build(shape: [Int], _ fill: (UnsafeMutablePointer<Float>) -> Void) -> Tensor {
        let storage = TensorStorage(uninitializedCount: shape.reduce(1, *))
        fill(storage.pointer)
        return Tensor(shape: shape, storage: storage)
    }

    /// The elements in row-major order.
    public var scalars: [Float] {
        Array(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    /// The single element of a one-element tensor.
    public var item: Float {
        invariant(count == 1, "item: tensor of shape \(shape) has \(count) elements, not 1")
        return storage.pointer[0]
    }

    /// Read-only access to the contiguous elements.

    public func withUnsafePointer<R>(_ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafePointer(storage.pointer))
    }

    /// Write access; copies the buffer first if another tensor shares it.
    public mutating func withUnsafeMutablePointer<R>(_ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        storage.markWritten()
        return try body(storage.pointer)
    }

    /// Writes into this tensor's buffer even if shared: for optimisers updating parameters
    /// and running statistics, whose buffers must keep their identity.
    func updateInPlace(_ body: (UnsafeMutablePointer<Float>) -> Void) {
        storage.markWritten()
        body(storage.pointer)
    }

    /// The same values, detached from any gradient computation.
    public var detached: Tensor {
        var result = Tensor(shape: shape, storage: storage)
        result.traceID = traceID  // the same value in a trace being recorded
        return result
    }

    /// An independent copy of the values (no gradient history).
    public func copied() -> Tensor { Tensor(shape: shape, storage: storage.copy()) }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = scalars.prefix(8).map { String($0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(shown)\(count > 8 ? ", …" : "")])"
    }
}

extension Optional where Wrapped == Tensor {
    /// Read access to the tensor's values if there is one.
    func withOptionalPointer<R>(_ body: (UnsafePointer<Float>?) throws -> R) rethrows -> R {
        guard case let .some(tensor) = self else { return try body(nil) }
        return try tensor.withUnsafePointer { try body($0) }
    }

    /// Write access to the tensor if there is one: for kernels filling optional outputs.
    mutating func withOptionalMutablePointer<R>(_ body: (UnsafeMutablePointer<Float>?) throws -> R) rethrows -> R {
        guard case var .some(tensor) = self else { return try body(nil) }
        self = nil  // Leaves the tensor's buffer uniquely referenced: no copy.
        defer { self = tensor }
        return try tensor.withUnsafeMutablePointer { try body($0) }
    }
}
