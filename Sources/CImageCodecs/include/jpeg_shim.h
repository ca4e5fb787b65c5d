// libjpeg-turbo behind plain C calls: libjpeg reports errors by longjmp out of its error
// manager, which Swift cannot catch, so every libjpeg call happens here inside setjmp and
// failures come back as a status code plus a message.
#ifndef LOUPE_JPEG_SHIM_H
#define LOUPE_JPEG_SHIM_H

#include <stddef.h>
#include <stdint.h>

/// A decoded JPEG: 8-bit samples, interleaved, 1 (grey) or 3 (RGB) channels.
typedef struct {
    uint32_t width;
    uint32_t height;
    uint32_t channels;
    uint8_t *pixels;      // malloc'd; release with free()
} loupe_jpeg_image;

// Status codes are the same in every codec shim; ImageFile.check in Swift maps them to errors.
enum {
    LOUPE_JPEG_OK = 0,
    LOUPE_JPEG_TOO_LARGE = 2,
    LOUPE_JPEG_CORRUPT = 3,
    LOUPE_JPEG_OUT_OF_MEMORY = 4,
    LOUPE_JPEG_UNSUPPORTED = 5,
};

/// Decodes a baseline or progressive JPEG held in memory with the settings Pillow uses
/// (accurate integer IDCT, fancy upsampling), so pixels match Pillow's. CMYK/YCCK (Adobe)
/// becomes RGB. A file that ends early or has corrupt entropy data is an error, not a
/// grey-padded image. Images above `max_pixels` are refused before pixel memory is taken.
int loupe_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                      loupe_jpeg_image *image, char *message, size_t message_size);

/// Width and height from the frame header, without decoding pixels.
int loupe_jpeg_dimensions(const uint8_t *data, size_t size, uint32_t *width, uint32_t *height,
                          char *message, size_t message_size);

#endif
