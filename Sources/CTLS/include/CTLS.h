#ifndef GISLOG_CTLS_H
#define GISLOG_CTLS_H

// A TLS probe over OpenSSL 3, which tls.c opens at run time (libssl.so.3, libcrypto.so.3) on the first
// gislog_tls_load(): only `gislog probe` and `gislog scan --probe` load it; a scan never does. This header
// names no OpenSSL type, so nothing else sees OpenSSL; tls.c is compiled against libssl-dev's headers.

#include <stddef.h>
#include <stdint.h>

typedef struct gislog_tls_context gislog_tls_context;
typedef struct gislog_tls_session gislog_tls_session;
/// An OpenSSL X509 certificate; each pointer handed out is one reference, released by gislog_x509_free.
typedef struct gislog_x509 gislog_x509;

/// Loads OpenSSL once (later calls, from any thread, return the first answer). NULL when it is ready,
/// otherwise a static message naming what failed. Call it before anything below.
const char *gislog_tls_load(void);
/// "OpenSSL 3.0.x ..." of the loaded library.
const char *gislog_tls_library_version(void);

// ---- Trust store and client settings, shared by every session (thread-safe once made).

/// Client settings and the CA store: the PEM bundle `ca_file`, or OpenSSL's default locations when NULL.
/// NULL on failure, with the reason in `message`.
gislog_tls_context *gislog_tls_context_new(const char *ca_file, char *message, size_t message_size);
void gislog_tls_context_free(gislog_tls_context *context);
/// Certificates in the store (0 for the default locations' hashed folder, which is read lazily).
int gislog_tls_context_certificates(const gislog_tls_context *context);
/// OpenSSL's default CA file and folder on this machine, after SSL_CERT_FILE / SSL_CERT_DIR.
const char *gislog_tls_default_ca_file(void);
const char *gislog_tls_default_ca_dir(void);

// ---- One connection.

enum gislog_tls_status {
    GISLOG_TLS_CONNECTED = 0,   ///< TLS session up (its certificates are not yet judged)
    GISLOG_TLS_NO_ADDRESS = 1,  ///< the name did not resolve
    GISLOG_TLS_REFUSED = 2,     ///< no TCP connection (refused, unreachable network)
    GISLOG_TLS_TIMEOUT = 3,     ///< nothing within the time allowed (resolving, connecting or handshaking)
    GISLOG_TLS_NOT_TLS = 4,     ///< TCP connected, but no TLS session: plain text, a closed connection, an alert
    GISLOG_TLS_FAILED = 5,      ///< out of memory or a socket error on this side
};

gislog_tls_session *gislog_tls_session_new(gislog_tls_context *context);
void gislog_tls_session_free(gislog_tls_session *session);
/// Resolves `address`, connects to `port` and handshakes, sending `server_name` as SNI (NULL or an IP
/// literal: none), all within `timeout_ms`. Certificates are not checked here (see verify). Returns a
/// gislog_tls_status; the message says what happened.
int gislog_tls_session_connect(gislog_tls_session *session, const char *address, int port, const char *server_name,
                               int timeout_ms);
const char *gislog_tls_session_message(const gislog_tls_session *session);
/// The address connected to, "192.0.2.1:443" or "[2001:db8::1]:443" ("" before a TCP connection).
const char *gislog_tls_session_peer(const gislog_tls_session *session);
/// "TLSv1.3", or "" without a session.
const char *gislog_tls_session_protocol(const gislog_tls_session *session);
/// The certificates the endpoint sent, leaf first (also after a handshake that failed once they came).
int gislog_tls_session_chain_count(const gislog_tls_session *session);
gislog_x509 *gislog_tls_session_chain_certificate(const gislog_tls_session *session, int index);
/// Verifies the chain sent against the store for `host` (a DNS name or an IP literal) as a TLS server
/// certificate, writing every problem found (OpenSSL verify code and chain depth) up to `capacity`. Returns
/// the number of problems (0: trusted), or -1 when no certificate was sent.
int gislog_tls_session_verify(gislog_tls_session *session, const char *host, int *codes, int *depths, int capacity);
/// Writes all of `data`: `length`, or -1 (message set; -2 on timeout).
long gislog_tls_session_write(gislog_tls_session *session, const void *data, size_t length, int timeout_ms);
/// Reads what is there: >0 bytes, 0 at the end of the stream, -1 on an error (message set), -2 on timeout.
long gislog_tls_session_read(gislog_tls_session *session, void *buffer, size_t capacity, int timeout_ms);

