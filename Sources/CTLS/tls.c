// OpenSSL 3 through pointers found at run time: this file names OpenSSL's functions only inside
// __typeof__ (which does not evaluate its operand), so the object has no reference for the linker to
// resolve and gislog does not depend on libssl. OpenSSL's header macros that expand to calls
// (sk_X509_num, SSL_set_tlsext_host_name, OPENSSL_free, ...) are written out through the pointers instead.
#define _GNU_SOURCE
#include "CTLS.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

_Static_assert(GISLOG_X509_UNABLE_TO_GET_ISSUER_CERT == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, "verify code");
_Static_assert(GISLOG_X509_CERT_NOT_YET_VALID == X509_V_ERR_CERT_NOT_YET_VALID, "verify code");
_Static_assert(GISLOG_X509_CERT_HAS_EXPIRED == X509_V_ERR_CERT_HAS_EXPIRED, "verify code");
_Static_assert(GISLOG_X509_ERROR_IN_CERT_NOT_BEFORE_FIELD == X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD, "verify code");
_Static_assert(GISLOG_X509_ERROR_IN_CERT_NOT_AFTER_FIELD == X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD, "verify code");
_Static_assert(GISLOG_X509_DEPTH_ZERO_SELF_SIGNED_CERT == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, "verify code");
_Static_assert(GISLOG_X509_SELF_SIGNED_CERT_IN_CHAIN == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, "verify code");
_Static_assert(GISLOG_X509_UNABLE_TO_GET_ISSUER_CERT_LOCALLY == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, "verify code");
_Static_assert(GISLOG_X509_UNABLE_TO_VERIFY_LEAF_SIGNATURE == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, "verify code");
_Static_assert(GISLOG_X509_CERT_UNTRUSTED == X509_V_ERR_CERT_UNTRUSTED, "verify code");
_Static_assert(GISLOG_X509_CERT_REJECTED == X509_V_ERR_CERT_REJECTED, "verify code");
_Static_assert(GISLOG_X509_HOSTNAME_MISMATCH == X509_V_ERR_HOSTNAME_MISMATCH, "verify code");
_Static_assert(GISLOG_X509_IP_ADDRESS_MISMATCH == X509_V_ERR_IP_ADDRESS_MISMATCH, "verify code");

// The sonames of OpenSSL 3 (Debian's and Ubuntu's libssl3, Red Hat's openssl-libs 3): the ABI of the header.
#define LIBSSL "libssl.so.3"
#define LIBCRYPTO "libcrypto.so.3"

#define OPENSSL_FUNCTIONS(X) \
    X(TLS_client_method) X(SSL_CTX_new) X(SSL_CTX_free) X(SSL_CTX_set_verify) X(SSL_CTX_load_verify_locations) \
    X(SSL_CTX_set_default_verify_paths) X(SSL_CTX_get_cert_store) X(SSL_CTX_set_security_level) \
    X(SSL_CTX_set_cipher_list) X(SSL_CTX_ctrl) X(SSL_CTX_set_options) X(SSL_new) X(SSL_free) X(SSL_set_fd) \
    X(SSL_ctrl) X(SSL_set_connect_state) X(SSL_do_handshake) X(SSL_get_error) X(SSL_read) X(SSL_write) \
    X(SSL_get_peer_cert_chain) X(SSL_get_version) X(SSL_is_init_finished) \
    X(X509_free) X(X509_up_ref) X(d2i_X509) X(i2d_X509) X(X509_get_subject_name) X(X509_get_issuer_name) \
    X(X509_NAME_entry_count) X(X509_NAME_get_entry) X(X509_NAME_ENTRY_get_object) X(X509_NAME_ENTRY_get_data) \
    X(X509_NAME_ENTRY_set) X(OBJ_obj2nid) X(OBJ_nid2sn) X(OBJ_obj2txt) X(ASN1_STRING_type) \
    X(ASN1_STRING_get0_data) X(ASN1_STRING_length) X(X509_get0_notBefore) X(X509_get0_notAfter) \
    X(ASN1_TIME_to_tm) X(X509_digest) X(EVP_sha256) X(X509_self_signed) X(X509_get_ext_d2i) \
    X(GENERAL_NAMES_free) X(OPENSSL_sk_num) X(OPENSSL_sk_value) X(X509_STORE_CTX_new) X(X509_STORE_CTX_init) \
    X(X509_STORE_CTX_free) X(X509_STORE_CTX_set_default) X(X509_STORE_CTX_get0_param) \
    X(X509_VERIFY_PARAM_set1_host) X(X509_VERIFY_PARAM_set1_ip_asc) X(X509_STORE_CTX_set_verify_cb) \
    X(X509_STORE_CTX_set_ex_data) X(X509_STORE_CTX_get_ex_data) X(X509_STORE_CTX_get_error) \
    X(X509_STORE_CTX_get_error_depth) X(X509_verify_cert) X(X509_verify_cert_error_string) \
    X(X509_STORE_get0_objects) X(ERR_get_error) X(ERR_error_string_n) X(ERR_reason_error_string) \
    X(ERR_clear_error) X(X509_get_default_cert_file) X(X509_get_default_cert_dir) \
    X(X509_get_default_cert_file_env) X(X509_get_default_cert_dir_env) X(OpenSSL_version)

