#!/usr/bin/env python3
"""Regenerate the sample trees under Samples/: small, fictional ArcGIS Enterprise sites.

    basic/            a day with a certificate incident (a new internal CA), a token burst and a restart
    untrusted-ca/     12045 because the portal's certificate comes from a CA the Server does not trust
    token-expiry/     12045 in clusters an hour apart, each just after 'Invalid token.' / HTTP 498
    self-signed/      12045 and PKIX against the Server's own default self-signed certificate
    machine-restart/  a burst of 12045 right after the machine running Portal and Server reboots
    clean/            an ordinary day: nothing to find, only numbers that look like 12045

Each tree except basic has a README with its story, the expected top cause and what must not be
concluded.

Usage:
    python3 scripts/make-samples.py            # (re)write every tree
    python3 scripts/make-samples.py --check    # exit 1 if any tree differs from a fresh run

The records are synthetic: message templates follow Esri's published wording where a public source
gives it, values (machines, services, users, GUIDs, times) are invented. The output is
byte-identical on every run and every Python 3 version: a fixed seed, only the parts of `random`
whose algorithm is stable (getrandbits, randrange, choice, random), and a hand-built gzip header.
"""

import argparse
import datetime as dt
import filecmp
import os
import random
import shutil
import struct
import sys
import tempfile
import textwrap
import zlib

SEED = 20261114
DAY = dt.date(2026, 11, 14)
PREV_DAY = dt.date(2026, 11, 13)

SERVER = "GIS-SERVER01.CONTOSO.LOCAL"
PORTAL = "GIS-PORTAL01.CONTOSO.LOCAL"
SERVER_URL = "https://gis-server01.contoso.local:6443/arcgis"
PORTAL_URL = "https://gis-portal01.contoso.local:7443/arcgis"
WEB_ADAPTOR_PORTAL = "https://gis.contoso.local/portal"

# ArcGIS Server pids. The file name carries the pid of the process that owns the log file (the
# ArcGIS Server service, as pid 532 in public logs writes 7708/7706 and cleanup lines), while
# request traffic comes from the web server child, whose pid changes when the machine is
# stopped and started from the Administrator Directory. That is why one file can hold both the
# 13:12 shutdown and the 13:13 start-up.
PREV_OWNER_PID, PREV_WEB_PID = 3980, 4416
OWNER_PID = 4212
WEB_PID_BEFORE, WEB_PID_AFTER = 5176, 8840
PORTAL_PID = 2876

# (REST path, instance name used by 7615/8002/9003, SOC pid before 13:12, SOC pid after 13:13).
# Hosted layers run in the shared DynamicMappingHost instance; vector tiles need no SOC at all.
SERVICES = [
    ("Basemaps/Streets/MapServer", "Basemaps.Streets.MapServer", 5904, 9724),
    ("Parcels/MapServer", "Parcels.MapServer", 12045, 9852),  # trap: a SOC pid of 12045
    ("Parcels/FeatureServer", "Parcels.MapServer", None, None),
    ("Zoning/MapServer", "Zoning.MapServer", 2688, 10116),
    ("Utilities/WaterNetwork/MapServer", "Utilities.WaterNetwork.MapServer", 9316, 10388),
    ("Utilities/WaterNetwork/FeatureServer", "Utilities.WaterNetwork.MapServer", None, None),
    ("Elevation/Hillshade/ImageServer", "Elevation.Hillshade.ImageServer", 11460, 10640),
    ("Locators/Contoso_Composite/GeocodeServer", "Locators.Contoso_Composite.GeocodeServer", 10272, 10892),
    ("Hosted/Hydrant_Inspections/FeatureServer", "System.DynamicMappingHost.MapServer", 3344, 11204),
    ("Hosted/Street_Trees/FeatureServer", "System.DynamicMappingHost.MapServer", 3352, 11232),
    ("Hosted/Contoso_Basemap_VTL/VectorTileServer", None, None, None),
]
PRINT_SOC = (7032, 11500)
PUBLISH_SOC = (6620, 11536)
USERS = ["asmith", "bjones", "cnguyen", "dlee", "emartin"]


def stamp(t):
    # Esri writes the milliseconds as a plain integer, not zero-padded: ",65" is 65 ms.
    return f"{t:%Y-%m-%dT%H:%M:%S},{t.microsecond // 1000}"


def at(day, h, m, s=0, ms=0):
    return dt.datetime(day.year, day.month, day.day, h, m, s, ms * 1000)


def ms(n):
    return dt.timedelta(milliseconds=n)


class Log:
    """Records of one file, kept as tuples and serialised in time order with a little disorder."""

    def __init__(self, machine, with_request_id):
        self.machine = machine
        self.with_request_id = with_request_id
        self.records = []

    def add(self, t, level, code, source, pid, thread, text, rid="", user="", method=""):
        self.records.append((t, len(self.records), level, code, source, pid, thread, method, user, rid, text))

    def render(self, rnd):
        recs = sorted(self.records)
        # Real files are "nearly" ordered: threads stamp a record, then queue it. Swap a few
        # neighbours that are close in time so readers cannot assume strict order.
        for i in range(len(recs) - 1):
            close = (recs[i + 1][0] - recs[i][0]) <= ms(150)
            if close and rnd.random() < 0.06:
                recs[i], recs[i + 1] = recs[i + 1], recs[i]
        out = []
        for t, _, level, code, source, pid, thread, method, user, rid, text in recs:
            head = (f'<Msg time="{stamp(t)}" type="{level}" code="{code}" source="{source}" '
                    f'process="{pid}" thread="{thread}" methodName="{method}" machine="{self.machine}" '
                    f'user="{user}" elapsed=""')
            if self.with_request_id:
                head += f' requestID="{rid}"'
            out.append(f"{head}>{text}</Msg>\n")
        return "".join(out)


class Site:
    """Everything random goes through here so one seed fixes the whole tree."""

    def __init__(self, seed):
        self.rnd = random.Random(seed)

    def hex(self, nbits):
        # The only 12045s in the sample are the deliberate traps, so random ids never contain it.
        while True:
            h = f"{self.rnd.getrandbits(nbits):0{nbits // 4}x}"
            if "12045" not in h:
                return h

    def guid(self):
        h = self.hex(128)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) % 4]}{h[17:20]}-{h[20:]}"

    def job_id(self):
        return "j" + self.hex(128)

    def item_id(self):
        return self.hex(128)

    def gap(self, lo, hi):
        return ms(self.rnd.randrange(lo, hi))


def web_pid(t):
    return WEB_PID_BEFORE if t < at(DAY, 13, 12, 30) else WEB_PID_AFTER


def soc(pids, t):
    return pids[0] if t < at(DAY, 13, 12, 30) else pids[1]


def request(site, log, t, svc, pid, user="Anonymous user", rid=None, slow=False):
    """One REST request: 9029, then the SOC wait-time line if an instance serves it."""
    rnd = site.rnd
    rid = rid or site.guid()
    rest, inst = svc[0], svc[1]
    log.add(t, "INFO", 9029, "Rest", pid, 1, f"Request user: {user}, Service: {rest}", rid)
    t += site.gap(2, 40)
    if rnd.random() < 0.12:
        log.add(t, "FINE", 8522, "Server", pid, 27, "HTTP Referer: Not Available", rid,
                user, "WebSecurityManager.authenticate")
        t += site.gap(1, 9)
    if rnd.random() < 0.10:
        name = rest.split("/")[-2]
        log.add(t, "INFO", 9000, "Rest", pid, 1, f"Using the provider information of service {name} to lookup object. ", rid)
        t += site.gap(1, 15)
    if inst:
        wait = rnd.choice([0] * 12 + [1, 2, 3, 5, 16, 31])
        if slow:
            log.add(t + ms(60000), "WARNING", 9003, "Rest", pid, 1,
                    f"Unable to process request. Wait time of the request to the service '{inst}' has expired.", rid)
        else:
            log.add(t, "FINE", 7615, "Server", pid, 27,
                    f"Wait time for '{inst}' service request is {wait} milliseconds.", rid)
    return t


def browse(site, log, t, nreq, pid=None, user="Anonymous user", services=None):
    """A person panning a web map: a burst of requests to the few services the map uses."""
    rnd = site.rnd
    services = services or [rnd.choice(SERVICES) for _ in range(rnd.randrange(1, 4))]
    for _ in range(nreq):
        request(site, log, t, rnd.choice(services), pid or web_pid(t), user)
        t += site.gap(60, 2500)
    return t


def publish(site, log, t, user, elapsed_ms, status, pid, soc_pid, fail_url=None, polls=3):
    """Portal-driven publishing through System/PublishingTools: submit, poll, job end."""
    svc = "System/PublishingTools.GPServer"
    job = site.job_id()

    def soap_call(t):
        rid = site.guid()
        log.add(t, "INFO", 9502, "Soap", pid, 22,
                f"Request received from the user '{user}' for the service '{svc}'.", rid, user)
        log.add(t + site.gap(3, 30), "FINE", 7615, "Server", pid, 27,
                "Wait time for 'System.PublishingTools.GPServer' service request is 0 milliseconds.", rid)
        log.add(t + site.gap(40, 300), "INFO", 9526, "Soap", pid, 22,
                f"Request for the service '{svc}' processed successfully. Response sent to the user '{user}'.", rid)
        return rid

    first = soap_call(t)
    start = t + site.gap(400, 900)
    log.add(start, "VERBOSE", 7597, "Server", pid, 27, f"Executing geoprocessing job '{job}'.")
    for i in range(polls):
        soap_call(start + ms(int(elapsed_ms * (i + 1) / (polls + 1))))
    end = start + ms(elapsed_ms)
    if fail_url:
        log.add(end - ms(35), "SEVERE", 20010, "System/PublishingTools.GPServer", soc_pid, 4,
                f"The certificate authority is invalid or incorrect (WinINet ERROR_INTERNET_INVALID_CA, 12045), URL = {fail_url}")
    log.add(end, "VERBOSE", 7718, "Server", pid, 27,
            f"Job '{job}' for service 'System/PublishingTools' completed its execution. "
            f"The status of the job after completion was '{status}'. Elapsed time '{elapsed_ms}' ms.", first)
    return end


def print_fails(site, log, t, user):
    """A print from a web map whose layers come through the portal: the SOC's WinINet call fails."""
    rid = site.guid()
    pid = web_pid(t)
    svc = ("Utilities/PrintingTools/GPServer", "Utilities.PrintingTools.GPServer")
    request(site, log, t, svc, pid, user, rid)
    item = site.item_id()
    url = f"{PORTAL_URL}/sharing/rest/content/items/{item}/data"
    text = f"The certificate authority is invalid or incorrect (WinINet ERROR_INTERNET_INVALID_CA, 12045), URL = {url}"
    if site.rnd.random() < 0.5:
        # Print errors are usually wrapped in the tool's own message; a detector must find the
        # WinINet part anywhere in the text, not only at its start.
        text = f"Error executing tool. Export Web Map Task : Failed to create layer from service at {url}. {text}"
    log.add(t + site.gap(700, 2600), "SEVERE", 20010, "Utilities/PrintingTools.GPServer",
            soc(PRINT_SOC, t), 4, text, rid)


def cleanup(log, t, pid):
    for d in ("arcgisjobs", "arcgisoutput", "arcgissystem\\arcgisuploads"):
        log.add(t, "FINE", 6646, "Admin", pid, 1, f"checking for expired items in D:\\arcgisserver\\directories\\{d}")
        t += ms(37)
    log.add(t + ms(412), "VERBOSE", 6651, "Admin", pid, 1, "Directory cleanup removed scratch from arcgisoutput.")