/// OpenSSL's words for a verify code.
const char *gislog_tls_verify_error_text(int code);

// The OpenSSL 3 verify codes the probe names (tls.c checks them against OpenSSL's header).
enum gislog_x509_verify_code {
    GISLOG_X509_UNABLE_TO_GET_ISSUER_CERT = 2,
    GISLOG_X509_CERT_NOT_YET_VALID = 9,
    GISLOG_X509_CERT_HAS_EXPIRED = 10,
    GISLOG_X509_ERROR_IN_CERT_NOT_BEFORE_FIELD = 13,
    GISLOG_X509_ERROR_IN_CERT_NOT_AFTER_FIELD = 14,
    GISLOG_X509_DEPTH_ZERO_SELF_SIGNED_CERT = 18,
    GISLOG_X509_SELF_SIGNED_CERT_IN_CHAIN = 19,
    GISLOG_X509_UNABLE_TO_GET_ISSUER_CERT_LOCALLY = 20,
    GISLOG_X509_UNABLE_TO_VERIFY_LEAF_SIGNATURE = 21,
    GISLOG_X509_CERT_UNTRUSTED = 27,
    GISLOG_X509_CERT_REJECTED = 28,
    GISLOG_X509_HOSTNAME_MISMATCH = 62,
    GISLOG_X509_IP_ADDRESS_MISMATCH = 64,
};

// ---- Certificates.

/// Parses DER; NULL when the bytes are not a certificate.
gislog_x509 *gislog_x509_from_der(const unsigned char *der, size_t length);
void gislog_x509_free(gislog_x509 *certificate);
/// The DER encoding: its length, written to `buffer` when `capacity` is enough (pass NULL, 0 to ask).
/// -1 when it cannot be encoded.
int gislog_x509_der(const gislog_x509 *certificate, unsigned char *buffer, int capacity);
/// Attributes of the subject (issuer = 0) or the issuer (issuer = 1) name, in the certificate's order.
int gislog_x509_name_count(const gislog_x509 *certificate, int issuer);
/// One attribute: its short name ("CN") or dotted OID in `attribute`, the ASN.1 string type, the value's
/// raw bytes (valid while the certificate lives) and the index of its RDN (equal for the parts of a
/// multi-valued RDN). 0 when the index is out of range.
int gislog_x509_name_entry(const gislog_x509 *certificate, int issuer, int index, char *attribute,
                           size_t attribute_size, int *string_type, const unsigned char **data, int *length, int *rdn);
/// Validity as seconds since 1970 (UTC): bit 1 set when not_before was read, bit 2 when not_after was.
int gislog_x509_validity(const gislog_x509 *certificate, int64_t *not_before, int64_t *not_after);
/// SHA-256 of the DER encoding; 1 on success.
int gislog_x509_sha256(const gislog_x509 *certificate, unsigned char digest[32]);
/// 1 when the certificate is its own issuer (names and key ids agree; the signature is not checked).
int gislog_x509_self_signed(const gislog_x509 *certificate);

enum gislog_alt_name_kind { GISLOG_ALT_DNS = 1, GISLOG_ALT_IP = 2 };
typedef void (*gislog_x509_alt_name_callback)(void *context, int kind, const unsigned char *data, int length);
/// Calls `callback` for each DNS name and IP address of the subjectAltName extension, in order. Returns
/// the number of names of every kind, 0 without the extension, -1 when it cannot be read.
int gislog_x509_alt_names(const gislog_x509 *certificate, gislog_x509_alt_name_callback callback, void *context);

#endif
