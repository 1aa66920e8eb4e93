"""Generated requests that stay inside what real servers handle safely (contract.md §5.4).

schemathesis generates a case from the version view; this module turns it into the request the
probe sends. Two layers keep it safe, so a staging cluster is never harmed and a real Confluent
server is never sent a request whose answer §8 does not judge:

1. The view is narrowed before generation (`narrow`): path topics, consumer groups and instances
   become enums of the run's own names; body `topic` fields name only the test topics; consumer
   names are plain tokens (URL-special instance names are not probed, §7 item 18).
2. Each case is fitted (`Fitter.fit`): partitions are folded into the topic's real count (a
   partition at or past the count waits out a 60 s metadata timeout on Confluent), v1 offsets into
   the records the probe wrote (past-the-end is 500/50002 there), records reads always carry a
   short `timeout` and a `max_bytes` above any record, commits always name explicit offsets.
   Then `unsafe()` is asked once more of the final request; an unsafe case is never sent.

Folding, not filtering: hypothesis keeps its full budget and shrinking still works, and the same
seed gives the same requests.

Negative mode (invalid inputs) folds too, but only what no §8 oracle judges: schemathesis mutates
every component it can, so most invalid cases also name an unknown topic, another group or a
partition that does not exist. Those are folded back onto the run's own names, and what is left
invalid (a non-integer partition, a bad body) is what the negative oracle classifies. The partition
is narrowed to a range rather than an enum there, so that its negation includes non-integers.
"""

from __future__ import annotations

import copy
import json
import re
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from conformance.checks.api import is_int, seg
from conformance.fuzz.operations import Rule
from conformance.media import MEDIA
from conformance.requirements import ApiVersion

# Bounds on query parameters that real servers treat expensively (§2.1#7, §2.2#17, §5.4).
MAX_COUNT = 100
MAX_TIMEOUT_MS = 200  # Confluent waits min(timeout, 1000); ≤ 0 means 1000, so never 0
MIN_MAX_BYTES = 1 << 20  # above any record the suite writes: a short max_bytes stalls or loses data
# Consumer configuration values §8 fixes no outcome for outside these ranges. Karapace 3.16 hands
# them to librdkafka, which refuses values outside its own ranges with a 500 after 2 s (lab
# 2026-12-07): `consumer.request.timeout.ms` above 300000 (as socket.timeout.ms), and
# `fetch.min.bytes` outside 1..100000000. Confluent's defaults are 1000 and 1.
CONSUMER_CONFIG_RANGES = {
    "consumer.request.timeout.ms": (0, 300000),
    "fetch.min.bytes": (1, 100_000_000),
}
SAFE_NAME = {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,15}$"}


@dataclass
class Facts:
    """What the probe knows about the target before generating: read at preflight or set up."""

    version: ApiVersion
    topics: dict[str, int]  # test topic -> partition count
    group: str
    instance: str | None = None
    # v1 partition reads: (topic, partition) -> (first, last) offset the probe wrote there
    log: dict[tuple[str, int], tuple[int, int]] = field(default_factory=dict)

    @property
    def own_names(self) -> dict[str, list[str]]:
        """Per path-parameter kind, the only values a generated request may name."""
        return {
            "topic": sorted(self.topics),
            "group": [self.group],
            "instance": [self.instance or "absent"],
        }

    @property
    def instance_path(self) -> str | None:
        if self.instance is None:
            return None
        return f"/consumers/{seg(self.group)}/instances/{seg(self.instance)}"


@dataclass(frozen=True)
class Draft:
    """A generated case's parts before fitting: as schemathesis drew them, or with one mutation."""

    path_parameters: dict[str, Any]
    query: dict[str, Any]
    body: Any
    has_body: bool

    @classmethod
    def of(cls, case: Any) -> Draft:
        """From a schemathesis Case (copied: hypothesis may hand the same objects out again)."""
        has_body = type(case.body).__name__ != "NotSet"
        return cls(
            dict(case.path_parameters or {}),
            dict(case.query or {}),
            copy.deepcopy(case.body) if has_body else None,
            has_body,
        )


@dataclass(frozen=True)
class Prepared:
    """The request a case becomes: exactly what goes on the wire (credentials are added by the client)."""

    method: str
    path: str
    params: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...]
    body: bytes | None

    def describe(self) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.params)
        return f"{self.method} {self.path}" + (f"?{query}" if query else "")


