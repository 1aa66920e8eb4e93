"""Vendor profiles (`run --profile`, `profiles`): real runs against the reference server.

Each vendor profile is run against a `serve` subprocess with the faults that mimic that vendor
switched on: exit 0, every entry listed as a known failure with its reason. Switching one fault
off makes its entry stale (exit 1); an entry past its expiry date fails the run (exit 1, from an
injected clock); a bad profile is exit 2 in one line.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from conformance import profiles
from conformance.checks.registry import catalogue
from conformance.commands.run import execute
from conformance.console import Console
from conformance.errors import UsageError
from conformance.reference.faults import registry
from conformance.reference.server import serve_subprocess
from conformance.settings import load

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
RESULTS_SCHEMA = json.loads((ROOT / "schemas" / "results.schema.json").read_text("utf-8"))
# The shipped entries expire no sooner than this after today, so CI does not trip on them.
MIN_VALIDITY = timedelta(days=365)
VENDOR_FAULTS = {"karapace-3.16": "karapace-", "strimzi-0.33": "strimzi-", "confluent-5.5": "confluent55-"}


def _faults(prefix: str, version: str) -> list[str]:
    return sorted(f.id for f in registry().values() if f.id.startswith(prefix) and version in f.versions)


def _cli(args: Sequence[str], timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conformance", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


def _run_profile(
    tmp_path: Path, profile: str, version: str, faults: Sequence[str], *extra: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """`run --profile` against a `serve` subprocess with `faults` on; the console and results.json."""
    serve_args = ["--api-version", version, *(a for f in faults for a in ("--fault", f))]
    with serve_subprocess(serve_args) as served:
        report = tmp_path / "report"
        done = _cli(
            [
                "run", "--target", served.url, "--topic", "conformance-p3",
                "--single-partition-topic", "conformance-p1", "--profile", profile,
                "--api-version", version, "--budget", "quick", "--seed", "7", "--report-dir", str(report),
                *extra,
            ]
        )  # fmt: skip
    doc = json.loads((report / "results.json").read_text("utf-8"))
    jsonschema.validate(doc, RESULTS_SCHEMA)
    return done, doc


# -- the shipped profiles, as data ---------------------------------------------------------------


def test_every_shipped_profile_loads_and_names_known_checks() -> None:
    ids = [c.id for c in catalogue()]
    found = {p.name: p for p in profiles.shipped()}
    assert set(found) == {"confluent-5.5", "confluent-7.5", "karapace-3.16", "strimzi-0.33"}
    for profile in found.values():
        entries = profile.expectations(ids)  # refuses unknown check ids
        assert len(entries) == len(profile.entries), profile.name
        assert all(e.row and e.evidence and e.reason and e.expires for e in entries.values()), profile.name


def test_shipped_entries_expire_at_least_a_year_from_today() -> None:
    today = datetime.now(UTC).date()
    for profile in profiles.shipped():
        earliest = profile.earliest_expiry()
        if earliest is None:
            continue
        assert earliest - today >= MIN_VALIDITY, (
            f"{profile.name}: an entry expires on {earliest}, within {MIN_VALIDITY.days} days: re-check the"
            " server and move `expires` on"
        )


@pytest.mark.parametrize("name", sorted(VENDOR_FAULTS))
def test_each_vendor_fault_is_covered_by_its_profile(name: str) -> None:
    """Every check a vendor fault declares it is caught by is a known deviation of the profile."""
    profile = profiles.find(name)
    listed = {e["check"] for e in profile.entries}
    for fault_id in _faults(VENDOR_FAULTS[name], "v2"):
        missing = set(registry()[fault_id].caught_by) - listed
        assert not missing, f"{fault_id} is caught by {sorted(missing)}, not in profile {name}"


# -- settings --------------------------------------------------------------------------------------


def test_profile_fills_dialect_and_version_and_the_user_wins() -> None:
    filled = load({"profile": "strimzi-0.33"})
    assert (filled.api_version, filled.auto_commit_field) == ("v2", "enable.auto.commit")
    assert filled.sources["auto_commit_field"] == "profile"
    mine = load({"profile": "strimzi-0.33", "auto_commit_field": "auto.commit.enable"})
    assert mine.auto_commit_field == "auto.commit.enable"
    from_env = load({}, {"KAFKA_REST_PROFILE": "karapace-3.16"})
    assert (from_env.profile, from_env.api_version) == ("karapace-3.16", "v2")
    with pytest.raises(UsageError, match=r"profile strimzi-0\.33 covers API v2 only, not v1"):
        load({"profile": "strimzi-0.33", "api_version": "v1"})


def test_profile_key_in_a_config_file(tmp_path: Path) -> None:
    config = tmp_path / "run.toml"
    config.write_text('profile = "karapace-3.16"\n', "utf-8")
    settings = load({"config": config})
    assert (settings.profile, settings.api_version, settings.sources["profile"]) == (
        "karapace-3.16",
        "v2",
        "file",
    )


# -- the command line: exit 2 and the listing ----------------------------------------------------


def test_unknown_profile_is_exit_2_listing_the_known_ones() -> None:
    done = _cli(["run", "--profile", "no-such-vendor"], timeout=60)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert "unknown profile 'no-such-vendor'" in line
    assert all(name in line for name in ("confluent-5.5", "confluent-7.5", "karapace-3.16", "strimzi-0.33"))


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (("expires = 2027-12-31\n", ""), "'expires' is a required property"),
        (("expires = 2027-12-31\n", 'expires = "2027-12-31"\n'), "'expires' must be a TOML date"),
        (('row = "P4"\n', 'row = "P4"\ncolour = "red"\n'), "Additional properties are not allowed"),
        (('check = "PROD-004"\n', 'check = "PROD-999"\n'), "unknown check id 'PROD-999'"),
    ],
)
def test_bad_profile_file_is_exit_2_in_one_line(tmp_path: Path, change: tuple[str, str], says: str) -> None:
    text = profiles.find("karapace-3.16").path.read_text("utf-8")
    entry = text.index('check = "PROD-004"')
    head, tail = text[:entry], text[entry:]
    bad = tmp_path / "bad-profile.toml"
    bad.write_text(head + tail.replace(change[0], change[1], 1), "utf-8")
    done = _cli(["run", "--profile", str(bad), "--budget", "quick", "--report-dir", str(tmp_path / "r")], 60)
    assert done.returncode == 2, done.stdout + done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert str(bad) in line and says in line, line


def test_profiles_lists_and_shows() -> None:
    listing = _cli(["profiles"], timeout=60)
    assert listing.returncode == 0
    lines = listing.stdout.splitlines()
    assert lines[0].split() == ["NAME", "SERVER", "API", "ENTRIES", "EARLIEST", "EXPIRY"]
    karapace = next(line for line in lines if line.startswith("karapace-3.16"))
    assert "Karapace 3.16.0" in karapace and " v2 " in karapace
    assert f" {len(profiles.find('karapace-3.16').entries)} " in karapace and "2027-12-31" in karapace
    shown = _cli(["profiles", "strimzi-0.33"], timeout=60)
    assert shown.returncode == 0
    assert "auto-commit-field = enable.auto.commit" in shown.stdout
    assert "- V2C-009 [D8] expires 2027-12-31:" in shown.stdout
    assert "no recording in shared/observed" in shown.stdout


# -- real runs against the reference -------------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "version"),
    [
        ("karapace-3.16", "v2"),
        ("strimzi-0.33", "v2"),
        ("confluent-5.5", "v1"),
        ("confluent-5.5", "v2"),
        ("confluent-7.5", "v2"),
    ],
)
def test_vendor_profile_accepts_exactly_its_deviations(tmp_path: Path, profile: str, version: str) -> None:
    faults = _faults(VENDOR_FAULTS[profile], version) if profile in VENDOR_FAULTS else []
    done, doc = _run_profile(tmp_path, profile, version, faults)
    entries = profiles.find(profile).expectations([c.id for c in catalogue()], version)
    by_id = {c["id"]: c for c in doc["checks"]}
    unexpected = [f"{c['id']} {c['outcome']}" for c in doc["checks"] if c["outcome"] in ("fail", "xpass")]
    # Not only MUST: a SHOULD failure the profile does not list is a gap in it too.
    assert done.returncode == 0 and not unexpected, f"{unexpected}\n{done.stdout[-3000:]}"
    assert doc["profile"]["name"] == profile
    for check_id, entry in entries.items():
        assert by_id[check_id]["outcome"] == "xfail", check_id
        assert by_id[check_id]["expectation"]["reason"] == entry.reason
        assert by_id[check_id]["expectation"]["source"] == f"profile {profile}"
        assert f"known failure accepted: {check_id} (" in done.stdout
    summary = (tmp_path / "report" / "summary.md").read_text("utf-8")
    assert f"- Profile `{profile}`" in summary
    assert f"profile {profile}" in done.stdout.splitlines()[0]


@pytest.mark.parametrize(
    ("profile", "removed", "stale"),
    [
        ("karapace-3.16", "karapace-commit-204", "V2C-032"),
        ("strimzi-0.33", "strimzi-seek-unassigned-404", "V2C-024"),
    ],
)
def test_a_fault_switched_off_makes_its_entry_stale(
    tmp_path: Path, profile: str, removed: str, stale: str
) -> None:
    faults = [f for f in _faults(VENDOR_FAULTS[profile], "v2") if f != removed]
    done, doc = _run_profile(tmp_path, profile, "v2", faults)
    assert done.returncode == 1
    assert {c["id"]: c["outcome"] for c in doc["checks"]}[stale] == "xpass"
    assert f"stale expectation(s), now passing: {stale}" in done.stdout


def test_an_expired_profile_entry_fails_the_run(tmp_path: Path) -> None:
    """The clock is injected: on 2028-01-01 the confluent-5.5 entry (expires 2027-12-31) no longer holds."""
    settings = load({"profile": "confluent-5.5", "budget": "quick", "seed": 7, "report_dir": tmp_path})
    outcome = execute(settings, Console(io.StringIO(), plain=True), today=lambda: date(2028, 1, 1))
    assert outcome.exit_code == 1
    reasons = outcome.results.verdict_reasons()
    assert (
        "expired expectation: PROD-026 (profile confluent-5.5) expired on 2027-12-31: re-check the deviation"
        " on the server, then renew its `expires` date or remove the entry"
    ) in reasons
    prod026 = next(r for r in outcome.results.results if r.id == "PROD-026")
    assert prod026.outcome.value == "fail"  # not accepted any more
    doc = json.loads((tmp_path / "results.json").read_text("utf-8"))
    jsonschema.validate(doc, RESULTS_SCHEMA)
    assert doc["summary"]["verdict"] == "stale-expectations"


def test_an_expired_entry_of_a_users_file_fails_the_cli_run(tmp_path: Path) -> None:
    """A user's --expectations file combines with the profile and gains the same expiry field."""
    mine = tmp_path / "mine.toml"
    mine.write_text(
        '[[expected]]\ncheck = "PROD-026"\napi-version = "v1"\nreason = "ours, until the upgrade"\n'
        "expires = 2020-06-30\n",
        "utf-8",
    )
    report = tmp_path / "report"
    done = _cli(
        ["run", "--profile", "confluent-5.5", "--expectations", str(mine), "--budget", "quick", "--seed", "7",
         "--report-dir", str(report)]
    )  # fmt: skip
    assert done.returncode == 1, done.stdout[-2000:]
    assert f"expired expectation: PROD-026 (expectations file {mine}) expired on 2020-06-30" in done.stdout
