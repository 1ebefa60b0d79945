// CURLOPT_PROTOCOLS is marked deprecated (for GCC) in headers from 7.85 on, but an older loaded libcurl
// knows nothing else.
#define CURL_DISABLE_DEPRECATION
#include "CCurl.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

// The soname of libcurl 4 (Debian's libcurl4, Red Hat's libcurl): the ABI the header describes.
#define LIBRARY "libcurl.so.4"

// Pointers with the exact types of the header's prototypes. __typeof__ does not evaluate its operand, so
// naming the functions here creates no reference to them and nothing for the linker to resolve.
static __typeof__(&curl_easy_init) easy_init;
static __typeof__(&curl_easy_cleanup) easy_cleanup;
static __typeof__(&curl_easy_reset) easy_reset;
static __typeof__(&curl_easy_setopt) easy_setopt;
static __typeof__(&curl_easy_getinfo) easy_getinfo;
static __typeof__(&curl_easy_perform) easy_perform;
static __typeof__(&curl_easy_strerror) easy_strerror;

// CURLOPT_PROTOCOLS_STR came in 7.85.0. Decided from the loaded library, which may be older or newer than
// the header this was compiled with.
static int has_protocols_str;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
// NULL once loaded; otherwise points at load_message. Written only inside pthread_once, which also makes the
// writes visible to every thread that returns from it.
static const char *load_error;
static char load_message[512];

// dlerror's text lives in a per-thread buffer that the next dl call overwrites: copy it out.
static void fail(const char *what) {
    const char *reason = dlerror();
    snprintf(load_message, sizeof load_message, "%s%s%s", what, reason ? ": " : "", reason ? reason : "");
    load_error = load_message;
}

static void load(void) {
    // RTLD_NOW: a library that cannot be fully resolved fails here, with a message, not in the middle of a
    // fetch. RTLD_LOCAL: libcurl's symbols stay out of the global namespace. The handle is kept for the life
    // of the process on purpose (never dlclose'd): libcurl's global state lives until exit, and unloading it
    // and its TLS libraries while running is not safe.
    void *library = dlopen(LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        fail("cannot load " LIBRARY);
        return;
    }
#define FIND(pointer, symbol) \
    if (!(pointer = (__typeof__(pointer))dlsym(library, #symbol))) { \
        fail(LIBRARY " has no " #symbol); \
        return; \
    }
    FIND(easy_init, curl_easy_init)
    FIND(easy_cleanup, curl_easy_cleanup)
    FIND(easy_reset, curl_easy_reset)
    FIND(easy_setopt, curl_easy_setopt)
    FIND(easy_getinfo, curl_easy_getinfo)
    FIND(easy_perform, curl_easy_perform)
    FIND(easy_strerror, curl_easy_strerror)
    __typeof__(&curl_version_info) version_info;
    FIND(version_info, curl_version_info)
#undef FIND
    const curl_version_info_data *version = version_info(CURLVERSION_NOW);
    has_protocols_str = version && version->version_num >= 0x075500;
    load_error = NULL;
}

const char *gislog_curl_load(void) {
    pthread_once(&load_once, load);
    return load_error;
}

// A failed load can leave some pointers set: judge by the load's answer, not by the pointer.
CURL *gislog_curl_easy_init(void) {
    return gislog_curl_load() ? NULL : easy_init();
}

void gislog_curl_easy_cleanup(CURL *handle) { easy_cleanup(handle); }

void gislog_curl_easy_reset(CURL *handle) { easy_reset(handle); }

CURLcode gislog_curl_easy_perform(CURL *handle) { return easy_perform(handle); }

const char *gislog_curl_easy_strerror(CURLcode code) {
    return gislog_curl_load() ? "libcurl is not loaded" : easy_strerror(code);
}

// Each passes its argument with a concrete type through the variadic pointer, as a direct call would.

CURLcode gislog_curl_set_long(CURL *handle, CURLoption option, long value) {
    return easy_setopt(handle, option, value);
}

CURLcode gislog_curl_set_string(CURL *handle, CURLoption option, const char *value) {
    return easy_setopt(handle, option, value);
}

CURLcode gislog_curl_set_pointer(CURL *handle, CURLoption option, void *value) {
    return easy_setopt(handle, option, value);
}

CURLcode gislog_curl_https_only(CURL *handle) {
#if LIBCURL_VERSION_NUM >= 0x075500
    if (has_protocols_str) return easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "https");
#endif
    return easy_setopt(handle, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
}

CURLcode gislog_curl_set_write_function(CURL *handle, gislog_curl_write_function function) {
    return easy_setopt(handle, CURLOPT_WRITEFUNCTION, function);
}

CURLcode gislog_curl_response_code(CURL *handle, long *code) {
    return easy_getinfo(handle, CURLINFO_RESPONSE_CODE, code);
}
