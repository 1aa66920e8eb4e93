"""One immutable `Settings` for a run, from flags, the environment and a TOML file.

Precedence, strongest first: command-line flags, environment variables, the TOML file given
with ``--config``, built-in defaults. Credentials are taken as a unit from the strongest source
that declares any (so ``--bearer`` on the command line is not mixed with a
``KAFKA_REST_API_KEY`` left in the environment); one source declaring two kinds is an error.

Secrets are `Secret` values: their repr is masked, and `Settings.redacted()` (what a report
shows) keeps only whether they were given. Every invalid value raises `UsageError` with one line
saying what is wrong and how to fix it (exit 2).

With ``--rerun-failed RESULTS.json``, the earlier run's target, API version, topics, budget, seed
and label are a layer between the environment and the TOML file (like pytest's ``--lf``): the
re-run tests what the earlier run tested unless a flag or variable says otherwise. Credentials are
never in a results.json: give them again.

Environment variables: ``KAFKA_REST_URL``, ``KAFKA_REST_API_KEY``, ``KAFKA_REST_BEARER``,
``KAFKA_REST_BASIC`` (``user:pass``), ``KAFKA_REST_PROFILE``.

A vendor profile (``--profile``, conformance/profiles.py) is the weakest layer above the
defaults: its dialect settings (``auto-commit-field``) and its first API version fill only what
no flag, variable or file gave.

TOML keys are the flag names, with ``-`` or ``_``::

    target = "https://proxy.example:8082"
    api-version = "v2"
    topic = "conformance"
    single-partition-topic = "conformance-p1"
    budget = "standard"
    timeout = 10
    only = ["produce", "metadata"]
    headers = { "X-Tenant" = "qa" }      # or ["X-Tenant:qa"]
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from conformance.client import Credentials
from conformance.errors import UsageError
from conformance.requirements import API_VERSIONS, ApiVersion
from conformance.tomlfile import read_toml

Budget = Literal["quick", "standard", "deep"]
BUDGETS: tuple[Budget, ...] = ("quick", "standard", "deep")
ENV = {
    "target": "KAFKA_REST_URL",
    "api_key": "KAFKA_REST_API_KEY",
    "bearer": "KAFKA_REST_BEARER",
    "basic": "KAFKA_REST_BASIC",
    "profile": "KAFKA_REST_PROFILE",
}
CREDENTIAL_FIELDS = ("api_key", "bearer", "basic")
# The whole-run time bound is this many request timeouts (see `Settings.run_bound`).
BOUND_FACTOR: dict[str, float] = {"quick": 15, "standard": 30, "deep": 90}
MIN_BOUND = 30.0


class Secret:
    """A string that never shows itself: repr and str are masked; `.value` is the secret."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    @property
    def value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class Settings:
    target: str | None = None  # None: start the embedded reference server
    api_version: ApiVersion = "v1"
    topic: str | None = None
    single_topic: str | None = None
    api_key: Secret | None = None
    bearer: Secret | None = None
    basic: Secret | None = None  # "user:pass"
    headers: tuple[tuple[str, Secret], ...] = ()
    label: str | None = None
    report_dir: Path | None = None
    config: Path | None = None
    budget: Budget = "standard"
    seed: int | None = None  # None: a random seed, chosen once per run and reported
    timeout: float = 10.0
    strict: bool = False
    only: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    expectations: Path | None = None
    rerun_failed: Path | None = None
    probe_unknown_topic_produce: bool = False
    jobs: int = 8
    profile: str | None = None  # a vendor profile name (conformance/data/profiles/) or a file path
    # Consumer-creation field for auto commit (a dialect setting; None: Confluent's, retried as
    # Strimzi's enable.auto.commit after a 400).
    auto_commit_field: str | None = None
    sources: dict[str, str] = field(
        default_factory=dict, compare=False
    )  # field -> "flag"|"env"|"file"|"default"

    def __repr__(self) -> str:  # the URL may carry user:password, and secrets must never print
        return f"Settings({self.redacted()!r})"

    # -- derived -------------------------------------------------------------------------------
    def credentials(self) -> Credentials:
        return Credentials(
            api_key=self.api_key.value if self.api_key else None,
            bearer=self.bearer.value if self.bearer else None,
            basic=self.basic.value if self.basic else None,
            extra_headers={k: v.value for k, v in self.headers},
        )

    def secrets(self) -> tuple[str, ...]:
        values = list(self.credentials().secrets())
        if self.target:
            parts = urlsplit(self.target)
            values += [p for p in (parts.password, parts.username) if p]
        return tuple(v for v in values if v)

    @property
    def run_bound(self) -> float:
        """Seconds the whole run may take before unfinished checks are reported as errors."""
        bound = max(MIN_BOUND, self.timeout * BOUND_FACTOR[self.budget])
        if self.probe_unknown_topic_produce:
            bound += 70.0  # the hazardous probe may wait out a 60 s metadata timeout (§5.4)
        return bound

    def display_target(self) -> str:
        return _strip_userinfo(self.target) if self.target else "(embedded reference server)"

    def redacted(self) -> dict[str, Any]:
        """The settings as a report shows them: secrets only as "[REDACTED]", paths as text."""
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name in ("sources",):
                continue
            value = getattr(self, f.name)
            if isinstance(value, Secret):
                value = "[REDACTED]"
            elif f.name == "headers":
                value = {k: "[REDACTED]" for k, _ in value}
            elif f.name == "target" and value:
                value = _strip_userinfo(value)
            elif isinstance(value, Path):
                value = str(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out


def _strip_userinfo(url: str) -> str:
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return parts._replace(netloc=host).geturl()


# -- loading ---------------------------------------------------------------------------------------

# Flag/TOML name -> Settings field.
ALIASES = {
    "target": "target",
    "api-version": "api_version",
    "topic": "topic",
    "single-partition-topic": "single_topic",
    "single-topic": "single_topic",
    "api-key": "api_key",
    "bearer": "bearer",
    "basic": "basic",
    "header": "headers",
    "headers": "headers",
    "label": "label",
    "report-dir": "report_dir",
    "budget": "budget",
    "seed": "seed",
    "timeout": "timeout",
    "strict": "strict",
    "only": "only",
    "skip": "skip",
    "expectations": "expectations",
    "rerun-failed": "rerun_failed",
    "probe-unknown-topic-produce": "probe_unknown_topic_produce",
    "jobs": "jobs",
    "profile": "profile",
    "auto-commit-field": "auto_commit_field",
}
AUTO_COMMIT_FIELDS = ("auto.commit.enable", "enable.auto.commit")


def load(
    flags: Mapping[str, Any],
    environ: Mapping[str, str] | None = None,
    *,
    cwd: Path | None = None,
) -> Settings:
    """Build the settings. `flags` holds only what was given on the command line (None = not
    given), keyed by Settings field name, plus "config"."""
    environ = environ if environ is not None else {}
    given_flags = {k: v for k, v in flags.items() if v is not None and v != () and v is not False}
    config_path = given_flags.pop("config", None)
    file_values: dict[str, Any] = {}
    if config_path is not None:
        config_path = Path(config_path)
        file_values = _read_toml(config_path, cwd)
    env_values = {name: environ[var] for name, var in ENV.items() if environ.get(var)}
    rerun_path = given_flags.get("rerun_failed") or file_values.get("rerun_failed")
    rerun_values = earlier_settings(Path(rerun_path)) if rerun_path is not None else {}

    layers = [("flag", given_flags), ("env", env_values), ("rerun", rerun_values), ("file", file_values)]
    merged: dict[str, Any] = {}
    sources: dict[str, str] = {}
    # Credentials come whole from the strongest source that declares any.
    for source, layer in layers:
        declared = [f for f in CREDENTIAL_FIELDS if layer.get(f)]
        if len(declared) > 1:
            names = ", ".join(_describe(f, source) for f in declared)
            raise UsageError(f"give one kind of credentials, not several: {names}")
        if declared:
            merged[declared[0]] = layer[declared[0]]
            sources[declared[0]] = source
            break
    for source, layer in layers:
        for key, value in layer.items():
            if key in CREDENTIAL_FIELDS or key in merged:
                continue
            merged[key] = value
            sources[key] = source
    if merged.get("profile"):
        _fill_from_profile(merged, sources, str(merged["profile"]), cwd)
    if config_path is not None:
        merged["config"] = config_path
    return _build(merged, sources)


def _fill_from_profile(merged: dict[str, Any], sources: dict[str, str], name: str, cwd: Path | None) -> None:
    """The profile's dialect settings and default API version, where the user gave none: the
    user's flags, variables and config file win over a profile."""
    from conformance.profiles import find  # the profile loader pulls in the report model

    profile = find(name.strip(), cwd)
    for key, value in profile.settings.items():
        if key not in merged:
            merged[key] = value
            sources[key] = "profile"
    if "api_version" not in merged:
        merged["api_version"] = profile.api_versions[0]
        sources["api_version"] = "profile"
    elif merged["api_version"] not in profile.api_versions:
        raise UsageError(
            f"{_describe('api_version', sources['api_version'])}: profile {profile.name} covers API"
            f" {', '.join(profile.api_versions)} only, not {merged['api_version']}: give one of those"
        )


def _describe(field_name: str, source: str) -> str:
    if source == "env":
        return ENV[field_name]
    flag = next(k for k, v in ALIASES.items() if v == field_name)
    if source == "rerun":
        return f"{flag} (from the --rerun-failed results)"
    if source == "profile":
        return f"{flag} (from the profile)"
    return f"--{flag}" if source == "flag" else f"{flag} (config file)"


# What a --rerun-failed run takes from the earlier run's settings unless overridden.
RERUN_FIELDS = ("target", "api_version", "topic", "single_topic", "budget", "seed", "label")


def read_results(path: Path) -> dict[str, Any]:
    """An earlier results.json, or a one-line `UsageError` saying why it cannot be used."""
    try:
        doc = json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise UsageError(f"--rerun-failed {path}: file not found") from None
    except OSError as exc:
        raise UsageError(f"--rerun-failed {path}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise UsageError(
            f"--rerun-failed {path}: not UTF-8 text: give a results.json written by this suite"
        ) from None
    except ValueError:
        raise UsageError(
            f"--rerun-failed {path}: not JSON: give a results.json written by this suite"
        ) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("checks"), list):
        raise UsageError(f"--rerun-failed {path}: not a results.json written by this suite")
    return doc


