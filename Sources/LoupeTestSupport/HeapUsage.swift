import CHeapUsage

/// Bytes the C heap holds in use: a leak shows as growth over many repetitions.
public enum HeapUsage {
    public static func bytesInUse() -> Int { Int(loupe_heap_bytes_in_use()) }
}
