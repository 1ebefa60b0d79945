#!/usr/bin/env python3
"""Generate a large, realistic ArcGIS Enterprise logs tree for benchmarks.

Usage:
    python3 scripts/genlog.py OUTDIR --size 200M [--seed 42] [--gzip]
    python3 scripts/genlog.py OUTDIR --small-files 3000 [--seed 42] [--gzip]

Layout (as on a real site):
    OUTDIR/arcgisserver/logs/GIS-SERVER0{1,2,3}.CONTOSO.LOCAL/server/server-YYYYMMDD.HHMMSS-PID-0.0.log
    OUTDIR/arcgisportal/logs/GIS-PORTAL01.CONTOSO.LOCAL/portal/portal-YYYYMMDD.HHMMSS.log
plus an empty .lck next to each machine's newest server file.

Content is a weighted mix of templates: mostly FINE/INFO request traffic, some WARNING/SEVERE,
rare certificate (WinINet 120xx, PKIX), token and restart records, a few multi-line records
(Java stacks, Portal validation steps), and the number 12045 where it is NOT a certificate error
(ArcSOC pids, request GUIDs, job elapsed times, wait times). Same arguments and seed give the same
bytes. Speed matters more than elegance: records are built with plain f-strings and written in
multi-megabyte chunks, so 200 MB takes a few seconds.
"""

import argparse
import gzip
import itertools
import os
import random
import re
import shutil
import sys
import time

SERVERS = ["GIS-SERVER01.CONTOSO.LOCAL", "GIS-SERVER02.CONTOSO.LOCAL", "GIS-SERVER03.CONTOSO.LOCAL"]
PORTAL = "GIS-PORTAL01.CONTOSO.LOCAL"
PORTAL_URL = "https://gis-portal01.contoso.local:7443/arcgis"
SERVER_URLS = [f"https://{m.lower()}:6443/arcgis" for m in SERVERS]
PORTAL_SHARE = 0.15          # fraction of --size written by the portal
BASE_EPOCH = 1793491200      # 2026-11-01T00:00:00; formatted with gmtime so the output ignores TZ
CHUNK = 4 << 20              # bytes buffered before each write

# (REST path, instance name) of the services a request can hit; None = no ArcSOC wait-time line.
SERVICES = [
    ("Basemaps/Streets/MapServer", "Basemaps.Streets.MapServer"),
    ("Parcels/MapServer", "Parcels.MapServer"),
    ("Parcels/FeatureServer", "Parcels.MapServer"),
    ("Zoning/MapServer", "Zoning.MapServer"),
    ("Utilities/WaterNetwork/MapServer", "Utilities.WaterNetwork.MapServer"),
    ("Utilities/WaterNetwork/FeatureServer", "Utilities.WaterNetwork.MapServer"),
    ("Utilities/SewerNetwork/MapServer", "Utilities.SewerNetwork.MapServer"),
    ("Elevation/Hillshade/ImageServer", "Elevation.Hillshade.ImageServer"),
    ("Elevation/DEM_2025/ImageServer", "Elevation.DEM_2025.ImageServer"),
    ("Locators/Contoso_Composite/GeocodeServer", "Locators.Contoso_Composite.GeocodeServer"),
    ("Utilities/PrintingTools/GPServer", "Utilities.PrintingTools.GPServer"),
    ("Hosted/Hydrant_Inspections/FeatureServer", "System.DynamicMappingHost.MapServer"),
    ("Hosted/Street_Trees/FeatureServer", "System.DynamicMappingHost.MapServer"),
    ("Hosted/Snow_Routes/FeatureServer", "System.DynamicMappingHost.MapServer"),
    ("Hosted/Contoso_Basemap_VTL/VectorTileServer", None),
    ("Transportation/Traffic_Signals/MapServer", "Transportation.Traffic_Signals.MapServer"),
]
USERS = ["asmith", "bjones", "cnguyen", "dlee", "emartin", "fgarcia", "gwhite", "hkim", "jdoe", "kpatel"]
ITEMS = ["Water Main Breaks 2026", "Street Tree Survey", "Zoning Review Map", "Hydrant Dashboard",
         "Snow Plow Tracker", "Parcel Viewer", "Capital Projects 2027", "Storm Drain Inspections"]