def shutdown(log, t, owner, socs, site):
    """The shape public logs show: 8002 from every ArcSOC, then 7708, then 7706."""
    for inst, pid in socs:
        log.add(t, "FINE", 8002, inst.replace(".", "/", inst.count(".") - 1), pid, site.rnd.choice([1, 22]),
                f"Shutting down an instance of service '{inst.replace('.', '/', inst.count('.') - 1)}'.")
        t += site.gap(4, 260)
    log.add(t + ms(7431), "VERBOSE", 7708, "Server", owner, 1,
            "Could not stop server processes gracefully. Now terminating the processes.")
    log.add(t + ms(9317), "INFO", 7706, "Server", owner, 1, "Web server stopped successfully.")


def soc_list(after):
    socs = [(inst, pids[1] if after else pids[0]) for _, inst, *pids in SERVICES if pids[0]]
    socs += [("Utilities.PrintingTools.GPServer", PRINT_SOC[1] if after else PRINT_SOC[0]),
             ("System.PublishingTools.GPServer", PUBLISH_SOC[1] if after else PUBLISH_SOC[0])]
    return socs


def daily_sessions(site, log, day, start, end, count, quiet=()):
    """Spread `count` browsing sessions over [start, end), skipping the quiet windows."""
    rnd = site.rnd
    span = int((end - start).total_seconds())
    times = sorted(start + dt.timedelta(seconds=rnd.randrange(span), milliseconds=rnd.randrange(1000))
                   for _ in range(count))
    for t in times:
        if any(a <= t <= b for a, b in quiet):
            continue
        who = "Anonymous user" if rnd.random() < 0.7 else rnd.choice(USERS)
        pid = PREV_WEB_PID if day == PREV_DAY else None
        browse(site, log, t, rnd.randrange(3, 9), pid, who)


# --------------------------------------------------------------------------------------------
# The current server file: 2026-11-14 06:15:02 until the logs were collected at ~16:30.
# --------------------------------------------------------------------------------------------
def server_today(site):
    log = Log(SERVER, True)
    rnd = site.rnd
    t0 = at(DAY, 6, 15, 2, 318)
    log.add(t0, "INFO", 6513, "Server", OWNER_PID, 1, "Initializing the server machine.")
    cleanup(log, at(DAY, 6, 45, 0, 77), OWNER_PID)
    cleanup(log, at(DAY, 14, 45, 0, 5), OWNER_PID)

    # No session may run into the restart: a burst lasts up to ~20 s.
    restart = (at(DAY, 13, 11, 45), at(DAY, 13, 13, 40))
    daily_sessions(site, log, DAY, at(DAY, 6, 20), at(DAY, 16, 25), 45, quiet=[restart])

    # Noise that must not look like the incident: timeouts and a missing service.
    for h, m in [(8, 12), (9, 47), (11, 3), (11, 4), (15, 21)]:
        t = at(DAY, h, m, rnd.randrange(60), rnd.randrange(1000))
        request(site, log, t, SERVICES[4], web_pid(t), slow=True)
    for h, m in [(7, 55), (12, 31)]:
        t = at(DAY, h, m, rnd.randrange(60), rnd.randrange(1000))
        rid = site.guid()
        log.add(t, "INFO", 9029, "Rest", web_pid(t), 1, "Request user: Anonymous user, Service: Old_Landuse_2019/MapServer", rid)
        log.add(t + ms(4), "WARNING", 9003, "Rest", web_pid(t), 1,
                "Unable to process request. Error handling service request :Could not find service. "
                "Service may be stopped or it may not be configured.", rid)

    # Trap: a requestID that happens to contain 12045 on an ordinary map request.
    request(site, log, at(DAY, 9, 17, 40, 9), SERVICES[1], WEB_PID_BEFORE, rid="c3a81f6e-5b2d-4e90-8d17-a120452f9be3")

    # Morning publish succeeds. Trap: the job took 12045 ms.
    publish(site, log, at(DAY, 10, 41, 5, 302), "asmith", 12045, "esriJobSucceeded", WEB_PID_BEFORE, PUBLISH_SOC[0])
    browse(site, log, at(DAY, 10, 42, 31, 64), 6, services=[SERVICES[8]], user="asmith")

    # 13:03 first symptom: portal answers 'Invalid token.' to the server's privilege checks.
    t = at(DAY, 13, 3, 9, 412)
    for _ in range(7):
        rid = site.guid()
        log.add(t, "WARNING", 9000, "Rest", WEB_PID_BEFORE, 1,
                f"Exception in get user privileges  Server machine '{PORTAL_URL}/sharing/rest/community/self' "
                f"returned an error. 'Invalid token.'", rid)
        t += site.gap(900, 9000)

    # 13:04-13:39 the ArcSOCs' WinINet calls to the portal fail: its new certificate was issued
    # by a CA whose root is not in the Server machine's Windows store.
    for h, m, s in [(13, 4, 20), (13, 4, 57), (13, 6, 29), (13, 7, 58), (13, 9, 39),
                    (13, 10, 32), (13, 11, 50), (13, 16, 4), (13, 21, 39), (13, 33, 49), (13, 39, 17)]:
        print_fails(site, log, at(DAY, h, m, s, rnd.randrange(1000)), rnd.choice(USERS[:3]))
    publish(site, log, at(DAY, 13, 5, 44, 810), "asmith", 2214, "esriJobFailed", WEB_PID_BEFORE, PUBLISH_SOC[0],
            fail_url=f"{PORTAL_URL}/sharing/rest/content/users/asmith/addItem", polls=1)
    log.add(at(DAY, 13, 7, 11, 93), "SEVERE", 20010, "System/PublishingTools.GPServer", PUBLISH_SOC[0], 4,
            f"The certificate authority is invalid or incorrect (WinINet ERROR_INTERNET_INVALID_CA, 12045), "
            f"URL = {PORTAL_URL}/sharing/rest/portals/self")
    publish(site, log, at(DAY, 13, 27, 10, 5), "bjones", 1988, "esriJobFailed", WEB_PID_AFTER, PUBLISH_SOC[1],
            fail_url=f"{PORTAL_URL}/sharing/rest/content/users/bjones/addItem", polls=1)

    # 13:12 an administrator stops and starts the machine; it does not help.
    shutdown(log, at(DAY, 13, 12, 31, 206), OWNER_PID, soc_list(after=False), site)
    log.add(at(DAY, 13, 13, 5, 41), "INFO", 6513, "Server", OWNER_PID, 1, "Initializing the server machine.")
    log.add(at(DAY, 13, 13, 38, 6), "SEVERE", 6570, "Admin", WEB_PID_AFTER, 31,
            "Failed to start one or more services.  com.esri.arcgis.discovery.admin.AdminException: "
            "Service 'Zoning'.'MapServer' could not be started because the server machine is still initializing.\n"
            "\tat com.esri.arcgis.discovery.admin.services.ServiceManager.startService(ServiceManager.java:1184)\n"
            "\tat com.esri.arcgis.discovery.admin.services.ServiceManager.startAll(ServiceManager.java:905)\n"
            "\tat com.esri.arcgis.discovery.admin.machines.MachineStarter.run(MachineStarter.java:221)\n"
            "\tat java.base/java.lang.Thread.run(Thread.java:829)")
    log.add(at(DAY, 13, 14, 2, 9), "VERBOSE", 7320, "Admin", WEB_PID_AFTER, 31, "Starting the service 'Zoning.MapServer'.")

    # 13:41 the root CA is imported on both machines; from 13:42 on everything works again.
    publish(site, log, at(DAY, 13, 52, 14, 7), "asmith", 10387, "esriJobSucceeded", WEB_PID_AFTER, PUBLISH_SOC[1])
    return log


def server_yesterday(site):
    """The previous rotation: 2026-11-13 06:14:55 until the scheduled restart at 06:14 next day."""
    log = Log(SERVER, True)
    rnd = site.rnd
    log.add(at(PREV_DAY, 6, 14, 55, 902), "INFO", 6513, "Server", PREV_OWNER_PID, 1, "Initializing the server machine.")
    cleanup(log, at(PREV_DAY, 6, 45, 0, 311), PREV_OWNER_PID)
    daily_sessions(site, log, PREV_DAY, at(PREV_DAY, 7, 0), at(PREV_DAY, 17, 30), 7)
    for h, m in [(9, 2), (16, 48)]:
        t = at(PREV_DAY, h, m, rnd.randrange(60), rnd.randrange(1000))
        request(site, log, t, SERVICES[6], PREV_WEB_PID, slow=True)
    publish(site, log, at(PREV_DAY, 10, 2, 40, 55), "bjones", 8734, "esriJobSucceeded", PREV_WEB_PID, 6388)
    # Yesterday's SOC pids: a different boot, so none of today's (and no 12045).
    socs = [(inst, 4 * rnd.randrange(300, 4000)) for inst, _ in soc_list(after=False)]  # Windows pids: multiples of 4
    shutdown(log, at(DAY, 6, 14, 31, 88), PREV_OWNER_PID, socs, site)
    return log


# --------------------------------------------------------------------------------------------
# Portal: file opened at the nightly 06:00 start; the 13:02 restart is of the portal's web
# server only (217064), which keeps writing to the same file.
# --------------------------------------------------------------------------------------------
def portal_today(site):
    log = Log(PORTAL, False)
    rnd = site.rnd
    P = PORTAL_PID

    def add(t, level, code, source, text, user="", thread=None):
        log.add(t, level, code, source, P, thread or rnd.choice([14, 23, 41, 57, 88, 103]), text, user=user)

    add(at(DAY, 6, 0, 0, 412), "INFO", 217039, "Portal", "Log Service started.", thread=1)
    add(at(DAY, 6, 0, 41, 7), "INFO", 217040, "Portal", "Portal for ArcGIS is ready to accept requests.", thread=1)

    signins = sorted(at(DAY, rnd.randrange(6, 17), rnd.randrange(60), rnd.randrange(60), rnd.randrange(1000))
                     for _ in range(48))
    for t in signins:
        if t < at(DAY, 6, 1) or at(DAY, 13, 1, 50) <= t <= at(DAY, 13, 2, 40):  # portal not up
            continue
        user = rnd.choice(USERS + ["fgarcia", "gwhite", "hkim"])
        add(t, "INFO", 219016, "Portal Admin", f"User '{user}' signed in to the portal.", user)
        if rnd.random() < 0.35:
            item = rnd.choice(["Water Main Breaks 2026", "Street Tree Survey", "Zoning Review Map", "Hydrant Dashboard"])
            add(t + site.gap(20000, 900000), "INFO", 219210, "Sharing",
                f"Item '{item}' updated by user '{user}'.", user)
    for h, m in [(7, 31), (11, 58), (15, 9)]:
        user = rnd.choice(["jdoe", "kpatel"])
        add(at(DAY, h, m, rnd.randrange(60), rnd.randrange(1000)), "WARNING", 219017, "Portal Admin",
            f"Failed to sign in user '{user}'. Invalid username or password.", user)

    add(at(DAY, 10, 41, 24, 730), "INFO", 219201, "Sharing",
        "Item 'Hydrant_Inspections' of type 'Feature Service' created by user 'asmith'.", "asmith")

    # The change that starts it all: a new web server certificate from a new internal CA.
    add(at(DAY, 12, 51, 3, 66), "INFO", 219016, "Portal Admin", "User 'portaladmin' signed in to the portal.", "portaladmin")
    add(at(DAY, 12, 56, 40, 215), "INFO", 218451, "Portal Admin",
        "Certificate 'gis-portal01-2026' issued by 'CN=CONTOSO-ISSUING-CA02' imported into the portal keystore.", "portaladmin")
    add(at(DAY, 12, 57, 30, 9), "WARNING", 219302, "Portal Admin",
        "Organization updated: HTTP access disabled. The portal can only be accessed through HTTPS.", "portaladmin")
    add(at(DAY, 13, 1, 48, 521), "INFO", 218452, "Portal Admin",
        "Web server SSL certificate updated to 'gis-portal01-2026'. The portal web server will restart.", "portaladmin")
    add(at(DAY, 13, 2, 6, 48), "WARNING", 217064, "Portal", "The web server was found to be stopped. Re-starting it.", thread=1)

    add(at(DAY, 13, 5, 49, 311), "SEVERE", 219250, "Sharing",
        f"Failed to publish service 'Hydrant_Inspections_v2' for user 'asmith'. The publishing job on '{SERVER_URL}' "
        f"returned status 'esriJobFailed'.", "asmith")
    pkix = ("Invalid SSL certificate found. PKIX path building failed: sun.security.provider.certpath."
            "SunCertPathBuilderException: unable to find valid certification path to requested target")
    add(at(DAY, 13, 6, 44, 5), "SEVERE", 219406, "Sharing", pkix, "cnguyen")
    add(at(DAY, 13, 19, 2, 870), "SEVERE", 219406, "Sharing", pkix, "dlee")

    # Federation check by the admin: a multi-line record (steps, then a Java stack).
    add(at(DAY, 13, 8, 55, 31), "SEVERE", 207052, "Portal Admin",
        f"Validation failed for hosting server '{SERVER_URL}'. Validation steps. "
        f"Step1: ArcGIS Server administration URL '{SERVER_URL}' is accessible.\n"
        f"Step2: Validating hosting server.\n"
        f"Step3: ArcGIS Server '{SERVER_URL}' version matches with Portal for ArcGIS.\n"
        f"Step4: Error: java.lang.Exception: Server returned HTTP status code 500. "
        f"Requested URL: {SERVER_URL}/admin/data/validateDataItem.\n"
        f"java.lang.Exception: Server returned HTTP status code 500. Requested URL: {SERVER_URL}/admin/data/validateDataItem\n"
        f"\tat com.esri.arcgis.portal.admin.core.util.HttpClient.post(HttpClient.java:318)\n"
        f"\tat com.esri.arcgis.portal.admin.core.federation.ServerValidator.validateHostingServer(ServerValidator.java:472)\n"
        f"\tat com.esri.arcgis.portal.admin.core.federation.FederationManager.validate(FederationManager.java:1290)\n"
        f"\tat java.base/java.lang.Thread.run(Thread.java:829)", "portaladmin")

    # A publish attempted while the server machine was restarting (Esri's own SEVERE example).
    add(at(DAY, 13, 12, 51, 604), "SEVERE", 219251, "Sharing",
        "The 'System/GPServer/PublishingTools' service is stopped or ArcGIS Server is not started. "
        "Verify these components are started and try again.", "cnguyen")

    # The fix: import the new root into the portal (which restarts its web server again).
    add(at(DAY, 13, 41, 12, 2), "INFO", 218453, "Portal Admin",
        "Root certificate 'contoso-issuing-ca02' imported. The portal web server will restart.", "portaladmin")
    add(at(DAY, 13, 42, 3, 771), "WARNING", 217064, "Portal", "The web server was found to be stopped. Re-starting it.", thread=1)
    add(at(DAY, 13, 45, 30, 96), "INFO", 207053, "Portal Admin",
        f"Validation succeeded for hosting server '{SERVER_URL}'. ArcGIS Server '{SERVER_URL}' version is "
        f"compatible with Portal for ArcGIS.", "portaladmin")
    add(at(DAY, 13, 52, 33, 418), "INFO", 219201, "Sharing",
        "Item 'Hydrant_Inspections_v2' of type 'Feature Service' created by user 'asmith'.", "asmith")
    return log


