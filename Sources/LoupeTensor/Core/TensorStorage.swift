import Foundation

/// The heap buffer behind a tensor: contiguous Float32, 64-byte aligned for BLAS, recycled
/// through `BufferPool`.
///
/// A class so that tensors share it cheaply; `Tensor` copies it before writing when it is
/// shared (copy-on-write), so tensors still behave as values.
public final class TensorStorage: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int
    /// Bumped by every write through a `Tensor`: what `derived` checks its entries against.
    private(set) var version = 0
    /// Values computed from these (a frozen layer's Winograd-transformed weights), by key,
    /// with the version they were computed from.
    private var derivedValues: [Int: (version: Int, values: TensorStorage)] = [:]
    private let derivedLock = NSLock()

    /// Uninitialised storage: callers must write every element.
    init(uninitializedCount count: Int) {
        self.count = count
        let raw = BufferPool.shared.take(byteCount: count * MemoryLayout<Float>.stride)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    convenience init(repeating value: Float, count: Int) {
        self.init(uninitializedCount: count)
        if value == 0 {
            memset(pointer, 0, count * MemoryLayout<Float>.stride)
        } else {
            pointer.initialize(repeating: value, count: count)
        }
    }

    func markWritten() {
        derivedLock.lock()
        version &+= 1
        derivedValues.removeAll()
        derivedLock.unlock()
    }

    /// `count` values computed from these by `make`, kept until the next write: a frozen
    /// network's convolutions transform their weights once, not once per image.
    func derived(key: Int, count: Int, make: (UnsafeMutablePointer<Float>) -> Void) -> TensorStorage {
        derivedLock.lock()
        defer { derivedLock.unlock() }
        if let entry = derivedValues[key], entry.version == version, entry.values.count == count { return entry.values }
        let values = TensorStorage(uninitializedCount: count)
        make(values.pointer)
        derivedValues[key] = (version, values)
        return values
    }

    func copy() -> TensorStorage {
        let result = TensorStorage(uninitializedCount: count)
        result.pointer.update(from: pointer, count: count)
        return result
    }

    deinit {
        BufferPool.shared.give(UnsafeMutableRawPointer(pointer), byteCount: count * MemoryLayout<Float>.stride)
    }
}