WININET = [  # (code, symbol, message prefix) for certificate-class failures besides 12045
    (12037, "ERROR_INTERNET_SEC_CERT_DATE_INVALID", "The certificate date is invalid or has expired"),
    (12038, "ERROR_INTERNET_SEC_CERT_CN_INVALID", "The certificate common name is invalid or incorrect"),
    (12057, "ERROR_INTERNET_SEC_CERT_REV_FAILED", "The certificate revocation check failed"),
]
PORTAL_PATHS = ["sharing/rest/community/self", "sharing/rest/portals/self", "sharing/rest/content/users/{u}/addItem",
                "sharing/rest/content/items/{i}/data", "sharing/rest/generateToken"]


class Gen:
    """Per-file writer: owns the clock, the random stream and the output buffer."""

    def __init__(self, rnd, machine, start_s):
        self.rnd = rnd
        self.machine = machine
        self.t = start_s * 1000 + rnd.randrange(1000)   # current time, epoch ms
        self._sec = -1
        self._sec_str = ""
        self.web_pid = 4 * rnd.randrange(500, 8000)
        self.owner_pid = 4 * rnd.randrange(200, 2000)
        # PublishingTools is never a request target above but has its own ArcSOC all the same.
        insts = [inst for _, inst in SERVICES if inst] + ["System.PublishingTools.GPServer"]
        self.soc_pids = {inst: self._soc_pid() for inst in insts}

    def _soc_pid(self):
        # A few ArcSOCs get pid 12045: a trap for detectors that grep for the bare number.
        return 12045 if self.rnd.random() < 0.02 else 4 * self.rnd.randrange(500, 9000)

    def ts(self, back=0):
        t = self.t - back
        sec = t // 1000
        if sec != self._sec:
            self._sec = sec
            self._sec_str = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec))
        # Not zero-padded on purpose: Esri writes ",5" for 5 ms.
        return f"{self._sec_str},{t % 1000}"

    def guid(self):
        h = "%032x" % self.rnd.getrandbits(128)
        if self.rnd.random() < 0.0005:
            h = h[:20] + "12045" + h[25:]   # trap: 12045 inside a requestID
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:32]}"

    def server(self, level, code, source, pid, thread, text, rid="", user="", method=""):
        # A few records are stamped slightly in the past: files are nearly, not strictly, ordered.
        back = self.rnd.randrange(1, 150) if self.rnd.random() < 0.01 else 0
        return (f'<Msg time="{self.ts(back)}" type="{level}" code="{code}" source="{source}" process="{pid}" '
                f'thread="{thread}" methodName="{method}" machine="{self.machine}" user="{user}" elapsed="" '
                f'requestID="{rid}">{text}</Msg>\n')

    def portal_rec(self, level, code, source, text, user="", thread=None):
        thread = thread or self.rnd.choice((14, 23, 41, 57, 88, 103, 117))
        return (f'<Msg time="{self.ts()}" type="{level}" code="{code}" source="{source}" process="{self.web_pid}" '
                f'thread="{thread}" methodName="" machine="{self.machine}" user="{user}" elapsed="">{text}</Msg>\n')

    def tick(self, lo, hi):
        self.t += self.rnd.randrange(lo, hi)


# ---------------------------------------------------------------------------------------------
# Server templates. Each returns one or more complete lines and advances the clock a little.
# ---------------------------------------------------------------------------------------------
def s_request(g):
    rnd = g.rnd
    rest, inst = rnd.choice(SERVICES)
    rid = g.guid()
    user = "Anonymous user" if rnd.random() < 0.75 else rnd.choice(USERS)
    out = g.server("INFO", 9029, "Rest", g.web_pid, 1, f"Request user: {user}, Service: {rest}", rid)
    r = rnd.random()
    if r < 0.08:
        g.tick(1, 9)
        out += g.server("FINE", 8522, "Server", g.web_pid, 27, "HTTP Referer: Not Available", rid,
                        user, "WebSecurityManager.authenticate")
    elif r < 0.16:
        g.tick(1, 12)
        out += g.server("INFO", 9000, "Rest", g.web_pid, 1,
                        f"Using the provider information of service {rest.split('/')[-2]} to lookup object. ", rid)
    if inst:
        g.tick(2, 40)
        wait = 12045 if rnd.random() < 0.0005 else rnd.choice((0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 7, 16, 48))
        out += g.server("FINE", 7615, "Server", g.web_pid, 27,
                        f"Wait time for '{inst}' service request is {wait} milliseconds.", rid)
    return out


