import Foundation

/// Recycles large tensor buffers by exact size.
///
/// A fresh multi-megabyte buffer comes from `mmap` and costs a page fault per 4 KiB on
/// first touch: 25 ms for one 32 MB activation here, as much as the convolution that fills
/// it. Training and inference allocate the same shapes every step, so keeping freed buffers
/// for reuse removes that cost. Small buffers go straight to malloc, which already reuses
/// them; the pool holds at most `limitBytes` and frees beyond that.
final class BufferPool: @unchecked Sendable {
    /// Holds up to 4 GiB (a quarter of memory on smaller machines): a pfadseg student step at
    /// 256², batch 8, frees ~2 GB of activations, and with 1 GiB kept the rest came back from
    /// `mmap` every step (1,279 → 1,071 ms, peak RSS no higher: `loupe-bench --only pfadseg`).
    static let shared = BufferPool(limitBytes: Int(min(4 << 30, ProcessInfo.processInfo.physicalMemory / 4)))
    /// Buffers below this size bypass the pool.
    static let minimumPooledBytes = 1 << 18

    private let lock = NSLock()
    private var free: [Int: [UnsafeMutableRawPointer]] = [:]
    private var cachedBytes = 0
    let limitBytes: Int

    init(limitBytes: Int) { self.limitBytes = limitBytes }

    /// A 64-byte-aligned buffer of `byteCount` bytes, recycled when one is free.
    func take(byteCount: Int) -> UnsafeMutableRawPointer {
        if byteCount >= Self.minimumPooledBytes {
            lock.lock()
            if let buffer = free[byteCount]?.popLast() {
                cachedBytes -= byteCount
                lock.unlock()
                return buffer
            }
            lock.unlock()
        }
        return UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: 64)
    }

    /// Returns a buffer from `take`; kept for reuse while the pool is under its limit.
    func give(_ buffer: UnsafeMutableRawPointer, byteCount: Int) {
        if byteCount >= Self.minimumPooledBytes {
            lock.lock()
            if cachedBytes + byteCount <= limitBytes {
                free[byteCount, default: []].append(buffer)
                cachedBytes += byteCount
                lock.unlock()
                return
            }
            lock.unlock()
        }
        buffer.deallocate()
    }

    /// Frees every cached buffer (e.g. after a job ends).
    func drain() {
        lock.lock()
        let buffers = free.values.flatMap { $0 }
        free = [:]
        cachedBytes = 0
        lock.unlock()
        for buffer in buffers { buffer.deallocate() }
    }
}

/// Scratch space for a kernel (im2col columns and the like), from the pool.
func withScratch<R>(count: Int, _ body: (UnsafeMutablePointer<Float>) -> R) -> R {
    let byteCount = count * MemoryLayout<Float>.stride
    let raw = BufferPool.shared.take(byteCount: byteCount)
    defer { BufferPool.shared.give(raw, byteCount: byteCount) }
    return body(raw.bindMemory(to: Float.self, capacity: max(count, 1)))
}

extension Tensor {
    /// Frees the buffers kept for reuse. For when the shapes a process allocates change for
    /// good (a training stage ends): the old shapes' buffers would otherwise sit beside the
    /// new ones (pfadseg trained on texture, stage 2 doubling the batch: peak RSS 3.5 GB without, 2.8 with).
    public static func releaseCachedBuffers() { BufferPool.shared.drain() }
}
