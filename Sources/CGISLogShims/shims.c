#include "CGISLogShims.h"
#include <string.h>

const void *gislog_memmem(const void *haystack, size_t haystackLength,
                          const void *needle, size_t needleLength) {
    return memmem(haystack, haystackLength, needle, needleLength);
}

const void *gislog_memrchr(const void *buffer, int byte, size_t length) {
    return memrchr(buffer, byte, length);
}

size_t gislog_count_newlines(const uint8_t *bytes, size_t length) {
    size_t count = 0;
    for (size_t i = 0; i < length; i++) {
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
