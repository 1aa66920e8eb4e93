"""The results of a run, as data: outcomes, one `CheckResult` per check, and the verdict.

This mirrors ``schemas/results.schema.json``: `RunResults.to_json()` is what ``results.json``
holds, and every writer (json, junit, markdown, html) and `compare` read this model, so the
verdict is computed once, here.

Verdict (design.md, "Outcomes, verdict, exit code"), strongest first:

- **non-conformant**: a MUST check failed (with ``--strict``: a SHOULD check too);
- **incomplete**: no such failure, but a MUST check did not run to a verdict (skipped, errored,
  left out by ``--only``/``--skip``), the run was interrupted, or most checks were skipped;
- **stale-expectations**: nothing above, but an expectations entry now passes (xpass);
- **conformant**: none of these.

Before all of them, **could-not-test** (exit 3): the preflight failed, so no check ran and
nothing is known about the contract (retry, or fix the URL, credentials or topics).

A check *gates* when its outcome decides the exit code: a MUST check, or a SHOULD check with
``--strict``. A SHOULD failure without ``--strict`` is reported everywhere as non-gating.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from conformance.checks.model import Check, Finding
from conformance.exchange import REDACTED, Exchange
from conformance.requirements import ApiVersion, Level

FORMAT_VERSION = "1.0"


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    SKIP = "skip"  # a precondition is missing; the message says which
    ERROR = "error"  # the suite could not complete the check (network, setup, a bug)
    XFAIL = "xfail"  # failed, and listed in the expectations file
    XPASS = "xpass"  # listed in the expectations file, but passed: the entry is stale


class Verdict(StrEnum):
    CONFORMANT = "conformant"
    NON_CONFORMANT = "non-conformant"
    INCOMPLETE = "incomplete"
    STALE = "stale-expectations"
    COULD_NOT_TEST = "could-not-test"  # the preflight failed: no check ran (exit 3)

    @property
    def exit_code(self) -> int:
        if self is Verdict.COULD_NOT_TEST:
            return 3
        return 0 if self is Verdict.CONFORMANT else 1

    @property
    def text(self) -> str:
        """How a person reads it: "could not test", not "could-not-test"."""
        return "could not test" if self is Verdict.COULD_NOT_TEST else self.value


def verdict_text(value: str) -> str:
    """The reading of a verdict as results.json stores it."""
    return Verdict(value).text


@dataclass(frozen=True)
class Expectation:
    """One entry of an expectations file or a vendor profile: a known failure, with its reason
    and a link; a profile's entries also name the §8 row, the evidence and an expiry date."""

    check_id: str
    reason: str
    link: str = ""
    row: str = ""
    evidence: str = ""
    expires: date | None = None  # after this day the entry no longer holds: the run fails
    source: str = ""  # where the entry comes from: "profile karapace-3.16", "expectations file x.toml"

    def expired(self, today: date) -> bool:
        return self.expires is not None and today > self.expires


@dataclass
class CheckResult:
    """What happened to one check in one run."""

    check: Check
    version: ApiVersion
    outcome: Outcome
    message: str = ""  # one line; for fail: the first finding, for skip: the reason
    duration: float = 0.0  # seconds
    findings: list[Finding] = field(default_factory=list)
    observations: list[str] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    traceback: str | None = None  # for error outcomes caused by a bug in a probe
    expectation: Expectation | None = None

    @property
    def id(self) -> str:
        return self.check.id

    @property
    def level(self) -> Level | None:
        return self.check.requirement.level(self.version)

    @property
    def area(self) -> str:
        return self.check.requirement.area


@dataclass(frozen=True)
class NotRun:
    """A check of this API version that was not selected, and why (``--only``, no credentials...)."""

    check: Check
    reason: str
    counts_against: (
        bool  # True when leaving it out makes the run incomplete (a filter, not a choice of profile)
    )


@dataclass(frozen=True)
class Leftover:
    """A consumer instance the suite created and could not delete."""

    path: str
    reason: str