def earlier_settings(path: Path) -> dict[str, Any]:
    settings = read_results(path).get("settings")
    if not isinstance(settings, dict):
        return {}
    return {
        k: settings[k] for k in RERUN_FIELDS if isinstance(settings.get(k), (str, int)) and settings[k] != ""
    }


def _read_toml(path: Path, cwd: Path | None) -> dict[str, Any]:
    full = path if path.is_absolute() or cwd is None else cwd / path
    raw = read_toml(full, f"config file {path}", ": check the --config path")
    out: dict[str, Any] = {}
    for key, value in raw.items():
        name = ALIASES.get(key) or ALIASES.get(key.replace("_", "-"))
        if name is None:
            known = ", ".join(sorted(ALIASES))
            raise UsageError(f"config file {path}: unknown setting {key!r}; known settings: {known}")
        if name == "headers":
            value = _toml_headers(value, path)
        elif name in ("only", "skip"):
            value = _string_list(value, key, path)
        elif name in ("report_dir", "expectations", "rerun_failed") and isinstance(value, str):
            base = full.parent
            value = Path(value) if Path(value).is_absolute() else base / value
        elif name == "profile" and isinstance(value, str) and value.endswith(".toml"):
            value = value if Path(value).is_absolute() else str(full.parent / value)
        out[name] = value
    return out