#define DECLARE(name) static __typeof__(&name) p_##name;
OPENSSL_FUNCTIONS(DECLARE)
#undef DECLARE

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
// NULL once loaded; otherwise points at load_message. Written only inside pthread_once, which also makes
// the writes visible to every thread that returns from it.
static const char *load_error;
static char load_message[512];

static void fail(const char *what) {
    const char *reason = dlerror();
    snprintf(load_message, sizeof load_message, "%s%s%s", what, reason ? ": " : "", reason ? reason : "");
    load_error = load_message;
}

static void load(void) {
    // Kept open for the life of the process (never dlclose'd): OpenSSL's global state lives until exit.
    void *crypto = dlopen(LIBCRYPTO, RTLD_NOW | RTLD_LOCAL);
    if (!crypto) {
        fail("cannot load " LIBCRYPTO);
        return;
    }
    void *ssl = dlopen(LIBSSL, RTLD_NOW | RTLD_LOCAL);
    if (!ssl) {
        fail("cannot load " LIBSSL);
        return;
    }
    // libssl's handle also finds libcrypto's symbols (its dependency) in the same lookup.
#define FIND(name)                                                     \
    if (!(p_##name = (__typeof__(p_##name))dlsym(ssl, #name))) {       \
        fail(LIBSSL " has no " #name);                                 \
        return;                                                        \
    }
    OPENSSL_FUNCTIONS(FIND)
#undef FIND
    load_error = NULL;
}

const char *gislog_tls_load(void) {
    pthread_once(&load_once, load);
    return load_error;
}

const char *gislog_tls_library_version(void) {
    return gislog_tls_load() ? "" : p_OpenSSL_version(OPENSSL_VERSION);
}

// ---- Context

struct gislog_tls_context {
    SSL_CTX *ctx;
    int certificates;
};

// The text of the oldest error in OpenSSL's queue for this thread (the one that started the failure), and
// the queue emptied.
static void openssl_reason(char *out, size_t size) {
    unsigned long first = p_ERR_get_error(), next;
    while ((next = p_ERR_get_error()) != 0) {}
    if (!first) {
        snprintf(out, size, "no reason given");
        return;
    }
    const char *reason = p_ERR_reason_error_string(first);
    if (reason) {
        snprintf(out, size, "%s", reason);
    } else {
        p_ERR_error_string_n(first, out, size);
    }
}

gislog_tls_context *gislog_tls_context_new(const char *ca_file, char *message, size_t message_size) {
    if (gislog_tls_load()) {
        snprintf(message, message_size, "%s", load_error);
        return NULL;
    }
    p_ERR_clear_error();
    SSL_CTX *ctx = p_SSL_CTX_new(p_TLS_client_method());
    if (!ctx) {
        openssl_reason(message, message_size);
        return NULL;
    }
    // Certificates are judged after the handshake, against the store, with every problem collected: the
    // handshake itself must go through whatever the endpoint presents.
    p_SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    // A probe must see the certificate of old endpoints too (TLS 1.0, SHA-1, small keys): the system's
    // policy (MinProtocol, SECLEVEL) would stop the handshake before it arrives. Nothing secret is sent.
    p_SSL_CTX_set_security_level(ctx, 0);
    p_SSL_CTX_set_cipher_list(ctx, "ALL:!aNULL:!eNULL:@SECLEVEL=0");
    p_SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_VERSION, NULL);
    // Servers that close after answering without close_notify, and servers without secure renegotiation.
    p_SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_LEGACY_SERVER_CONNECT);
    int loaded = ca_file ? p_SSL_CTX_load_verify_locations(ctx, ca_file, NULL) : p_SSL_CTX_set_default_verify_paths(ctx);
    if (loaded != 1) {
        char reason[256];
        openssl_reason(reason, sizeof reason);
        snprintf(message, message_size, "%s", reason);
        p_SSL_CTX_free(ctx);
        return NULL;
    }
    gislog_tls_context *context = calloc(1, sizeof *context);
    if (!context) {
        p_SSL_CTX_free(ctx);
        snprintf(message, message_size, "out of memory");
        return NULL;
    }
    context->ctx = ctx;
    STACK_OF(X509_OBJECT) *objects = p_X509_STORE_get0_objects(p_SSL_CTX_get_cert_store(ctx));
    context->certificates = objects ? p_OPENSSL_sk_num((const OPENSSL_STACK *)objects) : 0;
    return context;
}