@dataclass
class RunResults:
    """A whole run: what was asked, what ran, and the verdict."""

    suite_version: str
    openapi_digest: str | None
    target_url: str
    label: str
    api_version: ApiVersion
    seed: int
    settings: dict[str, Any]  # already redacted
    started_at: str  # ISO 8601 UTC
    duration: float = 0.0
    interrupted: bool = False
    strict: bool = False
    preflight_error: str | None = None  # set when the run stopped before any check
    results: list[CheckResult] = field(default_factory=list)
    not_run: list[NotRun] = field(default_factory=list)
    leftovers: list[Leftover] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. how long the hazardous probe took
    run_id: str | None = None  # prefix of every consumer group and instance name this run made
    # Consumer groups the run created: the REST API cannot delete a group (only its instances).
    consumer_groups: list[str] = field(default_factory=list)
    rerun_of: str | None = None  # the results.json a --rerun-failed run re-ran the failures of
    # The vendor profile the run used (name, server, version, description), None without one.
    profile: dict[str, Any] | None = None
    # Known-deviation entries of checks that ran whose expiry date has passed: they fail the run.
    expired: list[Expectation] = field(default_factory=list)
    # What the target said about itself in the run's own answers (report/about.py).
    about: dict[str, Any] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()  # masked wherever they appear; never serialised

    def sorted_results(self) -> list[CheckResult]:
        return sorted(self.results, key=lambda r: r.id)

    def counts(self) -> dict[str, int]:
        out = {o.value: 0 for o in Outcome}
        for r in self.results:
            out[r.outcome.value] += 1
        return out

    def counts_by_level(self) -> dict[str, dict[str, int]]:
        out = {lvl.value: {o.value: 0 for o in Outcome} for lvl in Level}
        for r in self.results:
            if r.level is not None:
                out[r.level.value][r.outcome.value] += 1
        return out

    @property
    def verdict(self) -> Verdict:
        return compute_verdict(self)

    def verdict_reasons(self) -> list[str]:
        return verdict_reasons(self)

    def gating(self, result: CheckResult) -> bool:
        """Whether this check's outcome can decide the exit code (a stale xpass always does)."""
        return _gating(result, self.strict) or result.outcome is Outcome.XPASS

    def non_gating_problems(self) -> list[CheckResult]:
        """Failed or errored checks that do not decide the exit code (SHOULD without --strict)."""
        return [
            r
            for r in self.sorted_results()
            if r.outcome in (Outcome.FAIL, Outcome.ERROR) and r.level is Level.SHOULD and not self.gating(r)
        ]

    def gating_skips(self) -> list[CheckResult]:
        return [r for r in self.sorted_results() if r.outcome is Outcome.SKIP and self.gating(r)]

    def explanation(self) -> str:
        return explanation(self)


def _gating(result: CheckResult, strict: bool) -> bool:
    return result.level is Level.MUST or (strict and result.level is Level.SHOULD)


def _ids(ids: list[str], limit: int = 12) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def verdict_reasons(run: RunResults) -> list[str]:
    """Why the verdict is not conformant, one line each (empty when conformant)."""
    failing = [r.id for r in run.sorted_results() if r.outcome is Outcome.FAIL and _gating(r, run.strict)]
    not_judged = [
        r.id
        for r in run.sorted_results()
        if r.outcome in (Outcome.SKIP, Outcome.ERROR) and _gating(r, run.strict)
    ]
    left_out = [n.check.id for n in run.not_run if n.counts_against and _gating_level(n.check, run)]
    stale = [r.id for r in run.sorted_results() if r.outcome is Outcome.XPASS]
    reasons: list[str] = []
    if run.preflight_error:  # nothing else is known: the only reason, said once
        return [f"preflight failed: {run.preflight_error}"]
    if failing:
        reasons.append(f"{len(failing)} gating check(s) failed: {_ids(failing)}")
    if not_judged:
        reasons.append(f"{len(not_judged)} gating check(s) skipped or errored: {_ids(not_judged)}")
    if left_out:
        reasons.append(f"{len(left_out)} MUST check(s) left out by --only/--skip: {_ids(left_out)}")
    if run.interrupted:
        reasons.append("the run was interrupted")
    if run.results and not run.preflight_error:
        skipped = sum(1 for r in run.results if r.outcome is Outcome.SKIP)
        if skipped * 2 > len(run.results):
            reasons.append(f"{skipped} of {len(run.results)} checks were skipped")
    ran = (Outcome.PASS, Outcome.XFAIL, Outcome.XPASS)
    # A --rerun-failed run stands on the earlier run's passes: it need not re-run a MUST check.
    if (
        not reasons
        and run.rerun_of is None
        and not any(r.level is Level.MUST and r.outcome in ran for r in run.results)
    ):
        reasons.append("no MUST check ran")
    if stale:
        reasons.append(f"stale expectation(s), now passing: {_ids(stale)}")
    reasons += [expired_reason(e) for e in run.expired]
    return reasons


