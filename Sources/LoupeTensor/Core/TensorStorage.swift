import Foundation

/// The heap buffer behind a tensor: contiguous Float32, 64-byte aligned for BLAS, recycled
/// through `BufferPool`.
///
/// A class so that tensors share it cheaply; `Tensor` copies it before writing when it is
/// shared (copy-on-write), so tensors still behave as values.
public final class TensorStorage: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

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

    func copy() -> TensorStorage {
        let result = TensorStorage(uninitializedCount: count)
        result.pointer.update(from: pointer, count: count)
        return result
    }

    deinit {
        BufferPool.shared.give(UnsafeMutableRawPointer(pointer), byteCount: count * MemoryLayout<Float>.stride)
    }
}