void gislog_tls_context_free(gislog_tls_context *context) {
    if (!context) return;
    p_SSL_CTX_free(context->ctx);
    free(context);
}

int gislog_tls_context_certificates(const gislog_tls_context *context) { return context->certificates; }

static const char *environment_or(const char *variable, const char *fallback) {
    const char *value = variable ? getenv(variable) : NULL;
    return value && *value ? value : fallback;
}

const char *gislog_tls_default_ca_file(void) {
    if (gislog_tls_load()) return "";
    return environment_or(p_X509_get_default_cert_file_env(), p_X509_get_default_cert_file());
}

const char *gislog_tls_default_ca_dir(void) {
    if (gislog_tls_load()) return "";
    return environment_or(p_X509_get_default_cert_dir_env(), p_X509_get_default_cert_dir());
}

// ---- Time and waiting

static struct timespec deadline_after(int timeout_ms) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long nanos = (long long)now.tv_nsec + (long long)(timeout_ms % 1000) * 1000000LL;
    now.tv_sec += timeout_ms / 1000 + nanos / 1000000000LL;
    now.tv_nsec = (long)(nanos % 1000000000LL);
    return now;
}

static long long milliseconds_left(const struct timespec *deadline) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)(deadline->tv_sec - now.tv_sec) * 1000LL + (deadline->tv_nsec - now.tv_nsec) / 1000000LL;
}

/// 1 when `fd` is ready, 0 at the deadline, -1 on a poll error.
static int wait_for(int fd, short events, const struct timespec *deadline) {
    for (;;) {
        long long left = milliseconds_left(deadline);
        if (left <= 0) return 0;
        struct pollfd entry = {.fd = fd, .events = events};
        int ready = poll(&entry, 1, left > INT_MAX ? INT_MAX : (int)left);
        if (ready > 0) return 1;
        if (ready < 0 && errno != EINTR) return -1;
    }
}

// A write to a socket the peer closed raises SIGPIPE, which would end gislog. SIGPIPE from write() is sent
// to the writing thread: blocking it there for the call and taking away any it raised keeps the rest of the
// process (and its handlers) untouched.
struct sigpipe_guard {
    sigset_t previous;
    int was_pending;
};

static void sigpipe_block(struct sigpipe_guard *guard) {
    sigset_t pipe_only, pending;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    sigpending(&pending);
    guard->was_pending = sigismember(&pending, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, &guard->previous);
}

