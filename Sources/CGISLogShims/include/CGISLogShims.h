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

// Whether `haystack` contains `needle`; with `caseless`, ASCII letters compared without case (`needle` in
// lower case). 32 positions at a time with AVX2 (16 with SSE2): faster than memmem on a record's few hundred
// bytes. For the prefilters of rule patterns.
int gislog_contains_text(const uint8_t *_Nonnull haystack, size_t length, const uint8_t *_Nonnull needle,
                         size_t needleLength, int caseless);

// The two positions of `needle` whose bytes are rarest in log text, as `low | high << 16`: where
// `gislog_contains_text_at` tests each start position before comparing the whole needle. Worked out once
// per needle by callers that search for it in every record.
uint32_t gislog_text_anchors(const uint8_t *_Nonnull needle, size_t needleLength);

// `gislog_contains_text` with the needle's anchors from `gislog_text_anchors`.
int gislog_contains_text_at(const uint8_t *_Nonnull haystack, size_t length, const uint8_t *_Nonnull needle,
                            size_t needleLength, int caseless, uint32_t anchors);

// Folds a gzip CRC-32 over the longest prefix of `bytes` it can take in 16-byte blocks with carry-less
// multiplication (64 bytes at least, on CPUs with PCLMULQDQ and SSE4.1): `*crc` is zlib's CRC of what came
// before and is updated. Returns the bytes taken (0 when the CPU lacks the instructions or the buffer is
// short); the caller hands the rest to zlib's crc32. More than twice zlib's speed.
size_t gislog_crc32_fold(uint32_t *_Nonnull crc, const uint8_t *_Nonnull bytes, size_t length);

// What a text holds that changes how it is written as JSON, as bits: 1 `&`, 2 a byte above 0x7F, 4 `:` or
// `=`, 8 a byte JSON escapes (below 0x20, `"`, `\`, 0x7F). 32 bytes a step where the CPU has AVX2 (else one
// byte a step: callers use it only when `gislog_has_avx2`). The NDJSON feed asks it of every value.
int gislog_json_classify(const uint8_t *_Nonnull bytes, size_t length);

// Bytes of each text's start that `gislog_teddy_candidates` looks at.
#define GISLOG_TEDDY_BYTES 3

// Nibble tables over up to eight buckets of texts: bit b of low[k][n] is set when a text of bucket b has a
// byte with low nibble n at its position k (every case of it, for a caseless text); high[k] likewise for
// high nibbles. `minimum` is the shortest text's length (at least GISLOG_TEDDY_BYTES).
typedef struct {
    uint8_t low[GISLOG_TEDDY_BYTES][16];
    uint8_t high[GISLOG_TEDDY_BYTES][16];
    size_t minimum;
} gislog_teddy;

// The positions of `bytes` where one of the texts may start (a superset of where one does), in order, at
// most `capacity` (at least 32); `*scanned` is the count of positions looked at, from the start — all of
// them (`length`) unless `positions` filled up first: call again from there. 32 positions a step with AVX2;
// without it returns 0 with `*scanned` 0, and the caller searches another way.
size_t gislog_teddy_candidates(const gislog_teddy *_Nonnull t, const uint8_t *_Nonnull bytes, size_t length,
                               uint32_t *_Nonnull positions, size_t capacity, size_t *_Nonnull scanned);

// Whether the CPU has AVX2.
int gislog_has_avx2(void);

#endif