def s_timeout(g):
    _, inst = g.rnd.choice([s for s in SERVICES if s[1]])
    return g.server("WARNING", 9003, "Rest", g.web_pid, 1,
                    f"Unable to process request. Wait time of the request to the service '{inst}' has expired.", g.guid())


def s_not_found(g):
    return g.server("WARNING", 9003, "Rest", g.web_pid, 1,
                    "Unable to process request. Error handling service request :Could not find service. "
                    "Service may be stopped or it may not be configured.", g.guid())


def s_committed(g):
    rid = g.guid()
    return (g.server("SEVERE", 9001, "Rest", g.web_pid, 1, "Response already committed. Cannot forward to error page.", rid)
            + g.server("SEVERE", 9002, "Rest", g.web_pid, 1,
                       "This exception was thrown after the response was committed. Access to this resource is not allowed", rid))


def s_publish(g):
    rnd = g.rnd
    user = rnd.choice(USERS[:5])
    svc = "System/PublishingTools.GPServer"
    job = "j%032x" % rnd.getrandbits(128)
    out = []
    first = None
    for _ in range(rnd.randrange(2, 5)):
        rid = g.guid()
        first = first or rid
        out.append(g.server("INFO", 9502, "Soap", g.web_pid, 22,
                            f"Request received from the user '{user}' for the service '{svc}'.", rid, user))
        g.tick(20, 300)
        out.append(g.server("INFO", 9526, "Soap", g.web_pid, 22,
                            f"Request for the service '{svc}' processed successfully. Response sent to the user '{user}'.", rid))
        g.tick(200, 2000)
    out.insert(2, g.server("VERBOSE", 7597, "Server", g.web_pid, 27, f"Executing geoprocessing job '{job}'."))
    elapsed = 12045 if rnd.random() < 0.05 else rnd.randrange(900, 60000)   # trap: 12045 ms
    status = "esriJobSucceeded" if rnd.random() < 0.93 else "esriJobFailed"
    out.append(g.server("VERBOSE", 7718, "Server", g.web_pid, 27,
                        f"Job '{job}' for service 'System/PublishingTools' completed its execution. "
                        f"The status of the job after completion was '{status}'. Elapsed time '{elapsed}' ms.", first))
    return "".join(out)


def s_cleanup(g):
    out = ""
    for d in ("arcgisjobs", "arcgisoutput", "arcgissystem\\arcgisuploads"):
        out += g.server("FINE", 6646, "Admin", g.owner_pid, 1, f"checking for expired items in D:\\arcgisserver\\directories\\{d}")
        g.tick(20, 60)
    return out + g.server("VERBOSE", 6651, "Admin", g.owner_pid, 1, "Directory cleanup removed scratch from arcgisoutput.")


def _portal_url(g):
    path = g.rnd.choice(PORTAL_PATHS).format(u=g.rnd.choice(USERS), i="%032x" % g.rnd.getrandbits(128))
    return f"{PORTAL_URL}/{path}"


def s_cert_12045(g):
    svc = g.rnd.choice(("Utilities/PrintingTools.GPServer", "System/PublishingTools.GPServer"))
    text = f"The certificate authority is invalid or incorrect (WinINet ERROR_INTERNET_INVALID_CA, 12045), URL = {_portal_url(g)}"
    if svc.startswith("Utilities") and g.rnd.random() < 0.5:
        text = "Error executing tool. Export Web Map Task : Failed to create layer from service. " + text
    return g.server("SEVERE", 20010, svc, g.soc_pids[svc.replace("/", ".")], 4, text, g.guid())


def s_cert_other(g):
    code, sym, msg = g.rnd.choice(WININET)
    return g.server("SEVERE", 20010, "Utilities/PrintingTools.GPServer", g.soc_pids["Utilities.PrintingTools.GPServer"], 4,
                    f"{msg} (WinINet {sym}, {code}), URL = {_portal_url(g)}", g.guid())