README = """\
# Samples/basic: one day of a fictional ArcGIS Enterprise site

Generated by `python3 scripts/make-samples.py` (deterministic; `--check` verifies this folder).
Everything here is invented: names, GUIDs, pids, times. Message texts follow Esri's published
wording where a public source gives it. Codes without a public source are illustrative guesses:
20010 on the certificate records, 7320, and the Portal codes 217040, 207053, 2184xx, 2190xx-2194xx.

Machines: ArcGIS Server `{server}` and Portal for ArcGIS `{portal}`, federated
(Portal is the hosting portal, the Server is its hosting server). Times are the machines' local time.

| file | records | covers |
|---|---|---|
{files}

## The story of 2026-11-14

- 06:00 Portal starts (nightly), 06:15:02 ArcGIS Server starts (nightly restart at 06:14; the end
  of the previous file, gzipped, shows that routine shutdown). Ordinary traffic all day:
  9029/7615/8522/9000 requests, a few 9003 timeouts and one missing service.
- 10:41 `asmith` publishes `Hydrant_Inspections` through System/PublishingTools: 9502/9526, 7597,
  7718 `esriJobSucceeded`.
- 12:56-13:01 `portaladmin` imports a new portal certificate issued by `CONTOSO-ISSUING-CA02` and
  makes it the web server certificate; 13:02:06 Portal restarts its web server (217064).
- 13:03:09 Server: {tokens} `'Invalid token.'` warnings (9000) from the portal's `community/self`.
- {cert_first}-{cert_last} Server: {certs} SEVERE `The certificate authority is invalid or incorrect
  (WinINet ERROR_INTERNET_INVALID_CA, 12045), URL = {portal_url}/sharing/rest/...` records from
  the PrintingTools and PublishingTools ArcSOCs (some wrapped in `Error executing tool. Export Web
  Map Task : ...`); two publish jobs end `esriJobFailed` (13:05, 13:27).
- 13:06:44 and 13:19:02 Portal: `PKIX path building failed` (the portal does not trust the new CA
  either, when it calls itself through the Web Adaptor).
- 13:08:55 Portal: multi-line `Validation failed for hosting server '{server_url}'` (207052,
  Step1..Step4, then a Java stack).
- 13:12:31 Server: the machine is stopped and started from the Administrator Directory: 8002 burst
  from {socs} ArcSOC pids, 7708, 7706; 13:13:05 `Initializing the server machine.` (6513); a
  multi-line 6570 SEVERE at 13:13:38. Portal meanwhile logs that PublishingTools is stopped
  (13:12:51). The restart does not help: failures go on until {cert_last}.
- 13:41 the root of CONTOSO-ISSUING-CA02 is imported into Portal (217064 again at 13:42:03) and
  into the Server machine's Windows store (not logged). No failure after that; 13:52 a publish
  succeeds and Portal validates the hosting server.

## Traps: 12045 that is not a certificate error

- `process="12045"`: the ArcSOC of `Parcels.MapServer`, in the 8002 shutdown burst at 13:12:31.
- `requestID="c3a81f6e-5b2d-4e90-8d17-a120452f9be3"`: an ordinary Parcels request at 09:17:40.
- `Elapsed time '12045' ms.`: the successful 7718 job end at 10:41:18.

Also: milliseconds are not zero-padded (`,5` is 5 ms), a few neighbouring records are out of
order, Portal records have no `requestID`, and `server-*.log.lck` is an empty lock file.
"""


def gzip_bytes(data, level=9):
    # Built by hand because gzip.compress's header bytes changed between Python versions (3.11
    # hands mtime=0 to zlib, which writes another OS byte). These bytes match `gzip -9 -n`:
    # no name, mtime 0, XFL 2 (best compression), OS 3 (Unix).
    co = zlib.compressobj(level, zlib.DEFLATED, -15)
    body = co.compress(data) + co.flush()
    return (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03" + body
            + struct.pack("<II", zlib.crc32(data) & 0xFFFFFFFF, len(data) & 0xFFFFFFFF))


def build(out):
    site = Site(SEED)
    srv_dir = os.path.join(out, "arcgisserver", "logs", SERVER, "server")
    por_dir = os.path.join(out, "arcgisportal", "logs", PORTAL, "portal")
    os.makedirs(srv_dir)
    os.makedirs(por_dir)

    today, yesterday, portal = server_today(site), server_yesterday(site), portal_today(site)
    files = [
        (f"arcgisserver/logs/{SERVER}/server/server-20261114.061502-{OWNER_PID}-0.0.log", today, False),
        (f"arcgisserver/logs/{SERVER}/server/server-20261113.061455-{PREV_OWNER_PID}-0.0.log.gz", yesterday, True),
        (f"arcgisportal/logs/{PORTAL}/portal/portal-20261114.060000.log", portal, False),
    ]
    rows = []
    for rel, log, gz in files:
        data = log.render(site.rnd).encode("ascii")
        if gz:
            data = gzip_bytes(data)
        with open(os.path.join(out, rel), "wb") as f:
            f.write(data)
        first, last = min(r[0] for r in log.records), max(r[0] for r in log.records)
        rows.append(f"| `{rel}` | {len(log.records)} | {first:%Y-%m-%d %H:%M} - {last:%Y-%m-%d %H:%M} |")
    open(os.path.join(srv_dir, f"server-20261114.061502-{OWNER_PID}-0.0.log.lck"), "wb").close()

    def count(log, needle):
        return sum(needle in r[-1] for r in log.records)

    cert_times = sorted(r[0] for r in today.records if "ERROR_INTERNET_INVALID_CA" in r[-1])

    text = README.format(
        server=SERVER, portal=PORTAL, server_url=SERVER_URL, portal_url=PORTAL_URL,
        files="\n".join(rows), tokens=count(today, "'Invalid token.'"),
        certs=len(cert_times), cert_first=f"{cert_times[0]:%H:%M:%S}", cert_last=f"{cert_times[-1]:%H:%M:%S}",
        socs=len(soc_list(after=False)))
    with open(os.path.join(out, "README.md"), "w", encoding="ascii", newline="\n") as f:
        f.write(text)
    sanity(today, portal)


def sanity(today, portal):
    """Fail loudly if an edit breaks the story that tests and the README rely on."""
    def fields(r):  # every attribute and the text, but not the sort key or sequence number
        return "|".join(map(str, r[2:]))

    hits = [r for r in today.records if "12045" in fields(r)]
    certs = [r for r in hits if "ERROR_INTERNET_INVALID_CA" in r[-1]]
    traps = [r for r in hits if r not in certs]
    assert len(certs) == 14, len(certs)
    # pid (1 record), requestID (the 9029 and 7615 of one request), elapsed time (1 record)
    assert len(traps) == 4, traps
    assert not any("12045" in fields(r) for r in portal.records)



# ============================================================================================
# The cause trees. One small federated site per cause of 12045 that Esri KB 000013244 lists
# (untrusted CA, expiring tokens, a self-signed certificate, a machine restart) plus a clean day.
# Same layout and record shapes as Samples/basic; each tree has its own seed, machines and pids,
# so editing one tree never changes another (or basic).
# ============================================================================================

WININET_CA = ("The certificate authority is invalid or incorrect (WinINet ERROR_INTERNET_INVALID_CA, 12045), "
              "URL = {}")
PKIX_TEXT = ("Invalid SSL certificate found. PKIX path building failed: sun.security.provider.certpath."
             "SunCertPathBuilderException: unable to find valid certification path to requested target")
PRINT_SVC = ("Utilities/PrintingTools/GPServer", "Utilities.PrintingTools.GPServer")
PUBLISH_INST = "System.PublishingTools.GPServer"
PORTAL_THREADS = [14, 23, 41, 57, 88, 103]
PORTAL_READY = "Portal for ArcGIS is ready to accept requests."


def hms(t):
    return f"{t:%H:%M:%S}"


def reflow(text, width=100):
    """Re-wrap the README's paragraphs and bullets (not headings or tables) after substitution."""
    out, para = [], []

    def flush():
        if para:
            bullet = para[0].startswith("- ")
            joined = " ".join(line.strip() for line in para)
            out.extend(textwrap.wrap(joined, width, subsequent_indent="  " if bullet else "",
                                     break_long_words=False, break_on_hyphens=False))
            para.clear()

    for line in text.split("\n"):
        if not line.strip() or line.startswith(("#", "|")):
            flush()
            out.append(line)
        elif line.startswith("- "):
            flush()
            para.append(line)
        else:
            para.append(line)
    flush()
    return "\n".join(out)


def day_hms(t):
    return f"{t:%Y-%m-%d %H:%M:%S}"


def span(td):
    minutes = int(td.total_seconds()) // 60
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"


