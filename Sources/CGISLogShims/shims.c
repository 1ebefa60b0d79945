#include "CGISLogShims.h"
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

const void *gislog_memmem(const void *haystack, size_t haystackLength,
                          const void *needle, size_t needleLength) {
    return memmem(haystack, haystackLength, needle, needleLength);
}

const void *gislog_memrchr(const void *buffer, int byte, size_t length) {
    return memrchr(buffer, byte, length);
}

#if defined(__x86_64__)
#include <immintrin.h>

// 32 bytes per step on CPUs with AVX2 (chosen at run time; the rest of the binary stays baseline x86-64).
// Matches are summed per byte lane (each compare gives -1) and folded into 64-bit sums every 255 steps,
// before a lane can overflow: no popcount, which baseline x86-64 lacks.
__attribute__((target("avx2")))
static size_t count_newlines_avx2(const uint8_t *bytes, size_t length) {
    const __m256i newline = _mm256_set1_epi8('\n');
    __m256i sums = _mm256_setzero_si256();
    size_t i = 0;
    while (i + 32 <= length) {
        __m256i lanes = _mm256_setzero_si256();
        size_t stop = length - i >= 255 * 32 ? i + 255 * 32 : i + (length - i) / 32 * 32;
        for (; i < stop; i += 32) {
            __m256i block = _mm256_loadu_si256((const __m256i *)(bytes + i));
            lanes = _mm256_sub_epi8(lanes, _mm256_cmpeq_epi8(block, newline));
        }
        sums = _mm256_add_epi64(sums, _mm256_sad_epu8(lanes, _mm256_setzero_si256()));
    }
    size_t count = (size_t)_mm256_extract_epi64(sums, 0) + (size_t)_mm256_extract_epi64(sums, 1)
        + (size_t)_mm256_extract_epi64(sums, 2) + (size_t)_mm256_extract_epi64(sums, 3);
    for (; i < length; i++) count += bytes[i] == '\n';
    return count;
}
#endif

size_t gislog_count_newlines(const uint8_t *bytes, size_t length) {
#if defined(__x86_64__)
    // A load and a test: the CPU model is filled in once, before main.
    if (length >= 64 && __builtin_cpu_supports("avx2")) return count_newlines_avx2(bytes, length);
#endif
    size_t count = 0, i = 0;
#if defined(__SSE2__)
    // Sixteen bytes per step, summed per byte lane as above.
    const __m128i newline = _mm_set1_epi8('\n');
    __m128i sums = _mm_setzero_si128();
    while (i + 16 <= length) {
        __m128i lanes = _mm_setzero_si128();
        size_t stop = length - i >= 255 * 16 ? i + 255 * 16 : i + (length - i) / 16 * 16;
        for (; i < stop; i += 16) {
            lanes = _mm_sub_epi8(lanes, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(bytes + i)), newline));
        }
        sums = _mm_add_epi64(sums, _mm_sad_epu8(lanes, _mm_setzero_si128()));
    }
    count = (size_t)_mm_cvtsi128_si64(sums) + (size_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums));
#else
    // SWAR: eight bytes per step. For x = word ^ 0x0a..0a, a byte of x is zero exactly where the word
    // holds '\n'; ((x & 0x7f..) + 0x7f..) | x sets a byte's high bit unless that byte is zero.
    const uint64_t low7 = 0x7f7f7f7f7f7f7f7fULL, newlines = 0x0a0a0a0a0a0a0a0aULL;
    for (; i + 8 <= length; i += 8) {
        uint64_t word;
        memcpy(&word, bytes + i, 8);
        uint64_t x = word ^ newlines;
        uint64_t nonzero = ((x & low7) + low7) | x;
        count += (size_t)__builtin_popcountll(~nonzero & ~low7);
    }
#endif
    for (; i < length; i++) {
        count += bytes[i] == '\n';
    }
    return count;
}

size_t gislog_first_non_ascii(const uint8_t *bytes, size_t length) {
    size_t i = 0;
    // Eight bytes at a time: any high bit set means a non-ASCII byte in the word.
    for (; i + 8 <= length; i += 8) {
        uint64_t word;
        memcpy(&word, bytes + i, 8);
        if (word & 0x8080808080808080ULL) break;
    }
    for (; i < length; i++) {
        if (bytes[i] & 0x80) return i;
    }
    return length;
}

