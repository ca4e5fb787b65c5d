#include "tiff_shim.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

typedef struct {
    const uint8_t *data;
    toff_t size;
    toff_t offset;
    char *message;
    size_t message_size;
} memory_file;

static tmsize_t read_bytes(thandle_t handle, void *out, tmsize_t count) {
    memory_file *file = (memory_file *)handle;
    if (count < 0) return -1;
    toff_t left = file->offset < file->size ? file->size - file->offset : 0;
    tmsize_t taken = (toff_t)count < left ? count : (tmsize_t)left;
    memcpy(out, file->data + file->offset, (size_t)taken);
    file->offset += (toff_t)taken;
    return taken;
}

static tmsize_t refuse_write(thandle_t handle, void *in, tmsize_t count) {
    (void)handle; (void)in; (void)count;
    return -1;
}

static toff_t seek(thandle_t handle, toff_t offset, int whence) {
    memory_file *file = (memory_file *)handle;
    toff_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? file->offset : file->size;
    file->offset = base + offset;
    return file->offset;
}

static int close_nothing(thandle_t handle) { (void)handle; return 0; }
static toff_t file_size(thandle_t handle) { return ((memory_file *)handle)->size; }
static int map_nothing(thandle_t handle, void **base, toff_t *size) { (void)handle; (void)base; (void)size; return 0; }
static void unmap_nothing(thandle_t handle, void *base, toff_t size) { (void)handle; (void)base; (void)size; }

// Keeps the first error of this call (later ones usually follow from it).
static int record_error(TIFF *tiff, void *user, const char *module, const char *format, va_list arguments) {
    (void)tiff; (void)module;
    memory_file *file = (memory_file *)user;
    if (file->message && file->message_size > 0 && file->message[0] == 0) {
        vsnprintf(file->message, file->message_size, format, arguments);
    }
    return 1;
}

static int ignore_warning(TIFF *tiff, void *user, const char *module, const char *format, va_list arguments) {
    (void)tiff; (void)user; (void)module; (void)format; (void)arguments;
    return 1;
}

static TIFF *open_memory(memory_file *file, uint64_t max_pixels) {
    TIFFOpenOptions *options = TIFFOpenOptionsAlloc();
    if (!options) return NULL;
    TIFFOpenOptionsSetErrorHandlerExtR(options, record_error, file);
    TIFFOpenOptionsSetWarningHandlerExtR(options, ignore_warning, file);
    // No single allocation may exceed what the largest admitted image needs.
    TIFFOpenOptionsSetMaxSingleMemAlloc(options, (tmsize_t)(max_pixels * 8 + (16 << 20)));
    TIFF *tiff = TIFFClientOpenExt("memory", "rm", (thandle_t)file, read_bytes, refuse_write, seek,
                                   close_nothing, file_size, map_nothing, unmap_nothing, options);
    TIFFOpenOptionsFree(options);
    return tiff;
}

int loupe_tiff_dimensions(const uint8_t *data, size_t size, uint32_t *width, uint32_t *height,
                          char *message, size_t message_size) {
    *width = 0;
    *height = 0;
    if (message_size > 0) message[0] = 0;
    memory_file file = {data, size, 0, message, message_size};
    TIFF *tiff = open_memory(&file, 1ull << 27);
    if (!tiff) {
        if (message_size > 0 && message[0] == 0) snprintf(message, message_size, "cannot open the TIFF");
        return LOUPE_TIFF_CORRUPT;
    }
    TIFFGetField(tiff, TIFFTAG_IMAGEWIDTH, width);
    TIFFGetField(tiff, TIFFTAG_IMAGELENGTH, height);
    TIFFClose(tiff);
    return (*width > 0 && *height > 0) ? LOUPE_TIFF_OK : LOUPE_TIFF_CORRUPT;
}

// Copies one decoded strip or tile (rows × columns of `chunk_samples` samples each, at
// `bytes` per sample) into the interleaved image at (x, y), sample `first` onwards.
static void place(uint8_t *pixels, uint32_t width, uint32_t height, uint32_t channels, uint32_t bytes,
                  const uint8_t *chunk, uint32_t chunk_width, uint32_t chunk_height, uint32_t chunk_samples,
                  uint32_t x, uint32_t y, uint32_t first) {
    uint32_t kept = chunk_samples < channels - first ? chunk_samples : channels - first;
    for (uint32_t row = 0; row < chunk_height && y + row < height; row++) {
        const uint8_t *source = chunk + (size_t)row * chunk_width * chunk_samples * bytes;
        uint8_t *target = pixels + ((size_t)(y + row) * width + x) * channels * bytes;
        for (uint32_t column = 0; column < chunk_width && x + column < width; column++) {
            memcpy(target + ((size_t)column * channels + first) * bytes,
                   source + (size_t)column * chunk_samples * bytes, (size_t)kept * bytes);
        }
    }
}

