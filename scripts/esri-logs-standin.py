#!/usr/bin/env python3
"""A second stand-in for the ArcGIS Admin API, written from Esri's documentation of `logs/query` and
`generateToken`, for the `gislog fetch` tests. (The first, fake-arcgis-admin.py, covers error shapes.)

    esri-logs-standin.py FOLDER

Serves loopback HTTPS with its own test CA (FOLDER/ca.pem), prints the port on the first line of stdout,
and re-reads FOLDER/control.json (if present) at every request, so a test can change the site between runs:

  batches          records released so far: 1 (23,456 records) or 2 (3,210 more: later records, and late
                   ones at and just before batch 1's newest millisecond)        default 1
  first_batch      only the newest n records of batch 1 (for tests that need fewer)   default all
  bounds           "inclusive" (startTime and endTime both included: the page's oldest millisecond comes
                   again on the next page) or "exclusive" (startTime excluded)   default "inclusive"
  shuffle_ties     records of one millisecond in a different order on every answer      default true
  token_queries    a generated token expires after this many queries (then 498)         default none
  static_token     a token accepted for ever (for --token-file)                         default none
  unavailable_on   [n, ...]: the n-th logs/query request (from 1) answers HTTP 503 with an HTML page
  drop_on          [n, ...]: the n-th logs/query request gets its connection closed, no answer
  slow_on          [n, ...]: the n-th logs/query request waits `delay` seconds first
  delay            seconds for slow_on, and before every query when slow_all is true   default 3
  slow_all         false

What the documentation says, as served here:
  logs/query (Server /arcgis/admin/logs/query, Portal /arcgis/portaladmin/logs/query): startTime is the
    most recent time (default now), endTime the oldest (default: the beginning of logging), epoch ms or an
    ArcGIS time stamp; level (default WARNING) returns records at or above it; filterType=json and filter
    ({"codes": [...], "machines": [...]}); pageSize (default 1000, at most 10000); f (json, pjson, html).
    The answer is {"hasMore", "startTime", "endTime", "logMessages"}; with hasMore, endTime is the oldest
    record's time and is to be passed as the next startTime. Records are newest first.
  generateToken (Server /arcgis/admin/generateToken, Portal /arcgis/sharing/rest/generateToken), POST
    only: username, password, client (referer | ip | requestip), referer, ip, expiration (minutes), f.
    Answer {"token", "expires"} (Portal adds "ssl"). Credentials: admin / s3cret.
  Errors: Server's admin API answers {"status": "error", "messages": [...], "code": 498 | 499} with HTTP
    200; Portal answers {"error": {"code", "message", "details"}}.

Files written to FOLDER: requests.log (each request's path and form, one JSON line), tokens.log (every
token issued), released.json (every record released so far, newest first).
"""
import datetime
import http.server
import json
import os
import random
import secrets
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse

FOLDER = sys.argv[1]
LEVELS = ["SEVERE", "WARNING", "INFO", "FINE", "VERBOSE", "DEBUG"]
# Batch 1's newest record: 2025-11-14T12:00:00.000Z.
BATCH1_NEWEST = 1763121600000
PAGE_BOUNDARIES = 5000  # the tests' page size: bursts are placed across every multiple of it