#if defined(__x86_64__)
// The folding of Intel's "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ" for the bit-reflected
// gzip polynomial 0x04C11DB7, with the paper's constants (the same as in Linux's crc32-pclmul and zlib-ng):
// fold 64 bytes at a time in four lanes, then into one lane, then to 64 and 32 bits (Barrett reduction).
// Works on the inverted CRC, as the paper does.
__attribute__((target("pclmul,sse4.1")))
static uint32_t crc32_fold_pclmul(uint32_t crc, const uint8_t *buf, size_t len) {
    const __m128i k1k2 = _mm_set_epi64x(0x01c6e41596, 0x0154442bd4);
    const __m128i k3k4 = _mm_set_epi64x(0x00ccaa009e, 0x01751997d0);
    const __m128i k5k0 = _mm_set_epi64x(0, 0x0163cd6124);
    const __m128i poly = _mm_set_epi64x(0x01f7011641, 0x01db710641);
    __m128i x1 = _mm_loadu_si128((const __m128i *)(buf + 0x00));
    __m128i x2 = _mm_loadu_si128((const __m128i *)(buf + 0x10));
    __m128i x3 = _mm_loadu_si128((const __m128i *)(buf + 0x20));
    __m128i x4 = _mm_loadu_si128((const __m128i *)(buf + 0x30));
    x1 = _mm_xor_si128(x1, _mm_cvtsi32_si128((int)crc));
    buf += 64;
    len -= 64;
    while (len >= 64) {
        __m128i x5 = _mm_clmulepi64_si128(x1, k1k2, 0x00), x6 = _mm_clmulepi64_si128(x2, k1k2, 0x00);
        __m128i x7 = _mm_clmulepi64_si128(x3, k1k2, 0x00), x8 = _mm_clmulepi64_si128(x4, k1k2, 0x00);
        x1 = _mm_clmulepi64_si128(x1, k1k2, 0x11);
        x2 = _mm_clmulepi64_si128(x2, k1k2, 0x11);
        x3 = _mm_clmulepi64_si128(x3, k1k2, 0x11);
        x4 = _mm_clmulepi64_si128(x4, k1k2, 0x11);
        x1 = _mm_xor_si128(_mm_xor_si128(x1, x5), _mm_loadu_si128((const __m128i *)(buf + 0x00)));
        x2 = _mm_xor_si128(_mm_xor_si128(x2, x6), _mm_loadu_si128((const __m128i *)(buf + 0x10)));
        x3 = _mm_xor_si128(_mm_xor_si128(x3, x7), _mm_loadu_si128((const __m128i *)(buf + 0x20)));
        x4 = _mm_xor_si128(_mm_xor_si128(x4, x8), _mm_loadu_si128((const __m128i *)(buf + 0x30)));
        buf += 64;
        len -= 64;
    }
    // Four lanes into one.
    __m128i x5 = _mm_clmulepi64_si128(x1, k3k4, 0x00);
    x1 = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x1, k3k4, 0x11), x2), x5);
    x5 = _mm_clmulepi64_si128(x1, k3k4, 0x00);
    x1 = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x1, k3k4, 0x11), x3), x5);
    x5 = _mm_clmulepi64_si128(x1, k3k4, 0x00);
    x1 = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x1, k3k4, 0x11), x4), x5);
    while (len >= 16) {
        x5 = _mm_clmulepi64_si128(x1, k3k4, 0x00);
        x1 = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x1, k3k4, 0x11),
                                         _mm_loadu_si128((const __m128i *)buf)), x5);
        buf += 16;
        len -= 16;
    }
    // 128 bits to 64, then Barrett reduction to 32.
    const __m128i low32 = _mm_setr_epi32(~0, 0, ~0, 0);
    x2 = _mm_clmulepi64_si128(x1, k3k4, 0x10);
    x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), x2);
    x2 = _mm_srli_si128(x1, 4);
    x1 = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(x1, low32), k5k0, 0x00), x2);
    x2 = _mm_clmulepi64_si128(_mm_and_si128(x1, low32), poly, 0x10);
    x2 = _mm_clmulepi64_si128(_mm_and_si128(x2, low32), poly, 0x00);
    x1 = _mm_xor_si128(x1, x2);
    return (uint32_t)_mm_extract_epi32(x1, 1);
}
#endif

size_t gislog_crc32_fold(uint32_t *crc, const uint8_t *bytes, size_t length) {
#if defined(__x86_64__)
    if (length >= 64 && __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1")) {
        size_t taken = length & ~(size_t)15;
        *crc = ~crc32_fold_pclmul(~*crc, bytes, taken);
        return taken;
    }
#endif
    (void)crc;
    (void)bytes;
    (void)length;
    return 0;
}

