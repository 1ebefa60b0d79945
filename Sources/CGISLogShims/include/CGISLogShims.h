#ifndef GISLOG_SHIMS_H
#define GISLOG_SHIMS_H
#include <stddef.h>
#include <stdint.h>

// GNU extensions that Swift's Glibc module hides (it is built without _GNU_SOURCE).
const void *_Nullable gislog_memmem(const void *_Nonnull haystack, size_t haystackLength,
                                    const void *_Nonnull needle, size_t needleLength);
const void *_Nullable gislog_memrchr(const void *_Nonnull buffer, int byte, size_t length);

// Counts '\n' bytes; written in C so the loop is vectorised whatever the Swift optimiser decides.
size_t gislog_count_newlines(const uint8_t *_Nonnull bytes, size_t length);

// Finds the first byte that is not 7-bit ASCII, or returns length. Lets valid ASCII skip UTF-8 checks.
size_t gislog_first_non_ascii(const uint8_t *_Nonnull bytes, size_t length);

#endif