def expired_reason(entry: Expectation) -> str:
    """One line: which known-deviation entry expired, when, and what to do about it."""
    where = entry.source or "expectations"
    return (
        f"expired expectation: {entry.check_id} ({where}) expired on {entry.expires}: re-check the"
        " deviation on the server, then renew its `expires` date or remove the entry"
    )


def _gating_level(check: Check, run: RunResults) -> bool:
    level = check.requirement.level(run.api_version)
    return level is Level.MUST or (run.strict and level is Level.SHOULD)


def compute_verdict(run: RunResults) -> Verdict:
    if run.preflight_error:
        return Verdict.COULD_NOT_TEST
    if any(r.outcome is Outcome.FAIL and _gating(r, run.strict) for r in run.results):
        return Verdict.NON_CONFORMANT
    stale = any(r.outcome is Outcome.XPASS for r in run.results)
    reasons = verdict_reasons(run)
    # Nothing wrong but the expectations themselves (a stale entry, expired entries): stale.
    if (stale or run.expired) and len(reasons) == int(stale) + len(run.expired):
        return Verdict.STALE
    if reasons:
        return Verdict.INCOMPLETE
    return Verdict.CONFORMANT


def explanation(run: RunResults) -> str:
    """One sentence: why the verdict is what it is, including why a run with SHOULD failures is
    still conformant and which checks were not applicable."""
    verdict = run.verdict
    if verdict is Verdict.COULD_NOT_TEST:
        return f"could not test: no check ran because the preflight failed ({run.preflight_error})"
    parts: list[str] = []
    if verdict is Verdict.CONFORMANT:
        xfail = sum(1 for r in run.results if r.outcome is Outcome.XFAIL)
        what = "the strict gate" if run.strict else "every MUST check"
        parts.append(
            f"conformant: {what} that applies ran and passed"
            + (f" ({xfail} accepted as known failures)" if xfail else "")
        )
        if run.rerun_of:
            parts.append(f"this run re-ran the failures of {run.rerun_of}; the other checks passed there")
    else:
        parts.append(f"{verdict.text}: " + "; ".join(run.verdict_reasons()))
    soft = run.non_gating_problems()
    if soft:
        parts.append(
            f"{len(soft)} SHOULD check(s) failed or errored ({_ids([r.id for r in soft])}),"
            " which does not gate without --strict"
        )
    optional = [n for n in run.not_run if not n.counts_against]
    if optional:
        parts.append(f"{len(optional)} check(s) not applicable to what was asked (see not_run)")
    return "; ".join(parts)


# -- serialisation ---------------------------------------------------------------------------------

BODY_LIMIT = 4096  # bytes of a body kept in a report; the rest is cut and the length noted
MAX_EXCHANGES = 40  # per check in a report


def mask(value: Any, secrets: Iterable[str]) -> Any:
    """Replace every secret wherever it appears in the strings of a JSON-like value."""
    wanted = [s for s in secrets if s]
    if not wanted:
        return value

    def walk(v: Any) -> Any:
        if isinstance(v, str):
            for s in wanted:
                if s in v:
                    v = v.replace(s, REDACTED)
            return v
        if isinstance(v, list):
            return [walk(x) for x in v]
        if isinstance(v, Mapping):  # keys are the report's own field names
            return {k: walk(x) for k, x in v.items()}
        return v

    return walk(value)


def _body(body: bytes | None) -> dict[str, Any] | None:
    if body is None:
        return None
    text = body[:BODY_LIMIT].decode("utf-8", "replace")
    return {"text": text, "length": len(body), "truncated": len(body) > BODY_LIMIT}


def exchange_json(exchange: Exchange, secrets: tuple[str, ...]) -> dict[str, Any]:
    request = exchange.request.redacted(secrets)
    out: dict[str, Any] = {
        "label": exchange.label,
        "request": {
            "method": request.method,
            "url": request.url,
            "headers": [[k, v] for k, v in request.headers],
            "body": _body(request.body),
        },
        "response": None,
        "error": exchange.error,
        "curl": exchange.request.curl(secrets),
    }
    if exchange.response is not None:
        resp = exchange.response
        out["response"] = {
            "status": resp.status,
            "headers": [[k, "[REDACTED]" if k.lower() == "set-cookie" else v] for k, v in resp.headers],
            "body": _body(resp.body),
            "elapsed_ms": round(resp.elapsed_ms, 1),
        }
    return out


def _evidence(result: CheckResult) -> list[Exchange]:
    """The exchanges a report shows: those named by findings first, then the rest, capped."""
    named = [f.exchange for f in result.findings if f.exchange is not None]
    ordered: list[Exchange] = []
    for ex in [*named, *result.exchanges]:
        if not any(ex is seen for seen in ordered):
            ordered.append(ex)
    return ordered[:MAX_EXCHANGES]


