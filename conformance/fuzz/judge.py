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

import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from conformance import contract
from conformance.checks.model import Judgement
from conformance.exchange import Exchange, is_json_media_type
from conformance.fuzz.operations import ASPECT_LEVEL
from conformance.requirements import ApiVersion, Level

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


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
    """Every operation of the version view, in path order."""
    view = contract.version_view(version)
    out: list[Operation] = []
    for path, item in sorted(view.get("paths", {}).items()):
        for method in METHODS:
            op = item.get(method)
            if isinstance(op, dict):
                op_id = op.get("operationId") or f"{method}{path}"
                out.append(Operation(method.upper(), path, op_id, op))
    return tuple(out)


@cache
def _matchers(version: ApiVersion) -> tuple[tuple[re.Pattern[str], Operation], ...]:
    pairs = []
    for op in operations(version):
        pattern = "^" + re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(op.path)) + "/?$"
        pairs.append((re.compile(pattern), op))
    # literal segments beat parameters: /positions/end before /positions/{x}
    pairs.sort(key=lambda p: -p[1].path.count("/") * 100 + p[1].path.count("{"))
    return tuple(pairs)


def find_operation(version: ApiVersion, method: str, url_or_path: str) -> Operation | None:
    path = urlsplit(url_or_path).path or "/"
    for pattern, op in _matchers(version):
        if op.method == method.upper() and pattern.match(path):
            return op
    return None


def _response_object(op: Operation, status: int) -> dict[str, Any] | None:
    responses = op.definition.get("responses", {})
    for key in (str(status), f"{status // 100}XX", f"{status // 100}xx", "default"):
        if key in responses:
            resolved = responses[key]
            return resolved if isinstance(resolved, dict) else None
    return None


CONTENT_TYPE_OPTIONAL = "x-content-type-optional"


def _content_type_optional(response: dict[str, Any]) -> bool:
    """Where the view allows the header to be missing (Confluent's framework 404/405/406, §3.1)."""
    return bool(response.get(CONTENT_TYPE_OPTIONAL))


def response_problems(version: ApiVersion, exchange: Exchange, op: Operation | None = None) -> list[Problem]:
    """Everything wrong with one response for its operation (empty when it conforms)."""
    if exchange.response is None:
        return [Problem("status", "a response", f"no response ({exchange.error})")]
    op = op or find_operation(version, exchange.request.method, exchange.request.url)
    if op is None:
        return [
            Problem(
                "status", "an operation of the view", f"{exchange.request.method} {exchange.request.path}"
            )
        ]
    resp = exchange.response
    declared = _response_object(op, resp.status)
    if declared is None:
        documented = ", ".join(sorted(op.definition.get("responses", {})))
        return [Problem("status", f"a documented status ({documented})", str(resp.status))]
    problems: list[Problem] = []
    content: dict[str, Any] = declared.get("content") or {}
    media = resp.media_type
    if media is None:
        if resp.body and not _content_type_optional(declared):
            problems.append(
                Problem(
                    "json_label",
                    f"a Content-Type ({', '.join(sorted(content)) or 'JSON'})",
                    f"none on a {len(resp.body)}-byte body",
                    "A1/E1: a body without a label cannot be read as JSON by a client",
                )
            )
    elif content and media not in {m.lower() for m in content} and "*/*" not in content:
        if is_json_media_type(resp.content_type) or not resp.body:
            problems.append(
                Problem("media_type", f"Content-Type one of {', '.join(sorted(content))}", media, "A2/A3/A6")
            )
        else:
            problems.append(
                Problem("json_label", f"a JSON Content-Type ({', '.join(sorted(content))})", media, "A1/E1")
            )
    parsed: Any = None
    if resp.body and (media is None or is_json_media_type(resp.content_type)):
        try:
            parsed = json.loads(resp.body)
        except ValueError:
            if media is not None:
                problems.append(
                    Problem("json_label", "a body that parses as JSON", _excerpt(resp.body), "E4")
                )
            return problems
    if content and resp.body and parsed is not None and "truncated" not in exchange.notes:
        errors = contract.validate_response(
            version, op.method, op.path, resp.status, resp.content_type, resp.body
        )
        problems.extend(Problem("schema", "a body valid against the view's schema", e) for e in errors)
    return problems


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
