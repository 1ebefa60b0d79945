#ifndef GISLOG_CZLIB_H
#define GISLOG_CZLIB_H
#include <zlib.h>

// inflateInit2 is a macro that passes ZLIB_VERSION and sizeof(z_stream); Swift cannot call macros.
static inline int gislog_inflateInit2(z_streamp stream, int windowBits) {
    return inflateInit2(stream, windowBits);
}
#endif
