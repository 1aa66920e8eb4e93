"""Checks of the auth area (contract.md §6, §8.11). They run only when credentials are declared.

No recorded server had authentication on, so nothing here rests on a vendor's observed answer:
U2m is MUST by the suite's own design (credentials declared = the endpoint is protected, and an
endpoint that serves or takes data without them is a security failure), the exact status is
SHOULD (U2) and the body shape INFO (U3).

Refused requests are sent with `authenticate=False`, either bare ("missing") or with a made-up
credential of the declared kind ("wrong"). The wrong value is random, never derived from the real
secret, and the credential headers are redacted in every report anyway.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from conformance.checks.api import b64, instance_path, seg
from conformance.checks.model import CheckContext, CheckSet, Judgement, skip
from conformance.checks.negotiation import index_records, is_error_body, is_records_read, judge_labels
from conformance.client import Credentials
from conformance.exchange import Exchange
from conformance.requirements import Requirement

checks = CheckSet("auth")

MISSING = "missing credentials"
WRONG = "wrong credentials"
# Top-level keys of the bodies that carry data (records, offsets, metadata, instances).
DATA_KEYS = frozenset(
    {
        "offsets",
        "records",
        "partitions",
        "name",
        "configs",
        "brokers",
        "instance_id",
        "base_uri",
        "topics",
        "leader",
    }
)
AUTH_STATUSES = (401, 403)
BURST = 5  # U4: requests in the rate-limit burst


# -- credentials -----------------------------------------------------------------------------------


def declared_credentials(ctx: CheckContext) -> Credentials:
    """The credentials the user declared: the engine's `ctx.credentials` when it has one, else
    the target client's (the same object the requests are signed with)."""
    creds = getattr(ctx, "credentials", None)
    if isinstance(creds, Credentials):
        return creds
    return ctx.client.target.credentials


def wrong_headers(creds: Credentials, token: str) -> dict[str, str | None]:
    """A credential of each declared kind with a made-up value."""
    out: dict[str, str | None] = {}
    if creds.api_key:
        out["X-Auth-Token"] = token
    if creds.bearer:
        out["Authorization"] = f"Bearer {token}"
    if creds.basic:
        out["Authorization"] = "Basic " + base64.b64encode(f"conformance:{token}".encode()).decode()
    return out


# A request's credential headers under one label; a None value removes the header.
Variant = tuple[str, dict[str, str | None]]

# U2m edges: near misses of the declared credential. Labels name the edge, never a value; the
# values sit in credential headers, which every report redacts whole, or (the misplaced one) are
# the declared secret itself, which reports mask wherever it appears.
EMPTY = "an empty credential"
CUT_SHORT = "the credential cut short by one character"
EXTENDED = "the credential extended by one character"
OTHER_CASE = "the credential in another letter case"
MISPLACED_HEADER = "X-Conformance-Misplaced-Credential"
MISPLACED = f"the credential in a header no auth scheme uses ({MISPLACED_HEADER})"


