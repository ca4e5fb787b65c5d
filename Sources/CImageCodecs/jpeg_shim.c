#include "jpeg_shim.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

typedef struct {
    struct jpeg_error_mgr manager;
    jmp_buf jump;
    char *message;
    size_t message_size;
} error_state;

static void record_and_jump(j_common_ptr info) {
    error_state *state = (error_state *)info->err;
    char text[JMSG_LENGTH_MAX];
    (*info->err->format_message)(info, text);
    if (state->message && state->message_size > 0) snprintf(state->message, state->message_size, "%s", text);
    longjmp(state->jump, 1);
}

// Warnings (level -1) are corrupt data that libjpeg would paper over — a truncated file
// comes out padded with grey — so they stop the decode, except stray bytes between
// markers, which many cameras write and which lose no pixels.
static void treat_warnings_as_errors(j_common_ptr info, int level) {
    if (level < 0 && info->err->msg_code != JWRN_EXTRANEOUS_DATA) record_and_jump(info);
}

static void silence(j_common_ptr info) { (void)info; }

static void prepare(struct jpeg_decompress_struct *info, error_state *errors) {
    info->err = jpeg_std_error(&errors->manager);
    errors->manager.error_exit = record_and_jump;
    errors->manager.emit_message = treat_warnings_as_errors;
    errors->manager.output_message = silence;
}

int loupe_jpeg_dimensions(const uint8_t *data, size_t size, uint32_t *width, uint32_t *height,
                          char *message, size_t message_size) {
    *width = 0;
    *height = 0;
    if (message_size > 0) message[0] = 0;
    struct jpeg_decompress_struct info;
    error_state errors = {.message = message, .message_size = message_size};
    prepare(&info, &errors);
    if (setjmp(errors.jump)) {
        jpeg_destroy_decompress(&info);
        return LOUPE_JPEG_CORRUPT;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, data, (unsigned long)size);
    jpeg_read_header(&info, TRUE);
    *width = info.image_width;
    *height = info.image_height;
    jpeg_destroy_decompress(&info);
    return LOUPE_JPEG_OK;
}

int loupe_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                      loupe_jpeg_image *image, char *message, size_t message_size) {
    memset(image, 0, sizeof(*image));
    if (message_size > 0) message[0] = 0;
    struct jpeg_decompress_struct info;
    error_state errors = {.message = message, .message_size = message_size};
    prepare(&info, &errors);
    // Volatile: these change between setjmp and a possible longjmp.
    uint8_t *volatile pixels = NULL;
    uint8_t *volatile row = NULL;
    volatile int status = LOUPE_JPEG_CORRUPT;
    if (setjmp(errors.jump)) {
        free(pixels);
        free(row);
        jpeg_destroy_decompress(&info);
        return status;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, data, (unsigned long)size);
    jpeg_read_header(&info, TRUE);
    uint64_t count = (uint64_t)info.image_width * info.image_height;
    if (count > max_pixels) {
        snprintf(message, message_size, "image is %ux%u = %llu pixels, above the limit of %llu",
                 info.image_width, info.image_height, (unsigned long long)count, (unsigned long long)max_pixels);
        status = LOUPE_JPEG_TOO_LARGE;
        longjmp(errors.jump, 1);
    }
    int cmyk = info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK;
    if (info.jpeg_color_space == JCS_GRAYSCALE) info.out_color_space = JCS_GRAYSCALE;
    else if (cmyk) info.out_color_space = JCS_CMYK;
    else info.out_color_space = JCS_RGB;
    info.dct_method = JDCT_ISLOW;
    info.do_fancy_upsampling = TRUE;
    // Progressive files keep every coefficient until the end: bound what that may take.
    info.mem->max_memory_to_use = (long)(count * 16 + (64 << 20));
    jpeg_start_decompress(&info);
    uint32_t channels = cmyk ? 3 : (uint32_t)info.output_components;
    if (channels != 1 && channels != 3) {
        snprintf(message, message_size, "JPEG with %d colour components", info.output_components);
        status = LOUPE_JPEG_UNSUPPORTED;
        longjmp(errors.jump, 1);
    }
    size_t row_bytes = (size_t)info.output_width * info.output_components;
    pixels = (uint8_t *)malloc((size_t)info.output_width * info.output_height * channels);
    row = (uint8_t *)malloc(row_bytes);
    if (!pixels || !row) {
        status = LOUPE_JPEG_OUT_OF_MEMORY;
        snprintf(message, message_size, "out of memory for a %ux%u image", info.output_width, info.output_height);
        longjmp(errors.jump, 1);
    }
    // Adobe's CMYK JPEGs store inverted ink, so each channel is ink·black/255.
    while (info.output_scanline < info.output_height) {
        uint8_t *target = pixels + (size_t)info.output_scanline * info.output_width * channels;
        JSAMPROW rows[1] = {cmyk ? row : target};
        jpeg_read_scanlines(&info, rows, 1);
        if (cmyk) {
            for (uint32_t x = 0; x < info.output_width; x++) {
                const uint8_t *ink = row + 4 * x;
                for (int c = 0; c < 3; c++) target[3 * x + c] = (uint8_t)((ink[c] * ink[3] + 127) / 255);
            }
        }
    }
    jpeg_finish_decompress(&info);
    image->width = info.output_width;
    image->height = info.output_height;
    image->channels = channels;
    image->pixels = pixels;
    free(row);
    jpeg_destroy_decompress(&info);
    return LOUPE_JPEG_OK;
}
