// glibc's malloc tuning (mallopt lives in malloc.h, which Swift's Glibc module leaves out).
#ifndef LOUPE_ALLOCATOR_H
#define LOUPE_ALLOCATOR_H

/// Serve blocks below `mmap_threshold` bytes from the heap and keep up to `trim_threshold`
/// bytes of freed memory there instead of returning it to the kernel. No-op off glibc.
void loupe_keep_freed_memory(int mmap_threshold, int trim_threshold);

#endif
