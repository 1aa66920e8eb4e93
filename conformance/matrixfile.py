"""The targets file of `kafka-rest-conformance matrix`: named targets and the settings they share.

TOML, keys with ``-`` or ``_``; paths relative to the file::

    budget = "standard"        # shared by every target (a target may override budget, timeout,
    seed = 42                  # strict, only, skip, expectations)
    jobs = 2                   # targets tested at once
    timeout = 10               # per request, as `run --timeout`
    time-bound = 1800          # seconds for the whole matrix (default: enough for every wave)
    report-dir = "reports/vendors"

    [targets.staging]
    url = "https://staging.example:8082"
    api-version = "v2"
    topic = "conformance"
    single-partition-topic = "conformance-p1"
    api-key-env = "STAGING_KEY"      # the NAME of the variable holding the key, never the key
    profile = "karapace-3.16"    # a vendor profile: its known deviations are xfail

Credentials are named, not given: ``api-key-env``, ``bearer-env`` or ``basic-env`` names the
environment variable that holds them, and a variable that is not set is a usage error. A target
with no ``url`` is the embedded reference server. Every problem is one `UsageError` line.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from conformance.errors import UsageError
from conformance.requirements import API_VERSIONS
from conformance.settings import BOUND_FACTOR, BUDGETS, CREDENTIAL_FIELDS, MIN_BOUND, Settings, load
from conformance.tomlfile import read_toml

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# Keys of a target table -> what they are; the credential keys name environment variables.
TARGET_KEYS = {
    "url": "str",
    "api_version": "version",
    "topic": "str",
    "single_partition_topic": "str",
    "api_key_env": "env",
    "bearer_env": "env",
    "basic_env": "env",
    "profile": "str",
    "label": "str",
    "budget": "budget",
    "timeout": "timeout",
    "strict": "bool",
    "only": "list",
    "skip": "list",
    "expectations": "path",
}
SHARED_KEYS = {
    "api_version": "version",
    "budget": "budget",
    "seed": "seed",
    "jobs": "jobs",
    "timeout": "timeout",
    "time_bound": "seconds",
    "report_dir": "path",
    "strict": "bool",
    "only": "list",
    "skip": "list",
    "expectations": "path",
    "targets": "table",
}
OVERRIDABLE = ("api_version", "budget", "timeout", "strict", "only", "skip", "expectations")
CHILD_GRACE_S = 60.0  # past its own run bound, a child gets this long for cleanup and reports


@dataclass(frozen=True)
class MatrixTarget:
    name: str
    url: str | None  # None: the embedded reference server
    api_version: str = "v1"
    topic: str | None = None
    single_partition_topic: str | None = None
    credential: tuple[str, str] | None = None  # (kind, NAME of the environment variable)
    profile: str | None = None
    label: str | None = None
    budget: str = "standard"
    timeout: float = 10.0
    strict: bool = False
    only: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    expectations: Path | None = None

    @property
    def run_bound(self) -> float:
        """How long its `run` may take before the matrix stops it: run's own bound plus a grace."""
        return max(MIN_BOUND, self.timeout * BOUND_FACTOR[self.budget]) + CHILD_GRACE_S

    def display_url(self) -> str | None:
        return Settings(target=self.url).display_target() if self.url else None

    def redacted(self) -> dict[str, Any]:
        """As a report shows it: the URL without userinfo, credentials as a variable name."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "url":
                value = self.display_url()
            elif f.name == "credential":
                value = {"kind": value[0], "env": value[1]} if value else None
            elif isinstance(value, Path):
                value = str(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out


@dataclass(frozen=True)
class MatrixFile:
    path: Path
    targets: tuple[MatrixTarget, ...]
    seed: int | None = None
    jobs: int = 2
    time_bound: float | None = None
    report_dir: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def bound(self, jobs: int) -> float:
        """The whole matrix's time bound: given, or one child bound per wave of `jobs` targets."""
        if self.time_bound is not None:
            return self.time_bound
        waves = -(-len(self.targets) // max(1, jobs))
        return waves * max(t.run_bound for t in self.targets)


def _key(raw: str) -> str:
    return raw.replace("-", "_")


def _value(kind: str, value: Any, where: str, base: Path) -> Any:
    if kind in ("str", "env"):
        if not isinstance(value, str) or not value.strip():
            raise UsageError(f"{where} must be a non-empty string")
        return value.strip()
    if kind == "version":
        if value not in API_VERSIONS:
            raise UsageError(f"{where}: {value!r} is not an API version: use v1 or v2")
        return value
    if kind == "budget":
        if value not in BUDGETS:
            raise UsageError(f"{where}: {value!r} is not a budget: use quick, standard or deep")
        return value
    if kind in ("timeout", "seconds"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise UsageError(f"{where}: {value!r} is not a positive number of seconds")
        if kind == "timeout" and value > 600:
            raise UsageError(f"{where}: {value:g} is out of range: give seconds between 0 and 600")
        return float(value)
    if kind in ("seed", "jobs"):
        minimum = 0 if kind == "seed" else 1
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise UsageError(f"{where} must be a whole number of at least {minimum}")
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise UsageError(f"{where} must be true or false")
        return value
    if kind == "list":
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise UsageError(f"{where} must be a string or a list of strings")
        return tuple(value)
    if kind == "path":
        if not isinstance(value, str) or not value.strip():
            raise UsageError(f"{where} must be a path")
        return Path(value) if Path(value).is_absolute() else base / value
    raise AssertionError(kind)


def _table(raw: Mapping[str, Any], allowed: Mapping[str, str], where: str, base: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for raw_key, value in raw.items():
        key = _key(raw_key)
        if key not in allowed:
            known = ", ".join(k.replace("_", "-") for k in sorted(allowed))
            raise UsageError(f"{where}: unknown key {raw_key!r}; known keys: {known}")
        out[key] = (
            value if allowed[key] == "table" else _value(allowed[key], value, f"{where}: {raw_key}", base)
        )
    return out


def _target(
    name: str, raw: Any, shared: Mapping[str, Any], where: str, environ: Mapping[str, str], base: Path
) -> MatrixTarget:
    if not NAME.match(name):
        raise UsageError(f"{where}: target name {name!r}: use letters, digits, '.', '_' or '-'")
    if not isinstance(raw, dict):
        raise UsageError(f"{where}: [targets.{name}] must be a table")
    values = {k: shared[k] for k in OVERRIDABLE if k in shared} | _table(
        raw, TARGET_KEYS, f"{where} [targets.{name}]", base
    )
    creds = [k for k in ("api_key_env", "bearer_env", "basic_env") if k in values]
    if len(creds) > 1:
        raise UsageError(f"{where} [targets.{name}]: give one kind of credentials, not {' and '.join(creds)}")
    credential = None
    if creds:
        var = values.pop(creds[0])
        if not environ.get(var):
            raise UsageError(
                f"{where} [targets.{name}]: {creds[0].replace('_', '-')} names {var}, which is not set: export it"
            )
        credential = (creds[0].removesuffix("_env"), var)
        assert credential[0] in CREDENTIAL_FIELDS
    url = values.pop("url", None)
    if url is not None:
        problem = _url_problem(url)
        if problem:
            raise UsageError(f"{where} [targets.{name}]: url {problem}")
        if not values.get("topic"):
            raise UsageError(
                f"{where} [targets.{name}]: topic is required with url (an existing topic the suite may write to)"
            )
    if "profile" in values:
        values["profile"] = _profile(values["profile"], f"{where} [targets.{name}]", base)
    return MatrixTarget(name=name, url=url, credential=credential, **values)


def _profile(name: str, where: str, base: Path) -> str:
    """A profile is checked now, not in a child after minutes of other targets; a profile file
    is passed on as an absolute path, since the child runs elsewhere."""
    if "profile" not in {f.name for f in fields(Settings)}:
        raise UsageError(f"{where}: profile needs a `run` with --profile (this suite has none)")
    # Imported by name: profiles are a layer of `run` that this module only passes through.
    find = importlib.import_module("conformance.profiles").find
    try:
        find(name, cwd=base)
    except UsageError as exc:
        raise UsageError(f"{where}: {exc}") from None
    local = base / name
    return str(local.resolve()) if (name.endswith(".toml") or "/" in name) and local.is_file() else name


def _url_problem(url: str) -> str | None:
    try:  # the same rules as `run --target`, checked where they are kept
        load({"target": url, "topic": "t"}, {})
    except UsageError as exc:
        return str(exc).split(": ", 1)[-1]
    return None


def load_matrix(path: Path, environ: Mapping[str, str]) -> MatrixFile:
    """Read and validate the targets file, or raise a one-line `UsageError`."""
    where = f"matrix file {path}"
    raw = read_toml(path, where)
    base = path.parent
    shared = _table(raw, SHARED_KEYS, where, base)
    tables = shared.pop("targets", None)
    if not isinstance(tables, dict) or not tables:
        raise UsageError(f"{where}: no targets: add at least one [targets.NAME] table with a url")
    targets = tuple(_target(name, t, shared, where, environ, base) for name, t in tables.items())
    for t in targets:
        if t.expectations is not None and not t.expectations.is_file():
            raise UsageError(f"{where} [targets.{t.name}]: expectations file {t.expectations} not found")
    return MatrixFile(
        path=path,
        targets=targets,
        seed=shared.get("seed"),
        jobs=shared.get("jobs", 2),
        time_bound=shared.get("time_bound"),
        report_dir=shared.get("report_dir"),
    )