static void sigpipe_restore(struct sigpipe_guard *guard) {
    sigset_t pipe_only, pending;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    sigpending(&pending);
    if (!guard->was_pending && sigismember(&pending, SIGPIPE)) {
        struct timespec zero = {0, 0};
        sigtimedwait(&pipe_only, NULL, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &guard->previous, NULL);
}

// ---- Name resolution with a deadline: getaddrinfo cannot be interrupted, so it runs on a thread of its
// own, and a caller that stops waiting leaves the answer to be freed by whichever side finishes last.

struct lookup {
    pthread_mutex_t mutex;
    pthread_cond_t finished;
    int done;
    int references;
    int error;
    struct addrinfo *result;
    char host[256];
    char service[8];
};

// Called with the mutex held; unlocks it.
static void lookup_release(struct lookup *lookup) {
    int last = --lookup->references == 0;
    pthread_mutex_unlock(&lookup->mutex);
    if (last) {
        if (lookup->result) freeaddrinfo(lookup->result);
        pthread_cond_destroy(&lookup->finished);
        pthread_mutex_destroy(&lookup->mutex);
        free(lookup);
    }
}

static void *lookup_run(void *argument) {
    struct lookup *lookup = argument;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *result = NULL;
    int error = getaddrinfo(lookup->host, lookup->service, &hints, &result);
    pthread_mutex_lock(&lookup->mutex);
    lookup->result = result;
    lookup->error = error;
    lookup->done = 1;
    pthread_cond_signal(&lookup->finished);
    lookup_release(lookup);
    return NULL;
}

/// 0 and the addresses, GISLOG_TLS_NO_ADDRESS or GISLOG_TLS_TIMEOUT (message set).
static int resolve(const char *host, int port, const struct timespec *deadline, struct addrinfo **out,
                   char *message, size_t message_size) {
    char service[8];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV};
    if (getaddrinfo(host, service, &hints, out) == 0) return 0;
    if (strlen(host) >= sizeof ((struct lookup *)0)->host) {
        snprintf(message, message_size, "the host name is too long");
        return GISLOG_TLS_NO_ADDRESS;
    }
    struct lookup *lookup = calloc(1, sizeof *lookup);
    if (!lookup) {
        snprintf(message, message_size, "out of memory");
        return GISLOG_TLS_NO_ADDRESS;
    }
    snprintf(lookup->host, sizeof lookup->host, "%s", host);
    snprintf(lookup->service, sizeof lookup->service, "%s", service);
    pthread_mutex_init(&lookup->mutex, NULL);
    pthread_condattr_t attributes;
    pthread_condattr_init(&attributes);
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
    pthread_cond_init(&lookup->finished, &attributes);
    pthread_condattr_destroy(&attributes);
    lookup->references = 2;
    pthread_attr_t thread_attributes;
    pthread_attr_init(&thread_attributes);
    pthread_attr_setdetachstate(&thread_attributes, PTHREAD_CREATE_DETACHED);
    pthread_t thread;
    int started = pthread_create(&thread, &thread_attributes, lookup_run, lookup) == 0;
    pthread_attr_destroy(&thread_attributes);
    if (!started) {
        // No thread to spare: resolve here, without the deadline.
        pthread_cond_destroy(&lookup->finished);
        pthread_mutex_destroy(&lookup->mutex);
        free(lookup);
        struct addrinfo plain = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
        int error = getaddrinfo(host, service, &plain, out);
        if (error == 0) return 0;
        snprintf(message, message_size, "cannot resolve %s: %s", host, gai_strerror(error));
        return GISLOG_TLS_NO_ADDRESS;
    }
    pthread_mutex_lock(&lookup->mutex);
    while (!lookup->done) {
        if (pthread_cond_timedwait(&lookup->finished, &lookup->mutex, deadline) == ETIMEDOUT) break;
    }
    if (!lookup->done) {
        snprintf(message, message_size, "no answer from DNS for %s in the time allowed", host);
        lookup_release(lookup);
        return GISLOG_TLS_TIMEOUT;
    }
    int error = lookup->error;
    *out = lookup->result;
    lookup->result = NULL;
    lookup_release(lookup);
    if (error != 0) {
        snprintf(message, message_size, "cannot resolve %s: %s", host, gai_strerror(error));
        return GISLOG_TLS_NO_ADDRESS;
    }
    return 0;
}

static void describe_address(const struct sockaddr *address, char *out, size_t size) {
    char text[INET6_ADDRSTRLEN] = "";
    if (address->sa_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)address;
        inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
        snprintf(out, size, "%s:%d", text, ntohs(v4->sin_port));
    } else if (address->sa_family == AF_INET6) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)address;
        inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
        snprintf(out, size, "[%s]:%d", text, ntohs(v6->sin6_port));
    } else {
        snprintf(out, size, "?");
    }
}

// ---- Session

struct gislog_tls_session {
    gislog_tls_context *context;  // not owned: the Swift side keeps it alive as long as the session
    SSL *ssl;
    int fd;
    char message[512];
    char peer[80];
};

