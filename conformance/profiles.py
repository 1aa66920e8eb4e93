"""Vendor profiles: the known deviations of one server, and the dialect settings it needs.

A profile is data, one TOML file per server under ``conformance/data/profiles/`` (shipped in the
package), checked against ``schemas/profile.schema.json``::

    [profile]
    name = "karapace-3.16"                 # what --profile takes; the file is NAME.toml
    server = "Karapace"
    version = "3.16.0"
    api-versions = ["v2"]                  # the first is the run's default --api-version
    description = "Karapace 3.16.0 REST proxy (librdkafka), as recorded in [OBS-K3.16]"

    [profile.settings]                     # dialect settings; the user's flags and files win
    auto-commit-field = "auto.commit.enable"

    [[expected]]                           # an expectations entry (conformance/expectations.py)
    check = "PROD-004"
    row = "P4"
    reason = "offset -1 for every record with an empty or null value"
    evidence = "OBS-K3.16 records_roundtrip, produce_null_value_only"
    link = "contract.md §5.2"
    expires = 2027-12-31

The entries are expectations, parsed by the same code as an ``--expectations`` file: a listed
failure is accepted (xfail) with its reason, a listed check that passes is stale (xpass, exit 1),
and an entry past its ``expires`` date fails the run (exit 1) until it is re-checked.
``--profile`` also takes the path of a profile file of one's own.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from conformance.errors import UsageError
from conformance.expectations import parse_entries
from conformance.report.model import Expectation
from conformance.tomlfile import read_toml

PROFILE_DIR = "data/profiles"
SCHEMA = "data/schemas/profile.schema.json"
# Profile setting -> Settings field. Only dialect settings: what a server needs to be spoken to.
SETTINGS = {"auto-commit-field": "auto_commit_field"}


@dataclass(frozen=True)
class Profile:
    name: str
    server: str
    version: str
    api_versions: tuple[str, ...]
    description: str
    settings: Mapping[str, Any]  # Settings field -> value
    entries: tuple[Mapping[str, Any], ...]  # the raw [[expected]] tables, already schema-checked
    path: Path

    @property
    def source(self) -> str:
        return f"profile {self.name}"

    def expectations(
        self, known_ids: Iterable[str], api_version: str | None = None
    ) -> dict[str, Expectation]:
        where = f"profile {self.name} ({self.path})"
        return parse_entries(list(self.entries), where, known_ids, api_version, self.source)

    def earliest_expiry(self) -> date | None:
        dates = [e["expires"] for e in self.entries if isinstance(e.get("expires"), date)]
        return min(dates) if dates else None

    def header(self) -> dict[str, Any]:
        """What a report says about the profile a run used."""
        return {
            "name": self.name,
            "server": self.server,
            "version": self.version,
            "api_versions": list(self.api_versions),
            "description": self.description,
        }


def shipped_dir() -> Path:
    return Path(str(resources.files("conformance").joinpath(PROFILE_DIR)))


def shipped_names() -> list[str]:
    return sorted(p.stem for p in shipped_dir().glob("*.toml"))


def shipped() -> list[Profile]:
    """Every profile the package ships, by name."""
    return [find(name) for name in shipped_names()]


def find(name_or_path: str, cwd: Path | None = None) -> Profile:
    """A shipped profile by name, or a profile file by path (anything ending in .toml)."""
    if name_or_path.endswith(".toml") or "/" in name_or_path:
        path = Path(name_or_path)
        return load_file(path if path.is_absolute() or cwd is None else cwd / path)
    path = shipped_dir() / f"{name_or_path}.toml"
    if not path.is_file():
        known = ", ".join(shipped_names()) or "(none)"
        raise UsageError(
            f"unknown profile {name_or_path!r}: known profiles are {known}"
            " (`kafka-rest-conformance profiles` lists them), or give the path of a profile .toml file"
        )
    profile = load_file(path)
    if profile.name != name_or_path:
        raise UsageError(f"profile file {path}: name {profile.name!r} must match the file name {path.stem!r}")
    return profile


def load_file(path: Path) -> Profile:
    """A profile file, checked strictly: one `UsageError` line saying what is wrong and how to fix it."""
    where = f"profile file {path}"
    raw = read_toml(path, where, ": give a shipped profile name or an existing file")
    _validate(raw, where)
    head = raw["profile"]
    settings = {SETTINGS[k]: v for k, v in head.get("settings", {}).items()}
    return Profile(
        name=head["name"],
        server=head["server"],
        version=head["version"],
        api_versions=tuple(head["api-versions"]),
        description=head["description"],
        settings=settings,
        entries=tuple(raw["expected"]),
        path=path,
    )


@cache
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(resources.files("conformance").joinpath(SCHEMA).read_text("utf-8"))
    return schema


def _validate(raw: dict[str, Any], where: str) -> None:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    # JSON Schema has no date type: TOML dates are checked as their ISO text (a quoted string
    # passes here and is refused by the entry parser with the fix).
    error = best_match(Draft202012Validator(_schema()).iter_errors(_as_json(raw)))
    if error is None:
        return
    at = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
    entry = _entry_check(raw, list(error.absolute_path))
    raise UsageError(
        f"{where}: {at or 'top level'}{entry}: {error.message}; fix it (format: schemas/profile.schema.json)"
    )


def _entry_check(raw: dict[str, Any], path: list[Any]) -> str:
    """` (PROD-004)` when the error is inside an entry that names its check."""
    if len(path) >= 2 and path[0] == "expected" and isinstance(path[1], int):
        entries = raw.get("expected")
        if isinstance(entries, list) and path[1] < len(entries) and isinstance(entries[path[1]], dict):
            check = entries[path[1]].get("check")
            return f" ({check})" if isinstance(check, str) else ""
    return ""


def _as_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_json(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value
