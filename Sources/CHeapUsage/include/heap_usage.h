// Bytes the C heap holds in use (glibc's mallinfo2), for tests that check for leaks;
// <malloc.h> is not part of Swift's Glibc module.
#ifndef LOUPE_HEAP_USAGE_H
#define LOUPE_HEAP_USAGE_H
#include <stddef.h>
size_t loupe_heap_bytes_in_use(void);
#endif