gislog_tls_session *gislog_tls_session_new(gislog_tls_context *context) {
    gislog_tls_session *session = calloc(1, sizeof *session);
    if (!session) return NULL;
    session->context = context;
    session->fd = -1;
    return session;
}

void gislog_tls_session_free(gislog_tls_session *session) {
    if (!session) return;
    // No close_notify: the probe is done with the endpoint, and a shutdown could wait on it.
    if (session->ssl) p_SSL_free(session->ssl);
    if (session->fd >= 0) close(session->fd);
    free(session);
}

const char *gislog_tls_session_message(const gislog_tls_session *session) { return session->message; }
const char *gislog_tls_session_peer(const gislog_tls_session *session) { return session->peer; }

const char *gislog_tls_session_protocol(const gislog_tls_session *session) {
    if (!session->ssl || !p_SSL_is_init_finished(session->ssl)) return "";
    return p_SSL_get_version(session->ssl);
}

static int is_ip_literal(const char *host) {
    unsigned char buffer[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, host, buffer) == 1 || inet_pton(AF_INET6, host, buffer) == 1;
}

/// Connects to one of `addresses` before the deadline. The socket, or -1 with the status in *status.
static int connect_any(struct addrinfo *addresses, const struct timespec *deadline, int *status, char *message,
                       size_t message_size) {
    *status = GISLOG_TLS_REFUSED;
    snprintf(message, message_size, "no address to connect to");
    for (struct addrinfo *entry = addresses; entry; entry = entry->ai_next) {
        char where[80];
        describe_address(entry->ai_addr, where, sizeof where);
        int fd = socket(entry->ai_family, entry->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, entry->ai_protocol);
        if (fd < 0) {
            char reason[128];
            snprintf(message, message_size, "cannot open a socket for %s: %s", where,
                     strerror_r(errno, reason, sizeof reason));
            *status = GISLOG_TLS_FAILED;
            continue;
        }
        int error = 0;
        if (connect(fd, entry->ai_addr, entry->ai_addrlen) != 0) {
            error = errno;
            if (error == EINPROGRESS) {
                int ready = wait_for(fd, POLLOUT, deadline);
                if (ready == 0) {
                    close(fd);
                    snprintf(message, message_size, "no answer from %s in the time allowed (a firewall dropping "
                             "the connection?)", where);
                    *status = GISLOG_TLS_TIMEOUT;
                    return -1;
                }
                socklen_t length = sizeof error;
                if (ready < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
            }
        }
        if (error == 0) {
            int on = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
            return fd;
        }
        char reason[128];
        snprintf(message, message_size, "%s: %s", where, strerror_r(error, reason, sizeof reason));
        *status = GISLOG_TLS_REFUSED;
        close(fd);
    }
    return -1;
}

int gislog_tls_session_connect(gislog_tls_session *session, const char *address, int port, const char *server_name,
                               int timeout_ms) {
    struct timespec deadline = deadline_after(timeout_ms);
    struct addrinfo *addresses = NULL;
    int status = resolve(address, port, &deadline, &addresses, session->message, sizeof session->message);
    if (status != 0) return status;
    session->fd = connect_any(addresses, &deadline, &status, session->message, sizeof session->message);
    freeaddrinfo(addresses);
    if (session->fd < 0) return status;
    struct sockaddr_storage peer;
    socklen_t peer_length = sizeof peer;
    if (getpeername(session->fd, (struct sockaddr *)&peer, &peer_length) == 0) {
        describe_address((struct sockaddr *)&peer, session->peer, sizeof session->peer);
    }

    p_ERR_clear_error();
    session->ssl = p_SSL_new(session->context->ctx);
    if (!session->ssl || p_SSL_set_fd(session->ssl, session->fd) != 1) {
        openssl_reason(session->message, sizeof session->message);
        return GISLOG_TLS_FAILED;
    }
    // RFC 6066: no IP literal in SNI.
    if (server_name && *server_name && !is_ip_literal(server_name)) {
        p_SSL_ctrl(session->ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, (void *)server_name);
    }
    p_SSL_set_connect_state(session->ssl);
    for (;;) {
        struct sigpipe_guard guard;
        sigpipe_block(&guard);
        errno = 0;
        int result = p_SSL_do_handshake(session->ssl);
        int error = result == 1 ? SSL_ERROR_NONE : p_SSL_get_error(session->ssl, result);
        int saved_errno = errno;
        sigpipe_restore(&guard);
        if (result == 1) {
            snprintf(session->message, sizeof session->message, "TLS session established");
            return GISLOG_TLS_CONNECTED;
        }
        if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
            int ready = wait_for(session->fd, error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, &deadline);
            if (ready > 0) continue;
            snprintf(session->message, sizeof session->message,
                     "%s accepted the connection but did not complete a TLS handshake in the time allowed",
                     session->peer);
            return GISLOG_TLS_TIMEOUT;
        }
        if (error == SSL_ERROR_SSL) {
            openssl_reason(session->message, sizeof session->message);
        } else if (error == SSL_ERROR_SYSCALL && saved_errno != 0) {
            char reason[128];
            snprintf(session->message, sizeof session->message, "%s", strerror_r(saved_errno, reason, sizeof reason));
        } else {
            snprintf(session->message, sizeof session->message, "the endpoint closed the connection");
        }
        return GISLOG_TLS_NOT_TLS;
    }
}