def s_invalid_token(g):
    return g.server("WARNING", 9000, "Rest", g.web_pid, 1,
                    f"Exception in get user privileges  Server machine '{PORTAL_URL}/sharing/rest/community/self' "
                    f"returned an error. 'Invalid token.'", g.guid())


def s_decrypt_token(g):
    return g.server("WARNING", 9000, "Rest", g.web_pid, 1,
                    f"The server at {PORTAL_URL} returned an error. Could not decrypt token. Token may not be valid.", g.guid())


def s_stack(g):
    """Multi-line: a Java stack inside the element."""
    return g.server("SEVERE", 6570, "Admin", g.web_pid, 31,
                    "Failed to start one or more services.  com.esri.arcgis.discovery.admin.AdminException: "
                    f"Service '{g.rnd.choice(SERVICES)[1] or 'Zoning.MapServer'}' is currently being configured by another "
                    "administrative operation. Please try again later.\n"
                    "\tat com.esri.arcgis.discovery.admin.services.ServiceManager.startService(ServiceManager.java:1184)\n"
                    "\tat com.esri.arcgis.discovery.admin.services.ServiceManager.startAll(ServiceManager.java:905)\n"
                    "\tat java.base/java.lang.Thread.run(Thread.java:829)")


def s_handshake(g):
    """Multi-line: the Java side of a trust failure."""
    return g.server("SEVERE", 9000, "Rest", g.web_pid, 1,
                    f"Unable to connect to the portal '{PORTAL_URL}'. javax.net.ssl.SSLHandshakeException: "
                    "PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: "
                    "unable to find valid certification path to requested target\n"
                    "\tat java.base/sun.security.ssl.Alert.createSSLException(Alert.java:131)\n"
                    "\tat java.base/sun.security.ssl.TransportContext.fatal(TransportContext.java:371)\n"
                    "\tat com.esri.arcgis.discovery.security.portal.PortalClient.getSelf(PortalClient.java:402)", g.guid())


def s_restart(g):
    """8002 from every ArcSOC, 7708, 7706, then 6513 with a new web server pid and new SOCs."""
    out = ""
    for inst, pid in g.soc_pids.items():
        src = inst.replace(".", "/", inst.count(".") - 1)
        out += g.server("FINE", 8002, src, pid, g.rnd.choice((1, 22)), f"Shutting down an instance of service '{src}'.")
        g.tick(3, 250)
    g.tick(5000, 9000)
    out += g.server("VERBOSE", 7708, "Server", g.owner_pid, 1, "Could not stop server processes gracefully. Now terminating the processes.")
    g.tick(1500, 2500)
    out += g.server("INFO", 7706, "Server", g.owner_pid, 1, "Web server stopped successfully.")
    g.tick(15000, 40000)
    out += g.server("INFO", 6513, "Server", g.owner_pid, 1, "Initializing the server machine.")
    g.web_pid = 4 * g.rnd.randrange(500, 8000)
    g.soc_pids = {inst: g._soc_pid() for inst in g.soc_pids}
    return out


SERVER_TEMPLATES = [  # (weight, template)
    (880, s_request), (12, s_timeout), (5, s_not_found), (3, s_committed), (4, s_publish), (1.5, s_cleanup),
    (1.0, s_invalid_token), (0.5, s_cert_12045), (0.25, s_cert_other), (0.1, s_decrypt_token),
    (0.4, s_stack), (0.1, s_handshake), (0.04, s_restart),
]


# ---------------------------------------------------------------------------------------------
# Portal templates (no requestID attribute; six-digit codes).
# ---------------------------------------------------------------------------------------------
def p_signin(g):
    u = g.rnd.choice(USERS)
    return g.portal_rec("INFO", 219016, "Portal Admin", f"User '{u}' signed in to the portal.", u)


def p_item(g):
    u = g.rnd.choice(USERS)
    verb = g.rnd.choice(("updated", "updated", "shared", "created"))
    return g.portal_rec("INFO", 219210, "Sharing", f"Item '{g.rnd.choice(ITEMS)}' {verb} by user '{u}'.", u)


def p_bad_login(g):
    u = g.rnd.choice(USERS)
    return g.portal_rec("WARNING", 219017, "Portal Admin", f"Failed to sign in user '{u}'. Invalid username or password.", u)


def p_webserver_restart(g):
    return g.portal_rec("WARNING", 217064, "Portal", "The web server was found to be stopped. Re-starting it.", thread=1)


