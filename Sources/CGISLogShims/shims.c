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
