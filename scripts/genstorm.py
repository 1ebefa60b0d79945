#!/usr/bin/env python3
"""Generate a month-long 12045 storm: the worst log a site hands gislog.

Usage:
    python3 scripts/genstorm.py OUTDIR [--records 1200000] [--days 30] [--seed 7] [--single-file]

Two machines of a federated site whose trust is broken for the whole month: the Server logs
WinINet 12045 failures calling the portal (and `Invalid token.` warnings from the portal's
answers), the Portal logs PKIX failures calling the server; about 80% of all records are such
events, the rest ordinary request traffic. Records are spread evenly over `--days` days, files
roll daily (as ArcGIS rolls them by size and restart, near enough). `--single-file` writes the
server's whole month into one file instead (one huge file is the other worst case).

The output is what an expert would call one cause (untrusted-ca, all month, both sides), so the
benchmark can also check that the report stays right at this size. Same arguments, same bytes.
"""
import argparse, os, random, time

SERVER = "GIS-SERVER01.CONTOSO.LOCAL"
PORTAL = "GIS-PORTAL01.CONTOSO.LOCAL"
PORTAL_URL = "https://gis-portal01.contoso.local:7443/arcgis"
SERVER_URL = "https://gis-server01.contoso.local:6443/arcgis"
START = 1793491200  # 2026-11-01T00:00:00 UTC, formatted with gmtime


def guid(rnd):
    h = "%032x" % rnd.getrandbits(128)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def stamp(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f",{ms % 1000}"


def server_record(rnd, ms):
    r = rnd.random()
    rid = guid(rnd)
    if r < 0.55:
        item = "%032x" % rnd.getrandbits(128)
        url = f"{PORTAL_URL}/sharing/rest/content/items/{item}/data"
        return (f'<Msg time="{stamp(ms)}" type="SEVERE" code="20010" source="Utilities/PrintingTools.GPServer" '
                f'process="7032" thread="4" methodName="" machine="{SERVER}" user="" elapsed="" requestID="{rid}">'
                f'Error executing tool. Export Web Map Task : Failed to create layer from service at {url}. '
                f'The certificate authority is invalid or incorrect (WinINet ERROR_INTERNET_INVALID_CA, 12045), '
                f'URL = {url}</Msg>\n')
    if r < 0.80:
        return (f'<Msg time="{stamp(ms)}" type="WARNING" code="9000" source="Rest" process="5176" thread="1" '
                f'methodName="" machine="{SERVER}" user="" elapsed="" requestID="{rid}">Exception in get user '
                f"privileges  Server machine '{PORTAL_URL}/sharing/rest/community/self' returned an error. "
                f"'Invalid token.'</Msg>\n")
    return (f'<Msg time="{stamp(ms)}" type="INFO" code="9029" source="Rest" process="5176" thread="1" methodName="" '
            f'machine="{SERVER}" user="" elapsed="" requestID="{rid}">Request user: Anonymous user, Service: '
            f'Parcels/MapServer</Msg>\n')


def portal_record(rnd, ms):
    if rnd.random() < 0.8:
        user = rnd.choice(["asmith", "bjones", "cnguyen", "dlee"])
        return (f'<Msg time="{stamp(ms)}" type="SEVERE" code="219406" source="Sharing" process="2876" '
                f'thread="{rnd.choice((14, 41, 57))}" methodName="" machine="{PORTAL}" user="{user}" elapsed="">'
                f'Invalid SSL certificate found. PKIX path building failed: '
                f'sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification '
                f'path to requested target</Msg>\n')
    return (f'<Msg time="{stamp(ms)}" type="INFO" code="219999" source="Sharing" process="2876" thread="14" '
            f'methodName="" machine="{PORTAL}" user="" elapsed="">Item data fetched for {SERVER_URL}/rest/services.</Msg>\n')


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("outdir")
    parser.add_argument("--records", type=int, default=1_200_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--single-file", action="store_true")
    args = parser.parse_args()
    rnd = random.Random(args.seed)
    span = args.days * 86_400_000
    machines = [
        (SERVER, "arcgisserver/logs/{m}/server", "server-{d}.000000-5176-0.0.log", server_record, 0.75),
        (PORTAL, "arcgisportal/logs/{m}/portal", "portal-{d}.000000.log", portal_record, 0.25),
    ]
    for machine, folder, pattern, make, share in machines:
        count = int(args.records * share)
        step = span / count
        out_dir = os.path.join(args.outdir, folder.format(m=machine))
        os.makedirs(out_dir, exist_ok=True)
        handle, day = None, None
        for index in range(count):
            ms = START * 1000 + int(index * step) + rnd.randrange(0, max(1, int(step)))
            this_day = time.strftime("%Y%m%d", time.gmtime(ms // 1000))
            if handle is None or (this_day != day and not (args.single_file and make is server_record)):
                if handle:
                    handle.close()
                day = this_day
                handle = open(os.path.join(out_dir, pattern.format(d=day)), "w", buffering=4 << 20)
            handle.write(make(rnd, ms))
        handle.close()


if __name__ == "__main__":
    main()
