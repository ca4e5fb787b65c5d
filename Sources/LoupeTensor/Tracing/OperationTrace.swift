import Foundation

/// A record of the engine operations run on this thread, for exporting a forward pass as a
/// graph: `OperationTrace.record { … }` runs the body with tracing on, and every operation
/// it calls adds one node (its nested operations do not: a convolution is one node however
/// it is computed). Tensors that enter without a trace (weights, constants) are the
/// graph's constants.
public final class OperationTrace: @unchecked Sendable {
    /// One operation: its inputs' and output's values.
    public struct Node: Sendable {
        public let operation: TracedOperation
        public let inputs: [Int]
        public let output: Int
        /// How long it took: a trace of one pass is also its profile by operation.
        public let nanoseconds: UInt64
    }

    /// The values in order of appearance: the inputs given, constants and results.
    public private(set) var shapes: [[Int]] = []
    /// Values that came from outside the traced operations, with their contents.
    public private(set) var constants: [Int: Tensor] = [:]
    public private(set) var nodes: [Node] = []
    /// The values `record`'s inputs were given.
    public private(set) var inputs: [Int] = []
    /// Backward rules run while recording, by the operation that recorded them (its name
    /// and shapes), and how long each took with its gradients' accumulation: a profile.
    public private(set) var backward: [(operation: String, nanoseconds: UInt64)] = []

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// The trace recording on this thread, if any.
    static var active: OperationTrace? {
        pthread_getspecific(key).map { Unmanaged<OperationTrace>.fromOpaque($0).takeUnretainedValue() }
    }

    private static func setActive(_ trace: OperationTrace?) {
        pthread_setspecific(key, trace.map { UnsafeRawPointer(Unmanaged.passUnretained($0).toOpaque()) })
    }

    /// Tells this trace's values from another's (a tensor kept from an earlier export).
    private let serial: Int
    private static let serials = NSLock()
    nonisolated(unsafe) private static var lastSerial = 0

    public init() {
        serial = Self.serials.withLock {
            Self.lastSerial += 1
            return Self.lastSerial
        }
    }

    /// The index into `shapes` of a tensor's trace ID, if the ID is this trace's.
    private func index(_ id: Int?) -> Int? {
        guard let id, id >> 32 == serial else { return nil }
        return id & 0xFFFF_FFFF
    }

    /// The value a traced tensor holds (nil for one this trace never saw).
    public func valueIndex(of tensor: Tensor) -> Int? { index(tensor.traceID) }

    /// Runs `body` on `inputs` marked as the graph's inputs, recording every operation.
    public func record<R>(inputs given: [Tensor], _ body: ([Tensor]) throws -> R) rethrows -> R {
        let marked = given.map { tensor -> Tensor in
            var traced = tensor
            let id = newValue(shape: tensor.shape)
            traced.traceID = serial << 32 | id
            inputs.append(id)
            return traced
        }
        let previous = Self.active
        Self.setActive(self)
        defer { Self.setActive(previous) }
        return try body(marked)
    }

    /// The value of `tensor` in this trace: its own, or a new constant.
    public func value(of tensor: Tensor) -> Int {
        if let id = index(tensor.traceID) { return id }
        let id = newValue(shape: tensor.shape)
        constants[id] = tensor.detached
        return id
    }

    private func newValue(shape: [Int]) -> Int {
        shapes.append(shape)
        return shapes.count - 1
    }

    /// Runs `compute` with tracing off (its nested operations are its own business) and
    /// records it as one `operation` on `inputs`.
    func add(_ operation: TracedOperation, _ inputs: [Tensor?], _ compute: () -> Tensor) -> Tensor {
        let ids = inputs.compactMap { $0.map(value(of:)) }
        Self.setActive(nil)
        let started = DispatchTime.now().uptimeNanoseconds
        var result = compute()
        let elapsed = DispatchTime.now().uptimeNanoseconds - started
        Self.setActive(self)
        let id = newValue(shape: result.shape)
        result.traceID = serial << 32 | id
        let node = Node(operation: operation, inputs: ids, output: id, nanoseconds: elapsed)
        nodes.append(node)
        if let gradient = result.gradientNode { label(gradient, andWhatItRecordedInside: inputs, as: label(of: node)) }
        return result
    }

    /// A profile's row for a node: the operation (with a convolution's stride, dilation and
    /// groups), its inputs' shapes and its output's; its backward rules go under the same row.
    public func label(of node: Node) -> String {
        func shape(_ value: Int) -> String { shapes[value].map(String.init).joined(separator: "×") }
        return node.operation.profileName + " " + node.inputs.map(shape).joined(separator: ", ") + " → " + shape(node.output)
    }

    /// Names `node` and the nodes its operation recorded on the way from its inputs (a
    /// dilated convolution's phases and the convolution of their mosaic, a mean's sum):
    /// their backward rules are the operation's time too, not "untraced".
    private func label(_ node: GradientNode, andWhatItRecordedInside inputs: [Tensor?], as label: String) {
        let outside = Set(inputs.compactMap { $0?.gradientNode.map(ObjectIdentifier.init) })
        var pending = [node]
        while let inner = pending.popLast() {
            guard inner.label == nil, !inner.isLeaf, !outside.contains(ObjectIdentifier(inner)) else { continue }
            inner.label = label
            pending += inner.parents.compactMap { $0 }
        }
    }

    func addBackward(_ operation: String, nanoseconds: UInt64) {
        backward.append((operation, nanoseconds))
    }
}

extension Tensor {
    /// `compute()`, recorded as one `operation` on `inputs` when a trace is on (else just
    /// `compute()`): each public operation of the engine passes through here, and so does
    /// an operation a higher layer computes itself (the maps' blur).
    @inline(__always)
    public func traced(_ operation: @autoclosure () -> TracedOperation, _ inputs: [Tensor?], _ compute: () -> Tensor) -> Tensor {
        guard let trace = OperationTrace.active else { return compute() }
        return trace.add(operation(), inputs, compute)
    }

    @inline(__always)
    public static func traced(_ operation: @autoclosure () -> TracedOperation, _ inputs: [Tensor?], _ compute: () -> Tensor) -> Tensor {
        guard let trace = OperationTrace.active else { return compute() }
        return trace.add(operation(), inputs, compute)
    }
}

extension Tensor {
    /// Which buffer holds the values: a trace names a constant by the parameter that shares it.
    public var storageIdentity: ObjectIdentifier { ObjectIdentifier(storage) }
}
