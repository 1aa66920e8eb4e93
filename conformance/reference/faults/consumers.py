"""Consumer faults: instances, reads, commits and groups (contract.md §8.9, §8.10).

Each fault is a small deviation a vendor could ship, named after what it breaks. Those marked
`subtle` trigger only under a condition a shallow suite does not reach (a second read before the
commit, a commit below the last fetched offset, a wildcard Accept, a body-less request, a poll
not yet made, `max_bytes` below a record). The `karapace-*` and `strimzi-*` faults reproduce what
Karapace 3.16.0 and Strimzi 0.33.1 were recorded doing (contract.md §5.2, §5.3), each only as
far as a check can see it over HTTP.

Stateful faults keep what they need in `call.shared` (per-server memory), keyed by consumer
group and instance, so two servers never share state.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any
from urllib.parse import unquote

from conformance.media import BINARY_V1, BINARY_V2, V2
from conformance.reference.faults.model import (
    BOTH,
    Answer,
    Call,
    Fault,
    answer_json,
    json_answer,
    log_end,
    request_json,
    track_log_end,
)
from conformance.reference.faults.model import V1 as ONLY_V1
from conformance.reference.faults.model import V2 as ONLY_V2

_KNOWN_FIELDS = frozenset(
    {
        "id",
        "name",
        "format",
        "auto.offset.reset",
        "auto.commit.enable",
        "fetch.min.bytes",
        "consumer.request.timeout.ms",
    }
)
_FORMATS = {"v1": ("binary", "avro", "json"), "v2": ("binary", "avro", "json", "jsonschema", "protobuf")}
_RESETS = {"v1": ("smallest", "largest"), "v2": ("earliest", "latest", "none")}


# -- helpers over a call ----------------------------------------------------------------------------


def _segments(call: Call) -> list[str]:
    return [unquote(p) for p in call.path.split("/") if p]


def _instance(call: Call) -> tuple[str, str, list[str]] | None:
    """(group, instance, the path after the instance) for an instance path."""
    seg = _segments(call)
    if len(seg) >= 4 and seg[0] == "consumers" and seg[2] == "instances":
        return seg[1], seg[3], seg[4:]
    return None


def _is_create(call: Call) -> bool:
    seg = _segments(call)
    return call.method == "POST" and len(seg) == 2 and seg[0] == "consumers"


def _is(call: Call, method: str, *rest: str) -> bool:
    inst = _instance(call)
    return call.method == method and inst is not None and tuple(inst[2]) == rest


def _set_body(call: Call, body: Any) -> None:
    call.body = json.dumps(body).encode()


def _error(call: Call, status: int, code: int, message: str, content_type: str | None = None) -> Answer:
    return json_answer(call, status, {"error_code": code, "message": message}, content_type)


def _answer_code(answer: Answer) -> int | None:
    body = answer_json(answer)
    return body.get("error_code") if isinstance(body, dict) else None


def _replace(answer: Answer, status: int, body: Any | None) -> Answer:
    headers = dict(answer.headers)
    if body is None:
        headers.pop("content-type", None)
        return Answer(status, headers, b"")
    headers.setdefault("content-type", "application/json")
    return Answer(status, headers, json.dumps(body).encode())


def _memory(call: Call, name: str) -> dict[Any, Any]:
    return call.shared.setdefault(f"consumers:{name}", {})


async def _keep_body(call: Call) -> None:
    """A request hook that does nothing: with any request hook active the app reads the body
    into `call.body`, which `commit_offset` and `consumer_created` hooks then consult."""
    return None


# -- creation -----------------------------------------------------------------------------------


def _created_201(call: Call, answer: Answer) -> Answer:
    if call.route == "create_consumer" and answer.status == 200:
        return Answer(201, answer.headers, answer.body)
    return answer


async def _no_body_crashes(call: Call) -> Answer | None:
    if _is_create(call) and not call.body.strip():
        return _error(call, 500, 500, "Internal Server Error")
    return None


def _relative_base_uri(call: Call, instance: Any, answer: dict[str, Any]) -> dict[str, Any]:
    uri = str(answer.get("base_uri", ""))
    path = uri.split("://", 1)[-1]
    return {**answer, "base_uri": path[path.find("/") :] if "/" in path else uri}


def _rewriting_create(rewrite: Any) -> Any:
    async def hook(call: Call) -> Answer | None:
        if _is_create(call):
            body = request_json(call)
            if isinstance(body, dict):
                out = rewrite(call, dict(body))
                if isinstance(out, Answer):
                    return out
                _set_body(call, out)
        return None

    return hook


def _other_version_resets(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    mapping = (
        {"earliest": "smallest", "latest": "largest", "none": "largest"}
        if call.api_version == "v1"
        else {"smallest": "earliest", "largest": "latest"}
    )
    reset = body.get("auto.offset.reset")
    if isinstance(reset, str) and reset in mapping:
        body["auto.offset.reset"] = mapping[reset]
    return body


def _resets_unvalidated(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    if body.get("auto.offset.reset") not in _RESETS[call.api_version]:
        body.pop("auto.offset.reset", None)
    return body


def _formats_unvalidated(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    fmt = body.get("format")
    if not isinstance(fmt, str) or fmt.lower() not in _FORMATS[call.api_version]:
        body.pop("format", None)
    return body


def _unknown_fields_dropped(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k in _KNOWN_FIELDS}


def _name_wins_over_id(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    if "id" in body and "name" in body:
        body.pop("id")
    return body


def _v1_default_smallest(call: Call, instance: Any, answer: dict[str, Any]) -> dict[str, Any]:
    body = request_json(call)
    if not isinstance(body, dict) or "auto.offset.reset" not in body:
        instance.reset = "smallest"
    return answer


def _remember_format(call: Call, instance: Any, answer: dict[str, Any]) -> dict[str, Any]:
    _memory(call, "formats")[(instance.group, instance.name)] = instance.format
    return answer


async def _wildcard_accept_served(call: Call) -> Answer | None:
    # Subtle: only a wildcard or missing Accept skips the format check; an explicit binary.v1
    # still gets 406/40601.
    inst = _instance(call)
    if call.method != "GET" or inst is None or len(inst[2]) != 2 or inst[2][0] != "topics":
        return None
    accept = call.headers.get("accept")
    fmt = _memory(call, "formats").get(inst[:2])
    if fmt not in (None, "binary") and (accept is None or accept.strip() == "*/*"):
        return Answer(200, {"content-type": BINARY_V1}, b"[]")
    return None


# -- reads ----------------------------------------------------------------------------------------


def _keys_dropped(call: Call, source: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**r, "key": None} for r in records] if source == "v1-consumer" else records


def _topic_dropped(call: Call, source: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return (
        [{k: v for k, v in r.items() if k != "topic"} for r in records] if source == "v2-records" else records
    )


def _status_rewrite(route: str, status: int, code: int | None, new_status: int, new_body: Any) -> Any:
    """A response hook: answers of `route` with `status` (and `code`) become `new_status` with `new_body`
    (None: no body; a callable: computed from the answer)."""

    def hook(call: Call, answer: Answer) -> Answer:
        if call.route == route and answer.status == status and (code is None or _answer_code(answer) == code):
            body = new_body(call, answer) if callable(new_body) else new_body
            return _replace(answer, new_status, body)
        return answer

    return hook


def _empty_records(call: Call, answer: Answer) -> Answer:
    if call.route in ("consumer_read", "records") and answer.status == 404 and _answer_code(answer) == 40403:
        ct = BINARY_V1 if call.api_version == "v1" else BINARY_V2
        return Answer(200, {"content-type": ct}, b"[]")
    return answer


# -- v1 commits -----------------------------------------------------------------------------------


def _v1_reads_seen(call: Call, source: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    inst = _instance(call)
    if source == "v1-consumer" and inst is not None and records:
        counts = _memory(call, "v1-reads")
        key = inst[:2]
        counts[key] = counts.get(key, 0) + 1
        _memory(call, "v1-last-read-size")[key] = len(records)
    return records


def _lag_after_second_read(call: Call, group: str, topic: str, partition: int, stored: int) -> int:
    inst = _instance(call)
    if call.api_version == "v1" and inst is not None and _memory(call, "v1-reads").get(inst[:2], 0) >= 2:
        return stored - 1
    return stored


def _v1_commit_entries(rewrite: Any) -> Any:
    def hook(call: Call, answer: Answer) -> Answer:
        body = answer_json(answer)
        if (
            call.api_version == "v1"
            and call.route == "commit"
            and answer.status == 200
            and isinstance(body, list)
        ):
            return _replace(answer, 200, [rewrite(call, dict(e)) if isinstance(e, dict) else e for e in body])
        return answer

    return hook


def _consumed_is_next(call: Call, entry: dict[str, Any]) -> dict[str, Any]:
    # Kafka's position (the next offset) reported as `consumed`, and committed with it.
    for f in ("consumed", "committed"):
        if isinstance(entry.get(f), int):
            entry[f] += 1
    return entry


def _consumed_lags_multi(call: Call, entry: dict[str, Any]) -> dict[str, Any]:
    inst = _instance(call)
    if (
        inst is not None
        and _memory(call, "v1-last-read-size").get(inst[:2], 0) > 1
        and isinstance(entry.get("consumed"), int)
    ):
        entry["consumed"] -= 1  # the offset of the record before the last one returned
    return entry


# -- v2 commits -----------------------------------------------------------------------------------


def _v2_last_fetched(call: Call, source: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    inst = _instance(call)
    if source == "v2-records" and inst is not None:
        _memory(call, "polled")[inst[:2]] = True
        last = _memory(call, "v2-last")
        for r in records:
            key = (inst[0], r.get("topic"), r.get("partition"))
            if isinstance(r.get("offset"), int):
                last[key] = max(last.get(key, -1), r["offset"])
    return records


def _below_last_not_plus_one(call: Call, group: str, topic: str, partition: int, stored: int) -> int:
    # Subtle: committing the last fetched record stores X+1 correctly; committing an earlier one
    # stores X itself (the server "clamps" to what it thinks was consumed).
    last = _memory(call, "v2-last").get((group, topic, partition))
    return stored - 1 if last is not None and stored - 1 < last else stored


def _commit_with_body_stores_x(call: Call, group: str, topic: str, partition: int, stored: int) -> int:
    return stored - 1 if call.body.strip() and isinstance(request_json(call), dict) else stored


def _store_log_start(call: Call, group: str, topic: str, partition: int, stored: int) -> int:
    return 0


def _store_offset_not_next(call: Call, group: str, topic: str, partition: int, stored: int) -> int:
    # The classic off-by-one: the commit stores the last consumed offset, not the next one, so a
    # new member of the group reads that record again.
    return stored - 1


# -- v2 subscription, assignment, positions --------------------------------------------------------


async def _seek_beginning_ignored(call: Call) -> Answer | None:
    if _is(call, "POST", "positions", "beginning"):
        return Answer(204, {}, b"")
    return None


async def _seek_always_refused(call: Call) -> Answer | None:
    # As Karapace answers a seek sent right after assign, but for good: no seek is ever taken.
    if (
        _is(call, "POST", "positions")
        or _is(call, "POST", "positions", "beginning")
        or _is(call, "POST", "positions", "end")
    ):
        return _error(call, 409, 40903, "Partition is unassigned")
    return None


async def _topic_pattern_refused(call: Call) -> Answer | None:
    body = request_json(call)
    if _is(call, "POST", "subscription") and isinstance(body, dict) and "topic_pattern" in body:
        return _error(call, 422, 422, "Unrecognized field: topic_pattern")
    return None


async def _subscribe_no_body_crashes(call: Call) -> Answer | None:
    if _is(call, "POST", "subscription") and not call.body.strip():
        return _error(call, 500, 500, "Internal Server Error")
    return None


def _subscription_bare_list(call: Call, answer: Answer) -> Answer:
    body = answer_json(answer)
    if call.route == "get_subscription" and answer.status == 200 and isinstance(body, dict):
        return _replace(answer, 200, body.get("topics", []))
    return answer


def _assignment_echo(call: Call, answer: Answer) -> Any:
    body = request_json(call)
    return {"partitions": body.get("partitions", []) if isinstance(body, dict) else []}


# -- Karapace 3.16.0 (contract.md §5.2) --------------------------------------------------------------

_KARAPACE_CT = "application/vnd.kafka.json.v2+json"


def _karapace_fields(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    # `id`, unknown fields and `enable.auto.commit` are ignored (the instance gets a uuid name).
    return {k: v for k, v in body.items() if k in _KNOWN_FIELDS and k != "id"}


async def _karapace_body_required(call: Call) -> Answer | None:
    needs_body = _is_create(call) or _is(call, "POST", "subscription") or _is(call, "POST", "offsets")
    if needs_body and not call.body.strip():
        return Answer(400, {"content-type": "text/plain; charset=utf-8"}, b"Missing request JSON body")
    return None


def _karapace_none(call: Call, body: dict[str, Any]) -> Any:
    if body.get("auto.offset.reset") == "none":
        message = "Invalid value bar for configuration auto.offset.reset: String must be one of: {'latest', 'earliest'}"
        return _error(call, 422, 42204, message, _KARAPACE_CT)
    return body


def _karapace_bad_format(call: Call, body: dict[str, Any]) -> Any:
    fmt = body.get("format")
    if fmt is not None and str(fmt).lower() not in _FORMATS["v2"]:
        return _error(call, 422, 42204, "Invalid format type", _KARAPACE_CT)
    return body


def _karapace_commit_204(call: Call, answer: Answer) -> Answer:
    if call.route == "commit" and answer.status == 200:
        return Answer(204, {"content-type": "application/json"}, b"")
    return answer


# -- Strimzi 0.33.1 (contract.md §5.3) ----------------------------------------------------------------


def _strimzi_commit_204(call: Call, answer: Answer) -> Answer:
    if call.route == "commit" and answer.status == 200:
        return Answer(204, {}, b"")
    return answer


_MAX_BYTES_HEADER = "x-reference-fault-max-bytes"


async def _strimzi_fetch_whole(call: Call) -> Answer | None:
    # Strimzi polls the records first and checks max_bytes afterwards: the poll advances the
    # position whatever the answer. So the read goes ahead without the limit, and the response
    # hook turns it into 422 when the limit was exceeded: those records are lost.
    limit = call.query.get("max_bytes", "")
    if _is(call, "GET", "records") and limit.isascii() and limit.lstrip("-").isdigit():
        # a non-integer max_bytes stays in the query: the server refuses it as before (Q1)
        call.headers[_MAX_BYTES_HEADER] = call.query.pop("max_bytes")
    return None


def _strimzi_max_bytes_422(call: Call, answer: Answer) -> Answer:
    limit = call.headers.get(_MAX_BYTES_HEADER)
    body = answer_json(answer)
    if limit is None or call.route != "records" or answer.status != 200 or not isinstance(body, list):
        return answer
    size = 0
    for r in body:
        for f in ("key", "value"):
            v = r.get(f) if isinstance(r, dict) else None
            size += len(base64.b64decode(v)) if isinstance(v, str) else 0
    if size > int(limit) > 0:
        return _error(
            call, 422, 422, "Response exceeds the maximum number of bytes the consumer can receive", V2
        )
    return answer


async def _strimzi_missing_endpoints(call: Call) -> Answer | None:
    if _is(call, "GET", "offsets") or _is(call, "GET", "assignments"):
        return Answer(405, {}, b"")
    return None


def _strimzi_subscription(call: Call, answer: Answer) -> Answer:
    # GET subscription lists the assignment: empty until the first poll (§5.3).
    inst = _instance(call)
    if call.route != "get_subscription" or answer.status != 200 or inst is None:
        return answer
    body = answer_json(answer)
    topics = (
        body.get("topics", []) if isinstance(body, dict) and _memory(call, "polled").get(inst[:2]) else []
    )
    return _replace(answer, 200, {"topics": topics, "partitions": []})


def _strimzi_auto_commit_field(call: Call, body: dict[str, Any]) -> Any:
    if call.api_version != "v2":
        return body
    if "auto.commit.enable" in body:
        message = "Validation error on: body - $.auto.commit.enable: is not defined in the schema and the schema does not allow additional properties"
        return _error(call, 400, 400, message)
    if "enable.auto.commit" in body:
        body["auto.commit.enable"] = "true" if body.pop("enable.auto.commit") else "false"
    return body


def _state_changes_200(call: Call, answer: Answer) -> Answer:
    # Some proxies answer every successful POST/DELETE with a JSON body; §2.2 says 204.
    if call.route in _STATE_CHANGE_ROUTES and answer.status == 204:
        return json_answer(call, 200, {})
    return answer


_STATE_CHANGE_ROUTES = frozenset({"subscribe", "unsubscribe", "seek", "seek_beginning", "seek_end"})


def _v1_commit_no_content(call: Call, answer: Answer) -> Answer:
    # Karapace-style 204 for a commit, on v1, where the answer must list what was committed.
    if call.api_version == "v1" and call.route == "commit" and answer.status == 200:
        return _replace(answer, 204, None)
    return answer


# -- several partitions and topics in one request or answer (issue 16) ---------------------------------
# Each of these is invisible with one element: the suite's single-partition probes pass, only a list
# of two or more (offsets, partitions, topics, records of several partitions) shows it.


def _rewriting_list(method: str, rest: tuple[str, ...], field: str, rewrite: Any) -> Any:
    """A request hook: `rewrite(items)` replaces the list `field` of a `method …/rest` body."""

    async def hook(call: Call) -> Answer | None:
        body = request_json(call)
        if _is(call, method, *rest) and isinstance(body, dict) and isinstance(body.get(field), list):
            items = [dict(i) if isinstance(i, dict) else i for i in body[field]]
            _set_body(call, {**body, field: rewrite(items)})
        return None

    return hook


def _first_only(items: list[Any]) -> list[Any]:
    return items[:1]


def _last_only(items: list[Any]) -> list[Any]:
    return items[-1:]


def _offset_of(index: int) -> Any:
    """Every entry takes the offset of entry `index` (0: the first, -1: the last)."""

    def rewrite(items: list[Any]) -> list[Any]:
        if not items or not all(isinstance(i, dict) for i in items):
            return items
        offset = items[index].get("offset")
        return [{**i, "offset": offset} for i in items]

    return rewrite


_FIRST_STORED = "x-reference-fault-first-stored"


def _only_first_partition_stored(call: Call, group: str, topic: str, partition: int, stored: int) -> int:
    # A commit of everything consumed that stores only its first partition: the others keep what
    # this server stored for them before, or the log start (a new member replays them).
    remembered = _memory(call, "stored")
    if _FIRST_STORED in call.headers:
        return remembered.get((group, topic, partition), 0)
    call.headers[_FIRST_STORED] = f"{topic}/{partition}"
    remembered[(group, topic, partition)] = stored
    return stored


def _bodyless_first_partition_only(call: Call, group: str, topic: str, partition: int, stored: int) -> int:
    if _is(call, "POST", "offsets") and not call.body.strip():
        return _only_first_partition_stored(call, group, topic, partition, stored)
    _memory(call, "stored")[(group, topic, partition)] = stored
    return stored


def _listing_rewrite(route: str, field: str, rewrite: Any) -> Any:
    """A response hook: the list `field` of a 200 answer of `route` becomes `rewrite(list)`."""

    def hook(call: Call, answer: Answer) -> Answer:
        body = answer_json(answer)
        if call.route == route and answer.status == 200 and isinstance(body, dict):
            items = body.get(field)
            if isinstance(items, list) and len(items) > 1:
                return _replace(answer, 200, {**body, field: rewrite(items)})
        return answer

    return hook


def _first_partition_repeated(items: list[Any]) -> list[Any]:
    first = items[0]
    return [{**i, "partition": first.get("partition")} if isinstance(i, dict) and isinstance(first, dict) else i
            for i in items]  # fmt: skip


def _runs(records: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The records of an answer grouped by (topic, partition), in the order each first appears."""
    groups: dict[tuple[Any, Any], list[dict[str, Any]]] = {}
    for r in records:
        groups.setdefault((r.get("topic"), r.get("partition")), []).append(r)
    return list(groups.values())


