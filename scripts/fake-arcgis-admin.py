#!/usr/bin/env python3
"""A stand-in for an ArcGIS Server admin API on loopback HTTPS, for the `gislog fetch` tests.

    fake-arcgis-admin.py FOLDER

Makes a test CA and a certificate for 127.0.0.1 in FOLDER (ca.pem is the file to pass to --ca-file),
serves on a free port, prints the port on the first line of stdout, and appends every request's path
and form to FOLDER/requests.log. Answers in the shapes ArcGIS uses:

  /arcgis/admin/generateToken   token "tok-1" for admin/secret, an error body otherwise
  /arcgis/admin/logs/query and /arcgis/portaladmin/logs/query
                                12 records, 4 in each of three hours, at most 5 a page, for token tok-1;
                                startTime is exclusive here (the second stand-in, esri-logs-standin.py, has
                                inclusive bounds); a 498 body for another token, a 499 body without one
  /html/arcgis/...              an HTML error page, HTTP 502 (a proxy in the way)
  /cut/arcgis/...               a page cut off in the middle of the JSON
"""
import http.server
import json
import os
import ssl
import subprocess
import sys
import urllib.parse

FOLDER = sys.argv[1]
# Page k covers (PAGES[k+1], PAGES[k]]; the query walks from the newest time back.
NEWEST, MIDDLE, OLDER, OLDEST = 1763125200000, 1763121600000, 1763118000000, 1763114400000


def certificates():
    ca, key, cert = (os.path.join(FOLDER, name) for name in ("ca.pem", "site.key", "site.pem"))
    if os.path.exists(cert):
        return cert, key

    def run(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", os.path.join(FOLDER, "ca.key"), "-out", ca,
        "-days", "2", "-subj", "/CN=gislog test root CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", os.path.join(FOLDER, "site.csr"),
        "-subj", "/CN=127.0.0.1")
    extensions = os.path.join(FOLDER, "site.ext")
    with open(extensions, "w") as handle:
        handle.write("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
    run("x509", "-req", "-in", os.path.join(FOLDER, "site.csr"), "-CA", ca, "-CAkey", os.path.join(FOLDER, "ca.key"),
        "-CAcreateserial", "-out", cert, "-days", "2", "-extfile", extensions)
    return cert, key


def record(time, index):
    return {"type": "SEVERE", "time": time - index * 1000, "source": "Rest", "machine": "GIS01.EXAMPLE.COM",
            "user": "publisher", "code": 20010, "elapsed": "", "process": "4212", "thread": str(7 + index),
            "methodName": "", "requestID": f"req-{time}-{index}",
            "message": "The certificate authority is invalid or incorrect (WinINet ERROR_INTERNET_INVALID_CA, "
                       "12045), URL = https://portal.example.com:7443/arcgis/sharing/rest/content/users/publisher"}


RECORDS = [record(hour, index) for hour in (NEWEST, MIDDLE, OLDER) for index in range(4)]
PAGE_LIMIT = 5


def page(start, end):
    """Records older than startTime (exclusive; now when absent) and not older than endTime, newest first."""
    newest = int(start) if start else NEWEST + 1
    oldest = int(end) if end else 0
    matching = [r for r in RECORDS if oldest <= r["time"] < newest]
    served = matching[:PAGE_LIMIT]
    return {"hasMore": len(matching) > len(served), "startTime": newest,
            "endTime": served[-1]["time"] if served else oldest, "logMessages": served}


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body, content_type="application/json"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.answer(405, json.dumps({"error": {"code": 405, "message": "use POST", "details": []}}))

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
        field = {key: values[0] for key, values in form.items()}
        with open(os.path.join(FOLDER, "requests.log"), "a") as log:
            log.write(self.path + " " + json.dumps(field, sort_keys=True) + "\n")
        if self.path.startswith("/html/"):
            return self.answer(502, "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
                               "text/html")
        if self.path.endswith("/generateToken"):
            if field.get("username") == "admin" and field.get("password") == "secret":
                return self.answer(200, json.dumps({"token": "tok-1", "expires": NEWEST + 3600000}))
            return self.answer(200, json.dumps({"status": "error", "messages": ["Invalid credentials"], "code": 400}))
        if not self.path.endswith(("/admin/logs/query", "/portaladmin/logs/query")):
            return self.answer(404, json.dumps({"error": {"code": 404, "message": "Not Found", "details": []}}))
        token = field.get("token")
        if token is None:
            return self.answer(200, json.dumps({"error": {"code": 499, "message": "Token Required", "details": []}}))
        if token != "tok-1":
            return self.answer(200, json.dumps({"error": {"code": 498, "message": "Invalid token.", "details": []}}))
        body = json.dumps(page(field.get("startTime"), field.get("endTime")))
        if self.path.startswith("/cut/"):
            body = body[: len(body) // 2]
        self.answer(200, body)


def main():
    os.makedirs(FOLDER, exist_ok=True)
    cert, key = certificates()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
