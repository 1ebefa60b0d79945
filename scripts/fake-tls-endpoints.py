#!/usr/bin/env python3
"""Loopback TLS endpoints for the `gislog probe` tests: one per verdict, with certificates made here.

    fake-tls-endpoints.py FOLDER

Makes, with the openssl command, a test root CA (FOLDER/root.pem: the file to pass to --ca-file), an
unknown root, an intermediate under the test root, and one certificate per endpoint; serves each endpoint
on its own loopback port; prints one JSON line {"name": port, ...} once all listen; appends every HTTP
request's head to FOLDER/requests.log; and exits (removing FOLDER) when its stdin closes, so the test
process that started it needs no clean-up.

Endpoints (names: the host to probe through --connect-to; every certificate but `mismatch`'s also names
portal.example.org):
  trusted        leaf from the test root                          -> trusted (with --ca-file root.pem)
  chain          leaf from the intermediate, sent with it         -> trusted, two certificates
  untrusted      leaf from the unknown root, sent with that root  -> untrusted-ca
  selfsigned     self-signed leaf                                 -> self-signed-certificate
  incomplete     leaf from the intermediate, sent alone           -> incomplete-chain
  expired        leaf from the test root, valid 2020-2021         -> expired-certificate
  notyet         leaf from the test root, valid from 2099         -> expired-certificate (not yet valid)
  mismatch       leaf for other.test only                         -> hostname-mismatch
  hostile        self-signed; odd subject (quotes, +, escapes, ESC, bidi override, invalid UTF-8),
                 1,500 DNS names, one with NUL and invalid bytes
  plain          plain TCP that answers HTTP 400                  -> not-tls
  silent         accepts and never answers                        -> unreachable (timeout)
  closed         nothing listens                                  -> unreachable (refused)
TLS endpoints answer GET /<context>/rest/info?f=json (ArcGIS Server, short-lived tokens 60 min, sent with a
Content-Length; not under /portalonly/) and /<context>/sharing/rest/info?f=json (Portal, chunked); anything else
is a 404.
"""
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import threading

FOLDER = sys.argv[1]
ALSO = "portal.example.org"


def path(name):
    return os.path.join(FOLDER, name)


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def write(name, text):
    with open(path(name), "w") as handle:
        handle.write(text)


def key(name):
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path(name + ".key"))


def root(name, subject):
    key(name)
    openssl("req", "-x509", "-new", "-key", path(name + ".key"), "-out", path(name + ".pem"), "-days", "30",
            "-subj", subject, "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")


def csr(name, subject, extra=()):
    key(name)
    openssl("req", "-new", "-key", path(name + ".key"), "-out", path(name + ".csr"), "-subj", subject, "-utf8", *extra)


def extensions(name, text):
    write(name + ".ext", text + "\n")
    return path(name + ".ext")


def leaf_extensions(name, names):
    return extensions(name, "basicConstraints=CA:FALSE\nsubjectAltName=" + ",".join("DNS:" + n for n in names))


def sign(name, issuer, ext):
    openssl("x509", "-req", "-in", path(name + ".csr"), "-CA", path(issuer + ".pem"), "-CAkey", path(issuer + ".key"),
            "-CAcreateserial", "-out", path(name + ".pem"), "-days", "30", "-extfile", ext)


def sign_dated(name, issuer, ext, start, end):
    """`openssl ca` is the one command of OpenSSL 3.0 that sets both validity dates."""
    os.makedirs(path("newcerts"), exist_ok=True)
    if not os.path.exists(path("index.txt")):
        write("index.txt", "")
        write("serial", "1000\n")
    write("ca.cnf", f"""[ca]
default_ca = test_ca
[test_ca]
database = {path("index.txt")}
new_certs_dir = {path("newcerts")}
serial = {path("serial")}
default_md = sha256
policy = policy_any
unique_subject = no
[policy_any]
commonName = supplied
""")
    openssl("ca", "-batch", "-config", path("ca.cnf"), "-cert", path(issuer + ".pem"), "-keyfile", path(issuer + ".key"),
            "-in", path(name + ".csr"), "-out", path(name + ".pem"), "-startdate", start, "-enddate", end,
            "-extfile", ext, "-notext")


def self_signed(name, ext):
    openssl("x509", "-req", "-in", path(name + ".csr"), "-signkey", path(name + ".key"), "-out", path(name + ".pem"),
            "-days", "30", "-extfile", ext)


def read(name):
    with open(path(name)) as handle:
        return handle.read()


def patched(name, replacements):
    """The certificate with bytes of its DER replaced (same lengths, so the DER stays well formed; the
    signature no longer matches, which a probe reports but a server does not check)."""
    der = subprocess.run(["openssl", "x509", "-in", path(name + ".pem"), "-outform", "DER"], check=True,
                         capture_output=True).stdout
    for old, new in replacements:
        assert len(old) == len(new) and old in der, old
        der = der.replace(old, new)
    pem = subprocess.run(["openssl", "x509", "-inform", "DER", "-outform", "PEM"], input=der, check=True,
                         capture_output=True).stdout
    with open(path(name + ".pem"), "wb") as handle:
        handle.write(pem)


