// libpng behind plain C calls: libpng reports errors by longjmp, which Swift cannot
// catch, so every libpng call happens here inside setjmp and failures come back as a
// status code plus a message.
#ifndef LOUPE_PNG_SHIM_H
#define LOUPE_PNG_SHIM_H

#include <stddef.h>
#include <stdint.h>

/// A decoded image: 8-bit or 16-bit samples (host byte order), interleaved channels.
typedef struct {
    uint32_t width;
    uint32_t height;
    uint32_t channels;    // 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA
    uint32_t bit_depth;   // 8 or 16
    void *pixels;         // malloc'd; free with loupe_png_free
} loupe_png_image;

// Status codes are the same in every codec shim; ImageFile.check in Swift maps them to errors.
enum {
    LOUPE_PNG_OK = 0,
    LOUPE_PNG_NOT_PNG = 1,
    LOUPE_PNG_TOO_LARGE = 2,
    LOUPE_PNG_CORRUPT = 3,
    LOUPE_PNG_OUT_OF_MEMORY = 4,
};

/// Decodes a PNG held in memory. Palette, grey below 8 bits and tRNS are expanded;
/// interlaced images are de-interlaced; 16-bit samples are kept. Images with more than
/// `max_pixels` pixels are refused before any pixel memory is allocated.
int loupe_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                     loupe_png_image *image, char *message, size_t message_size);

/// Encodes interleaved 8- or 16-bit samples (host order) with 1–4 channels into a
/// malloc'd PNG held in *output (free with loupe_png_free).
int loupe_png_encode(const void *pixels, uint32_t width, uint32_t height, uint32_t channels,
                     uint32_t bit_depth, uint8_t **output, size_t *output_size,
                     char *message, size_t message_size);

void loupe_png_free(void *pointer);

#endif
