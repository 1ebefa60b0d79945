#ifndef GISLOG_CCURL_H
#define GISLOG_CCURL_H

// <curl/curl.h> gives the types and constants only: nothing links against libcurl. CCurl.c opens
// libcurl.so.4 at run time, on the first gislog_curl_load(), so that commands that never fetch (scan) do not
// pay for loading libcurl and the ~28 libraries it pulls in (TLS, LDAP, Kerberos, ...) at every start.
#include <curl/curl.h>

/// Loads libcurl once (later calls, from any thread, return the first answer). NULL when libcurl is ready;
/// otherwise a static message naming what failed (the dynamic loader's text). Call it before anything below.
const char *gislog_curl_load(void);

// The easy interface, through the loaded library. gislog_curl_easy_init returns NULL when libcurl is not
// loaded; the rest take a handle from it, so libcurl is loaded whenever they run.
CURL *gislog_curl_easy_init(void);
void gislog_curl_easy_cleanup(CURL *handle);
void gislog_curl_easy_reset(CURL *handle);
CURLcode gislog_curl_easy_perform(CURL *handle);
/// Safe to call whatever the load's outcome (then it says libcurl is not loaded).
const char *gislog_curl_easy_strerror(CURLcode code);

// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call; these fix the argument type.
CURLcode gislog_curl_set_long(CURL *handle, CURLoption option, long value);
CURLcode gislog_curl_set_string(CURL *handle, CURLoption option, const char *value);
CURLcode gislog_curl_set_pointer(CURL *handle, CURLoption option, void *value);

/// Only https, on libcurl before 7.85 (no CURLOPT_PROTOCOLS_STR) as well as after.
CURLcode gislog_curl_https_only(CURL *handle);

typedef size_t (*gislog_curl_write_function)(char *data, size_t size, size_t count, void *context);

CURLcode gislog_curl_set_write_function(CURL *handle, gislog_curl_write_function function);
CURLcode gislog_curl_response_code(CURL *handle, long *code);

#endif
