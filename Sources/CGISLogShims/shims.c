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

size_t gislog_count_newlines(const uint8_t *bytes, size_t length) {
    size_t count = 0, i = 0;
#if defined(__SSE2__)
    // Sixteen bytes per step: compare with '\n', take the comparison's high bits as a mask, count them.
    const __m128i newline = _mm_set1_epi8('\n');
    for (; i + 16 <= length; i += 16) {
        __m128i block = _mm_loadu_si128((const __m128i *)(bytes + i));
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(block, newline));
        count += (size_t)__builtin_popcount(mask);
    }
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