_REPLAY = re.compile(r"[;.]? ?replay: curl .*?(?=(?: \(\+\d+ more\))?$)")


def without_replay(text: str) -> str:
    """A generated check's finding ends with "replay: curl ..."; the report shows that line once,
    with the exchange it replays, so it is taken out of the prose."""
    return _REPLAY.sub("", text)


EVIDENCE_OUTCOMES = frozenset({Outcome.FAIL, Outcome.ERROR, Outcome.XFAIL, Outcome.XPASS})


def check_json(result: CheckResult, secrets: tuple[str, ...], gating: bool = True) -> dict[str, Any]:
    req = result.check.requirement
    # Full exchanges where someone has to act on them; a one-line list of requests otherwise,
    # so a passing run's results.json stays small.
    exchanges = _evidence(result) if result.outcome in EVIDENCE_OUTCOMES else []
    index = {id(ex): i for i, ex in enumerate(exchanges)}
    out: dict[str, Any] = {
        "id": req.id,
        "title": req.title,
        "level": result.level.value if result.level else None,
        "area": req.area,
        "versions": list(req.versions),
        "rows": list(req.rows),
        "section": req.section,
        "statement": req.statement,
        "outcome": result.outcome.value,
        "gating": gating,
        "message": without_replay(result.message) if exchanges else result.message,
        "duration": round(result.duration, 3),
        "observations": list(result.observations),
        "findings": [
            {
                "expected": f.expected,
                "got": f.got,
                "why": without_replay(f.why) if id(f.exchange) in index else f.why,
                "exchange": index.get(id(f.exchange)) if f.exchange is not None else None,
            }
            for f in result.findings
        ],
        "exchange_count": len(result.exchanges),
        "requests": [ex.describe() for ex in result.exchanges[:MAX_EXCHANGES]],
        "evidence": [exchange_json(ex, secrets) for ex in exchanges],
    }
    if result.traceback:
        out["traceback"] = result.traceback
    if result.expectation is not None:
        out["expectation"] = expectation_json(result.expectation)
    return out


def expectation_json(entry: Expectation) -> dict[str, Any]:
    """reason and link always; row, evidence, expires and source when the entry gives them."""
    out: dict[str, Any] = {"reason": entry.reason, "link": entry.link}
    optional = {"row": entry.row, "evidence": entry.evidence, "source": entry.source}
    out |= {k: v for k, v in optional.items() if v}
    if entry.expires is not None:
        out["expires"] = entry.expires.isoformat()
    return out


def results_json(run: RunResults) -> dict[str, Any]:
    secrets = run.secrets
    by_level = run.counts_by_level()
    doc: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "suite_version": run.suite_version,
        "openapi_digest": run.openapi_digest,
        "target": {"url": run.target_url, "label": run.label, "api_version": run.api_version}
        | ({"about": run.about} if run.about else {}),
        "seed": run.seed,
        "settings": run.settings,
        "started_at": run.started_at,
        "duration": round(run.duration, 3),
        "interrupted": run.interrupted,
        "preflight_error": run.preflight_error,
        "summary": {
            "verdict": run.verdict.value,
            "exit_code": run.verdict.exit_code,
            "reasons": run.verdict_reasons(),
            "explanation": run.explanation(),
            "non_gating": [r.id for r in run.non_gating_problems()],
            "strict": run.strict,
            "total": len(run.results),
            "counts": run.counts(),
            "by_level": by_level,
        },
        "leftovers": [{"path": x.path, "reason": x.reason} for x in run.leftovers],
        "run_id": run.run_id,
        "consumer_groups": sorted(run.consumer_groups),
        "rerun_of": run.rerun_of,
        "profile": run.profile,
        "not_run": [
            {"id": n.check.id, "reason": n.reason, "counts_against": n.counts_against}
            for n in sorted(run.not_run, key=lambda n: n.check.id)
        ],
        "notes": list(run.notes),
        "checks": [check_json(r, secrets, run.gating(r)) for r in run.sorted_results()],
    }
    masked: dict[str, Any] = mask(doc, secrets)
    return masked


def dumps(run: RunResults) -> str:
    return json.dumps(results_json(run), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def iter_failures(run: RunResults) -> Iterator[CheckResult]:
    for r in run.sorted_results():
        if r.outcome in (Outcome.FAIL, Outcome.ERROR, Outcome.XPASS):
            yield r