int gislog_tls_session_chain_count(const gislog_tls_session *session) {
    if (!session->ssl) return 0;
    STACK_OF(X509) *chain = p_SSL_get_peer_cert_chain(session->ssl);
    return chain ? p_OPENSSL_sk_num((const OPENSSL_STACK *)chain) : 0;
}

gislog_x509 *gislog_tls_session_chain_certificate(const gislog_tls_session *session, int index) {
    if (!session->ssl) return NULL;
    STACK_OF(X509) *chain = p_SSL_get_peer_cert_chain(session->ssl);
    if (!chain || index < 0 || index >= p_OPENSSL_sk_num((const OPENSSL_STACK *)chain)) return NULL;
    X509 *certificate = p_OPENSSL_sk_value((const OPENSSL_STACK *)chain, index);
    if (!certificate || p_X509_up_ref(certificate) != 1) return NULL;
    return (gislog_x509 *)certificate;
}

struct problems {
    int *codes;
    int *depths;
    int capacity;
    int count;
};

// Records each problem and lets verification go on, so that one run finds them all (a self-signed
// certificate for the wrong name that has also expired).
static int collect_problem(int ok, X509_STORE_CTX *store_context) {
    if (ok) return 1;
    struct problems *problems = p_X509_STORE_CTX_get_ex_data(store_context, 0);
    if (!problems) return 1;
    int code = p_X509_STORE_CTX_get_error(store_context), depth = p_X509_STORE_CTX_get_error_depth(store_context);
    for (int index = 0; index < problems->count; index++) {
        if (problems->codes[index] == code && problems->depths[index] == depth) return 1;
    }
    if (problems->count < problems->capacity) {
        problems->codes[problems->count] = code;
        problems->depths[problems->count] = depth;
        problems->count++;
    }
    return 1;
}

int gislog_tls_session_verify(gislog_tls_session *session, const char *host, int *codes, int *depths, int capacity) {
    if (!session->ssl) return -1;
    STACK_OF(X509) *chain = p_SSL_get_peer_cert_chain(session->ssl);
    if (!chain || p_OPENSSL_sk_num((const OPENSSL_STACK *)chain) < 1) return -1;
    X509 *leaf = p_OPENSSL_sk_value((const OPENSSL_STACK *)chain, 0);
    struct problems problems = {.codes = codes, .depths = depths, .capacity = capacity, .count = 0};
    p_ERR_clear_error();
    X509_STORE_CTX *store_context = p_X509_STORE_CTX_new();
    if (!store_context) return -1;
    if (p_X509_STORE_CTX_init(store_context, p_SSL_CTX_get_cert_store(session->context->ctx), leaf, chain) != 1) {
        p_X509_STORE_CTX_free(store_context);
        return -1;
    }
    // As a TLS client checks a server: purpose and trust "ssl_server", the name it asked for.
    p_X509_STORE_CTX_set_default(store_context, "ssl_server");
    X509_VERIFY_PARAM *parameters = p_X509_STORE_CTX_get0_param(store_context);
    if (host && *host) {
        if (is_ip_literal(host)) {
            p_X509_VERIFY_PARAM_set1_ip_asc(parameters, host);
        } else {
            p_X509_VERIFY_PARAM_set1_host(parameters, host, 0);
        }
    }
    p_X509_STORE_CTX_set_ex_data(store_context, 0, &problems);
    p_X509_STORE_CTX_set_verify_cb(store_context, collect_problem);
    int verified = p_X509_verify_cert(store_context);
    p_X509_STORE_CTX_free(store_context);
    p_ERR_clear_error();
    // A failure the callback never saw (out of memory, a malformed chain) is still a failure.
    if (verified != 1 && problems.count == 0 && capacity > 0) {
        codes[0] = X509_V_ERR_UNSPECIFIED;
        depths[0] = 0;
        problems.count = 1;
    }
    return problems.count;
}

