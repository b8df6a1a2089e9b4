/* The libmbus reference for tests/bench/perf_table.cpp: libmbus's own C code path over the frames
 * named on the command line (hex files, as libmbus's test/mbus_parse_hex reads them), each read once
 * and then decoded over and over for SECONDS. Prints two lines the bench reads:
 *   records FRAMES_PER_S   mbus_parse + mbus_frame_data_parse (+ freeing the records)
 *   xml FRAMES_PER_S       the same + mbus_frame_data_xml (plain XML, as `mbus_parse_hex FILE`)
 * Built by build.sh against a libmbus checkout; not part of the project's build (libmbus is not a
 * Debian 12 package). */

#include <mbus/mbus-protocol.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* As mbus_hex2bin (mbus-protocol-aux.c, not linked here: it pulls in the serial and TCP code). */
static size_t hex2bin(unsigned char *dst, size_t dst_len, const char *src) {
    size_t n = 0;
    while (*src && n < dst_len) {
        while (*src == ' ' || *src == '\n' || *src == '\r' || *src == '\t')
            ++src;
        if (!*src || !src[1]) break;
        char pair[3] = {src[0], src[1], 0};
        char *end = NULL;
        const long v = strtol(pair, &end, 16);
        if (end == pair) break;
        dst[n++] = (unsigned char)v;
        src += 2;
    }
    return n;
}

struct frame_bytes {
    unsigned char data[4096];
    size_t size;
};

static int one(const struct frame_bytes *f, int xml) {
    mbus_frame reply;
    mbus_frame_data data;
    memset(&reply, 0, sizeof reply);
    memset(&data, 0, sizeof data);
    if (mbus_parse(&reply, (unsigned char *)f->data, f->size) != 0) return 0;
    if (mbus_frame_data_parse(&reply, &data) != 0) return 0;
    int ok = 1;
    if (xml) {
        char *text = mbus_frame_data_xml(&data);
        ok = text != NULL;
        free(text);
    }
    if (data.type == MBUS_DATA_TYPE_VARIABLE) mbus_data_record_free(data.data_var.record);
    return ok;
}

static double rate(const struct frame_bytes *frames, int count, double seconds, int xml) {
    long done = 0;
    const double start = now_s();
    double took = 0;
    do {
        for (int i = 0; i < count; ++i)
            if (!one(&frames[i], xml)) {
                fprintf(stderr, "frame %d does not decode\n", i);
                exit(1);
            }
        done += count;
        took = now_s() - start;
    } while (took < seconds);
    return (double)done / took;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s SECONDS FILE.hex...\n", argv[0]);
        return 2;
    }
    const double seconds = atof(argv[1]);
    const int count = argc - 2;
    struct frame_bytes *frames = calloc((size_t)count, sizeof *frames);
    for (int i = 0; i < count; ++i) {
        FILE *fp = fopen(argv[i + 2], "r");
        if (!fp) {
            fprintf(stderr, "cannot open %s\n", argv[i + 2]);
            return 1;
        }
        char text[16384];
        const size_t n = fread(text, 1, sizeof text - 1, fp);
        text[n] = 0;
        fclose(fp);
        frames[i].size = hex2bin(frames[i].data, sizeof frames[i].data, text);
    }
    printf("records %.0f\n", rate(frames, count, seconds, 0));
    printf("xml %.0f\n", rate(frames, count, seconds, 1));
    free(frames);
    return 0;
}