static int decode_samples(TIFF *tiff, loupe_tiff_image *image, uint32_t samples_per_pixel, int planar,
                          int invert, uint64_t max_pixels, char *message, size_t message_size) {
    uint32_t width = image->width, height = image->height, channels = image->channels;
    uint32_t bytes = image->bit_depth / 8;
    uint8_t *pixels = (uint8_t *)malloc((size_t)width * height * channels * bytes);
    if (!pixels) {
        snprintf(message, message_size, "out of memory for a %ux%u image", width, height);
        return LOUPE_TIFF_OUT_OF_MEMORY;
    }
    uint32_t planes = planar ? channels : 1;
    uint32_t chunk_samples = planar ? 1 : samples_per_pixel;
    int tiled = TIFFIsTiled(tiff);
    tmsize_t chunk_size = tiled ? TIFFTileSize(tiff) : TIFFStripSize(tiff);
    /* A strip or tile comes from the header alone (a tile may claim 65535 x 65535 pixels):
       refuse one larger than libtiff's own allocation limit rather than allocate it
       (found by `make fuzz`: a 12 GB tile). */
    if (chunk_size > 0 && (uint64_t)chunk_size > max_pixels * 8 + (16 << 20)) {
        free(pixels);
        snprintf(message, message_size, "a %s of %lld bytes, above the limit for a %ux%u image",
                 tiled ? "tile" : "strip", (long long)chunk_size, width, height);
        return LOUPE_TIFF_TOO_LARGE;
    }
    uint8_t *chunk = chunk_size > 0 ? (uint8_t *)malloc((size_t)chunk_size) : NULL;
    if (!chunk) {
        free(pixels);
        if (message[0] == 0) snprintf(message, message_size, "cannot size the TIFF's strips or tiles");
        return LOUPE_TIFF_CORRUPT;
    }
    int failed = 0;
    if (tiled) {
        uint32_t tile_width = 0, tile_height = 0;
        TIFFGetField(tiff, TIFFTAG_TILEWIDTH, &tile_width);
        TIFFGetField(tiff, TIFFTAG_TILELENGTH, &tile_height);
        if (tile_width == 0 || tile_height == 0 ||
            (tmsize_t)tile_width * tile_height * chunk_samples * bytes > chunk_size) failed = 1;
        for (uint32_t plane = 0; plane < planes && !failed; plane++)
            for (uint32_t y = 0; y < height && !failed; y += tile_height)
                for (uint32_t x = 0; x < width && !failed; x += tile_width) {
                    if (TIFFReadTile(tiff, chunk, x, y, 0, (uint16_t)plane) < 0) { failed = 1; break; }
                    place(pixels, width, height, channels, bytes, chunk, tile_width, tile_height, chunk_samples, x, y, plane);
                }
    } else {
        uint32_t rows_per_strip = height;
        TIFFGetFieldDefaulted(tiff, TIFFTAG_ROWSPERSTRIP, &rows_per_strip);
        if (rows_per_strip == 0 || rows_per_strip > height) rows_per_strip = height;
        if ((tmsize_t)rows_per_strip * width * chunk_samples * bytes > chunk_size) failed = 1;
        for (uint32_t plane = 0; plane < planes && !failed; plane++)
            for (uint32_t y = 0; y < height; y += rows_per_strip) {
                uint32_t strip = TIFFComputeStrip(tiff, y, (uint16_t)plane);
                if (TIFFReadEncodedStrip(tiff, strip, chunk, (tmsize_t)-1) < 0) { failed = 1; break; }
                uint32_t rows = height - y < rows_per_strip ? height - y : rows_per_strip;
                place(pixels, width, height, channels, bytes, chunk, width, rows, chunk_samples, 0, y, plane);
            }
    }
    free(chunk);
    if (failed) {
        free(pixels);
        if (message[0] == 0) snprintf(message, message_size, "cannot read the TIFF's pixel data");
        return LOUPE_TIFF_CORRUPT;
    }
    if (invert) {
        // Min-is-white grey: 0 is white. Alpha (the second channel) is left alone.
        size_t count = (size_t)width * height;
        for (size_t i = 0; i < count; i++) {
            if (bytes == 2) ((uint16_t *)pixels)[i * channels] = (uint16_t)(65535 - ((uint16_t *)pixels)[i * channels]);
            else pixels[i * channels] = (uint8_t)(255 - pixels[i * channels]);
        }
    }
    image->pixels = pixels;
    return LOUPE_TIFF_OK;
}

