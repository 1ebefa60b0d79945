#!/usr/bin/env python3
"""Regenerate Samples/basic/: one day of a small, fictional ArcGIS Enterprise site.

Usage:
    python3 scripts/make-samples.py            # (re)write Samples/basic/
    python3 scripts/make-samples.py --check    # exit 1 if Samples/basic/ differs from a fresh run

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


def same_tree(a, b):
    cmp = filecmp.dircmp(a, b)
    if cmp.left_only or cmp.right_only or cmp.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(a, b, cmp.common_files, shallow=False)
    return not mismatch and not errors and all(same_tree(os.path.join(a, d), os.path.join(b, d)) for d in cmp.common_dirs)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="compare a fresh build with Samples/basic/ instead of writing")
    args = ap.parse_args()
    target = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "Samples", "basic")
    tmp = tempfile.mkdtemp(prefix="gislog-samples-")
    try:
        fresh = os.path.join(tmp, "basic")
        build(fresh)
        if args.check:
            ok = os.path.isdir(target) and same_tree(fresh, target)
            print("Samples/basic is up to date" if ok else "Samples/basic differs from scripts/make-samples.py output")
            return 0 if ok else 1
        if os.path.isdir(target):
            shutil.rmtree(target)
        shutil.copytree(fresh, target)
        print(f"wrote {target}")
        return 0
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    sys.exit(main())
