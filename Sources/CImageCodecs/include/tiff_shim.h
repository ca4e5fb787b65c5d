// libtiff behind plain C calls: the file is read from memory, and libtiff's error
// callbacks fill this call's message instead of printing to stderr.
#ifndef LOUPE_TIFF_SHIM_H
#define LOUPE_TIFF_SHIM_H

#include <stddef.h>
#include <stdint.h>

/// A decoded TIFF (its first page): 8- or 16-bit samples (host order), interleaved.
typedef struct {
    uint32_t width;
    uint32_t height;
    uint32_t channels;    // 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA
    uint32_t bit_depth;   // 8 or 16
    void *pixels;         // malloc'd; release with free()
} loupe_tiff_image;

// Status codes are the same in every codec shim; ImageFile.check in Swift maps them to errors.
enum {
    LOUPE_TIFF_OK = 0,
    LOUPE_TIFF_TOO_LARGE = 2,
    LOUPE_TIFF_CORRUPT = 3,
    LOUPE_TIFF_OUT_OF_MEMORY = 4,
    LOUPE_TIFF_UNSUPPORTED = 5,
};

/// Decodes the first page of a TIFF held in memory. 8- and 16-bit grey and RGB (with or
/// without alpha; strips or tiles; contiguous or planar; any compression libtiff has) keep
/// their samples; anything else libtiff can render (palette, 1-bit, YCbCr, CMYK) comes back
/// as 8-bit RGB or RGBA. Images above `max_pixels` are refused before pixel memory is taken.
int loupe_tiff_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                      loupe_tiff_image *image, char *message, size_t message_size);

/// Width and height of the first page, without decoding pixels.
int loupe_tiff_dimensions(const uint8_t *data, size_t size, uint32_t *width, uint32_t *height,
                          char *message, size_t message_size);

#endif
