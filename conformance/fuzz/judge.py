"""The generated layer's response judge: one pure function, run live and on the recordings.

`judge_response(version, exchange)` decides whether a response conforms to the version view of
openapi.yaml for its operation: the status is documented, the Content-Type is declared for that
status (or absent exactly where the view marks it optional), and the body is valid against the
declared schema (`contract.validate_response`). The same function judges generated requests on
a live target and every response recorded from the real Confluent servers
(tests/fuzz/test_recorded_responses.py), so the layer cannot fail Confluent on an answer it has
already seen.

Each problem carries the aspect it breaks; `operations.ASPECT_LEVEL` maps aspects to §8 levels,
so a check at MUST reports a SHOULD-level problem (a v2 vendor label, A6) as an observation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from conformance import contract
from conformance.checks.model import Judgement
from conformance.exchange import Exchange, is_json_media_type, media_type
from conformance.fuzz.operations import ASPECT_LEVEL, ROW_KEYS, rule
from conformance.requirements import ApiVersion, Level


@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    path: str  # template as in the view
    operation_id: str
    definition: dict[str, Any]  # the operation object of the version view

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class Problem:
    aspect: str  # "status" | "schema" | "json_label" | "media_type" | "server_error"
    expected: str
    got: str
    why: str = ""


@cache
def operations(version: ApiVersion) -> tuple[Operation, ...]:
    """Every operation of the version view, in spec order."""
    view = contract.version_view(version)
    return tuple(
        Operation(op.method, op.path, op.operation_id, view["paths"][op.path][op.method.lower()])
        for op in contract.operations(version)
    )


def find_operation(version: ApiVersion, method: str, url_or_path: str) -> Operation | None:
    found = contract.find_operation(version, method, url_or_path)
    if found is None:
        return None
    return next(o for o in operations(version) if o.operation_id == found.operation_id)


def _classify(message: str, exchange: Exchange) -> Problem:
    """Which §8 aspect a `contract.validate_response` message breaks."""
    resp = exchange.response
    assert resp is not None
    if ("is not declared for API" in message and "status" in message) or "no operation of API" in message:
        return Problem("status", "a status documented for the operation", message)
    if "no Content-Type" in message:
        return Problem("json_label", "a Content-Type on a body (A1, E1)", message)
    if "Content-Type" in message and "is not declared" in message:
        if is_json_media_type(resp.content_type):
            return Problem("media_type", "a Content-Type declared for the status (A2, A3, A6)", message)
        return Problem("json_label", "a JSON Content-Type (A1, E1)", message)
    if "body is not JSON" in message:
        return Problem("json_label", "a JSON-labelled body that parses (E4)", message)
    return Problem("schema", "a body valid against the view's schema", message)


_REQUIRED_KEY = re.compile(r"'([^']+)' is a required property$")


def _weaker_row(problem: Problem, message: str, version: ApiVersion, op: Operation | None) -> Problem:
    """A missing key that a weaker §8 row than the operation's asks for (P2) takes that row's aspect."""
    found = _REQUIRED_KEY.search(message)
    r = rule(version, op.method, op.path) if op is not None else None
    if problem.aspect != "schema" or found is None or r is None:
        return problem
    for row, (aspect, keys) in ROW_KEYS.items():
        if row in r.rows and found.group(1) in keys:
            return Problem(aspect, f"the keys §8 {row} asks for", message)
    return problem


def _asked_for(exchange: Exchange) -> set[str]:
    """The exact media types the request's Accept names (no wildcards)."""
    accept = exchange.request.header("Accept") or ""
    named = (media_type(part) for part in accept.split(","))
    return {m for m in named if m and "*" not in m}


def response_problems(version: ApiVersion, exchange: Exchange, op: Operation | None = None) -> list[Problem]:
    """Everything wrong with one response for its operation (empty when it conforms): the status
    is documented, the Content-Type declared (or absent where `x-content-type-optional` allows,
    or one of `x-also-labelled`, or the very type the request's Accept asked for), and the body
    valid, all as `contract.validate_response` says."""
    if exchange.response is None:
        return [Problem("status", "a response", f"no response ({exchange.error})")]
    resp = exchange.response
    messages = contract.validate_response(
        version,
        exchange.request.method,
        exchange.request.path,
        resp.status,
        resp.content_type,
        resp.body,
        asked_for=_asked_for(exchange),
    )
    op = op or find_operation(version, exchange.request.method, exchange.request.path)
    problems = [_weaker_row(_classify(m, exchange), m, version, op) for m in messages]
    if "truncated" in exchange.notes:  # the recorder cut the body: its schema cannot be judged
        problems = [p for p in problems if p.aspect != "schema"]
    return problems


def request_outside_view(version: ApiVersion, exchange: Exchange) -> str | None:
    """Why the layer could never have sent this request for its operation, or None.

    The layer judges answers to requests drawn from the operation's declaration; a request with a
    body type the operation does not declare, or a Content-Type on a body-less operation (N8, INFO:
    415 on 5.5 v1), is another request, and its answer is not the layer's to judge.
    """
    op = find_operation(version, exchange.request.method, exchange.request.path)
    sent = media_type(exchange.request.header("Content-Type"))
    if op is None or sent is None:
        return None
    declared = {m.lower() for m in (op.definition.get("requestBody") or {}).get("content", {})}
    if not declared:
        return f"a Content-Type ({sent}) on {op.label}, which takes no body (N8)"
    if sent not in declared:
        return f"a {sent} body, which {op.label} does not declare for API {version}"
    return None


def _excerpt(body: bytes, limit: int = 120) -> str:
    text = body[:limit].decode("utf-8", "replace")
    return repr(text + ("…" if len(body) > limit else ""))


def server_error_problem(exchange: Exchange) -> Problem | None:
    """A 5xx to a request the view calls valid: §8 never accepts one for a positive request."""
    if exchange.status is not None and exchange.status >= 500:
        return Problem(
            "server_error",
            "no 5xx for a request valid against the view",
            f"{exchange.status} {_excerpt(exchange.response.body) if exchange.response else ''}",
        )
    return None


def judge_response(
    version: ApiVersion,
    exchange: Exchange,
    *,
    level: Level | None = None,
    generated: bool = False,
    op: Operation | None = None,
) -> Judgement:
    """The verdict on one response. With `level`, problems of a weaker §8 level are observations;
    `generated=True` (a positive generated request) also refuses any 5xx."""
    problems = response_problems(version, exchange, op)
    if generated:
        extra = server_error_problem(exchange)
        if extra is not None:
            problems.append(extra)
    judgement = Judgement()
    for problem in problems:
        aspect_level = ASPECT_LEVEL[problem.aspect][version]
        if level is None or aspect_level.rank >= level.rank:
            judgement.fail(problem.expected, problem.got, problem.why, exchange)
        else:
            judgement.observe(
                f"{aspect_level.value}-level ({problem.aspect}): expected {problem.expected}; got {problem.got}"
            )
    return judgement