def p_log_started(g):
    return g.portal_rec("INFO", 217039, "Portal", "Log Service started.", thread=1)


def p_pkix(g):
    return g.portal_rec("SEVERE", 219406, "Sharing",
                        "Invalid SSL certificate found. PKIX path building failed: sun.security.provider.certpath."
                        "SunCertPathBuilderException: unable to find valid certification path to requested target",
                        g.rnd.choice(USERS))


def p_validation(g):
    """Multi-line: validation steps, then a Java stack, closing tag on the last line."""
    url = g.rnd.choice(SERVER_URLS)
    return g.portal_rec("SEVERE", 207052, "Portal Admin",
                        f"Validation failed for hosting server '{url}'. Validation steps. "
                        f"Step1: ArcGIS Server administration URL '{url}' is accessible.\n"
                        f"Step2: Validating hosting server.\n"
                        f"Step3: ArcGIS Server '{url}' version matches with Portal for ArcGIS.\n"
                        f"Step4: Error: java.lang.Exception: Server returned HTTP status code 500. "
                        f"Requested URL: {url}/admin/data/validateDataItem.\n"
                        f"\tat com.esri.arcgis.portal.admin.core.util.HttpClient.post(HttpClient.java:318)\n"
                        f"\tat com.esri.arcgis.portal.admin.core.federation.ServerValidator.validateHostingServer(ServerValidator.java:472)",
                        "portaladmin")


def p_token_fail(g):
    return g.portal_rec("SEVERE", 219120, "Portal Admin",
                        "Failed to generate a token for user 'portaladmin'. java.lang.Exception: Server returned HTTP "
                        f"status code 404. Requested URL: {PORTAL_URL}/sharing/generateToken", "portaladmin")


def p_publishing_stopped(g):
    return g.portal_rec("SEVERE", 219251, "Sharing",
                        "The 'System/GPServer/PublishingTools' service is stopped or ArcGIS Server is not started. "
                        "Verify these components are started and try again.", g.rnd.choice(USERS))


PORTAL_TEMPLATES = [
    (400, p_signin), (300, p_item), (20, p_bad_login), (1, p_webserver_restart), (0.5, p_log_started),
    (2, p_pkix), (1, p_validation), (0.5, p_token_fail), (1, p_publishing_stopped),
]


def pick_stream(rnd, templates, k):
    """k templates at once: one random.choices call is far cheaper than k weighted picks."""
    cum = list(itertools.accumulate(w for w, _ in templates))
    return rnd.choices([f for _, f in templates], cum_weights=cum, k=k)


def open_out(path, gz):
    if gz:
        # Name-less header, mtime 0: reruns give identical bytes.
        return gzip.GzipFile(filename="", mode="wb", compresslevel=6, mtime=0, fileobj=open(path + ".gz", "wb"))
    return open(path, "wb")


