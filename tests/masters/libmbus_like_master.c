/* A master that opens a serial line as libmbus 0.10's mbus-serial.c does, N times in a row, for the PTY
 * shim's system test (tests/system/pty_shim_system_test.cpp).
 *
 * Each round: open the device; set 2400 8E1, raw, VMIN 0, VTIME 3 (mbus_serial_connect, whose result
 * libmbus ignores); set the same again (mbus_serial_set_baudrate, whose failure is libmbus's "Failed to
 * set baud rate" at -b 2400); read the settings back; send REQ_UD2 to ADDRESS; read the answer with
 * VTIME's timeout and check that it is a whole long frame with a good checksum, sending the request
 * again up to 3 times without one (libmbus's max_data_retry: a loaded machine may answer late); close.
 *
 * usage: libmbus_like_master DEVICE ROUNDS ADDRESS
 * Prints one line: rounds=N set_failed=N readback_without_parity=N answers=N retries=N (answers: rounds
 * with a good RSP_UD; retries: requests sent again).
 * Exit code 0 when every round set the line, read 8E1 back and got its answer; 1 otherwise; 2 usage. */

#define _DEFAULT_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static int set_2400_8e1(int fd, struct termios* t) {
    cfsetispeed(t, B2400);
    cfsetospeed(t, B2400);
    return tcsetattr(fd, TCSANOW, t);
}

/* Reads until a whole long frame is in (68 L L 68 ... CS 16) or a read times out (VTIME). */
static int read_answer(int fd, unsigned char* buf, size_t size) {
    size_t have = 0;
    for (;;) {
        const ssize_t n = read(fd, buf + have, size - have);
        if (n <= 0) return -1; /* VTIME passed with nothing, or an error */
        have += (size_t)n;
        if (buf[0] != 0x68) return -1;
        if (have >= 4) {
            const size_t want = (size_t)buf[1] + 6;
            if (have >= want) return (int)want;
        }
        if (have == size) return -1;
    }
}

static int good_rsp_ud(const unsigned char* f, int n) {
    if (n < 9 || f[0] != 0x68 || f[3] != 0x68 || f[1] != f[2] || f[n - 1] != 0x16) return 0;
    unsigned char sum = 0;
    for (int i = 4; i < n - 2; ++i)
        sum = (unsigned char)(sum + f[i]);
    return sum == f[n - 2] && (f[4] & 0x0F) == 0x08; /* RSP_UD */
}

int main(int argc, char** argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s DEVICE ROUNDS ADDRESS\n", argv[0]);
        return 2;
    }
    const char* device = argv[1];
    const int rounds = atoi(argv[2]);
    const int address = atoi(argv[3]);
    if (rounds <= 0 || address < 0 || address > 250) {
        fprintf(stderr, "%s: ROUNDS must be above 0 and ADDRESS 0..250\n", argv[0]);
        return 2;
    }
    int set_failed = 0, without_parity = 0, answers = 0, retries = 0;
    for (int r = 0; r < rounds; ++r) {
        const int fd = open(device, O_RDWR | O_NOCTTY);
        if (fd < 0) {
            perror(device);
            return 1;
        }
        struct termios t;
        memset(&t, 0, sizeof t);
        t.c_cflag |= (CS8 | CREAD | CLOCAL);
        t.c_cflag |= PARENB;
        t.c_cc[VMIN] = 0;
        t.c_cc[VTIME] = 3;
        set_2400_8e1(fd, &t); /* mbus_serial_connect ignores the result */
        if (set_2400_8e1(fd, &t) != 0) {
            ++set_failed; /* libmbus: "Failed to set baud rate", the tool exits */
            close(fd);
            continue;
        }
        struct termios back;
        if (tcgetattr(fd, &back) != 0 || (back.c_cflag & PARENB) == 0 || (back.c_cflag & CSIZE) != CS8)
            ++without_parity;
        const unsigned char req[5] = {0x10, 0x5B, (unsigned char)address, (unsigned char)(0x5B + address),
                                      0x16}; /* REQ_UD2: start, C, A, CS, stop */
        unsigned char answer[300];
        for (int attempt = 0; attempt <= 3; ++attempt) {
            if (attempt > 0) ++retries;
            if (write(fd, req, sizeof req) != (ssize_t)sizeof req) break;
            const int n = read_answer(fd, answer, sizeof answer);
            if (n > 0 && good_rsp_ud(answer, n)) {
                ++answers;
                break;
            }
        }
        close(fd);
    }
    printf("rounds=%d set_failed=%d readback_without_parity=%d answers=%d retries=%d\n", rounds, set_failed,
           without_parity, answers, retries);
    return set_failed == 0 && without_parity == 0 && answers == rounds ? 0 : 1;
}
