import CImageCodecs

/// How the process's C allocator treats freed memory.
///
/// glibc hands large freed blocks back to the kernel at once (blocks from 128 KB up are
/// mmapped, and free memory at an arena's top is trimmed), so every decoded frame — a few
/// MB of samples and resize buffers — page-faults its memory in again: 2 of the 5.4 ms a
/// 640² JPEG took to load. Serving blocks under 32 MB from the arenas and keeping up to
/// 256 MB of freed memory there removes that; training's peak RSS is unchanged (pcb 256²:
/// 923 MB either way). The executables call this first thing.
public enum AllocatorTuning {
    public static func keepFreedMemoryForReuse() {
        loupe_keep_freed_memory(32 << 20, 256 << 20)
    }
}