class Scene:
    """One fictional federated site: machines, services, process ids and the log files."""

    def __init__(self, seed, server, portal, services, users, portal_users, items, extra_instances=()):
        self.site = Site(seed)
        self.rnd = self.site.rnd
        self.server, self.portal = server, portal
        self.services, self.users, self.portal_users, self.items = services, users, portal_users, items
        self.instances = sorted({inst for _, inst in services if inst} | {PRINT_SVC[1], PUBLISH_INST}
                                | set(extra_instances))
        self.srv = []    # (start, Log, owner pid, web server pid, {instance: ArcSOC pid})
        self.por = []    # (start, Log, pid)
        self.files = []  # (relative path, Log, gzip?)
        self.locks = []

    # -- files and processes ----------------------------------------------------------------
    def new_pid(self, used):
        while True:
            pid = 4 * self.rnd.randrange(300, 6000)  # Windows pids are multiples of 4
            if pid not in used:
                used.add(pid)
                return pid

    def server_file(self, start, owner, web, gz=False, startup=True, lock=False, socs=None):
        """A server log file opened at `start`; with startup, its first record is 6513."""
        used = {owner, web}
        pids = {inst: self.new_pid(used) for inst in self.instances}
        pids.update(socs or {})
        log = Log(self.server, True)
        self.srv.append((start, log, owner, web, pids))
        rel = f"arcgisserver/logs/{self.server}/server/server-{start:%Y%m%d.%H%M%S}-{owner}-0.0.log"
        self.files.append((rel + (".gz" if gz else ""), log, gz))
        if lock:
            self.locks.append(rel + ".lck")
        if startup:
            log.add(start, "INFO", 6513, "Server", owner, 1, "Initializing the server machine.")
        return log

    def portal_file(self, start, pid, startup=True, ready_after=None):
        log = Log(self.portal, False)
        self.por.append((start, log, pid))
        self.files.append((f"arcgisportal/logs/{self.portal}/portal/portal-{start:%Y%m%d.%H%M%S}.log", log, False))
        if startup:
            self.padd(start, "INFO", 217039, "Portal", "Log Service started.", thread=1)
            self.padd(start + (ready_after or self.site.gap(35000, 48000)), "INFO", 217040, "Portal",
                      PORTAL_READY, thread=1)
        return log

    def _srv(self, t):
        cur = self.srv[0]
        for run in self.srv:
            if run[0] <= t:
                cur = run
        return cur

    def owner(self, t):
        return self._srv(t)[2]

    def web(self, t):
        return self._srv(t)[3]

    def soc(self, inst, t):
        return self._srv(t)[4][inst]

    def sadd(self, t, level, code, source, pid, thread, text, rid="", user="", method=""):
        self._srv(t)[1].add(t, level, code, source, pid, thread, text, rid, user, method)

    def padd(self, t, level, code, source, text, user="", thread=None):
        cur = self.por[0]
        for run in self.por:
            if run[0] <= t:
                cur = run
        cur[1].add(t, level, code, source, cur[2], thread or self.rnd.choice(PORTAL_THREADS), text, user=user)

    # -- ArcGIS Server traffic ----------------------------------------------------------------
    def request(self, t, svc, user="Anonymous user", rid=None, slow=False):
        """One REST request: 9029, sometimes 8522/9000, then the SOC wait line (or a 9003 timeout)."""
        rnd, site = self.rnd, self.site
        pid = self.web(t)
        rid = rid or site.guid()
        rest, inst = svc
        self.sadd(t, "INFO", 9029, "Rest", pid, 1, f"Request user: {user}, Service: {rest}", rid)
        t += site.gap(2, 40)
        if rnd.random() < 0.12:
            self.sadd(t, "FINE", 8522, "Server", pid, 27, "HTTP Referer: Not Available", rid,
                      user, "WebSecurityManager.authenticate")
            t += site.gap(1, 9)
        if rnd.random() < 0.10:
            name = rest.split("/")[-2]
            self.sadd(t, "INFO", 9000, "Rest", pid, 1,
                      f"Using the provider information of service {name} to lookup object. ", rid)
            t += site.gap(1, 15)
        if inst:
            wait = rnd.choice([0] * 12 + [1, 2, 3, 5, 16, 31])
            if slow:
                self.sadd(t + ms(60000), "WARNING", 9003, "Rest", pid, 1,
                          f"Unable to process request. Wait time of the request to the service '{inst}' has expired.", rid)
            else:
                self.sadd(t, "FINE", 7615, "Server", pid, 27,
                          f"Wait time for '{inst}' service request is {wait} milliseconds.", rid)
        return t

    def browse(self, t, nreq, user="Anonymous user", services=None):
        rnd = self.rnd
        services = services or [rnd.choice(self.services) for _ in range(rnd.randrange(1, 4))]
        for _ in range(nreq):
            self.request(t, rnd.choice(services), user)
            t += self.site.gap(60, 2500)
        return t

    def random_times(self, start, end, count):
        rnd = self.rnd
        span = int((end - start).total_seconds())
        return sorted(start + dt.timedelta(seconds=rnd.randrange(span), milliseconds=rnd.randrange(1000))
                      for _ in range(count))

    def sessions(self, start, end, count, quiet=()):
        """`count` browsing sessions in [start, end); none starts within 30 s before a quiet window."""
        rnd = self.rnd
        for t in self.random_times(start, end, count):
            if any(a - dt.timedelta(seconds=30) <= t <= b for a, b in quiet):
                continue
            who = "Anonymous user" if rnd.random() < 0.7 else rnd.choice(self.users)
            self.browse(t, rnd.randrange(3, 9), who)

    def timeouts(self, times, svc):
        for t in times:
            self.request(t, svc, slow=True)

    def missing_service(self, t, rest):
        rid = self.site.guid()
        self.sadd(t, "INFO", 9029, "Rest", self.web(t), 1, f"Request user: Anonymous user, Service: {rest}", rid)
        self.sadd(t + ms(4), "WARNING", 9003, "Rest", self.web(t), 1,
                  "Unable to process request. Error handling service request :Could not find service. "
                  "Service may be stopped or it may not be configured.", rid)

    def cleanup(self, t):
        cleanup(self._srv(t)[1], t, self.owner(t))

    def wininet(self, t, source, inst, url, rid="", text=None):
        self.sadd(t, "SEVERE", 20010, source, self.soc(inst, t), 4, text or WININET_CA.format(url), rid)

    def publish(self, t, user, elapsed_ms, status, fail_url=None, polls=2):
        """Portal-driven publishing through System/PublishingTools: submit, poll, job end."""
        site = self.site
        svc = "System/PublishingTools.GPServer"
        job = site.job_id()
        pid = self.web(t)

        def soap_call(t):
            rid = site.guid()
            self.sadd(t, "INFO", 9502, "Soap", pid, 22,
                      f"Request received from the user '{user}' for the service '{svc}'.", rid, user)
            self.sadd(t + site.gap(3, 30), "FINE", 7615, "Server", pid, 27,
                      f"Wait time for '{PUBLISH_INST}' service request is 0 milliseconds.", rid)
            self.sadd(t + site.gap(40, 300), "INFO", 9526, "Soap", pid, 22,
                      f"Request for the service '{svc}' processed successfully. Response sent to the user '{user}'.", rid)
            return rid

        first = soap_call(t)
        start = t + site.gap(400, 900)
        self.sadd(start, "VERBOSE", 7597, "Server", pid, 27, f"Executing geoprocessing job '{job}'.")
        for i in range(polls):
            soap_call(start + ms(int(elapsed_ms * (i + 1) / (polls + 1))))
        end = start + ms(elapsed_ms)
        if fail_url:
            self.wininet(end - ms(35), "System/PublishingTools.GPServer", PUBLISH_INST, fail_url)
        self.sadd(end, "VERBOSE", 7718, "Server", pid, 27,
                  f"Job '{job}' for service 'System/PublishingTools' completed its execution. "
                  f"The status of the job after completion was '{status}'. Elapsed time '{elapsed_ms}' ms.", first)
        return end

    def print_job(self, t, user, fail_url=None, wrap=None, gp_message=False):
        """A print of a web map. With fail_url, the PrintingTools ArcSOC's WinINet call fails."""
        rid = self.site.guid()
        self.request(t, PRINT_SVC, user, rid)
        when = t + self.site.gap(700, 2600)
        if fail_url:
            text = WININET_CA.format(fail_url)
            if wrap is None:
                wrap = self.rnd.random() < 0.5
            if wrap:
                text = f"Error executing tool. Export Web Map Task : Failed to create layer from service at {fail_url}. {text}"
            self.wininet(when, "Utilities/PrintingTools.GPServer", PRINT_SVC[1], fail_url, rid, text)
        elif gp_message:
            secs = (when - t).total_seconds()
            self.sadd(when, "FINE", 20036, "Utilities/PrintingTools.GPServer", self.soc(PRINT_SVC[1], t), 4,
                      f"Succeeded at {when:%a %b %d %H:%M:%S %Y} (Elapsed Time: {secs:.2f} seconds)", rid)
        return when

    # -- Portal traffic -----------------------------------------------------------------------
    def portal_traffic(self, start, end, count, quiet=()):
        """Sign-ins, and now and then an item update or a share, spread over [start, end)."""
        rnd = self.rnd
        for t in self.random_times(start, end, count):
            if any(a <= t <= b for a, b in quiet):
                continue
            user = rnd.choice(self.portal_users)
            self.padd(t, "INFO", 219016, "Portal Admin", f"User '{user}' signed in to the portal.", user)
            r = rnd.random()
            later = t + self.site.gap(20000, 900000)
            if any(a <= later <= b for a, b in quiet) or later >= end:
                continue
            item = rnd.choice(self.items)
            if r < 0.30:
                self.padd(later, "INFO", 219210, "Sharing", f"Item '{item}' updated by user '{user}'.", user)
            elif r < 0.38:
                group = rnd.choice(["Field Crews", "Public Works", "Planning Staff", "Everyone"])
                self.padd(later, "INFO", 219212, "Sharing", f"Item '{item}' shared with group '{group}' by user '{user}'.", user)

    def failed_signins(self, times, names=("jdoe", "kpatel", "temp_intern")):
        for t in times:
            user = self.rnd.choice(list(names))
            self.padd(t, "WARNING", 219017, "Portal Admin", f"Failed to sign in user '{user}'. Invalid username or password.", user)

    # -- output ---------------------------------------------------------------------------------
    def logs(self, kind=None):
        if kind == "server":
            return [run[1] for run in self.srv]
        if kind == "portal":
            return [run[1] for run in self.por]
        return [run[1] for run in self.srv] + [run[1] for run in self.por]

    def times(self, pred, kind=None):
        return sorted(r[0] for log in self.logs(kind) for r in log.records if pred(r))

    def write(self, out, readme):
        rows, size = [], 0
        for rel, log, gz in sorted(self.files, key=lambda f: (not f[0].startswith("arcgisserver"), f[0])):
            path = os.path.join(out, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            data = log.render(self.rnd).encode("ascii")
            data = gzip_bytes(data) if gz else data
            size += len(data)
            with open(path, "wb") as f:
                f.write(data)
            first, last = min(r[0] for r in log.records), max(r[0] for r in log.records)
            rows.append(f"| `{rel}` | {len(log.records)} | {first:%Y-%m-%d %H:%M} - {last:%Y-%m-%d %H:%M} |")
        for rel in self.locks:
            open(os.path.join(out, rel), "wb").close()
        table = "| file | records | covers |\n|---|---|---|\n" + "\n".join(rows)
        text = reflow(readme).replace("{files}", table)
        with open(os.path.join(out, "README.md"), "w", encoding="ascii", newline="\n") as f:
            f.write(text)
        assert size + len(text) < 150_000, (out, size + len(text))  # keep every tree small


# Predicates over a record tuple (t, seq, level, code, source, pid, thread, method, user, rid, text).
def is_invalid_ca(r):
    return "ERROR_INTERNET_INVALID_CA, 12045)" in r[-1] and r[2] == "SEVERE"


def is_token(r):
    return "'Invalid token.'" in r[-1] or "HTTP status code 498" in r[-1]


def is_restart(r):
    return r[3] in (6513, 7706, 7708, 8002, 217039, 217064)


def fields(r):
    return "|".join(map(str, r[2:]))


def common_sanity(scene, allowed_12045, self_signed_allowed=False):
    """Checks every cause tree shares: no stray 12045, no stray self-signed text, Portal has no rid."""
    for log in scene.logs():
        for r in log.records:
            if "12045" in fields(r):
                assert allowed_12045(r), r
            if not self_signed_allowed:
                assert "self signed" not in r[-1].lower() and "selfsigned" not in r[-1].lower(), r
    for log in scene.logs("portal"):
        assert not log.with_request_id


def no_restart_within(scene, first_failure, hours=12):
    starts = scene.times(is_restart)
    assert all(not (first_failure - dt.timedelta(hours=hours) <= t <= first_failure) for t in starts), starts


COMMON_README_HEAD = """\
Generated by `python3 scripts/make-samples.py` (deterministic; `--check` verifies this folder).
Everything here is invented: names, GUIDs, pids, times. Record shapes and codes follow
`Samples/basic` (see its README for which codes are illustrative guesses); the key messages use
Esri's published wording. Times are the machines' local wall-clock time.
"""


# --------------------------------------------------------------------------------------------
# Samples/untrusted-ca: the portal's certificate comes from an internal CA the Server does not trust.
# --------------------------------------------------------------------------------------------
UA_SERVICES = [
    ("Basemaps/County_Streets/MapServer", "Basemaps.County_Streets.MapServer"),
    ("Assessor/Parcels/MapServer", "Assessor.Parcels.MapServer"),
    ("Assessor/Parcels/FeatureServer", "Assessor.Parcels.MapServer"),
    ("Planning/Zoning/MapServer", "Planning.Zoning.MapServer"),
    ("Roads/Centerlines/MapServer", "Roads.Centerlines.MapServer"),
    ("Locators/County_Address/GeocodeServer", "Locators.County_Address.GeocodeServer"),
    ("Hosted/Road_Closures/FeatureServer", "System.DynamicMappingHost.MapServer"),
    ("Hosted/County_Basemap_VTL/VectorTileServer", None),
]


def tree_untrusted_ca(out):
    d0, day = dt.date(2026, 10, 13), dt.date(2026, 10, 14)
    server, portal = "GISSRV-A.EXAMPLE.ORG", "PORTAL-A.EXAMPLE.ORG"
    portal_url = "https://portal.example.org/arcgis"  # the Web Adaptor, port 443; not a machine name
    server_url = "https://gissrv-a.example.org:6443/arcgis"
    users = ["rgarza", "mokafor", "lchen", "tbrandt"]
    s = Scene(20261014, server, portal, UA_SERVICES, users,
              users + ["aweiss", "jkowalski", "snakamura", "pdubois", "vramirez"],
              ["Road Closures Map", "Parcel Viewer", "Zoning Hearings 2026", "Storm Drain Inspections",
               "Snow Routes", "Assessor Dashboard"])
    rnd = s.rnd
    s.portal_file(at(d0, 17, 58, 40, 113), 2240)
    s.server_file(at(d0, 18, 5, 12, 480), 3716, 4904, lock=True)
    for t in [at(d0, 18, 35, 12, 551), at(day, 2, 35, 12, 603), at(day, 10, 35, 12, 497)]:
        s.cleanup(t)
    s.sessions(at(d0, 18, 10), at(d0, 21, 40), 3)
    s.sessions(at(day, 7, 0), at(day, 17, 45), 16)
    s.portal_traffic(at(d0, 18, 0), at(d0, 21, 30), 7)
    s.portal_traffic(at(day, 7, 0), at(day, 17, 30), 100)
    s.failed_signins([at(day, 8, 14, 33, 7), at(day, 13, 40, 2, 561)])
    s.timeouts([at(day, 8, 37, 12, 44), at(day, 11, 22, 50, 901), at(day, 16, 5, 8, 310)], UA_SERVICES[3])
    s.missing_service(at(day, 10, 9, 41, 17), "Assessor/Parcels_2019/MapServer")

    # Prints of maps made only of ArcGIS Server layers succeed: nothing in them is fetched from the portal.
    ok_prints = [at(day, h, m, sec, rnd.randrange(1000))
                 for h, m, sec in [(8, 21, 5), (10, 48, 40), (14, 12, 18), (16, 33, 51)]]
    for t in ok_prints:
        s.print_job(t, rnd.choice(users))

    # From the first print of a web map with portal items on, every WinINet call to the portal fails.
    for h, m, sec in [(8, 52, 14), (9, 7, 40), (9, 11, 3), (9, 48, 27), (10, 20, 55), (10, 22, 31),
                      (11, 5, 12), (11, 39, 48), (12, 26, 9), (13, 2, 44), (13, 17, 30), (13, 58, 6),
                      (14, 26, 51), (14, 40, 19), (15, 12, 37), (15, 37, 2)]:
        s.print_job(at(day, h, m, sec, rnd.randrange(1000)), rnd.choice(users),
                    fail_url=f"{portal_url}/sharing/rest/content/items/{s.site.item_id()}/data")
    for (h, m, sec), user, name, path in [
            ((9, 34, 10), "lchen", "Storm_Drain_Inspections", "content/users/lchen/addItem"),
            ((10, 41, 6), "tbrandt", "Snow_Routes", "portals/self"),
            ((11, 58, 20), "rgarza", "Road_Closures_v2", "content/users/rgarza/addItem"),
            ((14, 5, 45), "lchen", "Storm_Drain_Inspections", "content/users/lchen/addItem")]:
        end = s.publish(at(day, h, m, sec, rnd.randrange(1000)), user, rnd.randrange(1500, 3200),
                        "esriJobFailed", fail_url=f"{portal_url}/sharing/rest/{path}", polls=1)
        s.padd(end + s.site.gap(1500, 6000), "SEVERE", 219250, "Sharing",
               f"Failed to publish service '{name}' for user '{user}'. The publishing job on '{server_url}' "
               f"returned status 'esriJobFailed'.", user)
    # The portal does not trust the chain either when it calls its own Web Adaptor URL.
    for h, m, sec, msec in [(9, 27, 51, 322), (12, 14, 6, 58), (14, 51, 33, 907)]:
        s.padd(at(day, h, m, sec, msec), "SEVERE", 219406, "Sharing", PKIX_TEXT, rnd.choice(users))

    certs = s.times(is_invalid_ca)
    pkix = s.times(lambda r: "PKIX" in r[-1])
    jobs = s.times(lambda r: "'esriJobFailed'" in r[-1], "server")
    assert len(certs) == 20 and len(pkix) == 3 and len(jobs) == 4, (len(certs), len(pkix), len(jobs))
    assert certs[-1] - certs[0] >= dt.timedelta(hours=6)
    assert not s.times(is_token)
    assert all("https://portal.example.org/arcgis/sharing/rest/" in r[-1] for log in s.logs() for r in log.records
               if is_invalid_ca(r))
    no_restart_within(s, certs[0])
    common_sanity(s, is_invalid_ca)
    starts = s.times(is_restart)
    gap = certs[0] - starts[-1]

    readme = f"""\
# Samples/untrusted-ca: the portal's certificate comes from a CA the Server does not trust

{COMMON_README_HEAD}
Machines: ArcGIS Server `{server}` and Portal for ArcGIS `{portal}`, federated. Users and the
Server reach the portal through its Web Adaptor, `{portal_url}` (port 443); the host
`portal.example.org` is not one of the machines in the logs.

{{files}}

## The story of 2026-10-14

- 2026-10-13 {hms(starts[0])} Portal starts (217039), {hms(starts[1])} ArcGIS Server starts (6513) after an evening
  maintenance window. Nothing restarts after that.
- That evening the Web Adaptor's IIS certificate was replaced by one issued by the internal
  enterprise CA `EXAMPLE-ORG-ISSUING-CA`, whose root is not in the Server machine's Windows store
  (the change itself is not in these logs).
- 2026-10-14, 07:00-17:45: ordinary map traffic (9029/7615/8522/9000), three 9003 timeouts, one
  missing service, users signing in to Portal. Prints of maps made only of server layers succeed
  ({", ".join(hms(t) for t in ok_prints)}).
- {hms(certs[0])}-{hms(certs[-1])} Server: {len(certs)} SEVERE `The certificate authority is invalid or incorrect
  (WinINet ERROR_INTERNET_INVALID_CA, 12045), URL = {portal_url}/sharing/rest/...`, irregular over
  {span(certs[-1] - certs[0])}: 16 from PrintingTools (prints of web maps whose layers are portal
  items; some wrapped in `Error executing tool. Export Web Map Task : ...`) and 4 from
  PublishingTools, whose jobs end `esriJobFailed` ({", ".join(hms(t) for t in jobs)}); Portal logs
  `Failed to publish service ...` after each.
- {", ".join(hms(t) for t in pkix)} Portal: SEVERE `Invalid SSL certificate found. PKIX path building failed: ...
  unable to find valid certification path to requested target` (Portal's Java trust store lacks the
  chain too, when it calls its own Web Adaptor URL).

## Expected top cause

**Untrusted certificate authority** (KB 000013244, first cause): 12045 means WinINet does not know the
CA that issued the certificate of `portal.example.org`. The failures are spread over the whole working
day, always to the same host, with no restart in the {span(gap)} before the first one, no token
error and nothing about a self-signed certificate; the Portal's PKIX errors point the same way. Fix:
import the enterprise root (and intermediate) certificate into the Server machine's Windows
certificate store and into Portal (`importRootOrIntermediate`).

## What must not be concluded

- A restart: the only starts are the evening before ({day_hms(starts[0])}, {day_hms(starts[1])}).
- Tokens: there is no token warning or 498/499 in any file.
- A self-signed certificate: no record mentions one, and the failing host is the Web Adaptor, not
  the ArcGIS Server machine on 6443.
- A public CA or an Internet site: every failing URL is the internal `portal.example.org`.
"""
    s.write(out, readme)


# --------------------------------------------------------------------------------------------
# Samples/token-expiry: the Server's token to the portal lapses every hour.
# --------------------------------------------------------------------------------------------
TE_SERVICES = [
    ("Water/Mains/MapServer", "Water.Mains.MapServer"),
    ("Water/Mains/FeatureServer", "Water.Mains.MapServer"),
    ("Water/Valves/MapServer", "Water.Valves.MapServer"),
    ("Sewer/Manholes/MapServer", "Sewer.Manholes.MapServer"),
    ("Imagery/Ortho_2025/ImageServer", "Imagery.Ortho_2025.ImageServer"),
    ("Locators/Service_Area/GeocodeServer", "Locators.Service_Area.GeocodeServer"),
    ("Hosted/Meter_Reads/FeatureServer", "System.DynamicMappingHost.MapServer"),
    ("Hosted/Utility_Basemap/VectorTileServer", None),
]
TE_CLUSTERS = [(9, 2), (10, 3), (11, 1), (12, 4), (13, 2), (14, 3), (15, 1), (16, 2), (17, 3)]


def tree_token_expiry(out):
    d0, day = dt.date(2026, 10, 20), dt.date(2026, 10, 21)
    server, portal = "GISSRV-B.EXAMPLE.NET", "PORTAL-B.EXAMPLE.NET"
    portal_url = "https://portal.example.net/portal"  # Web Adaptor, port 443; not a machine name
    server_url = "https://gissrv-b.example.net:6443/arcgis"
    self_url = f"{portal_url}/sharing/rest/community/self"
    users = ["hbecker", "oadeyemi", "kmurphy", "ysato", "dfischer"]
    s = Scene(20261021, server, portal, TE_SERVICES, users,
              users + ["mrossi", "bnguyen", "ekarlsson", "field01", "field02"],
              ["Main Breaks 2026", "Valve Exercising", "Meter Read Routes", "Hydrant Flushing Plan",
               "Lift Station Status"])
    rnd, site = s.rnd, s.site
    s.portal_file(at(d0, 18, 3, 2, 640), 3312)
    s.server_file(at(d0, 18, 10, 37, 91), 2804, 5460, lock=True)
    for t in [at(d0, 18, 40, 37, 164), at(day, 2, 40, 37, 211), at(day, 10, 40, 37, 98)]:
        s.cleanup(t)
    s.sessions(at(d0, 18, 15), at(d0, 21, 0), 1)
    s.sessions(at(day, 7, 10), at(day, 17, 40), 10)
    s.portal_traffic(at(d0, 18, 5), at(d0, 21, 0), 6)
    s.portal_traffic(at(day, 7, 0), at(day, 17, 40), 88)
    s.failed_signins([at(day, 7, 48, 20, 615), at(day, 15, 26, 9, 40)])
    s.timeouts([at(day, 9, 31, 44, 512), at(day, 14, 37, 3, 88)], TE_SERVICES[4])
    s.missing_service(at(day, 12, 41, 17, 640), "Water/Mains_Old/MapServer")

    # Between the expiries, prints and publishing work.
    ok_prints = [at(day, h, m, sec, rnd.randrange(1000)) for h, m, sec in
                 [(8, 33, 2), (9, 24, 50), (10, 38, 17), (11, 46, 3), (13, 33, 8), (14, 51, 26), (16, 27, 55)]]
    for t in ok_prints:
        s.print_job(t, rnd.choice(users))
    ok_jobs = [s.publish(at(day, h, m, sec, rnd.randrange(1000)), user, elapsed, "esriJobSucceeded")
               for (h, m, sec), user, elapsed in [((10, 31, 14), "kmurphy", 9412), ((13, 37, 40), "hbecker", 11870),
                                                  ((16, 25, 3), "kmurphy", 8533)]]
    for t, name, user in zip(ok_jobs, ["Valve_Exercising", "Main_Breaks_2026", "Valve_Exercising"],
                             ["kmurphy", "hbecker", "kmurphy"]):
        s.padd(t + site.gap(2000, 9000), "INFO", 219201, "Sharing",
               f"Item '{name}' of type 'Feature Service' created by user '{user}'.", user)

    # Every hour: the token goes stale, the portal refuses it, and for a minute or two every call to
    # the portal that carries it fails with 12045, until the Server gets a new token.
    token_kinds = []
    for i, (h, m) in enumerate(TE_CLUSTERS):
        base = at(day, h, m, rnd.randrange(5, 40), rnd.randrange(1000))
        t = base - dt.timedelta(seconds=rnd.randrange(20, 62), milliseconds=rnd.randrange(1000))
        for k in range(rnd.randrange(1, 4)):
            kind = "498" if (i + k) % 3 == 1 else "invalid"
            token_kinds.append(kind)
            text = (f"Exception in get user privileges  Server machine '{self_url}' returned an error. 'Invalid token.'"
                    if kind == "invalid" else
                    f"Exception in get user privileges  java.lang.Exception: Server returned HTTP status code 498. "
                    f"Requested URL: {self_url}")
            s.sadd(t, "WARNING", 9000, "Rest", s.web(t), 1, text, site.guid())
            t += site.gap(300, 4000)
        fails = [base] + sorted(base + dt.timedelta(seconds=rnd.randrange(5, 55), milliseconds=rnd.randrange(1000))
                                for _ in range(rnd.randrange(1, 4)))
        for j, t in enumerate(fails):
            user = rnd.choice(users)
            if j == 1 and i in (1, 5):  # a publish caught by the expiry
                end = s.publish(t - ms(2600), "kmurphy", 2571, "esriJobFailed", polls=1,
                                fail_url=f"{portal_url}/sharing/rest/content/users/kmurphy/addItem")
                s.padd(end + site.gap(1500, 6000), "SEVERE", 219250, "Sharing",
                       f"Failed to publish service 'Valve_Exercising' for user 'kmurphy'. The publishing job on "
                       f"'{server_url}' returned status 'esriJobFailed'.", "kmurphy")
            else:
                s.print_job(t, user, fail_url=f"{portal_url}/sharing/rest/content/items/{site.item_id()}/data")

    certs = s.times(is_invalid_ca)
    tokens = s.times(is_token)
    clusters = []
    for t in certs:
        if clusters and t - clusters[-1][-1] < dt.timedelta(minutes=10):
            clusters[-1].append(t)
        else:
            clusters.append([t])
    assert len(clusters) == len(TE_CLUSTERS) and all(2 <= len(c) <= 4 for c in clusters), clusters
    for c in clusters:  # every cluster: token warnings 10-90 s before its first failure, none inside it
        before = [t for t in tokens if c[0] - dt.timedelta(seconds=90) <= t <= c[0] - dt.timedelta(seconds=10)]
        assert before, c
        assert not [t for t in tokens if c[0] - dt.timedelta(seconds=10) < t <= c[-1]], c
    assert len(tokens) == sum(1 for t in tokens if any(
        c[0] - dt.timedelta(seconds=90) <= t <= c[0] for c in clusters))
    assert "498" in token_kinds and "invalid" in token_kinds
    no_restart_within(s, certs[0])
    assert not s.times(is_restart, "server")[1:] and not s.times(is_restart, "portal")[1:]
    common_sanity(s, is_invalid_ca)
    starts = s.times(is_restart)
    jobs = s.times(lambda r: "'esriJobFailed'" in r[-1], "server")

    def cluster_line(c):
        lead = [t for t in tokens if c[0] - dt.timedelta(seconds=90) <= t < c[0]]
        return (f"| {hms(lead[0])} | {len(lead)} | {hms(c[0])}-{hms(c[-1])} | {len(c)} |")

    readme = f"""\
# Samples/token-expiry: the Server's token to the portal expires every hour

{COMMON_README_HEAD}
Machines: ArcGIS Server `{server}` and Portal for ArcGIS `{portal}`, federated. The Server
reaches the portal through its Web Adaptor, `{portal_url}` (port 443); the host
`portal.example.net` is not one of the machines in the logs.

{{files}}

## The story of 2026-10-21

- 2026-10-20 {hms(starts[0])} Portal starts, {hms(starts[1])} ArcGIS Server starts (6513). No restart after that:
  the first failure comes {span(certs[0] - starts[1])} later.
- The day before, the Server's token settings were changed to issue 60-minute tokens, and the
  Server does not renew its token to the portal before it lapses (the change is not in these logs).
- 2026-10-21, during the working day: ordinary traffic, two 9003 timeouts, one missing service.
  Between the expiries, prints ({len(ok_prints)}) and three publishes, which call the portal
  ({", ".join(hms(t) for t in ok_jobs)}), succeed.
- Nine times, roughly once an hour, the Server logs WARNING 9000 `Exception in get user privileges`
  for `{self_url}`, either `returned an error. 'Invalid token.'` or `Server returned HTTP status
  code 498`, and 10-90 s later 2-4 SEVERE `(WinINet ERROR_INTERNET_INVALID_CA, 12045), URL =
  {portal_url}/sharing/rest/...` from PrintingTools and PublishingTools follow (two publish jobs end
  `esriJobFailed`, {", ".join(hms(t) for t in jobs)}); then calls work again until the next hour:

| first token warning | token warnings | 12045 failures | count |
|---|---|---|---|
{chr(10).join(cluster_line(c) for c in clusters)}

{len(tokens)} token warnings and {len(certs)} certificate failures in all, all on `{server}`.

## Expected top cause

**GIS-tier tokens expiring** (KB 000013244, second cause): the 12045 failures come in short clusters about
60 minutes apart, and every cluster is preceded, on the same Server machine and within 90 seconds, by
`Invalid token.`/HTTP 498 from the portal. Fix: lengthen the token lifetime (Portal: default token
expiration; Server: `shortTimeout`/`longTimeout` in the token settings).

## What must not be concluded

- An untrusted CA: publishing, which calls the same portal URL, succeeds between the clusters; a
  missing root certificate would make every call fail.
- A restart: the machines were started the evening before, more than 12 h before the first failure.
- A self-signed certificate: no record mentions one; the failing host is the Web Adaptor.
"""
    s.write(out, readme)


# --------------------------------------------------------------------------------------------
# Samples/self-signed: ArcGIS Server still uses its default self-signed certificate.
# --------------------------------------------------------------------------------------------
SS_SERVICES = [
    ("Cadastre/Parcels/MapServer", "Cadastre.Parcels.MapServer"),
    ("Cadastre/Parcels/FeatureServer", "Cadastre.Parcels.MapServer"),
    ("Transportation/Streets/MapServer", "Transportation.Streets.MapServer"),
    ("Utilities/Storm_Network/MapServer", "Utilities.Storm_Network.MapServer"),
    ("Elevation/DEM_1m/ImageServer", "Elevation.DEM_1m.ImageServer"),
    ("Locators/City_Composite/GeocodeServer", "Locators.City_Composite.GeocodeServer"),
]
EXTRACT_SVC = ("Tools/ExtractParcels/GPServer", "Tools.ExtractParcels.GPServer")


def tree_self_signed(out):
    d0, day = dt.date(2026, 11, 3), dt.date(2026, 11, 4)
    server, portal = "GISSRV-C.EXAMPLE.COM", "PORTAL-C.EXAMPLE.COM"
    server_url = "https://gissrv-c.example.com:6443/arcgis"  # the Server machine itself, port 6443
    users = ["jmorales", "awright", "fhassan", "gtanaka"]
    s = Scene(20261104, server, portal, SS_SERVICES, users,
              ["portaladmin", "jmorales", "awright", "ibanerjee", "clopez", "rthompson", "wzhang"],
              ["City Parcels", "Street Centerlines Review", "Storm Inlet Survey", "Council Districts",
               "Sidewalk Repairs 2026"], extra_instances=[EXTRACT_SVC[1]])
    rnd, site = s.rnd, s.site
    s.server_file(at(d0, 16, 5, 22, 377), 1948, 6632, lock=True)
    s.portal_file(at(d0, 19, 2, 44, 506), 4120)
    for t in [at(d0, 16, 35, 22, 410), at(day, 0, 35, 22, 388), at(day, 8, 35, 22, 519)]:
        s.cleanup(t)
    s.sessions(at(d0, 16, 20), at(d0, 18, 30), 3)
    s.sessions(at(day, 7, 15), at(day, 17, 30), 20)
    s.portal_traffic(at(d0, 19, 5), at(d0, 21, 30), 5)
    s.portal_traffic(at(day, 7, 0), at(day, 17, 30), 100)
    s.failed_signins([at(day, 9, 3, 18, 442), at(day, 16, 12, 57, 3)])
    s.timeouts([at(day, 11, 48, 27, 706), at(day, 15, 33, 2, 91)], SS_SERVICES[4])
    s.missing_service(at(day, 8, 51, 40, 232), "Cadastre/Parcels_2024/MapServer")

    # The ArcSOCs call the Server's own URL (print layers, publishing) and WinINet rejects its certificate.
    parcels = f"{server_url}/rest/services/Cadastre/Parcels/MapServer"
    for h, m, sec in [(9, 41, 7), (10, 26, 50), (12, 8, 33), (13, 11, 58), (14, 59, 26)]:
        s.print_job(at(day, h, m, sec, rnd.randrange(1000)), rnd.choice(users), fail_url=parcels,
                    wrap=rnd.random() < 0.7)
    for h, m, sec, user in [(11, 23, 15, "jmorales"), (15, 2, 40, "awright")]:
        s.publish(at(day, h, m, sec, rnd.randrange(1000)), user, rnd.randrange(1800, 3400), "esriJobFailed",
                  fail_url=f"{server_url}/admin/services/createService", polls=1)
    # A script tool reads the same layer through GDAL's libcurl, which names the problem.
    t = at(day, 14, 31, 40, 118)
    rid = site.guid()
    s.request(t, EXTRACT_SVC, "fhassan", rid)
    s.sadd(t + ms(1843), "SEVERE", 20010, "Tools/ExtractParcels.GPServer", s.soc(EXTRACT_SVC[1], t), 4,
           f"Error executing tool. Extract Parcels : ERROR 1: SSL certificate problem: self signed certificate "
           f"({parcels}/0/query)", rid)

    # Three attempts to federate the site with the portal, which calls the Server's admin URL.
    attempts = [at(day, 10, 12, 3, 271), at(day, 13, 48, 20, 9), at(day, 15, 20, 41, 655)]
    for n, t in enumerate(attempts):
        s.padd(t - site.gap(60000, 240000), "INFO", 219016, "Portal Admin", "User 'portaladmin' signed in to the portal.",
               "portaladmin")
        s.sadd(t - site.gap(900, 2500), "WARNING", 6612, "Admin", s.web(t), 31,
               "The web server SSL certificate alias is 'selfsignedcertificate'.", site.guid(), "siteadmin")
        s.padd(t, "SEVERE", 207047, "Portal Admin", PKIX_TEXT, "portaladmin")
        s.padd(t + site.gap(900, 1600), "SEVERE", 207045, "Portal Admin",
               f"Failed to federate ArcGIS Server site '{server_url}' with Portal for ArcGIS. Unable to validate TLS "
               f"certificate on ArcGIS Server administration URL. Ensure the root certificate is trusted or the "
               f"certificate common name matches the URL hostname.", "portaladmin")

    certs = s.times(is_invalid_ca)
    pkix = s.times(lambda r: "PKIX" in r[-1])
    fed = s.times(lambda r: "Failed to federate" in r[-1])
    alias = s.times(lambda r: "selfsignedcertificate" in r[-1])
    curl = s.times(lambda r: "SSL certificate problem: self signed certificate" in r[-1])
    jobs = s.times(lambda r: "'esriJobFailed'" in r[-1], "server")
    failures = s.times(lambda r: r[2] == "SEVERE")
    assert len(certs) == 7 and len(pkix) == 3 and len(fed) == 3 and len(alias) == 3 and len(curl) == 1
    assert 10 <= len(failures) <= 15, len(failures)
    assert all(f"URL = {server_url}/" in r[-1] for log in s.logs() for r in log.records if is_invalid_ca(r))
    assert not s.times(is_token)
    no_restart_within(s, failures[0])
    common_sanity(s, is_invalid_ca, self_signed_allowed=True)
    starts = s.times(is_restart)

    readme = f"""\
# Samples/self-signed: ArcGIS Server still uses its default self-signed certificate

{COMMON_README_HEAD}
Machines: ArcGIS Server `{server}` and Portal for ArcGIS `{portal}`. The Server site is in use on
its own and is being federated with the portal today. Its URL is `{server_url}`: the host is the
Server machine's own name in lower case, on port 6443.

{{files}}

## The story of 2026-11-04

- 2026-11-03 {hms(starts[0])} ArcGIS Server starts (6513), {hms(starts[1])} Portal starts (217039). No restart after
  that. The Server's web server still uses the certificate created at installation,
  `selfsignedcertificate`.
- 2026-11-04, during the working day: ordinary map traffic, two 9003 timeouts, one missing service,
  portal sign-ins.
- {", ".join(hms(t) for t in certs)} Server: {len(certs)} SEVERE `(WinINet ERROR_INTERNET_INVALID_CA, 12045), URL =
  {server_url}/...`: prints whose layers come from the Server's own `rest/services` URL, and two
  publishing jobs calling `{server_url}/admin/services/createService` that end `esriJobFailed`
  ({", ".join(hms(t) for t in jobs)}).
- {", ".join(hms(t) for t in attempts)}: three attempts to federate the site. Each time the Server logs
  WARNING `The web server SSL certificate alias is 'selfsignedcertificate'.` ({", ".join(hms(t) for t in alias)}), then
  Portal logs SEVERE `Invalid SSL certificate found. PKIX path building failed: ...` and SEVERE
  `Failed to federate ArcGIS Server site '{server_url}' with Portal for ArcGIS. Unable to validate
  TLS certificate on ArcGIS Server administration URL. ...`.
- {hms(curl[0])} Server: a script tool that reads the parcels layer through GDAL fails with SEVERE
  `... SSL certificate problem: self signed certificate (...)`.
- {len(failures)} SEVERE failures in all, {hms(failures[0])}-{hms(failures[-1])}; nothing is fixed by the end of the logs.

## Expected top cause

**The Server's self-signed certificate** (KB 000013244, third cause): every failing URL, WinINet's and
Portal's, is the Server machine itself on 6443, and {len(alias) + len(curl)} records name the self-signed certificate
(the `selfsignedcertificate` alias, `self signed certificate`). Fix: give the Server a certificate
from a trusted CA, or export its certificate (Administrator Directory, machines > the machine >
sslcertificates > export) and import it into Portal and into the Server machine's Windows store.

## What must not be concluded

- An untrusted enterprise CA on the portal: the portal is the caller here, not the failing host.
- A restart: the last starts are the day before, more than 12 h before the first failure.
- Tokens: there is no token warning or 498/499.
"""
    s.write(out, readme)


# --------------------------------------------------------------------------------------------
# Samples/machine-restart: the machine hosting Portal and Server reboots for Windows updates.
# --------------------------------------------------------------------------------------------
MR_SERVICES = [
    ("Basemaps/Harbor/MapServer", "Basemaps.Harbor.MapServer"),
    ("Terminals/Berths/MapServer", "Terminals.Berths.MapServer"),
    ("Assets/Cranes/MapServer", "Assets.Cranes.MapServer"),
    ("Assets/Cranes/FeatureServer", "Assets.Cranes.MapServer"),
    ("Navigation/Soundings/ImageServer", "Navigation.Soundings.ImageServer"),
    ("Hosted/Work_Orders/FeatureServer", "System.DynamicMappingHost.MapServer"),
    ("Hosted/Harbor_VTL/VectorTileServer", None),
]


def tree_machine_restart(out):
    d0, day = dt.date(2026, 11, 10), dt.date(2026, 11, 11)
    host = "GISHOST-D.EXAMPLE.COM"  # one machine runs both Portal for ArcGIS and ArcGIS Server
    portal_url = "https://portal.example.com/portal"  # Web Adaptor, port 443; not a machine name
    users = ["nokonkwo", "pmeyer", "sjohansson", "rcosta"]
    s = Scene(20261111, host, host, MR_SERVICES, users,
              users + ["harbormaster", "eng_lead", "ops_desk", "ltran"],
              ["Berth Schedule", "Crane Maintenance", "Work Orders", "Dredging Survey 2026", "Harbor Operations"])
    rnd, site = s.rnd, s.site

    # Tuesday: started 07:28 (Portal) / 07:31 (Server), ordinary traffic all day and evening, no failure.
    s.portal_file(at(d0, 7, 28, 42, 310), 3044)
    old = s.server_file(at(d0, 7, 31, 5, 77), 2512, 6108, gz=True)
    for t in [at(d0, 8, 1, 5, 144), at(d0, 16, 1, 5, 90), at(day, 0, 1, 5, 302)]:
        s.cleanup(t)
    s.sessions(at(d0, 7, 35), at(d0, 18, 30), 34)
    s.sessions(at(d0, 18, 30), at(d0, 23, 30), 4)
    s.sessions(at(day, 0, 10), at(day, 1, 50), 1)
    s.portal_traffic(at(d0, 7, 30), at(d0, 18, 30), 62)
    s.portal_traffic(at(d0, 18, 30), at(day, 1, 30), 5)
    s.failed_signins([at(d0, 9, 12, 40, 3), at(d0, 17, 2, 11, 870)])
    s.timeouts([at(d0, 10, 46, 2, 519), at(d0, 15, 18, 37, 64)], MR_SERVICES[4])
    s.missing_service(at(d0, 13, 27, 9, 455), "Terminals/Berths_Old/MapServer")
    for t in [at(d0, 9, 40, 18, 6), at(d0, 14, 3, 52, 771)]:
        s.print_job(t, rnd.choice(users))
    end = s.publish(at(d0, 11, 14, 26, 380), "pmeyer", 9877, "esriJobSucceeded")
    s.padd(end + ms(4211), "INFO", 219201, "Sharing",
           "Item 'Crane_Inspections' of type 'Feature Service' created by user 'pmeyer'.", "pmeyer")

    # 02:00 Windows Update restarts the machine: the Server shuts down its ArcSOCs, then the web server.
    down = at(day, 2, 0, 12, 406)
    shutdown(old, down, 2512, sorted(s.srv[0][4].items()), site)

    # 02:03 Portal starts (a new file) and restarts its web server; 02:04 ArcGIS Server starts (a new file).
    s.portal_file(at(day, 2, 3, 38, 215), 2988, ready_after=ms(645_412))
    s.padd(at(day, 2, 3, 52, 610), "WARNING", 217064, "Portal", "The web server was found to be stopped. Re-starting it.",
           thread=1)
    up = s.server_file(at(day, 2, 4, 5, 633), 2468, 3920, lock=True)
    s.cleanup(at(day, 2, 34, 5, 671))

    # 02:06-02:13 the nightly job (a print of the operations map, an overwrite of Work_Orders) and the
    # hosted layers' SOC reach the portal while it is still starting: WinINet rejects its certificate.
    plan = [((2, 6, 12), "print"), ((2, 6, 41), "hosted"), ((2, 7, 30), "publish"), ((2, 8, 5), "print"),
            ((2, 9, 18), "hosted"), ((2, 9, 47), "print"), ((2, 11, 2), "publish"), ((2, 11, 40), "print"),
            ((2, 12, 55), "hosted"), ((2, 13, 44), "print")]
    for (h, m, sec), kind in plan:
        t = at(day, h, m, sec, rnd.randrange(1000))
        if kind == "print":
            s.print_job(t - ms(1500), "svc_nightly",
                        fail_url=f"{portal_url}/sharing/rest/content/items/{site.item_id()}/data")
        elif kind == "publish":
            s.publish(t - ms(2900), "svc_nightly", 2418, "esriJobFailed", polls=1,
                      fail_url=f"{portal_url}/sharing/rest/content/users/svc_nightly/addItem")
        else:
            s.wininet(t, "System/DynamicMappingHost.MapServer", "System.DynamicMappingHost.MapServer",
                      f"{portal_url}/sharing/rest/content/items/{site.item_id()}")
    # 02:14 Portal is ready; the nightly job's next try works and nothing fails afterwards.
    s.print_job(at(day, 2, 15, 31, 206), "svc_nightly")
    end = s.publish(at(day, 2, 16, 4, 18), "svc_nightly", 10233, "esriJobSucceeded")
    s.padd(end + ms(3802), "INFO", 219210, "Sharing", "Item 'Work Orders' updated by user 'svc_nightly'.", "svc_nightly")
    s.sessions(at(day, 2, 20), at(day, 6, 45), 3)
    s.sessions(at(day, 6, 45), at(day, 9, 40), 13)
    s.portal_traffic(at(day, 6, 30), at(day, 9, 40), 40)
    s.timeouts([at(day, 8, 22, 47, 315)], MR_SERVICES[4])
    s.print_job(at(day, 8, 57, 3, 802), "nokonkwo")

    certs = s.times(is_invalid_ca)
    restarts = s.times(is_restart)
    init = s.times(lambda r: r[3] == 6513)
    stop = s.times(lambda r: r[3] == 7706)
    soc_down = s.times(lambda r: r[3] == 8002)
    assert len(certs) == 10 and certs[-1] - certs[0] <= dt.timedelta(minutes=9), certs
    assert len(init) == 2 and len(stop) == 1 and len(soc_down) == len(s.instances)
    assert dt.timedelta(minutes=3) <= init[1] - stop[0] <= dt.timedelta(minutes=4)
    assert dt.timedelta(minutes=1) <= certs[0] - init[1] <= dt.timedelta(minutes=5)
    assert stop[0] - min(r[0] for r in old.records) >= dt.timedelta(hours=10)
    assert max(r[0] for log in s.logs() for r in log.records) - certs[-1] >= dt.timedelta(hours=6)
    assert all(r[0] <= stop[0] for r in old.records) and all(r[0] >= init[1] for r in up.records)
    assert not s.times(is_token)
    common_sanity(s, is_invalid_ca)
    web_restart = s.times(lambda r: r[3] == 217064)[0]
    portal_start = s.times(lambda r: r[3] == 217039)
    ready = s.times(lambda r: r[-1] == PORTAL_READY)
    last = max(r[0] for log in s.logs() for r in log.records)

    readme = f"""\
# Samples/machine-restart: the machine running Portal and Server reboots at 02:00

{COMMON_README_HEAD}
Machine: `{host}` runs both Portal for ArcGIS and ArcGIS Server (a single-machine federated base
deployment), so both log folders carry the same machine name. The Server reaches the portal through
its Web Adaptor, `{portal_url}` (port 443); `portal.example.com` is not a machine in the logs.

{{files}}

## The story of 2026-11-10/11

- 2026-11-10 {hms(portal_start[0])} Portal starts, {hms(init[0])} ArcGIS Server starts. Ordinary traffic all
  day and into the evening (maps, two prints, a publish at 11:14 that succeeds, two 9003 timeouts,
  one missing service, portal sign-ins); no certificate, token or publishing failure in
  {span(stop[0] - init[0])}.
- 2026-11-11 {hms(soc_down[0])}-{hms(soc_down[-1])} Windows Update restarts the machine: {len(soc_down)} FINE 8002 `Shutting
  down an instance of service '...'` from as many ArcSOC pids, VERBOSE 7708 `Could not stop server
  processes gracefully. Now terminating the processes.` and INFO 7706 `Web server stopped
  successfully.` ({hms(stop[0])}); the gzipped server file ends there.
- {hms(portal_start[1])} Portal starts (new file, 217039); {hms(web_restart)} WARNING 217064 `The web server was found
  to be stopped. Re-starting it.`; {hms(init[1])} ArcGIS Server starts (new file, 6513 `Initializing the
  server machine.`).
- {hms(certs[0])}-{hms(certs[-1])} Server: {len(certs)} SEVERE `(WinINet ERROR_INTERNET_INVALID_CA, 12045), URL =
  {portal_url}/sharing/rest/...` from the nightly job (`svc_nightly`: prints, two publish jobs ending
  `esriJobFailed`) and the hosted layers' ArcSOC, while Portal is still starting.
- {hms(ready[1])} Portal is ready (217040). 02:15-02:16 the nightly job's print and publish succeed. Normal
  traffic until {hms(last)}, with no failure for {span(last - certs[-1])}.

## Expected top cause

**Restart of the machine hosting Portal and Server** (KB 000013244, fourth cause): all 12045 failures
fall in the first minutes after the Server and Portal start ({span(certs[0] - init[1])} after 6513), as one burst of
{span(certs[-1] - certs[0])}, with none in the {span(stop[0] - init[0])} before the restart or in the {span(last - certs[-1])} after. Remedy: let
Portal finish starting before the Server and its scheduled work (start order / delayed start), or
retry the job after start-up.

## What must not be concluded

- An untrusted CA: the same calls to the same host work before the restart and from 02:15 on.
- Tokens: there is no token warning or 498/499.
- A self-signed certificate: no record mentions one.
- The Tuesday 07:28/07:31 starts are not the cause: they are 18 h before the failures.
"""
    s.write(out, readme)


# --------------------------------------------------------------------------------------------
# Samples/clean: an ordinary day, with the three 12045 look-alikes of basic and nothing to find.
# --------------------------------------------------------------------------------------------
CL_SERVICES = [
    ("Parks/Facilities/MapServer", "Parks.Facilities.MapServer"),
    ("Parks/Trails/MapServer", "Parks.Trails.MapServer"),
    ("Parks/Trails/FeatureServer", "Parks.Trails.MapServer"),
    ("Basemaps/Parks_Base/MapServer", "Basemaps.Parks_Base.MapServer"),
    ("Locators/Parks_Address/GeocodeServer", "Locators.Parks_Address.GeocodeServer"),
    ("Hosted/Trail_Reports/FeatureServer", "System.DynamicMappingHost.MapServer"),
    ("Hosted/Parks_VTL/VectorTileServer", None),
]
CL_TRAP_RID = "e8f12045-6a3b-4c7d-8e2f-9b1a0c5d7e43"


def tree_clean(out):
    d0, day = dt.date(2026, 11, 17), dt.date(2026, 11, 18)
    server, portal = "GISSRV-E.EXAMPLE.ORG", "PORTAL-E.EXAMPLE.ORG"
    server_url = "https://gissrv-e.example.org:6443/arcgis"
    users = ["nparks", "qali", "mbianchi", "tosei"]
    s = Scene(20261118, server, portal, CL_SERVICES, users,
              users + ["rangers", "vhughes", "cdiaz", "kim_lee"],
              ["Trail Conditions", "Park Facilities Finder", "Volunteer Events", "Trail Reports Dashboard"])
    rnd, site = s.rnd, s.site

    # The machines have run for days; these files were opened mid-run, so no start-up is in them.
    # Trap 1: the PrintingTools ArcSOC happens to have pid 12045.
    s.portal_file(at(d0, 22, 19, 30, 4), 4488, startup=False)
    s.padd(at(d0, 22, 19, 30, 4), "INFO", 219016, "Portal Admin", "User 'rangers' signed in to the portal.", "rangers")
    s.server_file(at(d0, 23, 44, 12, 518), 5532, 6940, startup=False, lock=True, socs={PRINT_SVC[1]: 12045})
    s.request(at(d0, 23, 44, 12, 518), CL_SERVICES[3])
    for t in [at(day, 3, 14, 12, 77), at(day, 11, 14, 12, 306)]:
        s.cleanup(t)
    s.sessions(at(d0, 23, 45), at(day, 0, 40), 2)
    s.sessions(at(day, 6, 30), at(day, 17, 40), 22)
    s.portal_traffic(at(day, 6, 30), at(day, 17, 30), 105)
    s.failed_signins([at(day, 8, 2, 51, 313), at(day, 14, 44, 6, 27)])
    s.timeouts([at(day, 9, 36, 8, 470), at(day, 13, 12, 55, 901), at(day, 16, 48, 30, 12)], CL_SERVICES[4])
    s.missing_service(at(day, 11, 30, 2, 658), "Parks/Facilities_2023/MapServer")

    # Trap 2: an ordinary request whose requestID contains 12045.
    s.request(at(day, 9, 5, 31, 77), CL_SERVICES[0], rid=CL_TRAP_RID)
    # Trap 3: a publish that succeeds after 12045 ms; a second one later.
    ok_jobs = []
    for (h, m, sec, msec), user, elapsed, name in [((10, 18, 7, 440), "nparks", 12045, "Trail_Reports_2027"),
                                                   ((14, 52, 36, 93), "qali", 8716, "Volunteer_Events")]:
        end = s.publish(at(day, h, m, sec, msec), user, elapsed, "esriJobSucceeded")
        ok_jobs.append(end)
        s.padd(end + site.gap(2000, 8000), "INFO", 219201, "Sharing",
               f"Item '{name}' of type 'Feature Service' created by user '{user}'.", user)
    prints = [at(day, h, m, sec, rnd.randrange(1000)) for h, m, sec in
              [(8, 44, 19), (10, 57, 2), (12, 20, 45), (15, 6, 33), (16, 39, 11)]]
    for t in prints:
        s.print_job(t, rnd.choice(users), gp_message=True)
    # An administrator checks the federation: it validates.
    s.padd(at(day, 11, 2, 40, 518), "INFO", 207053, "Portal Admin",
           f"Validation succeeded for hosting server '{server_url}'. ArcGIS Server '{server_url}' version is "
           f"compatible with Portal for ArcGIS.", "portaladmin")

    def trap(r):
        return r[5] == 12045 or r[9] == CL_TRAP_RID or "Elapsed time '12045' ms" in r[-1]

    traps = [r for log in s.logs() for r in log.records if "12045" in fields(r)]
    assert traps and all(trap(r) for r in traps)
    assert sum(r[5] == 12045 for r in traps) == len(prints)
    assert not s.times(is_restart) and not s.times(is_token) and not s.times(is_invalid_ca)
    assert not s.times(lambda r: r[2] == "SEVERE")
    bad = ("PKIX", "certificate", "Failed to federate", "esriJobFailed", "Validation failed", "token", "498",
           "service is stopped or", "Shutting down")
    assert not [r for log in s.logs() for r in log.records if any(b in r[-1] for b in bad)]
    common_sanity(s, trap)
    warnings = s.times(lambda r: r[3] == 9003)
    pid_lines = s.times(lambda r: r[5] == 12045)
    rid_first = s.times(lambda r: r[9] == CL_TRAP_RID)[0]
    elapsed = s.times(lambda r: "Elapsed time '12045' ms" in r[-1])[0]

    readme = f"""\
# Samples/clean: an ordinary day with nothing to find

{COMMON_README_HEAD}
Machines: ArcGIS Server `{server}` and Portal for ArcGIS `{portal}`, federated. Both have been
running for days; the collected files were opened mid-run, so they hold no start-up record.

{{files}}

## The story of 2026-11-18

- Map traffic through the working day (9029/7615/8522/9000), {len(warnings)} WARNING 9003 (three timeouts, one
  missing service), portal sign-ins (two failed: wrong password), item updates and shares.
- {", ".join(hms(t) for t in prints)}: prints that succeed.
- {hms(ok_jobs[0])} and {hms(ok_jobs[1])}: publishing jobs end `esriJobSucceeded`; Portal creates the items.
- 11:02 an administrator validates the hosting server: it succeeds.
- No certificate, token, federation or publishing failure, no SEVERE record, no restart.
  `gislog scan` should report no event.

## Traps: 12045 that is not a certificate error

- `process="12045"`: the PrintingTools ArcSOC, on the {len(pid_lines)} `Succeeded at ...` lines of the prints.
- `requestID="{CL_TRAP_RID}"`: an ordinary map request at {hms(rid_first)}.
- `Elapsed time '12045' ms.`: the successful 7718 job end at {hms(elapsed)}.

The `Succeeded at ...` lines (code 20036) are illustrative: no public log shows that code.
"""
    s.write(out, readme)


TREES = [
    ("basic", build),
    ("untrusted-ca", tree_untrusted_ca),
    ("token-expiry", tree_token_expiry),
    ("self-signed", tree_self_signed),
    ("machine-restart", tree_machine_restart),
    ("clean", tree_clean),
]


def same_tree(a, b):
    cmp = filecmp.dircmp(a, b)
    if cmp.left_only or cmp.right_only or cmp.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(a, b, cmp.common_files, shallow=False)
    return not mismatch and not errors and all(same_tree(os.path.join(a, d), os.path.join(b, d)) for d in cmp.common_dirs)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="compare a fresh build with Samples/ instead of writing")
    args = ap.parse_args()
    samples = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "Samples")
    tmp = tempfile.mkdtemp(prefix="gislog-samples-")
    try:
        stale = []
        for name, make in TREES:
            fresh, target = os.path.join(tmp, name), os.path.join(samples, name)
            make(fresh)
            if args.check:
                ok = os.path.isdir(target) and same_tree(fresh, target)
                print(f"Samples/{name} is up to date" if ok else f"Samples/{name} differs from scripts/make-samples.py output")
                if not ok:
                    stale.append(name)
                continue
            if os.path.isdir(target):
                shutil.rmtree(target)
            shutil.copytree(fresh, target)
            print(f"wrote {target}")
        return 1 if stale else 0
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    sys.exit(main())