// Whether `length` bytes equal `needle`; with `caseless`, ASCII letters compared without case (`needle` lower case).
static int equal_text(const uint8_t *bytes, const uint8_t *needle, size_t length, int caseless) {
    for (size_t i = 0; i < length; i++) {
        uint8_t c = bytes[i];
        if (caseless && c >= 'A' && c <= 'Z') c |= 0x20;
        if (c != needle[i]) return 0;
    }
    return 1;
}

// How common a byte is in log text, roughly (higher: more common). Only the order matters: the search
// below looks for the needle's two rarest bytes, so that few positions pass the vector test and reach the
// full compare (a needle's first and last bytes are often a space or an `e`).
static uint8_t text_byte_rank(uint8_t c) {
    static const char lowerByFrequency[] = "etaoinsrhldcumfpgwybvkxjqz";
    if (c == ' ') return 255;
    // Capitals in the same order, well below the small letters.
    int capital = c >= 'A' && c <= 'Z';
    if (capital) c |= 0x20;
    for (int i = 0; lowerByFrequency[i]; i++)
        if (c == (uint8_t)lowerByFrequency[i]) return (uint8_t)((capital ? 150 : 250) - 2 * i);
    if (c >= '0' && c <= '9') return 190;
    switch (c) {
    case '.': case ',': case ':': case '/': case '-': case '_': case '=': case '"': case '<': case '>':
    case '(': case ')': return 170;
    default: return c < 0x80 ? 100 : 20;
    }
}

uint32_t gislog_text_anchors(const uint8_t *needle, size_t needleLength) {
    if (needleLength < 2 || needleLength > 0xFFFF) return needleLength < 2 ? 0 : (uint32_t)(needleLength - 1) << 16;
    size_t rarest = 0, second = 1;
    if (text_byte_rank(needle[1]) < text_byte_rank(needle[0])) rarest = 1, second = 0;
    for (size_t i = 2; i < needleLength; i++) {
        uint8_t rank = text_byte_rank(needle[i]);
        if (rank < text_byte_rank(needle[rarest])) second = rarest, rarest = i;
        else if (rank < text_byte_rank(needle[second])) second = i;
    }
    size_t low = rarest < second ? rarest : second, high = rarest < second ? second : rarest;
    return (uint32_t)low | (uint32_t)high << 16;
}

#if defined(__x86_64__)
// The candidate positions among 32 starting at `at`: those where the needle's two anchor bytes are in place.
__attribute__((target("avx2")))
static inline unsigned anchor_mask32(const uint8_t *at, size_t p1, size_t p2, __m256i want1, __m256i want2,
                                     __m256i fold1, __m256i fold2) {
    __m256i a = _mm256_or_si256(_mm256_loadu_si256((const __m256i *)(at + p1)), fold1);
    __m256i b = _mm256_or_si256(_mm256_loadu_si256((const __m256i *)(at + p2)), fold2);
    return (unsigned)_mm256_movemask_epi8(_mm256_and_si256(_mm256_cmpeq_epi8(a, want1), _mm256_cmpeq_epi8(b, want2)));
}

// Every start position, 32 at a time; the last step overlaps the one before it (positions already tested
// are masked off) so no byte-by-byte tail is left. Needs `length >= needleLength + 31`.
__attribute__((target("avx2")))
static int contains_text_avx2(const uint8_t *haystack, size_t length, const uint8_t *needle, size_t needleLength,
                              int caseless, size_t p1, size_t p2) {
    const uint8_t c1 = needle[p1], c2 = needle[p2];
    const __m256i want1 = _mm256_set1_epi8((char)c1), want2 = _mm256_set1_epi8((char)c2);
    const __m256i fold1 = _mm256_set1_epi8((caseless && c1 >= 'a' && c1 <= 'z') ? 0x20 : 0);
    const __m256i fold2 = _mm256_set1_epi8((caseless && c2 >= 'a' && c2 <= 'z') ? 0x20 : 0);
    const size_t starts = length - needleLength + 1;  // positions 0..<starts
    size_t i = 0;
    for (;;) {
        unsigned mask;
        size_t at;
        if (i + 32 <= starts) {
            at = i;
            mask = anchor_mask32(haystack + at, p1, p2, want1, want2, fold1, fold2);
        } else {
            if (i >= starts) return 0;
            at = starts - 32;
            mask = anchor_mask32(haystack + at, p1, p2, want1, want2, fold1, fold2) & (~0u << (i - at));
        }
        while (mask) {
            unsigned bit = (unsigned)__builtin_ctz(mask);
            if (equal_text(haystack + at + bit, needle, needleLength, caseless)) return 1;
            mask &= mask - 1;
        }
        if (at != i) return 0;
        i += 32;
    }
}
#endif

