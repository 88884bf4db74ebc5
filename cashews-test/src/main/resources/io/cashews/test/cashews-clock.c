/*
 * A controlled wall clock for a redis-server (or valkey-server) under test, preloaded with LD_PRELOAD.
 *
 * The wall clock (CLOCK_REALTIME, gettimeofday, time) reads the epoch millisecond stored, as a native 64-bit
 * integer, at the start of the file named by CASHEWS_CLOCK_FILE; the test moves it by rewriting that number. Every
 * other clock is the kernel's, so the server's timers and event loop run in real time while keys expire only when
 * the test says so.
 *
 * It allocates nothing and resolves no symbol at run time: the file is mapped once when the library loads, and the
 * real clocks are read by system calls. (libfaketime does both, which aborts servers whose allocator reads the clock,
 * with "Unexpected recursive calls to clock_gettime()".)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile const int64_t *wall_millis;

__attribute__((constructor)) static void map_clock(void) {
    const char *path = getenv("CASHEWS_CLOCK_FILE");
    if (path == NULL) return;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    void *mapped = mmap(NULL, sizeof(int64_t), PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (mapped != MAP_FAILED) wall_millis = mapped;
}

/* Half a millisecond past the stored one, so a server rounding either way lands on it. */
static int64_t wall_micros(void) { return *wall_millis * 1000 + 500; }

int clock_gettime(clockid_t id, struct timespec *ts) {
    if (wall_millis != NULL && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE)) {
        int64_t micros = wall_micros();
        ts->tv_sec = (time_t) (micros / 1000000);
        ts->tv_nsec = (long) (micros % 1000000) * 1000;
        return 0;
    }
    return (int) syscall(SYS_clock_gettime, id, ts);
}

int gettimeofday(struct timeval *tv, void *tz) {
    if (wall_millis == NULL) return (int) syscall(SYS_gettimeofday, tv, tz);
    int64_t micros = wall_micros();
    tv->tv_sec = (time_t) (micros / 1000000);
    tv->tv_usec = (suseconds_t) (micros % 1000000);
    return 0;
}

time_t time(time_t *out) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    if (out != NULL) *out = now.tv_sec;
    return now.tv_sec;
}