def write_file(path, gz, g, templates, event_bytes, budget, opening=""):
    """Write about `budget` bytes of records; returns (bytes, records)."""
    # Spread the file over ~20 h so that a machine's daily files do not overlap in time;
    # event_bytes is the measured average output of one template call for this machine kind.
    span_ms = 20 * 3_600_000
    mean_gap = max(2, span_ms * event_bytes // max(1, budget))
    written = 0
    records = 0
    buf = [opening] if opening else []
    size = len(opening)
    f = open_out(path, gz)
    try:
        while written + size < budget:
            for tmpl in pick_stream(g.rnd, templates, 2048):
                g.tick(1, 2 * mean_gap)
                line = tmpl(g)
                buf.append(line)
                size += len(line)
                records += line.count("<Msg ")
                if written + size >= budget:
                    break
            if size >= CHUNK or written + size >= budget:
                f.write("".join(buf).encode("ascii"))
                written += size
                buf, size = [], 0
        if buf:
            f.write("".join(buf).encode("ascii"))
            written += size
    finally:
        if gz:
            raw = f.fileobj
            f.close()
            raw.close()
        else:
            f.close()
    return written, records


def server_name(start_s, pid):
    return "server-" + time.strftime("%Y%m%d.%H%M%S", time.gmtime(start_s)) + f"-{pid}-0.0.log"


def portal_name(start_s):
    return "portal-" + time.strftime("%Y%m%d.%H%M%S", time.gmtime(start_s)) + ".log"


def plan(args):
    """(machine, is_portal, start second, byte budget) for every file, in a fixed order."""
    rnd = random.Random(args.seed ^ 0x5EED)
    jobs = []
    if args.small_files:
        # Few-KB files, as after many short-lived restarts: round-robin over the machines.
        machines = [(m, False) for m in SERVERS] + [(PORTAL, True)]
        for i in range(args.small_files):
            m, is_portal = machines[i % len(machines)]
            start = BASE_EPOCH + (i // len(machines)) * 1800 + rnd.randrange(1800)
            jobs.append((m, is_portal, start, rnd.randrange(2048, 6144)))
        return jobs
    total = args.size
    per_server = total * (1 - PORTAL_SHARE) / len(SERVERS)
    for m, share, is_portal in [(m, per_server, False) for m in SERVERS] + [(PORTAL, total * PORTAL_SHARE, True)]:
        n = args.files_per_machine
        weights = [rnd.uniform(0.6, 1.4) for _ in range(n)]
        for k, w in enumerate(weights):
            start = BASE_EPOCH + k * 86400 + 6 * 3600 + rnd.randrange(3600)
            jobs.append((m, is_portal, start, int(share * w / sum(weights))))
    return jobs


def parse_size(text):
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([KMG]?)B?", text.strip().upper())
    if not m:
        raise argparse.ArgumentTypeError(f"bad size {text!r} (use e.g. 200M, 5M, 512K, 1G)")
    return int(float(m.group(1)) * {"": 1, "K": 10**3, "M": 10**6, "G": 10**9}[m.group(2)])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir")
    ap.add_argument("--size", type=parse_size, default=parse_size("200M"), help="total uncompressed size, decimal units: 200M = 200,000,000 bytes (default 200M)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--gzip", action="store_true", help="write every log as .log.gz (zlib level 6, mtime 0)")
    ap.add_argument("--small-files", type=int, metavar="N", default=0, help="write N files of 2-6 KB instead of --size")
    ap.add_argument("--files-per-machine", type=int, default=4)
    ap.add_argument("--force", action="store_true", help="replace OUTDIR if it exists")
    args = ap.parse_args()

    if os.path.exists(args.outdir) and os.listdir(args.outdir):
        if not args.force:
            sys.exit(f"genlog: {args.outdir} exists and is not empty (use --force to replace it)")
        shutil.rmtree(args.outdir)

    began = time.monotonic()
    total_bytes = total_records = files = 0
    newest = {}
    for idx, (machine, is_portal, start, budget) in enumerate(plan(args)):
        # One random stream per file, derived from the seed and the file's index: files are
        # independent, so changing one budget does not reshuffle every other file.
        rnd = random.Random(args.seed * 1_000_003 + idx)
        g = Gen(rnd, machine, start)
        if is_portal:
            d = os.path.join(args.outdir, "arcgisportal", "logs", machine, "portal")
            name = portal_name(start)
            opening = g.portal_rec("INFO", 217039, "Portal", "Log Service started.", thread=1)
            templates, event_bytes = PORTAL_TEMPLATES, 235
        else:
            d = os.path.join(args.outdir, "arcgisserver", "logs", machine, "server")
            name = server_name(start, g.owner_pid)
            opening = g.server("INFO", 6513, "Server", g.owner_pid, 1, "Initializing the server machine.")
            templates, event_bytes = SERVER_TEMPLATES, 690
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, name)
        nbytes, nrec = write_file(path, args.gzip, g, templates, event_bytes, budget, opening)
        total_bytes += nbytes
        total_records += nrec
        files += 1
        if not is_portal and (machine not in newest or start > newest[machine][0]):
            newest[machine] = (start, path)
    for _, path in newest.values():
        # The live file of each server machine is locked by Java's FileHandler; tools must skip it.
        open(path + ".lck", "wb").close()

    secs = time.monotonic() - began
    print(f"genlog: {files} files, {total_records} records, {total_bytes / 1e6:.1f} MB uncompressed"
          f"{' (gzipped)' if args.gzip else ''} in {secs:.1f} s -> {args.outdir}", file=sys.stderr)


if __name__ == "__main__":
    main()
