"""The evidence bundle: one ``.tar.gz`` that carries everything needed to act on a run, or a matrix.

Layout (``<top>`` is the archive's name without ``.tar.gz``)::

    <top>/MANIFEST.json                 suite version, openapi.yaml digest, created time, the runs
                                        (target, API version, seed, verdict), every file with sha256
    <top>/README.md                     what is inside; per failing check, the commands that replay it
    <top>/runs/<name>/settings.json     the run's settings, secrets redacted, and which environment
                                        variables held its credentials (names only)
    <top>/runs/<name>/target.json       what the target said about itself (results.json target.about)
    <top>/runs/<name>/reports/...       every file the run wrote (results.json, junit.xml, ...)
    <top>/matrix/...                    for a matrix: matrix.json, matrix.md, matrix.html, settings.json

Everything is built from what the runs wrote: no request is made. No secret can be inside: the
report files are already redacted, and every member is masked once more, against each secret and
its base64, URL-encoded and HTTP Basic forms, before it is hashed and written.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import shlex
import tarfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from conformance import __version__
from conformance.exchange import REDACTED
from conformance.settings import ENV, Settings

FORMAT_VERSION = "1.0"
REPLAY_OUTCOMES = ("fail", "error", "xpass")  # what a README section is written for
CURLS_PER_CHECK = 5  # a generated check can carry 40 exchanges; the README shows the first few
CREDENTIAL_FLAGS = {"api_key": "--api-key", "bearer": "--bearer", "basic": "--basic"}


@dataclass(frozen=True)
class BundledRun:
    """One run to bundle: its name in the archive, the directory its reports are in, and the
    environment variable that holds each credential it used (``{"api_key": "STAGING_KEY"}``)."""

    name: str
    report_dir: Path
    credentials: Mapping[str, str] = field(default_factory=dict)


def safe_name(name: str) -> str:
    """A run's name as a folder name in the archive."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "run"


def credential_env(settings: Settings) -> dict[str, str]:
    """For a plain run: the standard variable of each credential kind the run used."""
    return {kind: ENV[kind] for kind in CREDENTIAL_FLAGS if getattr(settings, kind) is not None}


def check_bundle_path(path: Path) -> None:
    """Before a run: the bundle's folder must exist or be creatable (one-line `UsageError`)."""
    from conformance.errors import UsageError

    if path.is_dir():
        raise UsageError(f"--bundle {path} is a directory: give a file name such as evidence.tar.gz")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--bundle {path}: cannot create its folder ({exc.strerror})") from None


def secret_forms(secrets: Iterable[str]) -> list[str]:
    """Every form in which a secret could leak: itself, base64 (as in HTTP Basic), URL-safe
    base64, percent-encoded; longest first so a form is masked before a part of it."""
    forms: set[str] = set()
    for secret in secrets:
        if not secret:
            continue
        raw = secret.encode()
        forms |= {
            secret,
            base64.b64encode(raw).decode(),
            base64.b64encode(raw).decode().rstrip("="),
            base64.urlsafe_b64encode(raw).decode().rstrip("="),
            quote(secret, safe=""),
        }
    return sorted((f for f in forms if f), key=len, reverse=True)


def _mask_bytes(data: bytes, forms: Sequence[str]) -> bytes:
    for form in forms:
        data = data.replace(form.encode(), REDACTED.encode())
    return data