long gislog_tls_session_write(gislog_tls_session *session, const void *data, size_t length, int timeout_ms) {
    if (!session->ssl) return -1;
    struct timespec deadline = deadline_after(timeout_ms);
    size_t written = 0;
    while (written < length) {
        size_t chunk = length - written > INT_MAX ? INT_MAX : length - written;
        struct sigpipe_guard guard;
        sigpipe_block(&guard);
        p_ERR_clear_error();
        int result = p_SSL_write(session->ssl, (const char *)data + written, (int)chunk);
        int error = result > 0 ? SSL_ERROR_NONE : p_SSL_get_error(session->ssl, result);
        sigpipe_restore(&guard);
        if (result > 0) {
            written += (size_t)result;
            continue;
        }
        if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
            if (wait_for(session->fd, error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, &deadline) > 0) continue;
            snprintf(session->message, sizeof session->message, "the endpoint took no data in the time allowed");
            return -2;
        }
        if (error == SSL_ERROR_SSL) {
            openssl_reason(session->message, sizeof session->message);
        } else {
            snprintf(session->message, sizeof session->message, "the endpoint closed the connection");
        }
        return -1;
    }
    return (long)written;
}

long gislog_tls_session_read(gislog_tls_session *session, void *buffer, size_t capacity, int timeout_ms) {
    if (!session->ssl) return -1;
    struct timespec deadline = deadline_after(timeout_ms);
    int chunk = capacity > INT_MAX ? INT_MAX : (int)capacity;
    for (;;) {
        struct sigpipe_guard guard;
        sigpipe_block(&guard);
        p_ERR_clear_error();
        int result = p_SSL_read(session->ssl, buffer, chunk);
        int error = result > 0 ? SSL_ERROR_NONE : p_SSL_get_error(session->ssl, result);
        sigpipe_restore(&guard);
        if (result > 0) return result;
        if (error == SSL_ERROR_ZERO_RETURN || (error == SSL_ERROR_SYSCALL && result == 0)) return 0;
        if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
            if (wait_for(session->fd, error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, &deadline) > 0) continue;
            snprintf(session->message, sizeof session->message, "no answer in the time allowed");
            return -2;
        }
        if (error == SSL_ERROR_SSL) {
            openssl_reason(session->message, sizeof session->message);
        } else {
            snprintf(session->message, sizeof session->message, "the connection broke off");
        }
        return -1;
    }
}

const char *gislog_tls_verify_error_text(int code) {
    return gislog_tls_load() ? "OpenSSL is not loaded" : p_X509_verify_cert_error_string(code);
}

// ---- Certificates

gislog_x509 *gislog_x509_from_der(const unsigned char *der, size_t length) {
    if (gislog_tls_load() || length > LONG_MAX) return NULL;
    const unsigned char *cursor = der;
    X509 *certificate = p_d2i_X509(NULL, &cursor, (long)length);
    p_ERR_clear_error();
    return (gislog_x509 *)certificate;
}

void gislog_x509_free(gislog_x509 *certificate) {
    if (certificate) p_X509_free((X509 *)certificate);
}

int gislog_x509_der(const gislog_x509 *certificate, unsigned char *buffer, int capacity) {
    X509 *x509 = (X509 *)certificate;
    int length = p_i2d_X509(x509, NULL);
    if (length <= 0) return -1;
    if (buffer && capacity >= length) {
        unsigned char *cursor = buffer;
        if (p_i2d_X509(x509, &cursor) != length) return -1;
    }
    return length;
}

static const X509_NAME *name_of(const gislog_x509 *certificate, int issuer) {
    X509 *x509 = (X509 *)certificate;
    return issuer ? p_X509_get_issuer_name(x509) : p_X509_get_subject_name(x509);
}