def _spanning(rewrite: Any) -> Any:
    """A read hook applying `rewrite(runs)` to v2 answers that span two or more partitions."""

    def hook(call: Call, source: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        runs = _runs(records)
        if source != "v2-records" or len(runs) < 2:
            return records
        return [r for run in rewrite(runs) for r in run]

    return hook


def _second_reversed(runs: list[list[dict[str, Any]]]) -> list[list[dict[str, Any]]]:
    return [runs[0], runs[1][::-1], *runs[2:]]


def _second_duplicated(runs: list[list[dict[str, Any]]]) -> list[list[dict[str, Any]]]:
    return [runs[0], runs[1] + runs[1], *runs[2:]]


def _first_partition_kept(runs: list[list[dict[str, Any]]]) -> list[list[dict[str, Any]]]:
    return runs[:1]


def _v1_commit_entries_of_several(answer_rewrite: Any) -> Any:
    """A response hook: a v1 commit answer listing several entries becomes `answer_rewrite(entries)`."""

    def hook(call: Call, answer: Answer) -> Answer:
        body = answer_json(answer)
        several = isinstance(body, list) and len(body) > 1 and all(isinstance(e, dict) for e in body)
        if call.api_version == "v1" and call.route == "commit" and answer.status == 200 and several:
            return _replace(answer, 200, answer_rewrite(body))
        return answer

    return hook


def _first_consumed_for_all(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    first = entries[0]
    return [{**e, "consumed": first.get("consumed"), "committed": first.get("committed")} for e in entries]


def _v1_commit_first_partition_only(call: Call, group: str, topic: str, partition: int, stored: int) -> int:
    if call.api_version == "v1" and call.route == "commit":
        return _only_first_partition_stored(call, group, topic, partition, stored)
    return stored


async def _seek_edges_first_only(call: Call) -> Answer | None:
    for edge in ("beginning", "end"):
        await _rewriting_list("POST", ("positions", edge), "partitions", _first_only)(call)
    return None


def _topics_rewrite(call: Call, body: dict[str, Any], rewrite: Any) -> dict[str, Any]:
    topics = body.get("topics")
    return {**body, "topics": rewrite(topics)} if isinstance(topics, list) else body


def _subscription_rewrite(rewrite: Any) -> Any:
    async def hook(call: Call) -> Answer | None:
        body = request_json(call)
        if _is(call, "POST", "subscription") and isinstance(body, dict):
            _set_body(call, _topics_rewrite(call, body, rewrite))
        return None

    return hook


_SEVERAL = (
    # -- commits of several partitions (D26, D27, D28; v1: C14, C15) --
    Fault(
        id="consumers-v2-commit-stores-first-offset-only",
        area="consumers",
        description="a commit naming several partitions stores only the first entry's offset (200 [] for all)",
        versions=ONLY_V2,
        rows=("D26",),
        caught_by=("V2C-060",),
        subtle=True,
        hooks={"request": _rewriting_list("POST", ("offsets",), "offsets", _first_only)},
    ),
    Fault(
        id="consumers-v2-commit-first-offset-for-all",
        area="consumers",
        description="a commit naming several partitions stores the first entry's offset + 1 for every partition",
        versions=ONLY_V2,
        rows=("D26",),
        caught_by=("V2C-060",),
        subtle=True,
        hooks={"request": _rewriting_list("POST", ("offsets",), "offsets", _offset_of(0))},
    ),
    Fault(
        id="consumers-v2-committed-lists-first-partition-only",
        area="consumers",
        description="GET offsets asked for several committed partitions lists only the first",
        versions=ONLY_V2,
        rows=("D27",),
        caught_by=("V2C-061",),
        subtle=True,
        hooks={"response": _listing_rewrite("committed_offsets", "offsets", _first_only)},
    ),
    Fault(
        id="consumers-v2-bodyless-commit-first-partition-only",
        area="consumers",
        description="a body-less commit after reads of several partitions stores only the first partition's "
        "position (the others keep their earlier commit or the log start)",
        versions=ONLY_V2,
        rows=("D28",),
        caught_by=("V2C-062",),
        subtle=True,
        hooks={"request": _keep_body, "commit_offset": _bodyless_first_partition_only},
    ),
    Fault(
        id="consumers-v1-commit-lists-first-partition-only",
        area="consumers",
        description="the v1 commit answer lists only the first partition when the instance read several",
        versions=ONLY_V1,
        rows=("C14",),
        caught_by=("V1C-050",),
        subtle=True,
        hooks={"response": _v1_commit_entries_of_several(_first_only)},
    ),
    Fault(
        id="consumers-v1-commit-first-consumed-for-all",
        area="consumers",
        description="the v1 commit answer gives every partition the first partition's consumed and committed",
        versions=ONLY_V1,
        rows=("C14",),
        caught_by=("V1C-050",),
        subtle=True,
        hooks={"response": _v1_commit_entries_of_several(_first_consumed_for_all)},
    ),
    Fault(
        id="consumers-v1-commit-stores-first-partition-only",
        area="consumers",
        description="a v1 commit after reads of several partitions stores only the first partition; the others "
        "report committed -1 and a new instance replays them from the log start",
        versions=ONLY_V1,
        rows=("C15", "C14"),
        caught_by=("V1C-051", "V1C-050"),
        subtle=True,
        hooks={"commit_offset": _v1_commit_first_partition_only},
    ),
    # -- seeks of several partitions (D18) --
    Fault(
        id="consumers-v2-seek-first-partition-only",
        area="consumers",
        description="positions naming several partitions moves only the first (204 for all)",
        versions=ONLY_V2,
        rows=("D18",),
        caught_by=("V2C-063",),
        subtle=True,
        hooks={"request": _rewriting_list("POST", ("positions",), "offsets", _first_only)},
    ),
    Fault(
        id="consumers-v2-seek-last-offset-for-all",
        area="consumers",
        description="positions naming several partitions moves every partition to the last entry's offset",
        versions=ONLY_V2,
        rows=("D18",),
        caught_by=("V2C-063",),
        subtle=True,
        hooks={"request": _rewriting_list("POST", ("positions",), "offsets", _offset_of(-1))},
    ),
    Fault(
        id="consumers-v2-seek-edges-first-partition-only",
        area="consumers",
        description="positions/beginning and positions/end naming several partitions move only the first",
        versions=ONLY_V2,
        rows=("D18",),
        caught_by=("V2C-063",),
        subtle=True,
        hooks={"request": _seek_edges_first_only},
    ),
    # -- assignments of several partitions (D15b, D21) --
    Fault(
        id="consumers-v2-assign-keeps-first-partition",
        area="consumers",
        description="an assignment of several partitions keeps only the first (204; reads and GET assignments "
        "show one partition)",
        versions=ONLY_V2,
        rows=("D15b", "D21"),
        caught_by=("V2C-064", "V2C-065"),
        subtle=True,
        hooks={"request": _rewriting_list("POST", ("assignments",), "partitions", _first_only)},
    ),
    Fault(
        id="consumers-v2-assignments-lists-first-partition",
        area="consumers",
        description="GET assignments lists only the first of several assigned partitions (reads are right)",
        versions=ONLY_V2,
        rows=("D15b",),
        caught_by=("V2C-064",),
        subtle=True,
        hooks={"response": _listing_rewrite("get_assignments", "partitions", _first_only)},
    ),
    Fault(
        id="consumers-v2-assignments-repeat-first-partition",
        area="consumers",
        description="GET assignments lists one entry per assigned partition, each with the first one's number",
        versions=ONLY_V2,
        rows=("D15b",),
        caught_by=("V2C-064",),
        subtle=True,
        hooks={"response": _listing_rewrite("get_assignments", "partitions", _first_partition_repeated)},
    ),
    # -- one answer spanning several partitions (D21) --
    Fault(
        id="consumers-v2-second-partition-reversed",
        area="consumers",
        description="when a read answer spans several partitions, the second partition's records come in "
        "reverse offset order",
        versions=ONLY_V2,
        rows=("D21",),
        caught_by=("V2C-065",),
        subtle=True,
        hooks={"read_records": _spanning(_second_reversed)},
    ),
    Fault(
        id="consumers-v2-second-partition-duplicated",
        area="consumers",
        description="when a read answer spans several partitions, the second partition's records come twice",
        versions=ONLY_V2,
        rows=("D21",),
        caught_by=("V2C-065",),
        subtle=True,
        hooks={"read_records": _spanning(_second_duplicated)},
    ),
    Fault(
        id="consumers-v2-answer-keeps-first-partition",
        area="consumers",
        description="a read answer spanning several partitions carries only the first partition's records; the "
        "others' positions have moved past theirs (lost)",
        versions=ONLY_V2,
        rows=("D21",),
        caught_by=("V2C-065",),
        subtle=True,
        hooks={"read_records": _spanning(_first_partition_kept)},
    ),
    # -- subscriptions of several topics (D12b, D20) --
    Fault(
        id="consumers-v2-subscription-keeps-first-topic",
        area="consumers",
        description="a subscription to several topics keeps only the first (204; GET subscription and reads "
        "show one topic)",
        versions=ONLY_V2,
        rows=("D12b", "D20"),
        caught_by=("V2C-066", "V2C-067"),
        subtle=True,
        hooks={"request": _subscription_rewrite(_first_only)},
    ),
    Fault(
        id="consumers-v2-subscription-keeps-last-topic",
        area="consumers",
        description="a subscription to several topics keeps only the last (each topic overwrites the one before)",
        versions=ONLY_V2,
        rows=("D12b", "D20"),
        caught_by=("V2C-066", "V2C-067"),
        subtle=True,
        hooks={"request": _subscription_rewrite(_last_only)},
    ),
    Fault(
        id="consumers-v2-subscription-lists-first-topic",
        area="consumers",
        description="GET subscription lists only the first of several subscribed topics (reads are right)",
        versions=ONLY_V2,
        rows=("D12b",),
        caught_by=("V2C-066",),
        subtle=True,
        hooks={"response": _listing_rewrite("get_subscription", "topics", _first_only)},
    ),
)


# -- edges of the log and long-lived instances (issue 16: detection at the edges) ----------------------
# Each shows only at an exact boundary: a seek to the log end, to its last record or to its start, a
# read whose max_bytes is exactly the next record's size, an instance left idle longer than a check
# takes. They act on the live instance, kept by a `consumer_created` hook, after the handler ran.

# Far below Confluent's 300 s (consumer.instance.timeout.ms), above any ordinary check's pause.
IDLE_FAULT_S = 10.0
_MAX_BYTES_TAKEN = "x-reference-fault-max-bytes-limit"


def _keep_instance(call: Call, instance: Any, answer: dict[str, Any]) -> dict[str, Any]:
    key = (instance.group, instance.name)
    _memory(call, "instances")[key] = instance
    _memory(call, "last-used")[key] = time.monotonic()
    return answer


def _live_instance(call: Call) -> Any | None:
    inst = _instance(call)
    return _memory(call, "instances").get(inst[:2]) if inst is not None else None


def _named_partitions(call: Call, field: str) -> list[tuple[Any, Any, Any]]:
    """(topic, partition, offset or None) of each entry of the request body's list `field`."""
    body = request_json(call)
    items = body.get(field) if isinstance(body, dict) else None
    return [
        (i.get("topic"), i.get("partition"), i.get("offset"))
        for i in (items if isinstance(items, list) else [])
        if isinstance(i, dict)
    ]


def _edge_seek_moved(route: str, delta: int) -> Any:
    """A response hook: after a 204 to `route` (seek_beginning, seek_end), the position of each
    partition named moves by `delta` records."""

    def hook(call: Call, answer: Answer) -> Answer:
        instance = _live_instance(call)
        if call.route == route and answer.status == 204 and instance is not None:
            for topic, partition, _ in _named_partitions(call, "partitions"):
                if (topic, partition) in instance.positions:
                    instance.positions[(topic, partition)] = max(
                        0, instance.positions[(topic, partition)] + delta
                    )
        return answer

    return hook


def _seek_clamped_to_last(call: Call, answer: Answer) -> Answer:
    # Offsets are "valid" up to the last record: a seek to the log end (or past it) is clamped to it.
    instance = _live_instance(call)
    if call.route == "seek" and answer.status == 204 and instance is not None:
        for topic, partition, offset in _named_partitions(call, "offsets"):
            end = (
                log_end(call, topic, partition)
                if isinstance(topic, str) and isinstance(partition, int)
                else None
            )
            if end and isinstance(offset, int) and offset >= end:
                instance.positions[(topic, partition)] = end - 1
    return answer


async def _max_bytes_taken(call: Call) -> Answer | None:
    # The read runs without max_bytes; the response hook applies the limit and places the position.
    limit = call.query.get("max_bytes", "")
    if _is(call, "GET", "records") and limit.isascii() and limit.isdigit() and int(limit) > 0:
        call.headers[_MAX_BYTES_TAKEN] = call.query.pop("max_bytes")
    return None


def _record_size(record: Any) -> int:
    fields = [record.get(f) for f in ("key", "value")] if isinstance(record, dict) else []
    return sum(len(base64.b64decode(v)) for v in fields if isinstance(v, str))


def _max_bytes_applied(misstep: Any) -> Any:
    """A response hook: v2's max_bytes rule applied to a read made without it (records while the
    total stays below the limit, §4.6), every partition put back at its first record not returned,
    as Confluent does; then `misstep(positions, kept, rest, limit)` moves a position wrongly."""

    def hook(call: Call, answer: Answer) -> Answer:
        limit, body, instance = call.headers.get(_MAX_BYTES_TAKEN), answer_json(answer), _live_instance(call)
        if limit is None or call.route != "records" or answer.status != 200 or not isinstance(body, list):
            return answer
        if instance is None or not all(isinstance(r, dict) for r in body):
            return answer
        kept: list[dict[str, Any]] = []
        total = 0
        for record in body:
            if total + _record_size(record) >= int(limit):
                break
            total += _record_size(record)
            kept.append(record)
        rest = body[len(kept) :]
        for record in reversed(rest):
            instance.positions[(record.get("topic"), record.get("partition"))] = record.get("offset")
        misstep(instance.positions, kept, rest, int(limit))
        return _replace(answer, 200, kept)

    return hook


def _tp(record: dict[str, Any]) -> tuple[Any, Any]:
    return record.get("topic"), record.get("partition")


def _equal_size_skipped(positions: dict[Any, Any], kept: list[Any], rest: list[Any], limit: int) -> None:
    # The size check is `>=` where the skip decision is `==`: a record of exactly max_bytes is
    # neither returned nor kept for the next read.
    if not kept and rest and _record_size(rest[0]) == limit:
        positions[_tp(rest[0])] = rest[0].get("offset", 0) + 1


def _one_past_after_limit(positions: dict[Any, Any], kept: list[Any], rest: list[Any], limit: int) -> None:
    if kept:
        positions[_tp(kept[-1])] = kept[-1].get("offset", 0) + 2


def _not_advanced(positions: dict[Any, Any], kept: list[Any], rest: list[Any], limit: int) -> None:
    if kept:
        positions[_tp(kept[0])] = kept[0].get("offset", 0)


def _idle_instance(forget: bool) -> Any:
    """A request hook: a request to an instance idle for over IDLE_FAULT_S finds its positions
    forgotten (`forget`; the group's committed offset or the reset policy applies), or the instance
    gone (404/40403 from then on)."""

    async def hook(call: Call) -> Answer | None:
        inst = _instance(call)
        if inst is None:
            return None
        key, now = inst[:2], time.monotonic()
        last, gone = _memory(call, "last-used"), _memory(call, "dropped")
        instance = _memory(call, "instances").get(key)
        if instance is not None and key in last and now - last[key] > IDLE_FAULT_S:
            if forget:
                instance.positions.clear()
            else:
                gone[key] = True
        last[key] = now
        if gone.get(key):
            return _error(call, 404, 40403, "Consumer instance not found.")
        return None

    return hook


FAULTS = (
    Fault(
        id="consumers-v2-state-changes-answer-200",
        area="consumers",
        description="subscribe, unsubscribe and the three seeks answer 200 with {} instead of 204 No Content",
        versions=ONLY_V2,
        rows=("D11", "D13", "D18"),
        caught_by=(
            "FUZZ-subscribe",
            "FUZZ-unsubscribe",
            "FUZZ-seek",
            "FUZZ-seekToBeginning",
            "FUZZ-seekToEnd",
        ),
        hooks={"response": _state_changes_200},
    ),
    Fault(
        id="consumers-v1-commit-204",
        area="consumers",
        description="the v1 commit answers 204 No Content instead of 200 with the committed offsets",
        versions=ONLY_V1,
        rows=("C14",),
        caught_by=("V1C-014", "FUZZ-commitOffsets-v1"),
        hooks={"response": _v1_commit_no_content},
    ),
    Fault(
        id="consumers-commit-stores-offset",
        area="consumers",
        description="a commit stores the committed offset itself instead of offset+1 (the group re-reads a record)",
        versions=BOTH,
        rows=("C15", "D26", "C14"),
        caught_by=("V1C-014", "V1C-015", "V2C-033"),
        hooks={"commit_offset": _store_offset_not_next},
    ),
    Fault(
        id="consumers-create-201",
        area="consumers",
        description="consumer creation answers 201 Created instead of 200",
        versions=BOTH,
        rows=("C1", "D1"),
        caught_by=("V1C-001", "V2C-001"),
        hooks={"response": _created_201},
    ),
    Fault(
        id="consumers-v1-create-without-body-500",
        area="consumers",
        description="a v1 consumer creation with no body (all defaults) crashes with 500/500; with {} it works",
        versions=ONLY_V1,
        rows=("C1",),
        caught_by=("V1C-001",),
        subtle=True,
        hooks={"request": _no_body_crashes},
    ),
    Fault(
        id="consumers-base-uri-relative",
        area="consumers",
        description="base_uri is a relative path (/consumers/g/instances/i), not an absolute URL",
        versions=BOTH,
        rows=("C2", "D3"),
        caught_by=("V1C-002", "V2C-003"),
        hooks={"consumer_created": _relative_base_uri},
    ),
    Fault(
        id="consumers-duplicate-name-accepted",
        area="consumers",
        description="creating an instance under a name already used in the group replaces it (no 409)",
        versions=BOTH,
        rows=("C4", "D5"),
        caught_by=("V1C-004", "V2C-005"),
        switches=frozenset({"consumer-duplicate-name-accepted"}),
    ),
    Fault(
        id="consumers-delete-200-with-body",
        area="consumers",
        description="deleting an instance answers 200 with a JSON body instead of 204",
        versions=BOTH,
        rows=("C16", "D30"),
        caught_by=("V1C-016", "V2C-037"),
        hooks={"response": _status_rewrite("delete_consumer", 204, None, 200, {"deleted": True})},
    ),
    Fault(
        id="consumers-unknown-instance-reads-empty",
        area="consumers",
        description="a read on a deleted or unknown instance answers 200 [] instead of 404/40403",
        versions=BOTH,
        rows=("C13", "C16", "D30"),
        caught_by=("V1C-013", "V1C-016", "V2C-037"),
        hooks={"response": _empty_records},
    ),
    Fault(
        id="consumers-format-unchecked",
        area="consumers",
        description="reads never compare the Accept embedded format with the consumer's: a json consumer serves binary",
        versions=BOTH,
        rows=("C17", "D31"),
        caught_by=("V1C-017", "V2C-038"),
        switches=frozenset({"consumer-format-unchecked"}),
    ),
    Fault(
        id="consumers-v1-format-wildcard-served",
        area="consumers",
        description="a json consumer read with Accept */* or no Accept answers 200 instead of 406/40601 "
        "(an explicit binary.v1 is still refused)",
        versions=ONLY_V1,
        rows=("C17",),
        caught_by=("V1C-017",),
        subtle=True,
        hooks={"consumer_created": _remember_format, "request": _wildcard_accept_served},
    ),
    Fault(
        id="consumers-v1-consumed-is-next-offset",
        area="consumers",
        description="the v1 commit reports Kafka's position (last returned + 1) as consumed and committed",
        versions=ONLY_V1,
        rows=("C14",),
        caught_by=("V1C-014",),
        hooks={"response": _v1_commit_entries(_consumed_is_next)},
    ),
    Fault(
        id="consumers-v1-commit-lags-after-second-read",
        area="consumers",
        description="once an instance has made two non-empty reads, its commits store and report one offset too "
        "few (the last record is re-read by the group)",
        versions=ONLY_V1,
        rows=("C14", "C15"),
        caught_by=("V1C-014",),
        subtle=True,
        hooks={"read_records": _v1_reads_seen, "commit_offset": _lag_after_second_read},
    ),
    Fault(
        id="consumers-v1-consumed-lags-multi-record-read",
        area="consumers",
        description="`consumed` is the second-to-last offset when the last read returned more than one record",
        versions=ONLY_V1,
        rows=("C14",),
        caught_by=("V1C-014",),
        subtle=True,
        hooks={"read_records": _v1_reads_seen, "response": _v1_commit_entries(_consumed_lags_multi)},
    ),
    Fault(
        id="consumers-group-not-resuming",
        area="consumers",
        description="commits are acknowledged but the group's offset stays at the log start: a new instance "
        "of the group replays the partition",
        versions=BOTH,
        rows=("C15", "D26"),
        caught_by=("V1C-015", "V2C-033"),
        hooks={"commit_offset": _store_log_start},
    ),
    Fault(
        id="consumers-reset-vocabulary-of-other-version",
        area="consumers",
        description="auto.offset.reset accepts the other API version's words (v1: earliest/latest/none; "
        "v2: smallest/largest) and maps them",
        versions=BOTH,
        rows=("C6", "D7"),
        caught_by=("V1C-006", "V2C-007"),
        hooks={"request": _rewriting_create(_other_version_resets)},
    ),
    Fault(
        id="consumers-reset-unvalidated",
        area="consumers",
        description="an unknown auto.offset.reset is ignored (the default applies) instead of 422/42204",
        versions=BOTH,
        rows=("C5", "D7"),
        caught_by=("V1C-005", "V2C-007", "FUZZ-NEG-createConsumer"),
        hooks={"request": _rewriting_create(_resets_unvalidated)},
    ),
    Fault(
        id="consumers-v1-default-reset-smallest",
        area="consumers",
        description="a v1 consumer created without auto.offset.reset starts at the log start, not the end",
        versions=ONLY_V1,
        rows=("C7",),
        caught_by=("V1C-007",),
        hooks={"request": _keep_body, "consumer_created": _v1_default_smallest},
    ),
    Fault(
        id="consumers-format-unvalidated",
        area="consumers",
        description="an unknown consumer format (xml) is ignored and the consumer created as binary",
        versions=BOTH,
        rows=("C8", "D6"),
        caught_by=("V1C-008", "V2C-006", "FUZZ-NEG-createConsumer"),
        hooks={"request": _rewriting_create(_formats_unvalidated)},
    ),
    Fault(
        id="consumers-unknown-fields-ignored",
        area="consumers",
        description="unknown consumer creation fields are silently ignored instead of refused",
        versions=BOTH,
        rows=("C9", "D9"),
        caught_by=("V1C-009", "V2C-010", "FUZZ-NEG-createConsumer"),
        hooks={"request": _rewriting_create(_unknown_fields_dropped)},
    ),
    Fault(
        id="consumers-v1-name-wins-over-id",
        area="consumers",
        description="with both `id` and `name`, the instance takes `name` (the deprecated `id` must win); "
        "`id` alone still works",
        versions=ONLY_V1,
        rows=("C3",),
        caught_by=("V1C-003",),
        subtle=True,
        hooks={"request": _rewriting_create(_name_wins_over_id)},
    ),
    Fault(
        id="consumers-v1-read-drops-keys",
        area="consumers",
        description="v1 consumer reads return every record with key null",
        versions=ONLY_V1,
        rows=("C10",),
        caught_by=("V1C-010",),
        hooks={"read_records": _keys_dropped},
    ),
    Fault(
        id="consumers-v1-second-topic-allowed",
        area="consumers",
        description="a v1 instance reading a second topic answers 200 [] instead of 409/40901",
        versions=ONLY_V1,
        rows=("C11",),
        caught_by=("V1C-011",),
        hooks={"response": _status_rewrite("consumer_read", 409, 40901, 200, [])},
    ),
    Fault(
        id="consumers-v1-unknown-topic-empty",
        area="consumers",
        description="a v1 consumer read of a topic that does not exist answers 200 [] instead of 404/40401",
        versions=ONLY_V1,
        rows=("C12",),
        caught_by=("V1C-012",),
        hooks={"response": _status_rewrite("consumer_read", 404, 40401, 200, [])},
    ),
    Fault(
        id="consumers-v2-seek-unassigned-allowed",
        area="consumers",
        description="a seek on an unassigned partition answers 204 and does nothing (no 409)",
        versions=ONLY_V2,
        rows=("D19", "D19b"),
        caught_by=("V2C-023", "V2C-024"),
        switches=frozenset({"v2-seek-unassigned-allowed"}),
    ),
    Fault(
        id="consumers-v2-commit-below-last-fetched-stores-offset",
        area="consumers",
        description="a commit of an offset below the last fetched one stores X instead of X+1 (committing the "
        "last fetched record is right)",
        versions=ONLY_V2,
        rows=("D26",),
        caught_by=("V2C-033",),
        subtle=True,
        hooks={"read_records": _v2_last_fetched, "commit_offset": _below_last_not_plus_one},
    ),
    Fault(
        id="consumers-v2-seek-beginning-ignored",
        area="consumers",
        description="positions/beginning answers 204 but does not move the consumer (positions and end work)",
        versions=ONLY_V2,
        rows=("D18",),
        caught_by=("V2C-022",),
        subtle=True,
        hooks={"request": _seek_beginning_ignored},
    ),
    Fault(
        id="consumers-v2-seek-always-refused",
        area="consumers",
        description="every seek (positions, beginning, end) answers 409/40903 'is unassigned', however "
        "long after the assignment: only D18 breaks; checks that seek as setup end as error",
        versions=ONLY_V2,
        rows=("D18",),
        caught_by=("V2C-022",),
        hooks={"request": _seek_always_refused},
    ),
    Fault(
        id="consumers-v2-topic-pattern-unsupported",
        area="consumers",
        description="subscription by topic_pattern is refused with 422 'Unrecognized field'",
        versions=ONLY_V2,
        rows=("D11",),
        caught_by=("V2C-012",),
        hooks={"request": _topic_pattern_refused},
    ),
    Fault(
        id="consumers-v2-subscription-bare-list",
        area="consumers",
        description="GET subscription answers a bare JSON array of topics instead of {topics: [...]}",
        versions=ONLY_V2,
        rows=("D12", "D12b", "D13"),
        caught_by=("V2C-013", "V2C-014", "V2C-015"),
        hooks={"response": _subscription_bare_list},
    ),
    Fault(
        id="consumers-v2-subscribe-without-body-500",
        area="consumers",
        description="a subscription request without a body crashes with 500/500 instead of 422",
        versions=ONLY_V2,
        rows=("D14", "D14s"),
        caught_by=("V2C-016", "V2C-017"),
        subtle=True,
        hooks={"request": _subscribe_no_body_crashes},
    ),
    Fault(
        id="consumers-v2-assign-200",
        area="consumers",
        description="assign answers 200 echoing the partitions instead of 204",
        versions=ONLY_V2,
        rows=("D15",),
        caught_by=("V2C-018",),
        hooks={
            "request": _keep_body,
            "response": _status_rewrite("assign", 204, None, 200, _assignment_echo),
        },
    ),
    Fault(
        id="consumers-v2-assign-while-subscribed-accepted",
        area="consumers",
        description="assign on a subscribed consumer answers 204 (ignored) instead of 409",
        versions=ONLY_V2,
        rows=("D16",),
        caught_by=("V2C-020",),
        hooks={"response": _status_rewrite("assign", 409, None, 204, None)},
    ),
    Fault(
        id="consumers-v2-records-without-topic",
        area="consumers",
        description="v2 records come without the `topic` field (the v1 2.0 record shape)",
        versions=ONLY_V2,
        rows=("D20", "D21"),
        caught_by=("V2C-025", "V2C-026"),
        hooks={"read_records": _topic_dropped},
    ),
    Fault(
        id="consumers-v2-commit-202",
        area="consumers",
        description="a commit with offsets answers 202 Accepted",
        versions=ONLY_V2,
        rows=("D25", "D25b"),
        caught_by=("V2C-031", "V2C-032"),
        hooks={"response": _status_rewrite("commit", 200, None, 202, [])},
    ),
    # -- Karapace 3.16.0 (contract.md §5.2) --
    Fault(
        id="karapace-consumer-id-and-unknown-fields-ignored",
        area="consumers",
        description="Karapace 3.16.0: `id` and unknown creation fields are ignored (200, a uuid instance name)",
        versions=ONLY_V2,
        rows=("D4", "D9"),
        caught_by=("V2C-004", "V2C-010"),
        hooks={"request": _rewriting_create(_karapace_fields)},
    ),
    Fault(
        id="karapace-body-required",
        area="consumers",
        description="Karapace 3.16.0: consumer creation, subscribe and commit without a body answer 400 "
        "text/plain 'Missing request JSON body'",
        versions=ONLY_V2,
        rows=("D2", "D14s", "D28"),
        caught_by=("V2C-002", "V2C-017", "V2C-035", "V2C-062"),
        hooks={"request": _karapace_body_required},
    ),
    Fault(
        id="karapace-offset-reset-none-refused",
        area="consumers",
        description="Karapace 3.16.0: auto.offset.reset `none` is refused with 422/42204",
        versions=ONLY_V2,
        rows=("D7b",),
        caught_by=("V2C-008",),
        hooks={"request": _rewriting_create(_karapace_none)},
    ),
    Fault(
        id="karapace-bad-format-42204",
        area="consumers",
        description="Karapace 3.16.0: an unknown consumer format is refused with 422/42204 instead of 422/422",
        versions=ONLY_V2,
        rows=("E5",),
        caught_by=("ERR-005",),
        hooks={"request": _rewriting_create(_karapace_bad_format)},
    ),
    Fault(
        id="karapace-commit-204",
        area="consumers",
        description="Karapace 3.16.0: a commit answers 204 (Content-Type application/json) instead of 200 []",
        versions=ONLY_V2,
        rows=("D25b",),
        caught_by=("V2C-032",),
        hooks={"response": _karapace_commit_204},
    ),
    Fault(
        id="karapace-subscribe-while-assigned-accepted",
        area="consumers",
        description="Karapace 3.16.0: subscribing a manually assigned consumer answers 204 instead of 409",
        versions=ONLY_V2,
        rows=("D17",),
        caught_by=("V2C-021",),
        hooks={"response": _status_rewrite("subscribe", 409, None, 204, None)},
    ),
    # -- Strimzi 0.33.1 (contract.md §5.3) --
    Fault(
        id="strimzi-commit-stores-given-offset",
        area="consumers",
        description="Strimzi 0.33.1: a commit with offsets answers 204 and stores exactly X (no +1): a new "
        "member re-reads X",
        versions=ONLY_V2,
        rows=("D26", "D25b"),
        caught_by=("V2C-033", "V2C-032"),
        hooks={
            "request": _keep_body,
            "commit_offset": _commit_with_body_stores_x,
            "response": _strimzi_commit_204,
        },
    ),
    Fault(
        id="strimzi-max-bytes-loses-records",
        area="consumers",
        description="Strimzi 0.33.1: a read whose records exceed max_bytes answers 422, and the records that "
        "poll fetched are lost (the position has moved past them)",
        versions=ONLY_V2,
        rows=("D23m",),
        caught_by=("V2C-029",),
        subtle=True,
        hooks={"request": _strimzi_fetch_whole, "response": _strimzi_max_bytes_422},
    ),
    Fault(
        id="strimzi-no-committed-offsets-or-assignments",
        area="consumers",
        description="Strimzi 0.33.1: no GET …/offsets and no GET …/assignments (405, empty, no Content-Type)",
        versions=ONLY_V2,
        rows=("D27", "D15b"),
        caught_by=("V2C-034", "V2C-019"),
        hooks={"request": _strimzi_missing_endpoints},
    ),
    Fault(
        id="strimzi-subscription-lists-assignment",
        area="consumers",
        description="Strimzi 0.33.1: GET subscription lists the assignment, {topics: [], partitions: []} "
        "until the first poll",
        versions=ONLY_V2,
        rows=("D12b",),
        caught_by=("V2C-014",),
        subtle=True,
        hooks={"read_records": _v2_last_fetched, "response": _strimzi_subscription},
    ),
    Fault(
        id="strimzi-auto-commit-enable-refused",
        area="consumers",
        description="Strimzi 0.33.1: the Confluent field auto.commit.enable is refused with 400 (it wants "
        "the boolean enable.auto.commit)",
        versions=ONLY_V2,
        rows=("D8",),
        caught_by=("V2C-009",),
        hooks={"request": _rewriting_create(_strimzi_auto_commit_field)},
    ),
    Fault(
        id="strimzi-seek-unassigned-404",
        area="consumers",
        description="Strimzi 0.33.1: a seek on an unassigned partition answers 404/404 instead of 409",
        versions=ONLY_V2,
        rows=("D19b",),
        caught_by=("V2C-024",),
        hooks={
            "response": _status_rewrite(
                "seek", 409, None, 404, {"error_code": 404, "message": "No current assignment for partition"}
            )
        },
    ),
    *_SEVERAL,
    # -- edges of the log and long-lived instances (issue 16) --
    Fault(
        id="consumers-v2-seek-end-on-last-record",
        area="consumers",
        description="positions/end lands on the last record instead of after it: that record, written "
        "before the seek, comes again",
        versions=ONLY_V2,
        rows=("D18", "D21"),
        caught_by=("V2C-080",),
        subtle=True,
        hooks={
            "request": _keep_body,
            "consumer_created": _keep_instance,
            "response": _edge_seek_moved("seek_end", -1),
        },
    ),
    Fault(
        id="consumers-v2-seek-end-one-past",
        area="consumers",
        description="positions/end lands one past the log end: the next poll finds the position out of "
        "range and resets it (earliest: the partition comes again), or, once a record came, loses that record",
        versions=ONLY_V2,
        rows=("D18", "D21"),
        caught_by=("V2C-080",),
        subtle=True,
        hooks={
            "request": _keep_body,
            "consumer_created": _keep_instance,
            "response": _edge_seek_moved("seek_end", 1),
        },
    ),
    Fault(
        id="consumers-v2-seek-beginning-one-past",
        area="consumers",
        description="positions/beginning starts at the second retained record: the first is never read again",
        versions=ONLY_V2,
        rows=("D18",),
        caught_by=("V2C-081",),
        subtle=True,
        hooks={
            "request": _keep_body,
            "consumer_created": _keep_instance,
            "response": _edge_seek_moved("seek_beginning", 1),
        },
    ),
    Fault(
        id="consumers-v2-seek-clamped-to-last-record",
        area="consumers",
        description="a seek to the log end (or past it) lands on the last record, which comes again",
        versions=ONLY_V2,
        rows=("D18", "D21"),
        caught_by=("V2C-082",),
        subtle=True,
        hooks={
            "request": _keep_body,
            "consumer_created": _keep_instance,
            "produce_result": track_log_end,
            "response": _seek_clamped_to_last,
        },
    ),
    Fault(
        id="consumers-v2-max-bytes-equal-size-skipped",
        area="consumers",
        description="a read whose max_bytes equals the next record's size answers [] and moves past that "
        "record: it is lost",
        versions=ONLY_V2,
        rows=("D23m",),
        caught_by=("V2C-083",),
        subtle=True,
        hooks={
            "request": _max_bytes_taken,
            "consumer_created": _keep_instance,
            "response": _max_bytes_applied(_equal_size_skipped),
        },
    ),
    Fault(
        id="consumers-v2-max-bytes-next-poll-one-past",
        area="consumers",
        description="after a read cut short by max_bytes the next poll starts one record too late: the first "
        "record not returned is lost",
        versions=ONLY_V2,
        rows=("D23m", "D21"),
        caught_by=("V2C-083",),
        subtle=True,
        hooks={
            "request": _max_bytes_taken,
            "consumer_created": _keep_instance,
            "response": _max_bytes_applied(_one_past_after_limit),
        },
    ),
    Fault(
        id="consumers-v2-max-bytes-read-not-advanced",
        area="consumers",
        description="a read cut short by max_bytes does not advance the position: its records come again",
        versions=ONLY_V2,
        rows=("D21",),
        caught_by=("V2C-083",),
        subtle=True,
        hooks={
            "request": _max_bytes_taken,
            "consumer_created": _keep_instance,
            "response": _max_bytes_applied(_not_advanced),
        },
    ),
    Fault(
        id="consumers-idle-instance-forgets-position",
        area="consumers",
        description=f"an instance idle for over {IDLE_FAULT_S:g} s silently forgets its position: it "
        "restarts at the committed offset or by its reset policy (records come again)",
        versions=BOTH,
        rows=("C10", "D21"),
        caught_by=("V1C-060", "V2C-084"),
        subtle=True,
        hooks={"consumer_created": _keep_instance, "request": _idle_instance(forget=True)},
    ),
    Fault(
        id="consumers-idle-instance-dropped",
        area="consumers",
        description=f"an instance idle for over {IDLE_FAULT_S:g} s is dropped (404/40403), 30 times sooner "
        "than Confluent's consumer.instance.timeout.ms",
        versions=BOTH,
        rows=("C16", "D30", "C10", "D21"),
        caught_by=("V1C-060", "V2C-084"),
        subtle=True,
        hooks={"consumer_created": _keep_instance, "request": _idle_instance(forget=False)},
    ),
)