def _credential_headers(creds: Credentials, edit: Callable[[str], str]) -> dict[str, str | None]:
    """The declared credential headers with each secret passed through `edit` (for Basic, the
    password part: a user name is not the secret a near miss is about)."""
    out: dict[str, str | None] = {}
    if creds.api_key:
        out["X-Auth-Token"] = edit(creds.api_key)
    if creds.bearer:
        # rstrip: an empty token must not leave trailing whitespace, which HTTP forbids
        out["Authorization"] = f"Bearer {edit(creds.bearer)}".rstrip()
    if creds.basic:
        user, _, password = creds.basic.partition(":")
        pair = f"{user}:{edit(password)}"
        out["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    return out


def near_miss_variants(creds: Credentials) -> tuple[Variant, ...]:
    """Credentials that differ from the declared ones by one edge, each of which a server that
    compares them exactly refuses: empty, a prefix, an extension, another letter case, and the
    exact credential under a header name no scheme reads. An edge that cannot differ for this
    secret (a one-character or caseless secret) is left out."""
    secrets = [
        s for s in (creds.api_key, creds.bearer, creds.basic.partition(":")[2] if creds.basic else None) if s
    ]
    variants: list[Variant] = [(EMPTY, _credential_headers(creds, lambda s: ""))]
    if all(len(s) > 1 for s in secrets):
        variants.append((CUT_SHORT, _credential_headers(creds, lambda s: s[:-1])))
    variants.append((EXTENDED, _credential_headers(creds, lambda s: s + "0")))
    if all(s.swapcase() != s for s in secrets):
        variants.append((OTHER_CASE, _credential_headers(creds, lambda s: s.swapcase())))
    declared = creds.headers()
    kind = "X-Auth-Token" if creds.api_key else "Authorization"
    if kind in declared:
        variants.append((MISPLACED, {MISPLACED_HEADER: declared[kind]}))
    return tuple(variants)


def _require_credentials(ctx: CheckContext) -> Credentials:
    creds = declared_credentials(ctx)
    if not creds.declared:
        raise skip(
            "no credentials declared (--api-key, --bearer or --basic): auth checks need a protected target"
        )
    return creds


# -- judges ----------------------------------------------------------------------------------------


def _got(ex: Exchange) -> str:
    if ex.response is None:
        return f"no response ({ex.error})"
    return f"{ex.response.status} {ex.response.content_type or '(no Content-Type)'} {ex.response.text[:80]!r}"


def _what(ex: Exchange) -> str:
    return f"{ex.request.method} {ex.request.path} with {ex.label or 'no credentials'}"


def _carries_data(body: Any) -> str | None:
    """Why a refusal body counts as data, or None."""
    if isinstance(body, list):
        return "a JSON array (records or a topic list)"
    if isinstance(body, dict):
        keys = sorted(DATA_KEYS & set(body))
        if keys:
            return f"data fields {keys}"
    return None


def judge_refused(refused: Sequence[Exchange], secrets: Sequence[str] = ()) -> Judgement:
    """U2m: every request sent without valid credentials gets a 4xx whose body carries no
    records or metadata (none of `secrets`, the values only an authorised reader may see)."""
    j = Judgement()
    for ex in refused:
        status = ex.status
        if not j.require(
            status is not None and 400 <= status < 500,
            expected=f"{_what(ex)}: a 4xx refusal",
            got=_got(ex),
            why="credentials are declared, so this endpoint must not serve or accept anything without them",
            exchange=ex,
        ):
            continue
        assert ex.response is not None
        reason = _carries_data(ex.response.json_or_none())
        leaked = [s for s in secrets if s and s in ex.response.text]
        j.require(
            reason is None and not leaked,
            expected=f"{_what(ex)}: a refusal body without records or metadata",
            got=f"{reason or 'the protected record value'} in {ex.response.text[:80]!r}",
            why="a refusal that still carries the data leaks it to anyone",
            exchange=ex,
        )
    return j


def judge_accepted(valid: Sequence[Exchange]) -> Judgement:
    """The declared credentials are accepted: the same requests, signed, succeed (2xx)."""
    j = Judgement()
    for ex in valid:
        j.require(
            ex.status is not None and 200 <= ex.status < 300,
            expected=f"{ex.request.method} {ex.request.path} with the declared credentials: 2xx",
            got=_got(ex),
            why="the declared credentials must open the endpoints the suite probes",
            exchange=ex,
        )
    return j


def judge_nothing_written(
    reads: Sequence[Exchange],
    topic: str,
    partition: int,
    span: tuple[int, int],
    refused_values: Sequence[str],
) -> Judgement:
    """U2m "nothing written": the read-back of `span` (offsets of a signed marker before and
    after the refused produces, inclusive) is complete and holds none of the refused values."""
    j = Judgement()
    index = index_records(reads)
    first, last = span
    held = {
        o: r.get("value")
        for (t, p, o), r in index.items()
        if p == partition and t in (topic, None) and first <= o <= last
    }
    missing = [o for o in range(first, last + 1) if o not in held]
    evidence = reads[-1] if reads else None
    if not j.require(
        not missing,
        expected=f"the read-back of partition {partition} offsets {first}..{last} with the declared credentials",
        got=f"offsets {missing[:5]} not returned" if reads else "no read-back",
        why="without it the check cannot tell whether a refused produce was written",
        exchange=evidence,
    ):
        return j
    written = sorted(o for o, v in held.items() if v in refused_values)
    j.require(
        not written,
        expected="no record of a refused produce in the log",
        got=f"refused records stored at offsets {written}",
        why="a produce answered with an auth error was written anyway: unauthenticated clients can write",
        exchange=evidence,
    )
    return j


def judge_no_side_effects(create_again: Exchange | None, still_there: Exchange | None) -> Judgement:
    """U2m for consumer management: a refused creation created nothing (the name is free) and a
    refused delete deleted nothing (the instance still answers)."""
    j = Judgement()
    if create_again is not None:
        j.require(
            create_again.status == 200,
            expected="after a refused creation, the same name created with credentials: 200",
            got=_got(create_again),
            why="a 409 means the refused request created the consumer anyway",
            exchange=create_again,
        )
    if still_there is not None:
        j.require(
            still_there.status == 200,
            expected="after a refused delete, the instance still answers with credentials: 200",
            got=_got(still_there),
            why="a 404 means the refused request deleted someone's consumer",
            exchange=still_there,
        )
    return j


def judge_auth_status(refused: Sequence[Exchange]) -> Judgement:
    """U2: the refusal is 401 or 403."""
    j = Judgement()
    for ex in refused:
        j.require(
            ex.status in AUTH_STATUSES,
            expected=f"{_what(ex)}: 401 or 403",
            got=_got(ex),
            why="clients and gateways recognise an auth failure (re-login, alerting) by 401/403 only",
            exchange=ex,
        )
    return j


def body_shape(ex: Exchange) -> str:
    """U3: which auth error vocabulary a refusal body speaks."""
    if ex.response is None:
        return "no response"
    if not ex.response.body:
        return "empty body"
    body = ex.response.json_or_none()
    if is_error_body(body):
        return "error_code/message"
    if isinstance(body, dict) and "errorCode" in body and "errorMessage" in body:
        return "errorCode/errorMessage (IBM admin style)"
    if body is not None:
        return "other JSON"
    return f"non-JSON ({ex.response.content_type or 'no Content-Type'})"


def observe_body_shapes(refused: Iterable[Exchange]) -> Judgement:
    j = Judgement()
    for ex in refused:
        j.observe(f"U3: {_what(ex)} -> {ex.status} {body_shape(ex)}")
    return j


def observe_credentials_sent(exchanges: Iterable[Exchange], header_names: Sequence[str]) -> Judgement:
    """U1: which credential headers (names only) the signed requests carried."""
    j = Judgement()
    exchanges = list(exchanges)
    for name in header_names:
        carried = sum(ex.request.header(name) is not None for ex in exchanges)
        j.observe(f"U1: {name} sent on {carried} of {len(exchanges)} requests")
    return j


def observe_rate_limit(burst: Sequence[Exchange]) -> Judgement:
    """U4: how a short burst was answered; a 429 is recorded with its Retry-After, never failed."""
    j = Judgement()
    statuses = [ex.status for ex in burst]
    j.observe(f"U4: a burst of {len(burst)} GET /topics answered {statuses}")
    for ex in burst:
        if ex.status == 429 and ex.response is not None:
            j.observe(f"U4: 429 with Retry-After {ex.response.header('retry-after')!r}")
    return j


# -- probes ----------------------------------------------------------------------------------------


@dataclass
class Refusals:
    refused: list[Exchange]
    refused_values: list[str]


def _media(ctx: CheckContext) -> tuple[str, str]:
    return ctx.api.media.generic, ctx.api.media.binary


def _send_unauthorised(
    ctx: CheckContext,
    instance: str | None,
    group: str,
    name: str,
    read_offset: int = 0,
    variants: Sequence[Variant] | None = None,
) -> Refusals:
    """Every endpoint area the suite probes, once per credential variant: by default once with
    no credentials and once with wrong ones. `read_offset` is where a v1 read by offset looks
    (a signed marker, so a leak shows)."""
    generic, binary = _media(ctx)
    topic = ctx.topic
    if variants is None:
        token = f"conformance-wrong-{ctx.rng.getrandbits(64):016x}"
        variants = ((MISSING, {}), (WRONG, wrong_headers(declared_credentials(ctx), token)))
    out = Refusals([], [])

    for label, creds in variants:

        def send(method: str, path: str, ct: str | None = None, accept: str = generic, **kw: Any) -> None:
            headers: dict[str, str | None] = {"Accept": accept, "Content-Type": ct, **creds}  # noqa: B023
            out.refused.append(
                ctx.client.send(method, path, headers=headers, authenticate=False, label=label, **kw)  # noqa: B023
            )

        # metadata
        send("GET", "/topics")
        send("GET", f"/topics/{seg(topic)}")
        send("GET", f"/topics/{seg(topic)}/partitions")
        send("GET", "/brokers")
        # produce, to the topic and to a partition; values only a refused request ever sends
        for path in (f"/topics/{seg(topic)}", f"/topics/{seg(topic)}/partitions/0"):
            value = b64(f"{ctx.run_id}-refused-{ctx.rng.getrandbits(48):012x}".encode())
            out.refused_values.append(value)
            record: dict[str, Any] = {"value": value}
            if not path.endswith("/partitions/0"):
                record["partition"] = 0  # so that a refused record, if written, is in the span read back
            send("POST", path, ct=binary, json={"records": [record]})
        # consumer management: creation under a name, then calls on a live instance. Should the
        # refused creation succeed after all, the run's cleanup deletes what it made.
        ctx.cleanup(instance_path(group, name))
        send("POST", f"/consumers/{seg(group)}", ct=generic, json=_consumer_body(ctx, name))
        if instance is not None:
            if ctx.version == "v1":
                send(
                    "GET",
                    f"/topics/{seg(topic)}/partitions/0/messages",
                    accept=binary,
                    params={"offset": read_offset},
                )
                send("GET", f"{instance}/topics/{seg(topic)}", accept=binary)
                send("POST", f"{instance}/offsets", ct=generic)
            else:
                send("GET", f"{instance}/records", accept=binary, params={"timeout": 200})
                send("GET", f"{instance}/assignments")
                send("POST", f"{instance}/assignments", ct=generic, json=_partitions(topic))
                send("GET", f"{instance}/subscription")
                send("POST", f"{instance}/subscription", ct=generic, json={"topics": [topic]})
                send("POST", f"{instance}/positions/beginning", ct=generic, json=_partitions(topic))
                send(
                    "POST",
                    f"{instance}/positions",
                    ct=generic,
                    json={"offsets": [{"topic": topic, "partition": 0, "offset": 0}]},
                )
                send("GET", f"{instance}/offsets", ct=generic, json=_partitions(topic))
                send(
                    "POST",
                    f"{instance}/offsets",
                    ct=generic,
                    json={"offsets": [{"topic": topic, "partition": 0, "offset": 0}]},
                )
            send("DELETE", instance)
    return out


def _partitions(topic: str) -> dict[str, Any]:
    return {"partitions": [{"topic": topic, "partition": 0}]}


def _consumer_body(ctx: CheckContext, name: str | None = None) -> dict[str, Any]:
    reset = "largest" if ctx.version == "v1" else "earliest"
    body: dict[str, Any] = {"format": "binary", "auto.offset.reset": reset, "auto.commit.enable": "false"}
    if name is not None:
        body["name"] = name
    return body


def _create(ctx: CheckContext, group: str, name: str | None = None) -> tuple[Exchange, str | None]:
    create = ctx.api.create_consumer(group, _consumer_body(ctx, name))
    if create.status == 400 and ctx.version == "v2":  # Strimzi's flag name (§5.3)
        body = {k: v for k, v in _consumer_body(ctx, name).items() if k != "auto.commit.enable"}
        create = ctx.api.create_consumer(group, {**body, "enable.auto.commit": False})
    data = create.response.json_or_none() if create.status == 200 and create.response else None
    if not isinstance(data, dict) or not isinstance(data.get("instance_id"), str):
        return create, None
    path = instance_path(group, data["instance_id"])
    ctx.cleanup(path)
    return create, path


def _entry(produce: Exchange) -> tuple[int, int] | None:
    body = produce.response.json_or_none() if produce.status == 200 and produce.response else None
    offsets = body.get("offsets") if isinstance(body, dict) else None
    if not isinstance(offsets, list) or not offsets or not isinstance(offsets[0], dict):
        return None
    p, o = offsets[0].get("partition"), offsets[0].get("offset")
    return (p, o) if isinstance(p, int) and isinstance(o, int) else None


def _marker(ctx: CheckContext, tag: str) -> tuple[Exchange, str]:
    value = b64(f"{ctx.run_id}-{tag}-{ctx.rng.getrandbits(48):012x}".encode())
    return ctx.api.produce(ctx.topic, [{"value": value, "partition": 0}]), value


def _read_span(ctx: CheckContext, instance: str | None, span: tuple[int, int]) -> list[Exchange]:
    """Read partition 0 from span[0] through span[1] with the declared credentials."""
    first, last = span
    if ctx.version == "v1":
        return [ctx.api.messages(ctx.topic, 0, first, count=last - first + 1)]
    if instance is None:
        return []
    before = len(ctx.client.exchanges)
    ctx.api.seek(instance, [(ctx.topic, 0, first)])
    seen = -1
    for _ in range(10):
        read = ctx.api.records(instance)
        if read.status != 200:
            break
        offsets = [o for (_, p, o) in index_records([read]) if p == 0]
        seen = max([seen, *offsets])
        if seen >= last:
            break
    return [e for e in ctx.client.exchanges[before:] if is_records_read(e)]


@checks.add(
    Requirement(
        id="AUTH-001",
        title="Credentials are sent on every request (recorded)",
        area="auth",
        rows=("U1",),
        section="6",
        statement="The suite sends the declared credential (X-Auth-Token, Bearer or Basic) on every "
        "request; which headers were sent is recorded.",
        needs=frozenset({"credentials"}),
    )
)
def credentials_sent(ctx: CheckContext) -> Judgement:
    creds = _require_credentials(ctx)
    ctx.api.topics()
    ctx.api.topic(ctx.topic)
    names = sorted({k for k in creds.headers() if k.lower() in ("x-auth-token", "authorization")})
    return observe_credentials_sent(ctx.client.exchanges, names)


@checks.add(
    Requirement(
        id="AUTH-002",
        title="Missing or wrong credentials are refused, with no data and nothing written",
        area="auth",
        rows=("U2m", "E4"),
        section="6",
        statement="With credentials declared, metadata, produce, consume and consumer-management "
        "requests without them or with wrong ones get a 4xx carrying no data, and change nothing; "
        "with them, the same requests succeed.",
        needs=frozenset({"credentials"}),
    )
)
def refused_without_credentials(ctx: CheckContext) -> Judgement:
    _require_credentials(ctx)
    return _refusal_round(ctx, "u2m")


def _refusal_round(ctx: CheckContext, tag: str, variants: Sequence[Variant] | None = None) -> Judgement:
    """U2m over every endpoint area: the requests sent under each credential variant (default:
    missing and wrong) are refused with no data, write nothing, create and delete nothing; signed,
    the same requests succeed."""
    group = ctx.group(tag)
    name = f"{ctx.run_id}-{tag}-{ctx.rng.getrandbits(32):08x}"
    before, before_value = _marker(ctx, f"{tag}-before")
    _, instance = _create(ctx, group)
    valid = [before]
    if instance is not None and ctx.version == "v2":
        valid.append(ctx.api.assign(instance, [(ctx.topic, 0)]))
    start = _entry(before)
    refusals = _send_unauthorised(ctx, instance, group, name, start[1] if start else 0, variants)
    after, after_value = _marker(ctx, f"{tag}-after")
    valid.append(after)
    j = judge_refused(refusals.refused, [before_value, after_value])
    j.extend(judge_labels(refusals.refused))

    end = _entry(after)
    if start is not None and end is not None and start[0] == end[0] == 0:
        reads = _read_span(ctx, instance, (start[1], end[1]))
        valid += reads[:1]
        j.extend(judge_nothing_written(reads, ctx.topic, 0, (start[1], end[1]), refusals.refused_values))
    still_there = None
    if instance is not None:
        still_there = (
            ctx.api.v1_read(instance, ctx.topic) if ctx.version == "v1" else ctx.api.subscription(instance)
        )
        ctx.api.delete_consumer(instance)
    create_again, again = _create(ctx, group, name)
    if again is not None:
        ctx.api.delete_consumer(again)
    j.extend(judge_no_side_effects(create_again, still_there))
    return j.extend(judge_accepted(valid))


@checks.add(
    Requirement(
        id="AUTH-003",
        title="Missing or wrong credentials get 401 or 403",
        area="auth",
        rows=("U2",),
        section="6",
        statement="With credentials declared, requests without them or with wrong ones are refused "
        "with 401 or 403.",
        needs=frozenset({"credentials"}),
    )
)
def refusal_status(ctx: CheckContext) -> Judgement:
    _require_credentials(ctx)
    group = ctx.group("u2")
    _, instance = _create(ctx, group)
    refusals = _send_unauthorised(ctx, instance, group, f"{ctx.run_id}-u2-{ctx.rng.getrandbits(32):08x}")
    if instance is not None:
        ctx.api.delete_consumer(instance)
    return judge_auth_status(refusals.refused)


@checks.add(
    Requirement(
        id="AUTH-004",
        title="Auth error body shape (recorded)",
        area="auth",
        rows=("U3",),
        section="6",
        statement="The body of an auth refusal is recorded: error_code/message, IBM's "
        "errorCode/errorMessage, or something else.",
        needs=frozenset({"credentials"}),
    )
)
def refusal_body(ctx: CheckContext) -> Judgement:
    creds = _require_credentials(ctx)
    generic = ctx.api.media.generic
    token = f"conformance-wrong-{ctx.rng.getrandbits(64):016x}"
    refused = [
        ctx.client.get("/topics", headers={"Accept": generic}, authenticate=False, label=MISSING),
        ctx.client.get(
            "/topics",
            headers={"Accept": generic, **wrong_headers(creds, token)},
            authenticate=False,
            label=WRONG,
        ),
    ]
    return observe_body_shapes(refused)


@checks.add(
    Requirement(
        id="AUTH-005",
        title="Rate limiting (recorded)",
        area="auth",
        rows=("U4",),
        section="6",
        statement="How the target answers a short burst under the declared credentials is recorded; "
        "a 429 is never a failure.",
        needs=frozenset({"credentials"}),
    )
)
def rate_limit(ctx: CheckContext) -> Judgement:
    _require_credentials(ctx)
    burst = [ctx.api.topics() for _ in range(BURST)]
    return observe_rate_limit(burst)


@checks.add(
    Requirement(
        id="AUTH-006",
        title="Near-miss credentials are refused, with no data and nothing written",
        area="auth",
        rows=("U2m", "E4"),
        section="6",
        statement="With credentials declared, metadata, produce, consume and consumer-management "
        "requests (consumer-instance paths included) carrying an empty credential, one cut short or "
        "extended by a character, one in another letter case, or the right one under a header no "
        "scheme reads, get a 4xx carrying no data, and change nothing.",
        needs=frozenset({"credentials"}),
    )
)
def near_miss_credentials_refused(ctx: CheckContext) -> Judgement:
    creds = _require_credentials(ctx)
    j = _refusal_round(ctx, "u2e", near_miss_variants(creds))
    if creds.api_key:
        # HTTP header names are case-insensitive (RFC 9110 §5.1): the same key under a lower-case
        # name is the same credential. Recorded, not judged: U2m is about refusals.
        lower = ctx.client.get(
            "/topics",
            headers={"Accept": ctx.api.media.generic, "x-auth-token": creds.api_key},
            authenticate=False,
            label="the declared credential under a lower-case header name",
        )
        j.observe(f"U2m: GET /topics with the declared X-Auth-Token sent as x-auth-token -> {lower.status}")
    return j