int gislog_x509_name_count(const gislog_x509 *certificate, int issuer) {
    const X509_NAME *name = name_of(certificate, issuer);
    return name ? p_X509_NAME_entry_count(name) : 0;
}

int gislog_x509_name_entry(const gislog_x509 *certificate, int issuer, int index, char *attribute,
                           size_t attribute_size, int *string_type, const unsigned char **data, int *length, int *rdn) {
    const X509_NAME *name = name_of(certificate, issuer);
    if (!name || index < 0 || index >= p_X509_NAME_entry_count(name)) return 0;
    X509_NAME_ENTRY *entry = p_X509_NAME_get_entry(name, index);
    if (!entry) return 0;
    const ASN1_OBJECT *object = p_X509_NAME_ENTRY_get_object(entry);
    int nid = object ? p_OBJ_obj2nid(object) : NID_undef;
    const char *short_name = nid != NID_undef ? p_OBJ_nid2sn(nid) : NULL;
    if (short_name) {
        snprintf(attribute, attribute_size, "%s", short_name);
    } else if (!object || p_OBJ_obj2txt(attribute, (int)attribute_size, object, 1) <= 0) {
        snprintf(attribute, attribute_size, "?");
    }
    const ASN1_STRING *value = p_X509_NAME_ENTRY_get_data(entry);
    *string_type = value ? p_ASN1_STRING_type(value) : 0;
    *data = value ? p_ASN1_STRING_get0_data(value) : NULL;
    *length = value ? p_ASN1_STRING_length(value) : 0;
    if (!*data) *length = 0;
    *rdn = p_X509_NAME_ENTRY_set(entry);
    return 1;
}

int gislog_x509_validity(const gislog_x509 *certificate, int64_t *not_before, int64_t *not_after) {
    X509 *x509 = (X509 *)certificate;
    int read = 0;
    struct tm parts;
    const ASN1_TIME *before = p_X509_get0_notBefore(x509), *after = p_X509_get0_notAfter(x509);
    memset(&parts, 0, sizeof parts);
    if (before && p_ASN1_TIME_to_tm(before, &parts) == 1) {
        *not_before = (int64_t)timegm(&parts);
        read |= 1;
    }
    memset(&parts, 0, sizeof parts);
    if (after && p_ASN1_TIME_to_tm(after, &parts) == 1) {
        *not_after = (int64_t)timegm(&parts);
        read |= 2;
    }
    p_ERR_clear_error();
    return read;
}

int gislog_x509_sha256(const gislog_x509 *certificate, unsigned char digest[32]) {
    unsigned int length = 0;
    int ok = p_X509_digest((X509 *)certificate, p_EVP_sha256(), digest, &length) == 1 && length == 32;
    p_ERR_clear_error();
    return ok;
}

int gislog_x509_self_signed(const gislog_x509 *certificate) {
    int result = p_X509_self_signed((X509 *)certificate, 0);
    p_ERR_clear_error();
    return result == 1;
}

int gislog_x509_alt_names(const gislog_x509 *certificate, gislog_x509_alt_name_callback callback, void *context) {
    int critical = 0;
    GENERAL_NAMES *names = p_X509_get_ext_d2i((X509 *)certificate, NID_subject_alt_name, &critical, NULL);
    p_ERR_clear_error();
    // critical: -1 no such extension, -2 more than one, >= 0 present but unreadable.
    if (!names) return critical == -1 ? 0 : -1;
    int count = p_OPENSSL_sk_num((const OPENSSL_STACK *)names);
    for (int index = 0; index < count; index++) {
        const GENERAL_NAME *name = p_OPENSSL_sk_value((const OPENSSL_STACK *)names, index);
        if (!name) continue;
        if (name->type == GEN_DNS && name->d.dNSName) {
            callback(context, GISLOG_ALT_DNS, p_ASN1_STRING_get0_data(name->d.dNSName),
                     p_ASN1_STRING_length(name->d.dNSName));
        } else if (name->type == GEN_IPADD && name->d.iPAddress) {
            callback(context, GISLOG_ALT_IP, p_ASN1_STRING_get0_data(name->d.iPAddress),
                     p_ASN1_STRING_length(name->d.iPAddress));
        }
    }
    p_GENERAL_NAMES_free(names);
    return count;
}