def certificates():
    root("root", "/CN=gislog test root CA/O=gislog tests")
    root("unknown", "/CN=gislog unknown root CA/O=somewhere else")
    csr("intermediate", "/CN=gislog test intermediate CA/O=gislog tests")
    sign("intermediate", "root", extensions("intermediate", "basicConstraints=critical,CA:TRUE,pathlen:0\n"
                                                          "keyUsage=critical,keyCertSign,cRLSign"))
    chains = {}
    for name, issuer in [("trusted", "root"), ("chain", "intermediate"), ("untrusted", "unknown"),
                         ("incomplete", "intermediate")]:
        csr(name, f"/CN={name}.test")
        sign(name, issuer, leaf_extensions(name, [f"{name}.test", ALSO]))
        chains[name] = [name]
    chains["chain"].append("intermediate")
    chains["untrusted"].append("unknown")

    csr("selfsigned", "/CN=selfsigned.test/O=ArcGIS default")
    self_signed("selfsigned", leaf_extensions("selfsigned", ["selfsigned.test", ALSO]))
    chains["selfsigned"] = ["selfsigned"]

    for name, start, end in [("expired", "20200101000000Z", "20210101000000Z"),
                             ("notyet", "20990101000000Z", "20991231000000Z")]:
        csr(name, f"/CN={name}.test")
        sign_dated(name, "root", leaf_extensions(name, [f"{name}.test", ALSO]), start, end)
        chains[name] = [name]

    csr("mismatch", "/CN=other.test")
    sign("mismatch", "root", leaf_extensions("mismatch", ["other.test"]))
    chains["mismatch"] = ["mismatch"]

    # Quotes, RFC 4514 specials, a leading '#' and space, ESC, a bidi override, markup; a multi-valued RDN;
    # ZZZZ becomes bytes that are not UTF-8 (in an IA5String: OpenSSL refuses a certificate whose UTF8String
    # names do not decode, so those never reach a probe) and qqqq a NUL, ESC and two high bytes in a DNS name.
    hostile_subject = ('/CN=# hostile "quoted", <tag>; a\\+b=c \x1b[31mred\u202e txt /O=<\\/script><img src=x>'
                       '/OU=one+UID=two/emailAddress=ZZZZ@hostile.test')
    csr("hostile", hostile_subject, ["-multivalue-rdn"])
    names = ["hostile.test", ALSO, "qqqq.hostile.test"] + [f"san{index}.hostile.test" for index in range(1500)]
    self_signed("hostile", leaf_extensions("hostile", names))
    patched("hostile", [(b"ZZZZ", b"\xff\xfe\xc0\xaf"), (b"qqqq", b"\x00\x1b\xff\x80")])
    chains["hostile"] = ["hostile"]

    for name, parts in chains.items():
        write(name + ".chain.pem", "".join(read(part + ".pem") for part in parts))
    return chains


SERVER_INFO = json.dumps({"currentVersion": 11.1, "fullVersion": "11.1.0", "owningSystemUrl": "https://portal.example.org/arcgis",
                          "authInfo": {"isTokenBasedSecurity": True, "tokenServicesUrl": "https://portal.example.org/arcgis/sharing/rest/generateToken",
                                       "shortLivedTokenValidity": 60}}).encode()
PORTAL_INFO = json.dumps({"owningSystemUrl": "https://portal.example.org/arcgis",
                          "authInfo": {"tokenServicesUrl": "https://portal.example.org/arcgis/sharing/rest/generateToken",
                                       "isTokenBasedSecurity": True}}).encode()
log_lock = threading.Lock()


def answer(name, head):
    with log_lock, open(path("requests.log"), "a") as handle:
        handle.write(json.dumps({"endpoint": name, "request": head.decode("latin-1")}) + "\n")
    target = head.split(b" ")[1] if head.count(b" ") >= 2 else b""
    if target.endswith(b"/rest/info?f=json") and b"/sharing/" not in target and not target.startswith(b"/portalonly/"):
        return (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + str(len(SERVER_INFO)).encode()
                + b"\r\nConnection: close\r\n\r\n" + SERVER_INFO)
    if target.endswith(b"/sharing/rest/info?f=json"):
        half = len(PORTAL_INFO) // 2
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (PORTAL_INFO[:half], PORTAL_INFO[half:]))
        return (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                + chunks + b"0\r\n\r\n")
    body = b'{"error":{"code":404,"message":"Not found","details":[]}}'
    return b"HTTP/1.1 404 Not Found\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body


def handle_tls(connection, context, name):
    try:
        connection.settimeout(20)
        with context.wrap_socket(connection, server_side=True) as tls:
            data = b""
            while b"\r\n\r\n" not in data and len(data) < 65536:
                chunk = tls.recv(4096)
                if not chunk:
                    break
                data += chunk
            if b"\r\n\r\n" in data:
                tls.sendall(answer(name, data.split(b"\r\n\r\n")[0]))
    except (OSError, ssl.SSLError):
        pass
    finally:
        connection.close()


def handle_plain(connection):
    try:
        connection.settimeout(20)
        connection.recv(4096)
        connection.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    except OSError:
        pass
    finally:
        connection.close()


held = []


def serve(listener, handler):
    while True:
        connection, _ = listener.accept()
        if handler is None:
            held.append(connection)  # silent: accepted, never read, never answered
        else:
            threading.Thread(target=handler, args=(connection,), daemon=True).start()


def listen():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    return listener


def main():
    os.makedirs(FOLDER, exist_ok=True)
    chains = certificates()
    ports = {}
    for name in chains:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(path(name + ".chain.pem"), path(name + ".key"))
        listener = listen()
        ports[name] = listener.getsockname()[1]
        threading.Thread(target=serve, args=(listener, lambda c, ctx=context, n=name: handle_tls(c, ctx, n)),
                         daemon=True).start()
    for name, handler in [("plain", handle_plain), ("silent", None)]:
        listener = listen()
        ports[name] = listener.getsockname()[1]
        threading.Thread(target=serve, args=(listener, handler), daemon=True).start()
    closed = listen()
    ports["closed"] = closed.getsockname()[1]
    closed.close()
    print(json.dumps(ports), flush=True)
    sys.stdin.read()  # until the test process goes away
    shutil.rmtree(FOLDER, ignore_errors=True)


if __name__ == "__main__":
    main()