def certificates():
    ca, key, cert = (os.path.join(FOLDER, name) for name in ("ca.pem", "site.key", "site.pem"))
    if os.path.exists(cert):
        return cert, key

    def run(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    # P-256 keys: quick to make, so the stand-in starts at once.
    p256 = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    run("req", "-x509", *p256, "-keyout", os.path.join(FOLDER, "ca.key"), "-out", ca, "-days", "2",
        "-subj", "/CN=gislog test root CA")
    run("req", *p256, "-keyout", key, "-out", os.path.join(FOLDER, "site.csr"), "-subj", "/CN=127.0.0.1")
    extensions = os.path.join(FOLDER, "site.ext")
    with open(extensions, "w") as handle:
        handle.write("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
    run("x509", "-req", "-in", os.path.join(FOLDER, "site.csr"), "-CA", ca, "-CAkey", os.path.join(FOLDER, "ca.key"),
        "-CAcreateserial", "-out", cert, "-days", "2", "-extfile", extensions)
    return cert, key


# ---------------------------------------------------------------------------------------------------------
# The site's records, made the same way on every start.

MACHINES = ["GIS01.EXAMPLE.COM", "GIS02.EXAMPLE.COM"]
MESSAGES = [
    ("INFO", 8522, "Rest", "Service 'Hosted/Parcels.MapServer' was started successfully."),
    ("INFO", 100004, "Server", "Request received from 10.0.0.12 for /rest/services."),
    ("WARNING", 9000, "Rest", "Exception in get user privileges  Server machine "
                              "'https://portal.example.com:7443/arcgis/sharing/rest/community/self' returned an "
                              "error. 'Invalid token.'"),
    ("INFO", 7321, "Admin", "Machine GIS01.EXAMPLE.COM heartbeat ok."),
    ("SEVERE", 20010, "Rest", "Failed to process request."),
]
CERTIFICATE_FAILURE = ("SEVERE", 20010, "Rest", "The certificate authority is invalid or incorrect (WinINet "
                       "ERROR_INTERNET_INVALID_CA, 12045), URL = https://portal.example.com:7443/arcgis/sharing/rest/self")


def make(rng, when, index, kind=None):
    level, code, source, message = kind or rng.choice(MESSAGES)
    machine = rng.choice(MACHINES)
    return {"type": level, "message": message, "time": when, "source": source, "machine": machine,
            "user": rng.choice(["", "publisher", "siteadmin"]), "code": code, "elapsed": "",
            "process": str(rng.choice([4212, 5120, 6048])), "thread": str(rng.randint(1, 60)), "methodName": "",
            "requestID": f"{index:08x}-4e1f-4c2b-9a0e-{rng.randrange(16 ** 12):012x}"}


def batch_one():
    """23,456 records, newest first, ending at BATCH1_NEWEST, in bursts that share one millisecond; a burst
    lies across every multiple of PAGE_BOUNDARIES, and some bursts hold two identical records."""
    rng = random.Random(18)
    out, when, index = [], BATCH1_NEWEST, 0
    total = 23_456
    while len(out) < total:
        position = len(out)
        near_boundary = any(0 < boundary - position <= 20 for boundary in range(PAGE_BOUNDARIES, total, PAGE_BOUNDARIES))
        size = 41 if near_boundary else rng.choice([1, 1, 1, 2, 2, 3, 5, 8])
        size = min(size, total - position)
        burst = [make(rng, when, index + k) for k in range(size)]
        index += size
        if size >= 2 and rng.random() < 0.15:
            burst[1] = dict(burst[0])  # two records nothing tells apart: both are served, both must be kept
        out.extend(burst)
        when -= rng.randint(1, 700)
    # A certificate failure episode in the first batch.
    for k, record in enumerate(out[2_000:2_012]):
        out[2_000 + k] = make(rng, record["time"], 900_000 + k, CERTIFICATE_FAILURE) | {"machine": "GIS01.EXAMPLE.COM"}
    return out


def batch_two(first):
    """3,210 records released later: 3,000 newer than batch 1 (with a new certificate failure episode hours
    later), 6 at batch 1's newest millisecond and 204 within the five minutes before it (written late)."""
    rng = random.Random(1818)
    newest_first = first[0]["time"]
    out, index = [], 2_000_000
    when = newest_first + 3 * 3_600_000
    while len(out) < 3_000:
        size = min(rng.choice([1, 1, 2, 3, 4, 13]), 3_000 - len(out))
        out.extend(make(rng, when, index + k) for k in range(size))
        index += size
        when -= rng.randint(1, 3_000)
    for k in range(20):
        out[100 + k] = make(rng, out[100 + k]["time"], 3_000_000 + k, CERTIFICATE_FAILURE) | {"machine": "GIS02.EXAMPLE.COM"}
    out.extend(make(rng, newest_first, index + 5_000 + k) for k in range(6))
    out.extend(make(rng, newest_first - rng.randint(1, 299_999), index + 6_000 + k) for k in range(204))
    return out


FIRST = batch_one()
SECOND = batch_two(FIRST)


RELEASED = {}


def released(batches, first_batch=None):
    key = (batches, first_batch)
    if key not in RELEASED:
        records = FIRST[:first_batch] + (SECOND if batches >= 2 else [])
        # Newest first; records of one millisecond keep the order they were logged in.
        RELEASED[key] = sorted(records, key=lambda r: -r["time"])
    return RELEASED[key]


# ---------------------------------------------------------------------------------------------------------

STATE = {"queries": 0, "tokens": {}, "released_batches": None}
LOCK = threading.Lock()


def control():
    try:
        with open(os.path.join(FOLDER, "control.json")) as handle:
            return json.load(handle)
    except FileNotFoundError:
        return {}


def parse_time(text):
    """Epoch ms, or an ArcGIS time stamp (2025-11-14T12:00:00,123) read as UTC."""
    if text is None or text == "":
        return None
    if text.lstrip("-").isdigit():
        return int(text)
    stamp, _, millis = text.partition(",")
    moment = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return int(moment.timestamp() * 1000) + int(millis or 0)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

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
        # generateToken is POST only; gislog never sends a GET.
        self.answer(405, json.dumps({"status": "error", "messages": ["Use POST."], "code": 405}))

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        form = {key: values[0] for key, values in
                urllib.parse.parse_qs(self.rfile.read(length).decode(), keep_blank_values=True).items()}
        settings = control()
        with LOCK:
            with open(os.path.join(FOLDER, "requests.log"), "a") as log:
                log.write(json.dumps({"path": self.path, "form": form}, sort_keys=True) + "\n")
            batches = settings.get("batches", 1)
            if STATE["released_batches"] != (batches, settings.get("first_batch")):
                STATE["released_batches"] = (batches, settings.get("first_batch"))
                with open(os.path.join(FOLDER, "released.json"), "w") as handle:
                    json.dump(released(batches, settings.get("first_batch")), handle)
        portal = self.path.startswith("/arcgis/portaladmin/") or self.path.startswith("/arcgis/sharing/")
        if self.path in ("/arcgis/admin/generateToken", "/arcgis/sharing/rest/generateToken"):
            return self.generate_token(form, portal)
        if self.path in ("/arcgis/admin/logs/query", "/arcgis/portaladmin/logs/query"):
            return self.query(form, settings, portal)
        self.error(portal, 404, "Not Found")

    def error(self, portal, code, message):
        if portal:
            return self.answer(200, json.dumps({"error": {"code": code, "message": message, "details": []}}))
        self.answer(200, json.dumps({"status": "error", "messages": [message], "code": code}))

    def generate_token(self, form, portal):
        if form.get("username") != "admin" or form.get("password") != "s3cret":
            return self.error(portal, 400, "Unable to generate token. Invalid username or password.")
        client = form.get("client", "referer")
        if client == "referer" and not form.get("referer") or client == "ip" and not form.get("ip"):
            return self.error(portal, 400, f"'{client}' must be given for client={client}.")
        token = "esri" + secrets.token_hex(20)
        minutes = int(form.get("expiration") or 60)
        with LOCK:
            STATE["tokens"][token] = 0
            with open(os.path.join(FOLDER, "tokens.log"), "a") as log:
                log.write(token + "\n")
        body = {"token": token, "expires": int(time.time() * 1000) + minutes * 60_000}
        if portal:
            body["ssl"] = True
        self.answer(200, json.dumps(body))

    def query(self, form, settings, portal):
        with LOCK:
            STATE["queries"] += 1
            number = STATE["queries"]
        if number in settings.get("drop_on", []):
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if settings.get("slow_all") or number in settings.get("slow_on", []):
            time.sleep(settings.get("delay", 3))
        if number in settings.get("unavailable_on", []):
            return self.answer(503, "<html><head><title>503 Service Unavailable</title></head><body>The service is "
                                    "unavailable.</body></html>", "text/html")
        token = form.get("token")
        if not token:
            return self.error(portal, 499, "Token Required")
        with LOCK:
            uses = STATE["tokens"].get(token)
            valid = token == settings.get("static_token") or uses is not None and (
                settings.get("token_queries") is None or uses < settings["token_queries"])
            if uses is not None:
                STATE["tokens"][token] = uses + 1
        if not valid:
            return self.error(portal, 498, "Invalid token.")
        if form.get("f", "html") not in ("json", "pjson"):
            return self.answer(200, "<html><body>Query logs</body></html>", "text/html")
        if form.get("filterType", "json") != "json":
            return self.error(portal, 400, "filterType must be json.")

        level = form.get("level") or "WARNING"
        if level not in LEVELS:
            return self.error(portal, 400, f"Invalid level '{level}'.")
        allowed = set(LEVELS[: LEVELS.index(level) + 1])
        wanted = json.loads(form.get("filter") or "{}")
        page_size = min(int(form.get("pageSize") or 1000), 10_000)
        start, end = parse_time(form.get("startTime")), parse_time(form.get("endTime"))
        inclusive = settings.get("bounds", "inclusive") == "inclusive"

        def matches(record):
            t = record["time"]
            if start is not None and (t > start if inclusive else t >= start):
                return False
            if end is not None and t < end:
                return False
            if record["type"] not in allowed:
                return False
            if wanted.get("codes") and record["code"] not in wanted["codes"]:
                return False
            return not wanted.get("machines") or record["machine"] in wanted["machines"]

        matching = [r for r in released(settings.get("batches", 1), settings.get("first_batch")) if matches(r)]
        if settings.get("shuffle_ties", True):
            # One millisecond's records in another order on every answer: nothing may depend on it.
            rng = random.Random(number)
            groups = {}
            for record in matching:
                groups.setdefault(record["time"], []).append(record)
            matching = []
            for when in sorted(groups, reverse=True):
                if len(groups[when]) > 1:
                    rng.shuffle(groups[when])
                matching.extend(groups[when])
        served = matching[:page_size]
        more = len(matching) > page_size
        newest = start if start is not None else (matching[0]["time"] if matching else int(time.time() * 1000))
        self.answer(200, json.dumps({"hasMore": more, "startTime": newest,
                                     "endTime": served[-1]["time"] if served else (end or 0),
                                     "logMessages": served}))


def main():
    os.makedirs(FOLDER, exist_ok=True)
    cert, key = certificates()
    with open(os.path.join(FOLDER, "released.json"), "w") as handle:
        json.dump(released(control().get("batches", 1), control().get("first_batch")), handle)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
