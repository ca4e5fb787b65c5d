#include "png_shim.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
    char *message;
    size_t message_size;
} reader_state;

static void record_error(png_structp png, png_const_charp text) {
    reader_state *state = (reader_state *)png_get_error_ptr(png);
    if (state && state->message && state->message_size > 0) {
        snprintf(state->message, state->message_size, "%s", text);
    }
    png_longjmp(png, 1);
}

static void ignore_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

static void read_from_memory(png_structp png, png_bytep out, png_size_t length) {
    reader_state *state = (reader_state *)png_get_io_ptr(png);
    if (length > state->size - state->offset) {
        png_error(png, "file ends early (truncated)");
    }
    memcpy(out, state->data + state->offset, length);
    state->offset += length;
}

int loupe_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                     loupe_png_image *image, char *message, size_t message_size) {
    memset(image, 0, sizeof(*image));
    if (message_size > 0) message[0] = 0;
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        snprintf(message, message_size, "not a PNG file (bad signature)");
        return LOUPE_PNG_NOT_PNG;
    }
    reader_state state = {data, size, 0, message, message_size};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, record_error, ignore_warning);
    if (!png) return LOUPE_PNG_OUT_OF_MEMORY;
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return LOUPE_PNG_OUT_OF_MEMORY;
    }
    // Volatile: these change between setjmp and a possible longjmp.
    uint8_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    volatile int status = LOUPE_PNG_CORRUPT;
    if (setjmp(png_jmpbuf(png))) {
        free(pixels);
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        if (message_size > 0 && message[0] == 0) snprintf(message, message_size, "corrupt PNG data");
        return status;
    }
    png_set_read_fn(png, &state, read_from_memory);
    // libpng's own limits, as a second line of defence against hostile headers.
    png_set_user_limits(png, 1u << 24, 1u << 24);
#ifdef LOUPE_FUZZING
    // The fuzz build reads chunks whatever their CRC, so mutated inputs reach the decoder
    // instead of stopping at the checksum (`make fuzz` defines LOUPE_FUZZING).
    png_set_crc_action(png, PNG_CRC_QUIET_USE, PNG_CRC_QUIET_USE);
#endif
    png_set_chunk_malloc_max(png, 64u << 20);
    png_read_info(png, info);

    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0, interlace = 0;
    png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, &interlace, NULL, NULL);
    if ((uint64_t)width * (uint64_t)height > max_pixels) {
        snprintf(message, message_size, "image is %ux%u = %llu pixels, above the limit of %llu",
                 (unsigned)width, (unsigned)height, (unsigned long long)width * height, (unsigned long long)max_pixels);
        status = LOUPE_PNG_TOO_LARGE;
        png_longjmp(png, 1);
    }
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (bit_depth == 16) png_set_swap(png);  // PNG is big-endian; hand back host order
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    uint32_t channels = png_get_channels(png, info);
    uint32_t depth = png_get_bit_depth(png, info);
    size_t row_bytes = png_get_rowbytes(png, info);
    if (channels < 1 || channels > 4 || (depth != 8 && depth != 16) ||
        row_bytes != (size_t)width * channels * (depth / 8)) {
        snprintf(message, message_size, "unsupported PNG layout (%u channels, %u bits)", channels, depth);
        png_longjmp(png, 1);
    }
    pixels = (uint8_t *)malloc(row_bytes * height);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * height);
    if (!pixels || !rows) {
        status = LOUPE_PNG_OUT_OF_MEMORY;
        snprintf(message, message_size, "out of memory for a %ux%u image", (unsigned)width, (unsigned)height);
        png_longjmp(png, 1);
    }
    for (png_uint_32 y = 0; y < height; y++) rows[y] = pixels + y * row_bytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);

    image->width = width;
    image->height = height;
    image->channels = channels;
    image->bit_depth = depth;
    image->pixels = pixels;
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    return LOUPE_PNG_OK;
}

typedef struct {
    uint8_t *data;
    size_t size;
    size_t capacity;
    int failed;
} writer_state;

static void write_to_memory(png_structp png, png_bytep bytes, png_size_t length) {
    writer_state *state = (writer_state *)png_get_io_ptr(png);
    if (state->size + length > state->capacity) {
        size_t capacity = state->capacity ? state->capacity * 2 : 65536;
        while (capacity < state->size + length) capacity *= 2;
        uint8_t *grown = (uint8_t *)realloc(state->data, capacity);
        if (!grown) {
            state->failed = 1;
            png_error(png, "out of memory while encoding");
        }
        state->data = grown;
        state->capacity = capacity;
    }
    memcpy(state->data + state->size, bytes, length);
    state->size += length;
}

static void flush_nothing(png_structp png) { (void)png; }

int loupe_png_encode(const void *pixels, uint32_t width, uint32_t height, uint32_t channels,
                     uint32_t bit_depth, uint8_t **output, size_t *output_size,
                     char *message, size_t message_size) {
    *output = NULL;
    *output_size = 0;
    if (message_size > 0) message[0] = 0;
    static const int color_types[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};
    if (channels < 1 || channels > 4 || (bit_depth != 8 && bit_depth != 16) || width == 0 || height == 0) {
        snprintf(message, message_size, "cannot encode %ux%u with %u channels at %u bits", width, height, channels, bit_depth);
        return LOUPE_PNG_CORRUPT;
    }
    reader_state errors = {NULL, 0, 0, message, message_size};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &errors, record_error, ignore_warning);
    if (!png) return LOUPE_PNG_OUT_OF_MEMORY;
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        return LOUPE_PNG_OUT_OF_MEMORY;
    }
    writer_state state = {NULL, 0, 0, 0};
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        free(state.data);
        png_destroy_write_struct(&png, &info);
        return state.failed ? LOUPE_PNG_OUT_OF_MEMORY : LOUPE_PNG_CORRUPT;
    }
    png_set_write_fn(png, &state, write_to_memory, flush_nothing);
    png_set_IHDR(png, info, width, height, (int)bit_depth, color_types[channels], PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, 6);
    png_write_info(png, info);
    if (bit_depth == 16) png_set_swap(png);
    size_t row_bytes = (size_t)width * channels * (bit_depth / 8);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * height);
    if (!rows) {
        state.failed = 1;
        png_error(png, "out of memory while encoding");
    }
    for (uint32_t y = 0; y < height; y++) rows[y] = (png_bytep)pixels + y * row_bytes;
    png_write_image(png, rows);
    png_write_end(png, NULL);
    free(rows);
    png_destroy_write_struct(&png, &info);
    *output = state.data;
    *output_size = state.size;
    return LOUPE_PNG_OK;
}

void loupe_png_free(void *pointer) { free(pointer); }
