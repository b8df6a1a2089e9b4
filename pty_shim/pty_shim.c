/* libmbus-pty-shim.so: an LD_PRELOAD library for M-Bus masters that open mbus-sim's pseudo-terminal.
 *
 * A pty carries no parity: Linux clears PARENB and forces CS8 on every change. Debian's and Ubuntu's
 * glibc read the settings back in tcsetattr() and fail it with EINVAL when PARENB, CREAD or CSIZE did
 * not stick and nothing else changed, so the second identical 8E1 request fails (libmbus at -b 2400,
 * pyserial when it configures the port twice in a row). mbus-sim's watch threads make that rare, not impossible: they race the
 * master. This library removes the race for the masters it is loaded into, and does nothing else:
 * - tcsetattr() on a pty slave makes the kernel call glibc makes, without the distribution's read-back
 *   check, and remembers the parity, stop-bit and character-size bits the master asked for;
 * - tcgetattr() on that descriptor reports those bits back, as a serial port would;
 * - every other descriptor, and every other call, goes to the real functions untouched.
 * No allocation, no locks, no output: a table of one atomic word per descriptor. */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>

#ifndef CMSPAR
#define CMSPAR 010000000000
#endif

#define SHIM_EXPORT __attribute__((visibility("default")))

/* The bits a UART keeps and a pty drops or may drop: parity on, odd, mark/space, two stop bits, size. */
#define REMEMBERED ((tcflag_t)(PARENB | PARODD | CMSPAR | CSTOPB | CSIZE))
/* A bit outside REMEMBERED (CRTSCTS's place) that says "this entry holds a master's setting". */
#define ENTRY_SET ((uint64_t)1 << 31)

/* Settings on descriptors at or above this are not remembered (tcsetattr still skips the read-back,
 * tcgetattr reports what the kernel keeps): serial masters open their port among the first few
 * hundred descriptors, and the table stays a fixed 32 kB of zeroes. */
#define MAX_FDS 4096

/* Per descriptor: the pty's device number (high 32 bits) and the remembered cflag bits with ENTRY_SET
 * (low 32 bits), so that one atomic load or store reads or writes both. The device number catches a
 * descriptor that was closed and reused for another file. */
static _Atomic uint64_t remembered[MAX_FDS];

typedef int (*tcgetattr_fn)(int, struct termios*);
typedef int (*tcsetattr_fn)(int, int, const struct termios*);

static _Atomic(tcgetattr_fn) real_tcgetattr_ptr;
static _Atomic(tcsetattr_fn) real_tcsetattr_ptr;

/* dlsym may be called by several threads at once the first time: each finds the same address. It
 * returns an object pointer; POSIX guarantees it converts to a function pointer, ISO C does not, so
 * the bits are copied. */
static void next_symbol(const char* name, void* out, size_t size) {
    void* p = dlsym(RTLD_NEXT, name);
    memcpy(out, &p, size);
}

static tcgetattr_fn real_tcgetattr(void) {
    tcgetattr_fn f = atomic_load_explicit(&real_tcgetattr_ptr, memory_order_acquire);
    if (f == NULL) {
        next_symbol("tcgetattr", &f, sizeof f);
        atomic_store_explicit(&real_tcgetattr_ptr, f, memory_order_release);
    }
    return f;
}

static tcsetattr_fn real_tcsetattr(void) {
    tcsetattr_fn f = atomic_load_explicit(&real_tcsetattr_ptr, memory_order_acquire);
    if (f == NULL) {
        next_symbol("tcsetattr", &f, sizeof f);
        atomic_store_explicit(&real_tcsetattr_ptr, f, memory_order_release);
    }
    return f;
}

/* UNIX 98 pty slaves (/dev/pts/N) have majors 136 to 143 (Documentation/admin-guide/devices.txt).
 * Returns the device number packed into 32 bits, or 0 when fd is no pty slave. */
static uint32_t pty_slave_device(int fd) {
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISCHR(st.st_mode)) return 0;
    const unsigned int maj = major(st.st_rdev);
    if (maj < 136 || maj > 143) return 0;
    return ((uint32_t)(maj - 135) << 20) | (uint32_t)(minor(st.st_rdev) & 0xFFFFF);
}

/* The kernel's struct termios for TCSETS on the architectures whose layout we know; glibc copies into
 * the same struct. Elsewhere tcsetattr() passes through (and the watch in mbus-sim still helps). */
#if defined(__x86_64__) || defined(__i386__) || defined(__aarch64__) || defined(__arm__) ||                  \
    defined(__riscv) || defined(__s390__) || defined(__loongarch__)
#define SHIM_KERNEL_SET 1
struct kernel_termios {
    tcflag_t c_iflag;
    tcflag_t c_oflag;
    tcflag_t c_cflag;
    tcflag_t c_lflag;
    cc_t c_line;
    cc_t c_cc[19];
};
/* glibc (up to 2.41) keeps "input speed 0: same as output" in this c_iflag bit; the kernel must not see it.
 */
#define GLIBC_IBAUD0 020000000000

static int kernel_set(int fd, int optional_actions, const struct termios* t) {
    unsigned long cmd;
    switch (optional_actions) {
    case TCSANOW: cmd = TCSETS; break;
    case TCSADRAIN: cmd = TCSETSW; break;
    case TCSAFLUSH: cmd = TCSETSF; break;
    default: errno = EINVAL; return -1;
    }
    struct kernel_termios k;
    memset(&k, 0, sizeof k);
    k.c_iflag = t->c_iflag & ~(tcflag_t)GLIBC_IBAUD0;
    k.c_oflag = t->c_oflag;
    k.c_cflag = t->c_cflag;
    k.c_lflag = t->c_lflag;
    k.c_line = t->c_line;
    memcpy(k.c_cc, t->c_cc, sizeof k.c_cc);
    return ioctl(fd, cmd, &k);
}
#else
#define SHIM_KERNEL_SET 0
#endif

static void remember(int fd, uint32_t dev, tcflag_t cflag) {
    if (fd < MAX_FDS)
        atomic_store(&remembered[fd], ((uint64_t)dev << 32) | ENTRY_SET | (uint64_t)(cflag & REMEMBERED));
}

SHIM_EXPORT int tcsetattr(int fd, int optional_actions, const struct termios* termios_p) {
    const uint32_t dev = termios_p != NULL && fd >= 0 ? pty_slave_device(fd) : 0;
#if SHIM_KERNEL_SET
    if (dev != 0) {
        const int rc = kernel_set(fd, optional_actions, termios_p);
        if (rc == 0) remember(fd, dev, termios_p->c_cflag);
        return rc;
    }
#endif
    const tcsetattr_fn real = real_tcsetattr();
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    const int rc = real(fd, optional_actions, termios_p);
    if (rc == 0 && dev != 0) remember(fd, dev, termios_p->c_cflag);
    return rc;
}

SHIM_EXPORT int tcgetattr(int fd, struct termios* termios_p) {
    const tcgetattr_fn real = real_tcgetattr();
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    const int rc = real(fd, termios_p);
    if (rc != 0 || fd < 0 || fd >= MAX_FDS) return rc;
    const uint64_t entry = atomic_load(&remembered[fd]);
    if ((entry & ENTRY_SET) == 0) return rc;
    /* Only when the descriptor is still the pty the master configured. */
    const int saved = errno;
    if (pty_slave_device(fd) == (uint32_t)(entry >> 32))
        termios_p->c_cflag = (termios_p->c_cflag & ~REMEMBERED) | ((tcflag_t)entry & REMEMBERED);
    errno = saved;
    return rc;
}