def _read_results(report_dir: Path) -> dict[str, Any]:
    try:
        doc = json.loads((report_dir / "results.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def replay_command(doc: Mapping[str, Any], check_id: str, credentials: Mapping[str, str]) -> str:
    """`kafka-rest-conformance run ... --only ID --seed S` that runs this one check as the run did."""
    settings = doc.get("settings") or {}
    argv = ["kafka-rest-conformance", "run"]
    if settings.get("target"):
        argv += ["--target", str(settings["target"])]
    argv += [
        "--api-version",
        str(settings.get("api_version") or doc.get("target", {}).get("api_version", "v1")),
    ]
    for flag, key in (("--topic", "topic"), ("--single-partition-topic", "single_topic")):
        if settings.get(key):
            argv += [flag, str(settings[key])]
    if settings.get("profile"):
        argv += ["--profile", str(settings["profile"])]
    argv += ["--budget", str(settings.get("budget", "standard")), "--seed", str(doc.get("seed"))]
    if settings.get("timeout") not in (None, 10.0, 10):
        argv += ["--timeout", f"{settings['timeout']:g}"]
    if settings.get("strict"):
        argv.append("--strict")
    argv += ["--only", check_id]
    return _with_credentials(" ".join(shlex.quote(a) for a in argv), credentials)


def _with_credentials(command: str, credentials: Mapping[str, str]) -> str:
    """Credentials are never stored: the command reads them from the variable that held them."""
    prefix = [
        f'{ENV[kind]}="${var}"' if var != ENV[kind] else "" for kind, var in sorted(credentials.items())
    ]
    prefix = [p for p in prefix if p]
    return " ".join([*prefix, command])


def _run_readme(run: BundledRun, doc: Mapping[str, Any], results_path: str) -> list[str]:
    target = doc.get("target") or {}
    summary = doc.get("summary") or {}
    out = [
        f"## {run.name}: {summary.get('verdict', 'no results')} (exit {summary.get('exit_code', '?')})",
        "",
        f"Target `{target.get('url', '?')}`, API {target.get('api_version', '?')}, seed {doc.get('seed')}.",
        "",
    ]
    if summary.get("explanation"):
        out += [str(summary["explanation"]), ""]
    if not doc:
        return [*out, "This run wrote no results.json (see its console.txt, if any).", ""]
    if run.credentials:
        names = ", ".join(f"`{var}`" for _, var in sorted(run.credentials.items()))
        out += [
            f"The run used credentials (never stored): set {names} before replaying; in the curl lines put"
            f" them back where `{REDACTED}` stands.",
            "",
        ]
    failing = [c for c in doc.get("checks", []) if c.get("outcome") in REPLAY_OUTCOMES]
    if not failing:
        return [*out, "No failed, errored or stale (xpass) check: nothing to replay.", ""]
    rerun = _with_credentials(
        f"kafka-rest-conformance run --rerun-failed {shlex.quote(results_path)}", run.credentials
    )
    out += [
        "Re-run every failure of this run (same target, version, topics, budget and seed):",
        "",
        f"    {rerun}",
        "",
    ]
    for check in failing:
        gating = "" if check.get("gating", True) else ", not gating"
        rows = ", ".join(check.get("rows") or [])
        out += [
            f"### {check['id']} [{check.get('level') or '-'}{gating}] {rows}: {check.get('title', '')}",
            "",
            f"{check.get('outcome')}: {check.get('message', '')}",
            "",
            "Replay the check:",
            "",
            f"    {replay_command(doc, check['id'], run.credentials)}",
            "",
        ]
        curls = [e["curl"] for e in check.get("evidence", []) if e.get("curl")]
        if curls:
            out += ["Replay its requests:", ""]
            out += [f"    {c}" for c in curls[:CURLS_PER_CHECK]]
            more = len(curls) - CURLS_PER_CHECK
            out += [""] + ([f"({more} more in results.json)", ""] if more > 0 else [])
    return out


def _readme(runs: Sequence[BundledRun], docs: Sequence[Mapping[str, Any]], top: str, matrix: bool) -> str:
    out = [
        "# Kafka REST conformance: evidence bundle",
        "",
        f"Written by kafka-rest-conformance {__version__}. `MANIFEST.json` lists every file with its sha256;"
        " no secret is inside (credentials show as `[REDACTED]`).",
        "",
        "- `runs/<name>/reports/`: the run's own reports (results.json, junit.xml, summary.md, report.html)",
        "- `runs/<name>/settings.json`: its settings, secrets redacted",
        "- `runs/<name>/target.json`: what the target said about itself (headers, broker and cluster ids)",
    ]
    if matrix:
        out.append(
            "- `matrix/`: the side-by-side matrix (matrix.json, matrix.md, matrix.html) and its settings"
        )
    out += [
        "",
        f"Commands below run from the folder the archive was unpacked in (`tar xzf {top}.tar.gz`).",
        "",
    ]
    for run, doc in zip(runs, docs, strict=True):
        out += _run_readme(run, doc, f"{top}/runs/{safe_name(run.name)}/reports/results.json")
    return "\n".join(out).rstrip() + "\n"


def _json(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode()


def write_bundle(
    path: Path,
    runs: Sequence[BundledRun],
    *,
    secrets: Iterable[str] = (),
    matrix_files: Sequence[Path] = (),
    matrix_settings: Mapping[str, Any] | None = None,
    created: datetime | None = None,
) -> Path:
    """Write the archive and return its path. Raises OSError when it cannot be written."""
    created = created or datetime.now(UTC)
    top = path.name.removesuffix(".gz").removesuffix(".tar").removesuffix(".tgz") or "bundle"
    forms = secret_forms(secrets)
    resolved_bundle = path.resolve()
    members: dict[str, bytes] = {}
    docs = []
    for run in runs:
        doc = _read_results(run.report_dir)
        docs.append(doc)
        base = f"runs/{safe_name(run.name)}"
        if run.report_dir.is_dir():
            for file in sorted(run.report_dir.rglob("*")):
                if file.is_file() and file.resolve() != resolved_bundle:
                    members[f"{base}/reports/{file.relative_to(run.report_dir).as_posix()}"] = (
                        file.read_bytes()
                    )
        settings = dict(doc.get("settings") or {})
        settings["credentials_from_env"] = dict(run.credentials)
        members[f"{base}/settings.json"] = _json(settings)
        target = doc.get("target") or {}
        members[f"{base}/target.json"] = _json(
            {
                "url": target.get("url"),
                "label": target.get("label"),
                "api_version": target.get("api_version"),
                "about": target.get("about", {"headers": {}, "broker_ids": [], "cluster_ids": []}),
                "preflight_error": doc.get("preflight_error"),
            }
        )
    for file in matrix_files:
        members[f"matrix/{file.name}"] = file.read_bytes()
    if matrix_settings is not None:
        members["matrix/settings.json"] = _json(matrix_settings)
    members["README.md"] = _readme(runs, docs, top, matrix=bool(matrix_files)).encode()
    members = {name: _mask_bytes(data, forms) for name, data in members.items()}
    manifest = {
        "format_version": FORMAT_VERSION,
        "suite_version": __version__,
        "openapi_digest": next((d.get("openapi_digest") for d in docs if d.get("openapi_digest")), None)
        or _openapi_digest(),
        "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "kind": "matrix" if matrix_files else "run",
        "runs": [
            {
                "name": run.name,
                "url": (doc.get("target") or {}).get("url"),
                "api_version": (doc.get("target") or {}).get("api_version"),
                "seed": doc.get("seed"),
                "verdict": (doc.get("summary") or {}).get("verdict"),
                "exit_code": (doc.get("summary") or {}).get("exit_code"),
            }
            for run, doc in zip(runs, docs, strict=True)
        ],
        "files": [
            {"path": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            for name, data in sorted(members.items())
        ],
    }
    members["MANIFEST.json"] = _mask_bytes(_json(manifest), forms)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    mtime = time.mktime(created.timetuple())
    with tarfile.open(partial, "w:gz") as archive:
        for name in [
            "MANIFEST.json",
            "README.md",
            *sorted(n for n in members if n not in ("MANIFEST.json", "README.md")),
        ]:
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(members[name])
            info.mtime = int(mtime)
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(members[name]))
    partial.replace(path)  # a reader never sees half an archive
    return path


def _openapi_digest() -> str | None:
    from conformance.commands.run import openapi_digest

    return openapi_digest()