def _string_list(value: Any, key: str, path: Path) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise UsageError(f"config file {path}: {key} must be a string or a list of strings")


def _toml_headers(value: Any, path: Path) -> tuple[str, ...]:
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        return tuple(f"{k}:{v}" for k, v in value.items())
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise UsageError(
        f'config file {path}: headers must be a table {{"Name" = "value"}} or a list of "Name:value"'
    )


def _build(values: dict[str, Any], sources: dict[str, str]) -> Settings:
    def src(name: str) -> str:
        return _describe(name, sources.get(name, "flag")) if name in sources else name

    kwargs: dict[str, Any] = {}
    target = values.get("target")
    if target is not None:
        target = str(target).strip()
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(
                f"{src('target')}: {_strip_userinfo(target)!r} is not an http(s) URL: "
                "give the proxy's base URL, e.g. https://proxy.example:8082"
            )
        try:
            _ = parts.port
        except ValueError:
            raise UsageError(
                f"{src('target')}: the port in {_strip_userinfo(target)!r} is not a number"
            ) from None
        kwargs["target"] = target.rstrip("/")

    version = values.get("api_version", "v1")
    if version not in API_VERSIONS:
        raise UsageError(f"{src('api_version')}: {version!r} is not an API version: use v1 or v2")
    kwargs["api_version"] = version

    for name in ("topic", "single_topic", "label", "profile"):
        if name in values:
            text = str(values[name]).strip()
            if not text:
                raise UsageError(f"{src(name)} is empty: give a name")
            kwargs[name] = text
    if kwargs.get("target") and not kwargs.get("topic"):
        raise UsageError(
            "--topic is required with --target: name an existing topic the suite may write to "
            "(Kafka REST cannot create topics)"
        )

    for name in CREDENTIAL_FIELDS:
        if name in values:
            text = str(values[name])
            if not text.strip():
                raise UsageError(f"{src(name)} is empty: give the secret or leave it out")
            if name == "basic" and ":" not in text:
                raise UsageError(f"{src(name)} must be USER:PASS (a colon between user and password)")
            kwargs[name] = Secret(text)

    headers = []
    for item in values.get("headers", ()):
        key, sep, value = str(item).partition(":")
        if not sep or not key.strip() or any(c.isspace() for c in key.strip()):
            raise UsageError(f"--header {key.strip() or '?'}: give it as Name:value (a colon after the name)")
        headers.append((key.strip(), Secret(value.strip())))
    kwargs["headers"] = tuple(headers)

    if "auto_commit_field" in values:
        if values["auto_commit_field"] not in AUTO_COMMIT_FIELDS:
            raise UsageError(
                f"{src('auto_commit_field')}: {values['auto_commit_field']!r} is not a consumer auto-commit"
                f" field: use {' or '.join(AUTO_COMMIT_FIELDS)}"
            )
        kwargs["auto_commit_field"] = values["auto_commit_field"]

    budget = values.get("budget", "standard")
    if budget not in BUDGETS:
        raise UsageError(f"{src('budget')}: {budget!r} is not a budget: use quick, standard or deep")
    kwargs["budget"] = budget

    if "seed" in values:
        kwargs["seed"] = _int(values["seed"], src("seed"), minimum=0)
    if "jobs" in values:
        kwargs["jobs"] = _int(values["jobs"], src("jobs"), minimum=1)
    if "timeout" in values:
        try:
            timeout = float(values["timeout"])
        except (TypeError, ValueError):
            raise UsageError(f"{src('timeout')}: {values['timeout']!r} is not a number of seconds") from None
        if not 0 < timeout <= 600:
            raise UsageError(f"{src('timeout')}: {timeout:g} is out of range: give seconds between 0 and 600")
        kwargs["timeout"] = timeout

    for name in ("strict", "probe_unknown_topic_produce"):
        if name in values:
            if not isinstance(values[name], bool):
                raise UsageError(f"{src(name)} must be true or false")
            kwargs[name] = values[name]
    for name in ("only", "skip"):
        if name in values:
            # Repeatable, and each may be a comma-separated list: --only produce,metadata
            kwargs[name] = tuple(p.strip() for v in values[name] for p in str(v).split(",") if p.strip())
    for name in ("report_dir", "expectations", "rerun_failed", "config"):
        if name in values:
            kwargs[name] = Path(values[name])
    kwargs["sources"] = dict(sources)
    return Settings(**kwargs)


def _int(value: Any, name: str, *, minimum: int) -> int:
    if isinstance(value, bool):
        raise UsageError(f"{name} must be a whole number")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise UsageError(f"{name} {value!r} is not a whole number") from None
    if number < minimum:
        raise UsageError(f"{name} must be at least {minimum}")
    return number
