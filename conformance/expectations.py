"""Expectations: known failures a gate accepts, each with a reason and a link.

A TOML file::

    [[expected]]
    check = "DCON-012"
    reason = "vendor answers 204 to commits; fix scheduled"
    link = "https://tracker.example/PROXY-123"

An entry may name ``api-version = "v1"`` (or ``"v2"``): it then applies to runs of that version
only. Optional too: ``row`` (the contract.md §8 row), ``evidence`` (the observed exchange or the
source that shows the deviation) and ``expires = 2027-12-31`` (a TOML date): after that day the
entry no longer holds, and a run whose check it covers fails (exit 1) until someone re-checks the
server and renews or removes the entry. Vendor profiles (`conformance.profiles`) are entries of
this same kind, with row, evidence and expires required. The embedded reference ships its own by-design deviations this way
(``conformance/data/reference-expectations.toml``), applied to a run with no ``--target``.

A listed check that fails becomes xfail (accepted); one that passes becomes xpass, reported
loudly and failing the run (exit 1), so a stale entry cannot hide a later regression. Errors and
skips are left as they are: an expectation covers a known *failure*, not a check that could not run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from conformance.errors import UsageError
from conformance.report.model import CheckResult, Expectation, Outcome
from conformance.tomlfile import read_toml

ENTRY_KEYS = frozenset(
    {"check", "reason", "link", "api-version", "api_version", "row", "evidence", "expires"}
)


def load(path: Path, known_ids: Iterable[str], api_version: str | None = None) -> dict[str, Expectation]:
    """The entries of an expectations file; with `api_version`, only those that apply to it."""
    raw = read_toml(path, f"expectations file {path}", ": check the --expectations path")
    extra = set(raw) - {"expected"}
    if extra:
        raise UsageError(
            f"expectations file {path}: unknown key(s) {', '.join(sorted(extra))}; use [[expected]] entries"
        )
    entries = raw.get("expected", [])
    if not isinstance(entries, list):
        raise UsageError(f"expectations file {path}: 'expected' must be an array of tables ([[expected]])")
    return parse_entries(entries, f"expectations file {path}", known_ids, api_version)


def parse_entries(
    entries: list[Any],
    where_file: str,
    known_ids: Iterable[str],
    api_version: str | None = None,
    source: str | None = None,
) -> dict[str, Expectation]:
    """`[[expected]]` tables as expectations, each marked with `source` (default `where_file`)
    as where it comes from; one `UsageError` line naming the entry for the first thing wrong."""
    known = set(known_ids)
    out: dict[str, Expectation] = {}
    for n, entry in enumerate(entries, 1):
        where = f"{where_file}, entry {n}"
        if not isinstance(entry, dict):
            raise UsageError(f"{where}: must be a table with check, reason and link")
        check = entry.get("check")
        reason = entry.get("reason")
        link = entry.get("link", "")
        if not isinstance(check, str) or not check:
            raise UsageError(f"{where}: 'check' (a check id such as PROD-004) is missing")
        if check not in known:
            raise UsageError(
                f"{where}: unknown check id {check!r}; `kafka-rest-conformance checks` lists them"
            )
        if not isinstance(reason, str) or not reason.strip():
            raise UsageError(f"{where} ({check}): give a 'reason' for the known failure")
        for name in ("link", "row", "evidence"):
            if not isinstance(entry.get(name, ""), str):
                raise UsageError(f"{where} ({check}): '{name}' must be a string")
        expires = entry.get("expires")
        if expires is not None and (not isinstance(expires, date) or isinstance(expires, datetime)):
            raise UsageError(
                f"{where} ({check}): 'expires' must be a TOML date without quotes, e.g. expires = 2027-12-31"
            )
        version = entry.get("api-version", entry.get("api_version"))
        if version is not None and version not in ("v1", "v2"):
            raise UsageError(f'{where} ({check}): \'api-version\' must be "v1" or "v2"')
        unknown = set(entry) - ENTRY_KEYS
        if unknown:
            raise UsageError(f"{where} ({check}): unknown key(s) {', '.join(sorted(unknown))}")
        if api_version is not None and version is not None and version != api_version:
            continue
        if check in out:
            raise UsageError(f"{where}: {check} is listed twice")
        out[check] = Expectation(
            check,
            reason.strip(),
            link.strip(),
            row=entry.get("row", "").strip(),
            evidence=entry.get("evidence", "").strip(),
            expires=expires,
            source=source or where_file,
        )
    return out


def apply(
    results: Iterable[CheckResult], expectations: Mapping[str, Expectation], today: date | None = None
) -> None:
    """Turn listed failures into xfail and listed passes into xpass, in place. With `today`, an
    entry past its expiry date accepts nothing: its check keeps its outcome (see `expired`)."""
    for result in results:
        expectation = expectations.get(result.id)
        if expectation is None:
            continue
        result.expectation = expectation
        if today is not None and expectation.expired(today):
            continue
        if result.outcome is Outcome.FAIL:
            result.outcome = Outcome.XFAIL
        elif result.outcome is Outcome.PASS:
            result.outcome = Outcome.XPASS
            result.message = (
                f"listed as a known failure ({expectation.reason}) but it passed: remove the entry"
            )


def expired(results: Iterable[CheckResult], today: date) -> list[Expectation]:
    """The entries, among those the checks that ran carry, whose expiry date is before `today`."""
    return [r.expectation for r in results if r.expectation is not None and r.expectation.expired(today)]
