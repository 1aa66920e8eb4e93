"""`kafka-rest-conformance profiles`: the shipped vendor profiles, and one profile's entries.

``profiles`` prints one line per profile (name, server and version, API versions, entries, the
earliest expiry date). ``profiles NAME`` (or a profile file path) checks the profile against the
check catalogue and prints its dialect settings and every entry: check, row, API version,
expiry, reason, evidence and link. A bad profile is exit 2 with one line.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from conformance import profiles
from conformance.cli import Handler


def register(sub: Any) -> tuple[str, Handler]:
    p = sub.add_parser(
        "profiles",
        help="list the vendor profiles (known deviations and dialect settings per server) for run --profile",
        description="List the shipped vendor profiles, or show one profile's dialect settings and entries.",
    )
    p.add_argument("name", nargs="?", metavar="NAME|FILE", help="show this profile's entries")
    return "profiles", handle


def handle(args: argparse.Namespace) -> int:
    lines = show(args.name) if args.name else listing()
    for line in lines:
        print(line)
    return 0


def listing() -> list[str]:
    found = profiles.shipped()
    rows = [
        (
            p.name,
            f"{p.server} {p.version}",
            ",".join(p.api_versions),
            str(len(p.entries)),
            str(p.earliest_expiry() or "-"),
        )
        for p in found
    ]
    head = ("NAME", "SERVER", "API", "ENTRIES", "EARLIEST EXPIRY")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [head, *rows]
    ]


def show(name: str) -> list[str]:
    from conformance.checks.registry import catalogue

    profile = profiles.find(name)
    entries = profile.expectations([c.id for c in catalogue()])  # refuses unknown check ids
    versions = {e["check"]: e.get("api-version", "") for e in profile.entries}
    today = datetime.now(UTC).date()
    lines = [
        f"{profile.name}: {profile.server} {profile.version}, API {', '.join(profile.api_versions)}",
        f"  {profile.description}",
        f"  file: {profile.path}",
    ]
    names = {field: key for key, field in profiles.SETTINGS.items()}
    settings = ", ".join(f"{names[k]} = {v}" for k, v in profile.settings.items()) or "none"
    lines.append(f"  dialect settings (your flags and config win): {settings}")
    lines.append(f"  known deviations: {len(entries)}")
    for entry in entries.values():
        version = f" {versions[entry.check_id]}" if versions.get(entry.check_id) else ""
        state = " EXPIRED" if entry.expired(today) else ""
        lines.append(
            f"- {entry.check_id} [{entry.row}{version}] expires {entry.expires}{state}: {entry.reason}"
        )
        lines.append(f"    evidence: {entry.evidence}")
        if entry.link:
            lines.append(f"    link: {entry.link}")
    return lines
