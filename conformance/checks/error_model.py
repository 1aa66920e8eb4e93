"""Checks of the errors area: error bodies, error codes, framework errors, parameter types
(contract.md §3, §8.7: E1–E5, Q1, Q1s).

The helpers at the top (`is_error_body`, `judge_answer`, ...) are shared by the metadata,
produce and v1-read modules: "an error body" and "status/error_code in an accepted set" mean
the same thing everywhere (§8 Terms).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

from conformance.checks.api import b64, instance_path, seg
from conformance.checks.model import CheckContext, CheckSet, Judgement, Seen
from conformance.exchange import Exchange
from conformance.requirements import Requirement

checks = CheckSet("errors")

# -- shared vocabulary ------------------------------------------------------------------------------

ANY_CODE: Final = "any error body"  # an error body is required, any error_code
SAME: Final = "error_code = status"
NOT_ASSERTED: Final = "body not asserted"
CodeRule = int | frozenset[int] | str  # an exact code, a set of codes, or one of the three above


def is_error_body(body: Any) -> bool:
    """contract.md §8: a JSON object with an integer `error_code` and a string `message`."""
    return (
        isinstance(body, dict)
        and isinstance(body.get("error_code"), int)
        and not isinstance(body.get("error_code"), bool)
        and isinstance(body.get("message"), str)
    )


def error_code(exchange: Exchange) -> int | None:
    body = exchange.response.json_or_none() if exchange.response is not None else None
    if not isinstance(body, dict) or not is_error_body(body):
        return None
    code: int = body["error_code"]
    return code


def got(exchange: Exchange) -> str:
    """`404/40401 application/vnd.kafka.v1+json`, `400 text/plain`, or the transport error."""
    if exchange.response is None:
        return f"no response ({exchange.error})"
    code = error_code(exchange)
    ct = exchange.response.content_type or "(no Content-Type)"
    return f"{exchange.response.status}{'' if code is None else f'/{code}'} {ct}"


def sent(exchange: Exchange) -> str:
    """`POST /topics/t` plus a short body, for finding messages."""
    parts = urlsplit(exchange.request.url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    body = exchange.request.body
    if body is None:
        return f"{exchange.request.method} {target}"
    text = body.decode("utf-8", "replace")
    shown = text if len(text) <= 80 else text[:77] + "..."
    return f"{exchange.request.method} {target} with body {shown!r}"


def _code_ok(rule: CodeRule, status: int, code: int | None) -> bool:
    if rule == NOT_ASSERTED:
        return True
    if code is None:
        return False
    if rule == ANY_CODE:
        return True
    if rule == SAME:
        return code == status
    if isinstance(rule, int):
        return code == rule
    return isinstance(rule, frozenset) and code in rule


def _describe(statuses: Collection[int], rule: CodeRule) -> str:
    if set(statuses) == set(range(400, 500)):
        status_text = "a 4xx"
    else:
        status_text = " or ".join(str(s) for s in sorted(statuses))
    if rule == NOT_ASSERTED:
        return status_text
    if rule == ANY_CODE:
        return f"{status_text} with an error body"
    if rule == SAME:
        return f"{status_text} with an error body whose error_code equals the status"
    if isinstance(rule, int):
        return f"{status_text}/{rule}"
    return f"{status_text} with error_code {' or '.join(str(c) for c in sorted(rule))}"


def judge_answer(
    j: Judgement, exchange: Exchange, statuses: Collection[int], rule: CodeRule, why: str
) -> bool:
    """Require the status to be one of `statuses` and the error_code to meet `rule`."""
    response = exchange.response
    ok = response is not None and response.status in statuses
    if ok and response is not None:
        ok = _code_ok(rule, response.status, error_code(exchange))
    return j.require(ok, f"{_describe(statuses, rule)} for {sent(exchange)}", got(exchange), why, exchange)


def observe_answer(j: Judgement, exchange: Exchange, what: str) -> None:
    j.observe(f"{what}: {sent(exchange)} -> {got(exchange)}")


# -- E1 / E2 / E4 -----------------------------------------------------------------------------------


def _malformed_or_missing_body(exchange: Exchange) -> bool:
    body = exchange.request.body
    # `GET …/offsets` of a v2 consumer is the one GET that carries a JSON body (§2.2 #19).
    path = urlsplit(exchange.request.url).path.rstrip("/")
    carries_body = exchange.request.method in ("POST", "PUT") or (
        exchange.request.method == "GET" and "/consumers/" in path and path.endswith("/offsets")
    )
    if not carries_body or _v1_commit(exchange):
        return False
    if body is None or body.strip() == b"":
        return True
    try:
        json.loads(body)
    except ValueError:
        return True
    return False


def _v1_commit(exchange: Exchange) -> bool:
    """A v1 commit ignores its body (§2.1 #10): a missing or odd body cannot be why it failed, so
    it is no framework error. Told from a v2 commit by the v1 media types the request names."""
    path = urlsplit(exchange.request.url).path.rstrip("/")
    named = " ".join(exchange.request.header(h) or "" for h in ("accept", "content-type"))
    return (
        exchange.request.method == "POST"
        and "/consumers/" in path
        and path.endswith("/offsets")
        and ".v1+json" in named
    )


def e1_exemption(exchange: Exchange, *, known_application: bool = False) -> str | None:
    """Why §8 E1 does not judge this error answer, or None when it does. `known_application`:
    the request is known to trigger an application error (the E1 probe's own requests), so a
    bare 404/406 is not taken for a framework error."""
    response = exchange.response
    if response is None:
        return "no response"
    status = response.status
    body = response.json_or_none()
    if status in (401, 403):
        return "auth refusal (judged by U2m, U2, U3)"
    if status == 429:
        return "rate limiting (U4: backed off and retried, never a failure)"
    if isinstance(body, dict) and "offsets" in body:
        return "produce answer carrying offsets (judged by V12)"
    if known_application:
        return None
    if status == 405:
        return "framework 405"
    code = body.get("error_code") if is_error_body(body) else None
    if status in (406, 415) and code != 40601:
        return f"negotiation {status} (judged by the negotiation checks)"
    if status == 404 and code in (None, 404):
        return "framework 404 (unknown path or failed parameter conversion)"
    if status in (400, 415, 422, 500) and _malformed_or_missing_body(exchange):
        return "missing or malformed body"
    return None


def judge_error_bodies(exchanges: Iterable[Exchange], *, known_application: bool = False) -> Judgement:
    """E1: every application 4xx/5xx has an error body and a JSON Content-Type."""
    j = Judgement()
    for exchange in exchanges:
        response = exchange.response
        if response is None or response.status < 400:
            continue
        if e1_exemption(exchange, known_application=known_application) is not None:
            continue
        j.require(
            is_error_body(response.json_or_none()) and response.is_json_labelled,
            f"an error body {{error_code, message}} with a JSON Content-Type for {sent(exchange)}",
            f"{response.status} {response.content_type or '(no Content-Type)'} {response.text[:80]!r}",
            "clients read error_code and message to tell what went wrong; a bare or unlabelled "
            "error cannot be handled programmatically",
            exchange,
        )
    return j


def error_code_fits(status: int, code: int) -> bool:
    """E2: error_code equals the status or is a 5-digit code starting with it; 50301 with 500 and
    40001 with 422 are accepted as well (§3.3: their real statuses differ from their prefixes)."""
    if code == status:
        return True
    if (status, code) in ((500, 50301), (422, 40001)):
        return True
    return 10000 <= code <= 99999 and str(code).startswith(str(status))


def judge_error_codes(exchanges: Iterable[Exchange]) -> Judgement:
    """E2: where an error body is present, its error_code agrees with the HTTP status."""
    j = Judgement()
    for exchange in exchanges:
        response = exchange.response
        if response is None or response.status < 400:
            continue
        code = error_code(exchange)
        if code is None:
            continue
        j.require(
            error_code_fits(response.status, code),
            f"error_code equal to {response.status} or a 5-digit code starting with it for {sent(exchange)}",
            f"{response.status}/{code}",
            "clients branch on the status first; an error_code from another class misleads them",
            exchange,
        )
    return j


def judge_json_labels_truthful(exchanges: Iterable[Exchange]) -> Judgement:
    """E4: any response whose Content-Type is JSON parses as JSON."""
    j = Judgement()
    exchanges = list(exchanges)
    for exchange in exchanges:
        response = exchange.response
        if response is None or not response.is_json_labelled or not response.body:
            continue
        try:
            json.loads(response.body)
        except ValueError:
            j.fail(
                f"a JSON body, as the Content-Type {response.content_type} says, for {sent(exchange)}",
                f"{response.status} body {response.text[:80]!r} that does not parse",
                "a client that trusts the label crashes on the body",
                exchange,
            )
    # An empty body under a JSON label is judged too, except where no body is expected (204).
    for exchange in exchanges:
        response = exchange.response
        if (
            response is not None
            and response.is_json_labelled
            and not response.body
            and response.status not in (204, 304)
            and exchange.request.method != "HEAD"
        ):
            j.fail(
                f"a JSON body, as the Content-Type {response.content_type} says, for {sent(exchange)}",
                f"{response.status} with an empty body",
                "a client that trusts the label fails to parse an empty body",
                exchange,
            )
    return j


# -- E3 ----------------------------------------------------------------------------------------------

# (method, path template, accepted status). "{t}" is a topic that does not exist: a server that
# did implement DELETE /topics/{t} must not get the chance to delete the user's test topic.
FRAMEWORK_PROBES: tuple[tuple[str, str, int], ...] = (
    ("GET", "/{unknown_path}", 404),
    ("PUT", "/topics", 405),
    ("DELETE", "/topics", 405),
    ("PUT", "/topics/{t}", 405),
    ("DELETE", "/topics/{t}", 405),
)


def judge_framework(exchanges: Sequence[Exchange], expected: Sequence[int]) -> Judgement:
    """E3: unknown path -> 404; PUT/DELETE on /topics and /topics/{t} -> 405 (status only)."""
    j = Judgement()
    for exchange, status in zip(exchanges, expected, strict=True):
        judge_answer(
            j,
            exchange,
            (status,),
            NOT_ASSERTED,
            "a method or path the API does not have must be refused, never served or acted on",
        )
    return j


# -- E5 ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """An exchange and the v2 application error §3.3 names for it."""

    exchange: Exchange
    status: int
    code: int
    what: str


def judge_v2_codes(cases: Sequence[Expected]) -> Judgement:
    """E5: the v2 application error codes of §3.3."""
    j = Judgement()
    for case in cases:
        judge_answer(
            j,
            case.exchange,
            (case.status,),
            case.code,
            f"{case.what}: clients branch on this error_code (§3.3)",
        )
    return j


# -- Q1 / Q1s ----------------------------------------------------------------------------------------


def judge_nonint_params(exchanges: Iterable[Exchange], *, exact: bool) -> Judgement:
    """Q1: any 4xx for a non-integer partition or a non-numeric offset/count/max_bytes/timeout.
    Q1s (exact): 404/404, the failed JAX-RS conversion."""
    j = Judgement()
    for exchange in exchanges:
        if exact:
            judge_answer(j, exchange, (404,), 404, "Confluent answers a failed parameter conversion 404/404")
        else:
            judge_answer(
                j,
                exchange,
                range(400, 500),
                NOT_ASSERTED,
                "a malformed parameter is the client's error; a 5xx tells it to retry a request "
                "that can never succeed, a 2xx silently ignores it",
            )
    return j


def observe_nonint_params(exchanges: Iterable[Exchange]) -> Judgement:
    j = Judgement()
    for exchange in exchanges:
        observe_answer(j, exchange, "Q1s")
    return j


# -- probes ------------------------------------------------------------------------------------------


def unknown_topic_name(ctx: CheckContext) -> str:
    """A topic name that cannot exist (used only where a GET or read is safe, §5.4)."""
    return f"{ctx.run_id}-no-such-topic-{ctx.rng.randrange(16**8):08x}"


def unknown_partition(ctx: CheckContext, topic: str) -> int:
    return max(99, ctx.partitions.get(topic, 0) + 97)


def _new_consumer(ctx: CheckContext, group: str, body: dict[str, Any]) -> tuple[Exchange, str | None]:
    created = ctx.api.create_consumer(group, body)
    payload = created.response.json_or_none() if created.response is not None else None
    if created.status == 200 and isinstance(payload, dict) and isinstance(payload.get("instance_id"), str):
        path = instance_path(group, payload["instance_id"])
        ctx.cleanup(path)
        return created, path
    return created, None


def _consumer_body(ctx: CheckContext, **extra: Any) -> dict[str, Any]:
    reset = "smallest" if ctx.version == "v1" else "earliest"
    body: dict[str, Any] = {"format": "binary", "auto.offset.reset": reset, "auto.commit.enable": "false"}
    body.update(extra)
    return body


def _application_errors(ctx: CheckContext) -> list[Exchange]:
    """Requests that trigger application (not framework) errors on every recorded server."""
    api = ctx.api
    nope = unknown_topic_name(ctx)
    out = [
        api.topic(nope),
        api.partitions(nope),
        api.partition(ctx.topic, unknown_partition(ctx, ctx.topic)),
        api.produce(ctx.topic, body={"records": []}),
        api.produce(ctx.topic, body={}),
        api.produce(ctx.topic, body={"records": [{"value": b64(b"x"), "foo": 1}]}),
        api.produce(ctx.topic, [{"value": "aGVsbG8\u00e9"}]),
        _register_if_created(ctx, ctx.group("e1"), api.create_consumer(ctx.group("e1"), {"format": "xml"})),
        api.records(instance_path(ctx.group("e1"), "no-such-instance"))
        if ctx.version == "v2"
        else api.v1_read(instance_path(ctx.group("e1"), "no-such-instance"), ctx.topic),
        api.delete_consumer(instance_path(ctx.group("e1"), "no-such-instance")),
    ]
    if ctx.version == "v1":
        out.append(api.messages(nope, 0, 0))
        out.append(api.messages(ctx.topic, unknown_partition(ctx, ctx.topic), 0))
    else:
        out.append(api.partition_offsets(ctx.topic, unknown_partition(ctx, ctx.topic)))
    return out


@checks.add(
    Requirement(
        id="ERR-001",
        title="Application errors carry an error body with a JSON Content-Type",
        area="errors",
        rows=("E1",),
        section="3.1",
        statement="Every application 4xx/5xx has a JSON body {error_code:int, message:string} and a "
        "JSON Content-Type (framework errors, auth refusals and produce answers with offsets exempt).",
    )
)
def application_error_bodies(ctx: CheckContext) -> Judgement:
    return judge_error_bodies(_application_errors(ctx), known_application=True)


@checks.add(
    Requirement(
        id="ERR-002",
        title="error_code agrees with the HTTP status",
        area="errors",
        rows=("E2",),
        section="3.2",
        statement="Where an error body is present, error_code equals the status or is a 5-digit code "
        "starting with it (50301 with 500 and 40001 with 422 accepted).",
    )
)
def error_codes_fit_status(ctx: CheckContext) -> Judgement:
    exchanges = _application_errors(ctx)
    exchanges += _framework(ctx)[0]
    return judge_error_codes(exchanges)


def _framework(ctx: CheckContext) -> tuple[list[Exchange], list[int]]:
    unknown_path = f"{ctx.run_id}-no-such-path"
    exchanges, expected = [], []
    for method, template, status in FRAMEWORK_PROBES:
        path = template.format(unknown_path=seg(unknown_path), t=seg(unknown_topic_name(ctx)))
        headers: dict[str, str | None] = {"Accept": ctx.api.media.generic}
        if method == "PUT":
            headers["Content-Type"] = ctx.api.media.generic
            exchanges.append(ctx.client.send(method, path, headers=headers, json={}, label="framework"))
        else:
            exchanges.append(ctx.client.send(method, path, headers=headers, label="framework"))
        expected.append(status)
    return exchanges, expected


@checks.add(
    Requirement(
        id="ERR-003",
        title="Unknown paths are 404, unsupported methods 405",
        area="errors",
        rows=("E3",),
        section="3.2",
        statement="An unknown path answers 404; PUT or DELETE on /topics or /topics/{t} answers 405.",
    )
)
def framework_errors(ctx: CheckContext) -> Judgement:
    exchanges, expected = _framework(ctx)
    return judge_framework(exchanges, expected)


@checks.add(
    Requirement(
        id="ERR-004",
        title="A JSON Content-Type always labels a JSON body",
        area="errors",
        rows=("E4",),
        section="3.1",
        statement="Any response whose Content-Type is JSON parses as JSON.",
    )
)
def json_labels_truthful(ctx: CheckContext) -> Judgement:
    api = ctx.api
    exchanges = [api.root(), api.topics(), api.topic(ctx.topic), api.partitions(ctx.topic), api.brokers()]
    exchanges.append(api.produce(ctx.topic, [{"value": b64(f"{ctx.run_id}-e4".encode())}]))
    exchanges += _application_errors(ctx)
    exchanges += _framework(ctx)[0]
    return judge_json_labels_truthful(exchanges)


@checks.add(
    Requirement(
        id="ERR-005",
        title="v2 application error codes",
        area="errors",
        rows=("E5",),
        section="3.3",
        statement="v2 answers unknown instance 40403, duplicate name 40902, state conflicts 40903, "
        "format mismatch 40601, bad consumer config 42204, bad format 422.",
        versions=("v2",),
    )
)
def v2_error_codes(ctx: CheckContext) -> Judgement:
    api = ctx.api
    group = ctx.group("e5")
    name = f"{ctx.run_id}-e5-{ctx.rng.randrange(16**6):06x}"
    cases: list[Expected] = []
    first, path = _new_consumer(ctx, group, _consumer_body(ctx, name=name))
    if path is None:
        j = Judgement()
        j.fail("200 creating a binary consumer", got(first), "the remaining cases need one", first)
        return j
    json_path: str | None = None
    try:
        dup = api.create_consumer(group, _consumer_body(ctx, name=name))
        cases.append(Expected(dup, 409, 40902, "duplicate instance name"))
        if dup.status == 200:
            ctx.cleanup(path)
        bad_format = api.create_consumer(group, _consumer_body(ctx, format="xml"))
        cases.append(Expected(bad_format, 422, 422, "bad format"))
        _register_if_created(ctx, group, bad_format)
        bad_reset = api.create_consumer(group, _consumer_body(ctx, **{"auto.offset.reset": "bogus"}))
        cases.append(Expected(bad_reset, 422, 42204, "bad auto.offset.reset"))
        _register_if_created(ctx, group, bad_reset)
        unknown = instance_path(group, f"{name}-unknown")
        cases.append(Expected(api.records(unknown), 404, 40403, "records on an unknown instance"))
        cases.append(Expected(api.delete_consumer(unknown), 404, 40403, "delete of an unknown instance"))
        # The conflict exists only once the subscription took effect (a refused subscribe is D11's).
        if api.subscribe(path, [ctx.topic]).status == 204:
            conflict = api.assign(path, [(ctx.topic, 0)])
            cases.append(Expected(conflict, 409, 40903, "assign while subscribed"))
        _, json_path = _new_consumer(ctx, group, _consumer_body(ctx, format="json"))
        if json_path is not None:
            api.assign(json_path, [(ctx.topic, 0)])
            mismatch = api.records(json_path, accept=api.media.binary)
            cases.append(Expected(mismatch, 406, 40601, "binary Accept on a json consumer"))
    finally:
        api.delete_consumer(path)
        if json_path is not None:
            api.delete_consumer(json_path)
    return judge_v2_codes(cases)


def _register_if_created(ctx: CheckContext, group: str, created: Exchange) -> Exchange:
    """A server that wrongly accepted a bad config still leaves an instance: delete it."""
    payload = created.response.json_or_none() if created.response is not None else None
    if created.status == 200 and isinstance(payload, dict) and isinstance(payload.get("instance_id"), str):
        path = instance_path(group, payload["instance_id"])
        ctx.cleanup(path)
        ctx.api.delete_consumer(path)
    return created


def _nonint_probes(ctx: CheckContext) -> list[Exchange]:
    """Non-integer path partition; non-numeric offset, count, max_bytes, timeout (§3.2)."""
    api = ctx.api
    topic = ctx.topic
    out = [api.partition(topic, "abc"), api.produce(topic, [{"value": b64(b"q1")}], partition="abc")]
    if ctx.version == "v1":
        out += [
            api.messages(topic, "abc", 0),
            api.messages(topic, 0, "abc"),
            api.messages(topic, 0, 0, "abc"),
        ]
        group = ctx.group("q1")
        _, path = _new_consumer(ctx, group, _consumer_body(ctx))
        if path is not None:
            try:
                out.append(api.v1_read(path, topic, max_bytes="abc"))
            finally:
                api.delete_consumer(path)
    else:
        out.append(api.partition_offsets(topic, "abc"))
        group = ctx.group("q1")
        _, path = _new_consumer(ctx, group, _consumer_body(ctx))
        if path is not None:
            try:
                api.assign(path, [(topic, 0)])
                out.append(api.records(path, timeout="abc"))
                out.append(api.records(path, timeout=200, max_bytes="abc"))
            finally:
                api.delete_consumer(path)
    return out


@checks.add(
    Requirement(
        id="ERR-006",
        title="Non-integer path and query parameters are client errors",
        area="errors",
        rows=("Q1",),
        section="3.2",
        statement="A non-integer path partition or a non-numeric offset, count, max_bytes or timeout "
        "gets a 4xx.",
    )
)
def nonint_params(ctx: CheckContext) -> Judgement:
    return judge_nonint_params(_nonint_probes(ctx), exact=False)


@checks.add(
    Requirement(
        id="ERR-007",
        title="Non-integer parameters: 404/404 exactly",
        area="errors",
        rows=("Q1s",),
        section="3.2",
        statement="A non-integer path partition or a non-numeric query parameter answers 404/404, "
        "the failed parameter conversion (v1; v2 recorded only).",
    )
)
def nonint_params_exact(ctx: CheckContext) -> Judgement:
    exchanges = _nonint_probes(ctx)
    if ctx.version == "v1":
        return judge_nonint_params(exchanges, exact=True)
    return observe_nonint_params(exchanges)


# -- E1 / E4 wherever an answer came -------------------------------------------------------------------

# Areas whose every answer is already judged by E1 and E4 where it is made: the generated layer
# appends them to each operation (conformance/fuzz/operations.py, CROSS_CUTTING_ROWS).
JUDGED_WHERE_MADE = frozenset({"fuzz"})
SWEEP_FINDINGS_SHOWN = 12  # one bad endpoint seen by many checks must not bury the report


def judge_seen_answers(seen: Sequence[Seen]) -> Judgement:
    """E1 and E4 on the answers the run's other checks received (any 4xx/5xx a check triggered,
    with E1's own exemptions), each finding naming the check that saw it."""
    j = Judgement()
    by_exchange: dict[int, Seen] = {}
    for witness in seen:
        if witness.area not in JUDGED_WHERE_MADE:
            by_exchange.setdefault(id(witness.exchange), witness)
    exchanges = [s.exchange for s in by_exchange.values()]
    shown: set[tuple[str, str, str]] = set()
    hidden = 0
    for row, judged in (("E1", judge_error_bodies(exchanges)), ("E4", judge_json_labels_truthful(exchanges))):
        for finding in judged.findings:
            assert finding.exchange is not None
            witness = by_exchange[id(finding.exchange)]
            # The same wrong answer from the same endpoint is one finding, whichever check saw it.
            key = (row, _route(finding.exchange), finding.got)
            if key in shown or len(shown) >= SWEEP_FINDINGS_SHOWN:
                hidden += key not in shown
                continue
            shown.add(key)
            j.fail(
                f"{row} (seen by {witness.check_id}): {finding.expected}",
                finding.got,
                finding.why,
                finding.exchange,
            )
    if hidden:
        j.observe(f"{hidden} more E1/E4 finding(s) of other endpoints not listed")
    checks_seen = len({s.check_id for s in by_exchange.values()})
    j.observe(f"E1/E4 judged on {len(exchanges)} answer(s) of {checks_seen} check(s)")
    return j


def _route(exchange: Exchange) -> str:
    """`GET /consumers/*/instances/*/records`: the endpoint, without the names in it."""
    parts = urlsplit(exchange.request.url).path.strip("/").split("/")
    shape = [
        "*" if i > 0 and parts[i - 1] in ("topics", "consumers", "instances", "partitions") else part
        for i, part in enumerate(parts)
    ]
    return f"{exchange.request.method} /{'/'.join(shape)}"


def _first_offset(produce: Exchange) -> int:
    """The offset reported for the first record (0 when there is none to use)."""
    body = produce.response.json_or_none() if produce.response is not None else None
    entries = body.get("offsets") if isinstance(body, dict) else None
    first = entries[0] if isinstance(entries, list) and entries else None
    offset = first.get("offset") if isinstance(first, dict) else None
    return offset if isinstance(offset, int) and not isinstance(offset, bool) and offset >= 0 else 0


# The kinds of request the tour sends, by the labels `KafkaRest` gives them.
TOUR_LABELS: dict[str, frozenset[str]] = {
    "v1": frozenset({"produce", "read by offset", "create consumer", "consumer read", "commit"}),
    "v2": frozenset(
        {"produce", "create consumer", "assign", "seek", "records", "commit", "get committed offsets"}
    ),
}


def _tour(ctx: CheckContext) -> list[Exchange]:
    """A produce spanning partitions, a read and a commit on each consumer kind of the version:
    the everyday requests whose answers E1/E4 judge even when the sweep runs alone."""
    api = ctx.api
    count = max(1, ctx.partitions.get(ctx.topic, 1))
    records = [
        {"value": b64(f"{ctx.run_id}-e1-sweep-{i}".encode()), "partition": i % count} for i in range(3)
    ]
    records.append({"key": b64(f"{ctx.run_id}-e1-key".encode()), "value": b64(b"e1")})
    produce = api.produce(ctx.topic, records)
    out = [produce, api.produce(ctx.topic, records[:1], partition=0)]
    offset = _first_offset(produce)
    group = ctx.group("sweep")
    reset = "largest" if ctx.version == "v1" else "latest"
    created, path = _new_consumer(ctx, group, _consumer_body(ctx, **{"auto.offset.reset": reset}))
    out.append(created)
    if ctx.version == "v1":
        out.append(api.messages(ctx.topic, 0, offset, 1))
    if path is None:
        return out
    try:
        if ctx.version == "v1":
            out += [api.v1_read(path, ctx.topic), api.v1_commit(path)]
        else:
            out.append(api.assign(path, [(ctx.topic, 0)]))
            out.append(api.seek(path, [(ctx.topic, 0, offset)]))
            out.append(api.records(path, timeout=200))
            out.append(api.commit(path, [(ctx.topic, 0, offset)]))
            out.append(api.committed(path, [(ctx.topic, 0)]))
    finally:
        out.append(api.delete_consumer(path))
    return out


@checks.add(
    Requirement(
        id="ERR-008",
        title="Every error answer of the run has an error body and a truthful JSON label",
        area="errors",
        rows=("E1", "E4"),
        section="3.1",
        statement="Wherever a check got a 4xx/5xx (a produce, a consumer read, a commit, ...), it has "
        "an error body with a JSON Content-Type (E1, with its exemptions), and no JSON-labelled "
        "answer fails to parse (E4).",
        # After every other check: it judges the answers they received, plus a short tour of its
        # own so that it judges produce, read and commit answers also when run alone.
        needs=frozenset({"sweep"}),
    )
)
def error_answers_everywhere(ctx: CheckContext) -> Judgement:
    elsewhere = ctx.seen_elsewhere()
    # The tour stands in for the other checks when they did not run (--only, a fault test); after
    # a whole run it would only repeat what they saw, at a second's cost on v1 (an empty read).
    labels = {s.exchange.label for s in elsewhere if s.exchange.response is not None}
    covered = TOUR_LABELS[ctx.version] <= labels
    own = [] if covered else [Seen("ERR-008", "errors", exchange) for exchange in _tour(ctx)]
    return judge_seen_answers([*elsewhere, *own])
