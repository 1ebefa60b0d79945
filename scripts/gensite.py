#!/usr/bin/env python3
"""Generate a big ArcGIS Enterprise site's logs tree: many machines, each with thousands of small logs.

Usage:
    python3 scripts/gensite.py OUTDIR [--files 100000] [--machines 20] [--restart-every 25] [--seed 42]

Layout (as on a busy site whose logs roll often, so every machine holds thousands of short logs):
    OUTDIR/arcgisserver/logs/GIS-SERVERnn.CONTOSO.LOCAL/server/server-YYYYMMDD.HHMMSS-PID-0.0.log[.gz]
    OUTDIR/arcgisportal/logs/GIS-PORTALnn.CONTOSO.LOCAL/portal/portal-YYYYMMDD.HHMMSS.log[.gz]
Most machines are Server machines; every tenth is a Portal machine. Each file holds 1 to 5 KB of
records (the record mix of scripts/genlog.py), about one in 25 after a restart of the machine's services
(the others are rolls of the running process; `--restart-every 1` makes every file start after a restart,
a crash-looping site); the oldest fifth of each machine's files are gzipped, as an
archiving job would leave them, and the newest server file has its Java `.lck` beside it. Same arguments
and seed give the same bytes.
"""

import argparse
import os
import random
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import genlog  # noqa: E402  (the record templates and the per-file writer)

DOMAIN = "CONTOSO.LOCAL"
GZIP_SHARE = 0.2
# About one file in 25 starts after a restart (every half day or so); the others are rolls.
RESTART_EVERY = 25


def machines(count):
    """(name, is_portal) for `count` machines: every tenth one a Portal machine."""
    out, servers, portals = [], 0, 0
    for i in range(count):
        if i % 10 == 9:
            portals += 1
            out.append((f"GIS-PORTAL{portals:02d}.{DOMAIN}", True))
        else:
            servers += 1
            out.append((f"GIS-SERVER{servers:02d}.{DOMAIN}", False))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir")
    ap.add_argument("--files", type=int, default=100_000, help="log files in all (default 100000)")
    ap.add_argument("--machines", type=int, default=20, help="machines (default 20)")
    ap.add_argument("--restart-every", type=int, default=RESTART_EVERY,
                    help=f"about one file in N starts after a restart (default {RESTART_EVERY}; 1: every file)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--force", action="store_true", help="replace OUTDIR if it exists")
    args = ap.parse_args()
    if args.files < 1 or args.machines < 1 or args.restart_every < 1:
        sys.exit("gensite: --files, --machines and --restart-every must be at least 1")
    if os.path.exists(args.outdir) and os.listdir(args.outdir):
        if not args.force:
            sys.exit(f"gensite: {args.outdir} exists and is not empty (use --force to replace it)")
        shutil.rmtree(args.outdir)

    began = time.monotonic()
    total_bytes = total_records = 0
    site = machines(args.machines)
    per_machine = [args.files // args.machines + (1 if m < args.files % args.machines else 0)
                   for m in range(args.machines)]
    for m, ((machine, is_portal), count) in enumerate(zip(site, per_machine)):
        if is_portal:
            folder = os.path.join(args.outdir, "arcgisportal", "logs", machine, "portal")
        else:
            folder = os.path.join(args.outdir, "arcgisserver", "logs", machine, "server")
        os.makedirs(folder, exist_ok=True)
        plan_rnd = random.Random(args.seed * 7919 + m)
        # A file every 10 to 50 minutes (a restart, or a 10 MB roll on a busy machine), from the same day on.
        start = genlog.BASE_EPOCH + plan_rnd.randrange(3600)
        newest = None
        for k in range(count):
            start += plan_rnd.randrange(600, 3000)
            budget = plan_rnd.randrange(1024, 5120)
            rnd = random.Random((args.seed * 1_000_003 + m) * 1_000_003 + k)
            g = genlog.Gen(rnd, machine, start)
            # Most files are rolls of a running process (same pid, no start message); one in RESTART_EVERY
            # begins after a restart of the machine's services.
            restart = k == 0 or plan_rnd.randrange(args.restart_every) == 0
            if restart:
                pid = g.owner_pid
            g.owner_pid = pid
            if is_portal:
                name = genlog.portal_name(start)
                opening = g.portal_rec("INFO", 217039, "Portal", "Log Service started.", thread=1) if restart else ""
                templates, event_bytes = genlog.PORTAL_TEMPLATES, 2
            else:
                name = genlog.server_name(start, g.owner_pid)
                opening = g.server("INFO", 6513, "Server", g.owner_pid, 1, "Initializing the server machine.") if restart else ""
                templates, event_bytes = genlog.SERVER_TEMPLATES, 6
            path = os.path.join(folder, name)
            gz = k < count * GZIP_SHARE
            # genlog spreads a file's records over 20 h given a record's mean size (690 B on Server, 235 on
            # Portal); a 120th of it spreads them over about 10 min, as the files are short-lived.
            nbytes, nrec = genlog.write_file(path, gz, g, templates, event_bytes, budget, opening)
            total_bytes += nbytes
            total_records += nrec
            if not is_portal:
                newest = path
        if newest:
            open(newest + ".lck", "wb").close()
    secs = time.monotonic() - began
    print(f"gensite: {sum(per_machine)} files on {args.machines} machines, {total_records} records, "
          f"{total_bytes / 1e6:.1f} MB uncompressed in {secs:.1f} s -> {args.outdir}", file=sys.stderr)


if __name__ == "__main__":
    main()