# -- narrowing the view ----------------------------------------------------------------------


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _resolve(doc: dict[str, Any], node: Any) -> Any:
    """Inline a local `$ref` (one level), so a shared parameter can be narrowed per operation."""
    if isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        target: Any = doc
        for part in node["$ref"][2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        return copy.deepcopy(target)
    return node


def param_kind(name: str) -> str:
    lowered = name.lower()
    for kind in ("instance", "group", "partition", "topic"):
        if kind in lowered:
            return kind
    return lowered


def narrow(view: Mapping[str, Any], facts: Facts, *, negative: bool = False) -> dict[str, Any]:
    """A copy of the version view whose generation can only name the run's own targets."""
    doc: dict[str, Any] = copy.deepcopy(dict(view))
    topics = sorted(facts.topics)
    widest = max(facts.topics.values())
    partition: dict[str, Any] = (
        # negated, a range gives non-integers (Q1); negated, an enum gives only other integers
        {"type": "integer", "minimum": 0, "maximum": widest - 1}
        if negative
        # folded into each topic's count by the fitter; an enum keeps out negative numbers
        else {"type": "integer", "enum": list(range(widest))}
    )
    path_enums: dict[str, dict[str, Any]] = {
        kind: {"type": "string", "enum": names} for kind, names in facts.own_names.items()
    }
    path_enums["partition"] = partition
    for path_item in doc.get("paths", {}).values():
        holders = [path_item] + [v for k, v in path_item.items() if isinstance(v, dict) and k != "parameters"]
        for holder in holders:
            params = holder.get("parameters")
            if not isinstance(params, list):
                continue
            resolved = [_resolve(doc, p) for p in params]
            for param in resolved:
                if param.get("in") == "path" and param_kind(param.get("name", "")) in path_enums:
                    param["schema"] = copy.deepcopy(path_enums[param_kind(param["name"])])
            holder["parameters"] = resolved
    # Body fields, wherever a schema declares them (request and response schemas alike: the
    # generator reads only request schemas, and responses are judged from the untouched view).
    for node in list(_walk(doc)):
        props = node.get("properties")
        if not isinstance(props, dict):
            continue
        if isinstance(props.get("topic"), dict):
            props["topic"] = {"type": "string", "enum": topics}
        if isinstance(props.get("topics"), dict):
            props["topics"] = {
                "type": "array",
                "items": {"type": "string", "enum": topics},
                "maxItems": 2,
                "uniqueItems": True,  # a topic listed twice: no §8 outcome (Karapace: 500)
            }
        for config, (low, high) in CONSUMER_CONFIG_RANGES.items():
            if isinstance(props.get(config), dict) and "format" in props:
                props[config] = {"type": "integer", "minimum": low, "maximum": high}
        if isinstance(props.get("topic_pattern"), dict):
            props["topic_pattern"] = {"type": "string", "enum": [re.escape(t) for t in topics]}
        for name_field in ("name", "id"):
            if isinstance(props.get(name_field), dict) and "format" in props:
                props[name_field] = dict(SAFE_NAME)  # consumer creation: plain instance names
    return doc


# -- fitting a case into a request -------------------------------------------------------------


def _ints(value: Any) -> Any:
    """JSON Schema calls 6951.0 an integer; Kafka REST parsers may not. Send 6951."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    if isinstance(value, dict):
        return {k: _ints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_ints(v) for v in value]
    return value


def integer_text(text: str) -> int | None:
    """The integer a server could read from a path or query value, or None when none could.

    Generous on purpose: Python's int() accepts everything Java's Integer.parseInt does (a sign,
    any Unicode decimal digits) and more (spaces, underscores), so None means that neither a
    Java server (Confluent) nor a Python one (Karapace) reads an integer there.
    """
    try:
        return int(text)
    except ValueError:
        return None


_JAVA_TRIM = "".join(chr(c) for c in range(0x21))  # String.trim() drops every char <= U+0020


def blank_text(text: str) -> bool:
    """A value a server may read as "not given" rather than as a bad number.

    Jersey converts a blank primitive parameter to its default (observed on Confluent 5.5 and
    7.5: `partitions/%20` is partition 0; `max_bytes=`, `timeout=` and `timeout=+` read 200),
    `+` in a query is a space, and a lone sign is no number to any parser. No §8 row (Q1, Q1s)
    calls these "non-integer", so negative mode never judges them.
    """
    core = text.replace("+", " ").strip(_JAVA_TRIM).strip()
    return core in ("", "-")


def _fold(value: Any, choices: list[str]) -> str:
    """A mutated name mapped onto one of the run's own, the same one for the same value."""
    return choices[zlib.crc32(repr(value).encode()) % len(choices)]


class Unsafe(Exception):
    """The case would be a hazard on a real server (§5.4); it is not sent."""


class Unjudged(Exception):
    """Negative mode: no §8 oracle gives an exact outcome for this invalid case; it is not sent."""


@dataclass
class Fitter:
    facts: Facts
    rule: Rule
    method: str
    path_template: str  # as in the view: "/topics/{topic}/partitions/{partition}"
    negative: bool = False  # negative mode: fold only what no oracle judges (names, partitions)

    def fit(self, draft: Draft) -> Prepared:
        media = MEDIA[self.facts.version]
        params = dict(draft.path_parameters)
        if self.negative:
            self._fold_names(params)
        topic = self._path_topic(params)
        for name, value in list(params.items()):
            kind = param_kind(name)
            if kind == "partition" and is_int(value):
                params[name] = self._partition(topic, value)
        path = self.path_template
        for name, value in params.items():
            path = path.replace(
                "{" + name + "}", seg(value if not isinstance(value, bool) else str(value).lower())
            )
        q = {k: v for k, v in _ints(dict(draft.query)).items()}
        self._fit_query(q, topic, params)
        payload: bytes | None = None
        if draft.has_body:
            if isinstance(draft.body, bytes | bytearray):
                payload = bytes(draft.body)
            else:
                data = _ints(draft.body)
                data = self._fit_body(data, topic)
                payload = json.dumps(data, separators=(",", ":")).encode()
        elif self.method == "POST" and self.path_template.endswith("/offsets") and self.facts.version == "v2":
            payload = json.dumps(self._fit_body({}, topic), separators=(",", ":")).encode()
        headers: dict[str, str] = {"Accept": media.binary if self.rule.accept == "binary" else media.generic}
        if payload is not None:
            headers["Content-Type"] = media.binary if self.rule.content_type == "binary" else media.generic
        prepared = Prepared(
            self.method,
            path,
            tuple((k, _query_text(v)) for k, v in q.items()),
            tuple(headers.items()),
            payload,
        )
        reason = unsafe(prepared, self.facts)
        if reason:
            raise Unsafe(reason)
        return prepared

    def _fold_names(self, params: dict[str, Any]) -> None:
        """Negative mode: a mutated topic, group or instance becomes the run's own (§5.4)."""
        own = self.facts.own_names
        for name, value in params.items():
            choices = own.get(param_kind(name))
            if choices is not None and value not in choices:
                params[name] = _fold(value, choices)

    def _path_topic(self, params: Mapping[str, Any]) -> str | None:
        for name, value in params.items():
            if param_kind(name) == "topic":
                return str(value)
        return None

    def _partition(self, topic: str | None, value: int) -> int:
        count = self.facts.topics.get(topic or "", max(self.facts.topics.values()))
        return value % count

    def _fit_query(self, q: dict[str, Any], topic: str | None, params: Mapping[str, Any]) -> None:
        tail = self.path_template.rsplit("/", 1)[-1]
        if tail == "messages":  # v1 read by offset: only inside the records the probe wrote
            partition = next((v for k, v in params.items() if param_kind(k) == "partition"), 0)
            lo, hi = self.facts.log.get((topic or "", partition if is_int(partition) else 0), (0, 0))
            offset = q.get("offset")
            if is_int(offset):  # outside the log is 500/50002 on Confluent, judged by S5
                q["offset"] = lo + offset % (hi - lo + 1)
            elif not self.negative or "offset" not in q:
                q["offset"] = lo
            count = q.get("count")
            if is_int(count):
                q["count"] = 1 + (count - 1) % MAX_COUNT if count > 0 else 1
        if tail == "records":  # always a short timeout (§5.4), never a max_bytes below a record
            timeout = q.get("timeout")
            if is_int(timeout) or "timeout" not in q:
                q["timeout"] = 1 + (timeout if is_int(timeout) else 0) % MAX_TIMEOUT_MS
        for name in ("max_bytes",):
            value = q.get(name)
            if is_int(value):
                q[name] = MIN_MAX_BYTES + value % MIN_MAX_BYTES
            elif value is None and name in q:
                del q[name]

    def _fit_body(self, data: Any, topic: str | None) -> Any:
        if not isinstance(data, dict):
            return data
        records = data.get("records")
        if isinstance(records, list) and topic is not None:
            for record in records:
                if isinstance(record, dict) and is_int(record.get("partition")):
                    record["partition"] = self._partition(topic, record["partition"])
        commit = self.method == "POST" and self.path_template.endswith("/offsets")
        for key in ("partitions", "offsets"):
            entries = data.get(key)
            if isinstance(entries, list):
                for entry in entries:
                    if isinstance(entry, dict) and is_int(entry.get("partition")):
                        entry["partition"] = self._partition(str(entry.get("topic")), entry["partition"])
                    if commit and isinstance(entry, dict) and is_int(entry.get("offset")):
                        entry["offset"] = self._logged_offset(entry, entry["offset"])
                if not self.negative:
                    data[key] = unique_entries(entries)
        topics = data.get("topics")
        if isinstance(topics, list) and not self.negative and all(isinstance(t, str) for t in topics):
            data["topics"] = list(dict.fromkeys(topics))
        if commit and self.facts.version == "v2" and not data.get("offsets"):
            # commits always name explicit offsets (§5.4): `{}` is 500 on Confluent (D29, INFO)
            first = sorted(self.facts.topics)[0]
            data["offsets"] = [
                {"topic": first, "partition": 0, "offset": self.facts.log.get((first, 0), (0, 0))[0]}
            ]
        return data

    def _logged_offset(self, entry: Mapping[str, Any], offset: int) -> int:
        """A commit offset folded into the records the probe wrote there: §8 covers commits of
        offsets inside the log (D25, D26); 2**63-1 overflows offset + 1 (500 on Confluent)."""
        lo, hi = self.facts.log.get((str(entry.get("topic")), entry.get("partition", 0)), (0, 0))
        return lo + offset % (hi - lo + 1)


def unique_entries(entries: list[Any]) -> list[Any]:
    """Topic-partition entries with each (topic, partition) once, first wins: a partition named
    twice in one assign, seek, commit or lookup has no §8 outcome (Karapace 3.16: 500), and
    folding partitions into the topic's count can make two entries one."""
    seen: set[str] = set()
    out = []
    for entry in entries:
        key = (
            json.dumps([entry.get("topic"), entry.get("partition")], sort_keys=True)
            if isinstance(entry, dict)
            else json.dumps(entry, sort_keys=True)
        )
        if key not in seen:
            seen.add(key)
            out.append(entry)
    return out


def _query_text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def unsafe(request: Prepared, facts: Facts) -> str | None:
    """Why this request must not be sent to a real server (§5.4), or None. The last gate."""
    parts = request.path.split("/")
    if request.path != "/" and any(unquote(part) in ("", ".", "..") for part in parts[1:]):
        return "an empty or dot path segment addresses another resource once normalised"
    if len(parts) > 2 and parts[1] == "topics":
        topic = unquote(parts[2])
        if topic not in facts.topics:
            return f"unknown topic {topic!r} (auto-creates it or waits 60 s)"
        if len(parts) > 4 and parts[3] == "partitions":
            p = integer_text(unquote(parts[4]))
            if p is not None and not 0 <= p < facts.topics[topic]:
                return f"partition {p} of {topic} does not exist (60 s metadata wait)"
    if len(parts) > 2 and parts[1] == "consumers" and unquote(parts[2]) != facts.group:
        return "consumer group is not the run's own"
    if request.body is not None:
        try:
            data = json.loads(request.body)
        except ValueError:
            return None
        for node in _walk(data):
            t: Any = node.get("topic")
            if isinstance(t, str) and t not in facts.topics:
                return f"body names unknown topic {t!r} (a commit for it stalls the server)"
            bp: Any = node.get("partition")
            if is_int(bp) and isinstance(t, str) and not 0 <= bp < facts.topics[t]:
                return f"body names partition {bp} of {t}, which does not exist"
            count = facts.topics.get(unquote(parts[2]), 0) if len(parts) > 2 and parts[1] == "topics" else 0
            if is_int(bp) and "topic" not in node and count and not 0 <= bp < count:
                return f"record partition {bp} does not exist"
        for node in _walk(data):
            for t in node.get("topics", []) if isinstance(node.get("topics"), list) else []:
                if t not in facts.topics:
                    return f"subscription names unknown topic {t!r}"
    return None