int gislog_contains_text(const uint8_t *haystack, size_t length, const uint8_t *needle, size_t needleLength,
                         int caseless) {
    if (needleLength == 0) return 1;
    if (length < needleLength) return 0;
    return gislog_contains_text_at(haystack, length, needle, needleLength, caseless,
                                   gislog_text_anchors(needle, needleLength));
}

int gislog_contains_text_at(const uint8_t *haystack, size_t length, const uint8_t *needle, size_t needleLength,
                            int caseless, uint32_t anchors) {
    if (needleLength == 0) return 1;
    if (length < needleLength) return 0;
    const size_t p1 = anchors & 0xFFFF, p2 = anchors >> 16;
    size_t i = 0;
#if defined(__x86_64__)
    if (length >= needleLength + 31 && __builtin_cpu_supports("avx2")) {
        return contains_text_avx2(haystack, length, needle, needleLength, caseless, p1, p2);
    }
#endif
#if defined(__SSE2__)
    // Sixteen candidate positions at a time: the needle's two anchor bytes (letters folded by setting 0x20
    // when caseless, which maps A-Z onto a-z and no other byte onto a letter), then a full compare per
    // candidate.
    const uint8_t c1 = needle[p1], c2 = needle[p2];
    const __m128i want1 = _mm_set1_epi8((char)c1), want2 = _mm_set1_epi8((char)c2);
    const __m128i fold1 = _mm_set1_epi8((caseless && c1 >= 'a' && c1 <= 'z') ? 0x20 : 0);
    const __m128i fold2 = _mm_set1_epi8((caseless && c2 >= 'a' && c2 <= 'z') ? 0x20 : 0);
    for (; i + needleLength - 1 + 16 <= length; i += 16) {
        __m128i a = _mm_or_si128(_mm_loadu_si128((const __m128i *)(haystack + i + p1)), fold1);
        __m128i b = _mm_or_si128(_mm_loadu_si128((const __m128i *)(haystack + i + p2)), fold2);
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, want1), _mm_cmpeq_epi8(b, want2)));
        while (mask) {
            unsigned bit = (unsigned)__builtin_ctz(mask);
            if (equal_text(haystack + i + bit, needle, needleLength, caseless)) return 1;
            mask &= mask - 1;
        }
    }
#endif
    for (; i + needleLength <= length; i++) {
        if (equal_text(haystack + i, needle, needleLength, caseless)) return 1;
    }
    return 0;
}

// What a text holds that changes how it is written as JSON, as bits: 1 `&`, 2 a byte above 0x7F, 4 `:` or
// `=` (a secret could follow), 8 a byte JSON escapes (below 0x20, `"`, `\`, 0x7F). 32 or 16 bytes a step.
#define JSON_AMP 1
#define JSON_HIGH 2
#define JSON_SEP 4
#define JSON_ESC 8

static int json_classify_tail(const uint8_t *bytes, size_t length, size_t i) {
    int found = 0;
    for (; i < length; i++) {
        uint8_t b = bytes[i];
        if (b == '&') found |= JSON_AMP;
        if (b >= 0x80) found |= JSON_HIGH;
        if (b == ':' || b == '=') found |= JSON_SEP;
        if (b < 0x20 || b == '"' || b == '\\' || b == 0x7F) found |= JSON_ESC;
    }
    return found;
}

#if defined(__x86_64__)
__attribute__((target("avx2")))
static int json_classify_avx2(const uint8_t *bytes, size_t length) {
    __m256i amp = _mm256_setzero_si256(), high = amp, sep = amp, esc = amp;
    const __m256i wantAmp = _mm256_set1_epi8('&'), colon = _mm256_set1_epi8(':'), equals = _mm256_set1_epi8('=');
    const __m256i quote = _mm256_set1_epi8('"'), backslash = _mm256_set1_epi8('\\'), del = _mm256_set1_epi8(0x7F);
    const __m256i control = _mm256_set1_epi8(0x1F);
    size_t i = 0;
    for (; i + 32 <= length; i += 32) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(bytes + i));
        amp = _mm256_or_si256(amp, _mm256_cmpeq_epi8(v, wantAmp));
        high = _mm256_or_si256(high, v);
        sep = _mm256_or_si256(sep, _mm256_or_si256(_mm256_cmpeq_epi8(v, colon), _mm256_cmpeq_epi8(v, equals)));
        // v <= 0x1F, unsigned: the smaller of v and 0x1F is v.
        __m256i low = _mm256_cmpeq_epi8(_mm256_min_epu8(v, control), v);
        esc = _mm256_or_si256(esc, _mm256_or_si256(_mm256_or_si256(low, _mm256_cmpeq_epi8(v, quote)),
                                                   _mm256_or_si256(_mm256_cmpeq_epi8(v, backslash), _mm256_cmpeq_epi8(v, del))));
    }
    int found = (_mm256_movemask_epi8(amp) ? JSON_AMP : 0) | (_mm256_movemask_epi8(high) ? JSON_HIGH : 0)
        | (_mm256_movemask_epi8(sep) ? JSON_SEP : 0) | (_mm256_movemask_epi8(esc) ? JSON_ESC : 0);
    return found | json_classify_tail(bytes, length, i);
}
#endif

