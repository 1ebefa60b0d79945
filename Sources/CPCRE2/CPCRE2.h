#ifndef GISLOG_CPCRE2_H
#define GISLOG_CPCRE2_H
// The 8-bit library only: log bytes are matched as bytes (or as UTF-8 with invalid sequences allowed).
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#endif