// Anything else libtiff can draw: rendered to 8-bit RGBA, alpha dropped when the file has none.
static int decode_rendered(TIFF *tiff, loupe_tiff_image *image, int has_alpha, char *message, size_t message_size) {
    char reason[1024] = {0};
    if (!TIFFRGBAImageOK(tiff, reason)) {
        snprintf(message, message_size, "TIFF layout Loupe cannot read: %s", reason);
        return LOUPE_TIFF_UNSUPPORTED;
    }
    size_t count = (size_t)image->width * image->height;
    uint32_t *rgba = (uint32_t *)malloc(count * 4);
    if (!rgba) {
        snprintf(message, message_size, "out of memory for a %ux%u image", image->width, image->height);
        return LOUPE_TIFF_OUT_OF_MEMORY;
    }
    if (!TIFFReadRGBAImageOriented(tiff, image->width, image->height, rgba, ORIENTATION_TOPLEFT, 1)) {
        free(rgba);
        if (message[0] == 0) snprintf(message, message_size, "cannot read the TIFF's pixel data");
        return LOUPE_TIFF_CORRUPT;
    }
    uint32_t channels = has_alpha ? 4 : 3;
    uint8_t *pixels = (uint8_t *)malloc(count * channels);
    if (!pixels) {
        free(rgba);
        return LOUPE_TIFF_OUT_OF_MEMORY;
    }
    for (size_t i = 0; i < count; i++) {
        uint32_t value = rgba[i];
        pixels[i * channels] = (uint8_t)TIFFGetR(value);
        pixels[i * channels + 1] = (uint8_t)TIFFGetG(value);
        pixels[i * channels + 2] = (uint8_t)TIFFGetB(value);
        if (has_alpha) pixels[i * channels + 3] = (uint8_t)TIFFGetA(value);
    }
    free(rgba);
    image->channels = channels;
    image->bit_depth = 8;
    image->pixels = pixels;
    return LOUPE_TIFF_OK;
}

int loupe_tiff_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                      loupe_tiff_image *image, char *message, size_t message_size) {
    memset(image, 0, sizeof(*image));
    if (message_size > 0) message[0] = 0;
    memory_file file = {data, size, 0, message, message_size};
    TIFF *tiff = open_memory(&file, max_pixels);
    if (!tiff) {
        if (message_size > 0 && message[0] == 0) snprintf(message, message_size, "cannot open the TIFF");
        return LOUPE_TIFF_CORRUPT;
    }
    uint32_t width = 0, height = 0;
    uint16_t bits = 1, samples_per_pixel = 1, photometric = 0, planar = PLANARCONFIG_CONTIG, format = SAMPLEFORMAT_UINT;
    uint16_t extra_count = 0;
    uint16_t *extra = NULL;
    TIFFGetField(tiff, TIFFTAG_IMAGEWIDTH, &width);
    TIFFGetField(tiff, TIFFTAG_IMAGELENGTH, &height);
    TIFFGetFieldDefaulted(tiff, TIFFTAG_BITSPERSAMPLE, &bits);
    TIFFGetFieldDefaulted(tiff, TIFFTAG_SAMPLESPERPIXEL, &samples_per_pixel);
    TIFFGetFieldDefaulted(tiff, TIFFTAG_PLANARCONFIG, &planar);
    TIFFGetFieldDefaulted(tiff, TIFFTAG_SAMPLEFORMAT, &format);
    TIFFGetFieldDefaulted(tiff, TIFFTAG_EXTRASAMPLES, &extra_count, &extra);
    int has_photometric = TIFFGetField(tiff, TIFFTAG_PHOTOMETRIC, &photometric);
    if (width == 0 || height == 0) {
        TIFFClose(tiff);
        if (message[0] == 0) snprintf(message, message_size, "TIFF without a width and height");
        return LOUPE_TIFF_CORRUPT;
    }
    if ((uint64_t)width * height > max_pixels) {
        TIFFClose(tiff);
        snprintf(message, message_size, "image is %ux%u = %llu pixels, above the limit of %llu",
                 width, height, (unsigned long long)width * height, (unsigned long long)max_pixels);
        return LOUPE_TIFF_TOO_LARGE;
    }
    image->width = width;
    image->height = height;
    int grey = has_photometric && (photometric == PHOTOMETRIC_MINISBLACK || photometric == PHOTOMETRIC_MINISWHITE);
    int rgb = has_photometric && photometric == PHOTOMETRIC_RGB;
    int direct = (bits == 8 || bits == 16) && format == SAMPLEFORMAT_UINT &&
                 ((grey && samples_per_pixel >= 1) || (rgb && samples_per_pixel >= 3));
    int status;
    if (direct) {
        uint32_t base = grey ? 1 : 3;
        image->channels = base + (samples_per_pixel > base && extra_count > 0 ? 1 : 0);
        image->bit_depth = bits;
        status = decode_samples(tiff, image, samples_per_pixel, planar == PLANARCONFIG_SEPARATE,
                                photometric == PHOTOMETRIC_MINISWHITE, max_pixels, message, message_size);
    } else {
        status = decode_rendered(tiff, image, extra_count > 0, message, message_size);
    }
    TIFFClose(tiff);
    if (status != LOUPE_TIFF_OK) memset(image, 0, sizeof(*image));
    return status;
}
