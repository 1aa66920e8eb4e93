"""Every response recorded from the real Confluent servers is one the spec describes.

For each exchange of `confluent-5.5.0-v1` (against the v1 view) and `confluent-5.5.0-v2`,
`confluent-7.5.0-v2` (against v2), `contract.validate_response` must find the status declared for
the operation, the media type declared for that status (or absent where the spec allows it) and
the body valid. A Confluent answer the spec does not describe is a spec bug.

Not judged, each for the one reason in EXCLUSIONS or SKIPS: exchanges without a response, bodies
the recorder cut, requests a binary client of that version never sends (contract.md §8 N8), and
paths outside the version are judged as the spec's framework 404/405 (or, for a v1-only path that
5.5 still serves on v2, against the v1 view).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from conformance import contract, recordings
from conformance.exchange import Exchange, media_type
from conformance.media import MEDIA

pytestmark = pytest.mark.skipif(recordings.observed_dir() is None, reason="shared/observed/ not available")

RUNS = (("confluent-5.5.0-v1", "v1"), ("confluent-5.5.0-v2", "v2"), ("confluent-7.5.0-v2", "v2"))


def _request_media(exchange: Exchange) -> list[str]:
    """Every media type the request names, in Content-Type or Accept (q-values dropped)."""
    names = [media_type(exchange.request.header("content-type"))]
    for part in (exchange.request.header("accept") or "").split(","):
        names.append(media_type(part))
    return [n for n in names if n]


def _other_embedded_format(exchange: Exchange, version: str) -> bool:
    """Accept names another format, or the Content-Type does where the operation does not take it."""
    foreign = {m for v in MEDIA.values() for m in v.not_binary}
    req = exchange.request
    accept = [media_type(part) for part in (req.header("accept") or "").split(",")]
    if any(m in foreign for m in accept):
        return True
    ctype = media_type(req.header("content-type"))
    return ctype in foreign and ctype not in _declared_request_media(version, req.method, req.path)


def _declared_request_media(version: str, method: str, path: str) -> set[str]:
    op = contract.find_operation(version, method, path)
    if op is None:
        return set()
    raw = contract.version_view(version)["paths"][op.path][op.method.lower()]
    return set((raw.get("requestBody") or {}).get("content") or {})


def _content_type_without_body(exchange: Exchange, version: str) -> bool:
    r = exchange.request
    return r.method in ("GET", "DELETE") and not r.body and r.header("content-type") is not None


def _body_without_content_type(exchange: Exchange, version: str) -> bool:
    r = exchange.request
    return r.method == "GET" and bool(r.body) and r.header("content-type") is None


def _v2_media_in_v1_request(exchange: Exchange, version: str) -> bool:
    return version == "v1" and any(m.endswith(".v2+json") for m in _request_media(exchange))


@dataclass(frozen=True)
class Exclusion:
    name: str
    reason: str
    applies: Callable[[Exchange, str], bool]


# One table: every category of recorded request this test does not judge, and why.
EXCLUSIONS = (
    Exclusion(
        "other embedded format",
        "§1.1, §8 N8: a binary client never asks for json/avro/jsonschema/protobuf (Accept) nor sends them on "
        "a binary path (Content-Type; v1 consumer creation takes them, §1.2 N2, and is judged). Confluent routes "
        "them to those formats' handlers (json text storage, 42202, 500/50002 with that label)",
        _other_embedded_format,
    ),
    Exclusion(
        "Content-Type on a body-less request",
        "§1.2, §8 N8: a client sends no Content-Type without a body (5.5 v1 answers some with 415)",
        _content_type_without_body,
    ),
    Exclusion(
        "GET offsets body without Content-Type",
        "§1.3, §8 N8: the body of GET …/offsets is always sent with its Content-Type (GH#417)",
        _body_without_content_type,
    ),
    Exclusion(
        "v2 media type in a v1 request",
        "§1.2: a v1 client never names a v2 type; 5.5 serves such a request from its v2 resources",
        _v2_media_in_v1_request,
    ),
)
SKIPS = {
    "no response": "the recorder's client limit (10 s) ran out: nothing to judge (§4.7)",
    "truncated body": "the recorder cut the body (`…truncated_from`): it cannot be parsed",
}


def _judge(key: str, version: str) -> tuple[Counter[str], list[str]]:
    counts: Counter[str] = Counter()
    failures: list[str] = []
    for probe in recordings.load(key).probes:
        for exchange in probe.exchanges:
            resp = exchange.response
            if resp is None:
                counts["skipped: no response"] += 1
                continue
            if recordings.TRUNCATED in exchange.notes:
                counts["skipped: truncated body"] += 1
                continue
            excluded = next((e for e in EXCLUSIONS if e.applies(exchange, version)), None)
            if excluded:
                counts[f"excluded: {excluded.name}"] += 1
                continue
            req = exchange.request
            problems = contract.validate_response(
                version, req.method, req.path, resp.status, resp.content_type, resp.body
            )
            if contract.find_operation(version, req.method, req.path) is None:
                if not problems:  # the spec's framework 404 (unknown path) or 405 (wrong method)
                    counts["validated: framework 404/405 outside the version's operations"] += 1
                    continue
                # 5.5 still serves the v1-only paths on a v2 server (§5.1): then they must be v1 answers.
                other = "v1" if version == "v2" else "v2"
                if contract.find_operation(other, req.method, req.path) is not None:
                    problems = contract.validate_response(
                        other, req.method, req.path, resp.status, resp.content_type, resp.body
                    )
                    if not problems:
                        counts[f"validated against {other} (a {other}-only path, §5.1)"] += 1
                        continue
                failures.append(f"{probe.name}: {req.method} {req.path} -> {resp.status}: {problems}")
                continue
            if problems:
                failures.append(f"{probe.name}: {req.method} {req.path} -> {resp.status}: {problems}")
            else:
                counts["validated"] += 1
    return counts, failures


@pytest.mark.parametrize(("key", "version"), RUNS)
def test_every_recorded_confluent_response_is_described_by_the_spec(key: str, version: str) -> None:
    counts, failures = _judge(key, version)
    print(f"{key} against the {version} view: {dict(sorted(counts.items()))}")
    assert failures == []
    assert counts["validated"] > 150, counts


def test_every_exclusion_and_skip_is_used_and_explained() -> None:
    """A category that excludes nothing is dead weight; one without a reason hides something."""
    used: Counter[str] = Counter()
    for key, version in RUNS:
        used += _judge(key, version)[0]
    for exclusion in EXCLUSIONS:
        assert exclusion.reason.startswith("§")
        assert used[f"excluded: {exclusion.name}"] > 0, exclusion.name
    for name in SKIPS:
        assert used[f"skipped: {name}"] > 0, name


def test_a_broken_recorded_answer_is_caught() -> None:
    """The same path fails once a recorded produce answer loses `offsets`."""
    rec = recordings.load("confluent-7.5.0-v2")
    exchange = next(
        e
        for p in rec.probes
        for e in p.exchanges
        if e.response
        and e.request.method == "POST"
        and e.response.status == 200
        and b'"offsets"' in e.response.body
    )
    assert exchange.response is not None
    broken = exchange.response.body.replace(b'"offsets"', b'"offset"')
    problems = contract.validate_response(
        "v2", "POST", exchange.request.path, 200, exchange.response.content_type, broken
    )
    assert any("'offsets' is a required property" in p for p in problems), problems