int gislog_json_classify(const uint8_t *bytes, size_t length) {
#if defined(__x86_64__)
    if (length >= 32 && __builtin_cpu_supports("avx2")) return json_classify_avx2(bytes, length);
#endif
    return json_classify_tail(bytes, length, 0);
}

int gislog_has_avx2(void) {
#if defined(__x86_64__)
    return __builtin_cpu_supports("avx2") ? 1 : 0;
#else
    return 0;
#endif
}

// ---- many texts at once -----------------------------------------------------------------------------

// A text may start at position p only if, for some bucket, each of the bytes p, p+1, p+2 has that
// bucket's bit in both its low-nibble and its high-nibble table: three table lookups per byte, 32 bytes a
// step with PSHUFB (the "Teddy" method). Exact texts are then checked by the caller at the few positions
// that pass.
#if defined(__x86_64__)
__attribute__((target("avx2")))
static inline uint32_t teddy_block(const gislog_teddy *t, const uint8_t *at) {
    const __m256i nibble = _mm256_set1_epi8(0x0F);
    __m256i hit = _mm256_set1_epi8((char)0xFF);
    for (int k = 0; k < GISLOG_TEDDY_BYTES; k++) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(at + k));
        __m256i lo = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)t->low[k]));
        __m256i hi = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)t->high[k]));
        __m256i low = _mm256_shuffle_epi8(lo, _mm256_and_si256(v, nibble));
        __m256i high = _mm256_shuffle_epi8(hi, _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble));
        hit = _mm256_and_si256(hit, _mm256_and_si256(low, high));
    }
    return ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(hit, _mm256_setzero_si256()));
}

__attribute__((target("avx2")))
static size_t teddy_avx2(const gislog_teddy *t, const uint8_t *bytes, size_t length, uint32_t *positions,
                         size_t capacity, size_t *scanned) {
    // Positions where a text of `minimum` bytes could still start: 0 ... last.
    size_t last = length - t->minimum, n = 0, i = 0;
    for (; i <= last && i + 32 + GISLOG_TEDDY_BYTES - 1 <= length; i += 32) {
        if (capacity - n < 32) { *scanned = i; return n; }
        uint32_t m = teddy_block(t, bytes + i);
        if (i + 31 > last) m &= (last - i >= 31) ? ~(uint32_t)0 : (((uint32_t)1 << (last - i + 1)) - 1);
        while (m) { positions[n++] = (uint32_t)(i + (size_t)__builtin_ctz(m)); m &= m - 1; }
    }
    if (i <= last) {
        // The last positions, from a zero-padded copy: positions past the last possible start are masked
        // off, and every position returned is checked against the real bytes by the caller.
        if (capacity - n < 32) { *scanned = i; return n; }
        uint8_t padded[32 + GISLOG_TEDDY_BYTES] = {0};
        memcpy(padded, bytes + i, length - i);
        uint32_t m = teddy_block(t, padded);
        m &= (last - i >= 31) ? ~(uint32_t)0 : (((uint32_t)1 << (last - i + 1)) - 1);
        while (m) { positions[n++] = (uint32_t)(i + (size_t)__builtin_ctz(m)); m &= m - 1; }
    }
    *scanned = length;
    return n;
}
#endif

size_t gislog_teddy_candidates(const gislog_teddy *t, const uint8_t *bytes, size_t length, uint32_t *positions,
                               size_t capacity, size_t *scanned) {
    *scanned = 0;
#if defined(__x86_64__)
    if (length >= t->minimum && capacity >= 32 && __builtin_cpu_supports("avx2"))
        return teddy_avx2(t, bytes, length, positions, capacity, scanned);
#endif
    return 0;
}
