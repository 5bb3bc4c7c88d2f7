/*
 * libshortio.so, the configuration: the environment read once, the random numbers every decision
 * is made from, and the banner each process prints at start (see README.md beside this file).
 */
#define _GNU_SOURCE

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testkit/shortio/shortio.h"

SHORTIO_REAL_SLOT(write);

void* shortio_resolve(void** slot, const char* name)
{
    void* fn = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (fn == NULL) {
        fn = dlsym(RTLD_NEXT, name);
        __atomic_store_n(slot, fn, __ATOMIC_RELEASE);
    }
    return fn;
}

static struct shortio_config g_config = {0, 7, 10, 1, 1};
static int g_config_state; /* 0: not read, 1: being read, 2: ready */

static long env_long(const char* name, long fallback, long low, long high)
{
    const char* text = getenv(name);
    if (text == NULL || *text == '\0') return fallback;
    char* end = NULL;
    errno = 0;
    const long value = strtol(text, &end, 10);
    if (errno != 0 || *end != '\0') return fallback;
    return value < low ? low : value > high ? high : value;
}

static uint64_t mix64(uint64_t z)
{
    /* splitmix64's finalizer: every input bit affects every output bit. */
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t parse_seed(void)
{
    const char* text = getenv("SHORTIO_SEED");
    if (text != NULL && *text != '\0') {
        char* end = NULL;
        errno = 0;
        const unsigned long long value = strtoull(text, &end, 10);
        if (errno == 0 && *end == '\0') return value;
        /* Not a number: any string is a seed, hashed (FNV-1a) to one. */
        uint64_t hash = 0xcbf29ce484222325ULL;
        for (const char* c = text; *c != '\0'; ++c)
            hash = (hash ^ (unsigned char)*c) * 0x100000001b3ULL;
        return hash % 1000000000ULL;
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return mix64((uint64_t)now.tv_nsec ^ ((uint64_t)now.tv_sec << 20) ^ (uint64_t)getpid()) %
           1000000000ULL;
}

const struct shortio_config* shortio_get_config(void)
{
    if (__atomic_load_n(&g_config_state, __ATOMIC_ACQUIRE) == 2) return &g_config;
    int expected = 0;
    if (!__atomic_compare_exchange_n(&g_config_state, &expected, 1, 0, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        /* Another thread is reading it: wait for it, without a lock fork() could leave held. */
        while (__atomic_load_n(&g_config_state, __ATOMIC_ACQUIRE) != 2) {
        }
        return &g_config;
    }
    const int saved_errno = errno;
    g_config.seed = parse_seed();
    g_config.max_bytes = (unsigned)env_long("SHORTIO_MAX_BYTES", 7, 1, 1L << 30);
    g_config.fail_percent = (unsigned)env_long("SHORTIO_FAIL_PERCENT", 10, 0, 100);
    g_config.inject = env_long("SHORTIO_INJECT", 1, 0, 1) != 0;
    g_config.track_et = env_long("SHORTIO_TRACK_ET", 1, 0, 1) != 0;
    errno = saved_errno;
    __atomic_store_n(&g_config_state, 2, __ATOMIC_RELEASE);
    return &g_config;
}

/* The number of draws so far; a forked child continues the parent's sequence from where it was at
 * fork. */
static uint64_t g_draws;

uint64_t shortio_next_random(void)
{
    const uint64_t n = __atomic_fetch_add(&g_draws, 1, __ATOMIC_RELAXED);
    return mix64(g_config.seed * 0x9e3779b97f4a7c15ULL + mix64(n + 1));
}

void shortio_write_stderr(const char* text)
{
    size_t left = strlen(text);
    while (left > 0) {
        const ssize_t n = SHORTIO_REAL(write)(STDERR_FILENO, text, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        text += n;
        left -= (size_t)n;
    }
}

/* At load: read the configuration, open the counts file, and say how this run can be replayed. */
__attribute__((constructor)) static void shortio_init(void)
{
    const int saved_errno = errno;
    const struct shortio_config* config = shortio_get_config();
    const char* counts_path = getenv("SHORTIO_COUNTS");
    if (counts_path != NULL && *counts_path != '\0') shortio_counts_open(counts_path);
    const char* quiet = getenv("SHORTIO_QUIET");
    if (quiet == NULL || strcmp(quiet, "1") != 0) {
        char line[256];
        if (config->inject) {
            snprintf(
                line, sizeof line,
                "shortio: seed=%llu max_bytes=%u fail_percent=%u (replay with SHORTIO_SEED=%llu)\n",
                (unsigned long long)config->seed, config->max_bytes, config->fail_percent,
                (unsigned long long)config->seed);
        } else {
            snprintf(line, sizeof line, "shortio: injection off (SHORTIO_INJECT=0)%s\n",
                     shortio_counts_map != NULL ? ", counting syscalls" : "");
        }
        shortio_write_stderr(line);
    }
    errno = saved_errno;
}
