"""Replay the recorded Confluent exchanges against the reference server, and compare (issue 11).

The reference server is only a fair default target if it answers like the real thing. This
module sends every recorded request of a Confluent recording (``shared/observed/``), in recorded
order, to a fresh reference server set up with the recording's topics, and compares each answer
with the recorded one on the points that do not depend on state or chance:

- the status;
- the top-level ``error_code`` of a JSON object body;
- the Content-Type: present or absent, and its media type without parameters;
- the body: empty, JSON or text; for JSON its shape (key sets, JSON types, null against
  non-null), and list lengths only where the request fixes them (`fixed_length_paths`).

Offsets, generated instance names, message texts, timings and list contents are not compared.
Exchanges the comparison cannot judge (the recorded client timed out) or where the reference is
allowed to differ are listed, with their reasons, in an allowance table the caller gives
(`load_allowances`); `judge` turns comparisons and allowances into a verdict, and `render`
writes it as ``docs/fidelity.md``. The test ``tests/replay/`` and ``scripts/fidelity.py`` share
all of this, so the figure in the docs is the one the test asserts.
"""

from __future__ import annotations

import argparse
import json
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from conformance.client import TargetClient
from conformance.exchange import Exchange, Response
from conformance.media import MEDIA
from conformance.recordings import CONFLUENT, TRUNCATED, Probe, Recording, load

# Where the 5.5.0 and 7.5.0 v2 recordings disagree the reference follows 7.5.0 (issue 11).
FOLLOWED_V2 = "confluent-7.5.0-v2"
OLDER_V2 = "confluent-5.5.0-v2"

# Pseudo-paths in the fixed-length table: the recorded (or, comparing two recordings, the
# other) body was cut by the recorder.
TRUNCATED_MARKS = ("(recorded cut)", "(replayed cut)")

# Objects whose keys are data, not field names: compared as maps (value types only).
MAP_PATHS = frozenset({"$.configs"})

# Generous for an in-process server; a recorded timeout is replayed with SLOW_TIMEOUT_S so a
# reference that waits like Confluent (60 s metadata wait) cannot stall the replay.
TIMEOUT_S = 10.0
SLOW_TIMEOUT_S = 3.0

_BINARY: dict[str, str] = {version: m.binary for version, m in MEDIA.items()}
_GENERIC: dict[str, str] = {version: m.generic for version, m in MEDIA.items()}

_DEFAULT_PARTITIONS = (3, 1)  # the recordings' multi- and single-partition topics (observed/README.md)


# --- identities -------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class ExchangeKey:
    """One recorded exchange: recording, probe name, index within the probe."""

    recording: str
    probe: str
    index: int

    def __str__(self) -> str:
        return f"{self.recording} {self.probe}#{self.index}"


@dataclass(frozen=True)
class Difference:
    """One point on which the replayed answer differs from the recorded one."""

    aspect: str  # "response", "status", "error_code", "content_type", "body"
    detail: str

    def __str__(self) -> str:
        return f"{self.aspect}: {self.detail}"


# --- comparison -------------------------------------------------------------------------------


def error_code(response: Response) -> Any:
    """The top-level `error_code` of a JSON object body, or None."""
    body = response.json_or_none()
    if isinstance(body, dict):
        return body.get("error_code")
    return None


def body_kind(response: Response) -> str:
    if not response.body:
        return "empty"
    try:
        json.loads(response.body)
    except ValueError:
        return "text"
    return "json"


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _is_produce(method: str, path: str) -> bool:
    parts = [p for p in urlsplit(path).path.split("/") if p]
    return (
        method == "POST"
        and len(parts) in (2, 4)
        and parts[0] == "topics"
        and parts[2:3] in ([], ["partitions"])
    )


def fixed_length_paths(method: str, path: str, body: bytes | None) -> dict[str, int | None]:
    """List lengths the request fixes: JSON path -> expected length (None: the recorded length).

    A produce answers one `offsets` entry per record sent (contract.md §4.4). The partition
    list of a topic has the partition count, which the replay sets up as recorded.
    """
    fixed: dict[str, int | None] = {}
    parts = [p for p in urlsplit(path).path.split("/") if p]
    if _is_produce(method, path) and body:
        try:
            records = json.loads(body).get("records")
        except (ValueError, AttributeError):
            records = None
        if isinstance(records, list):
            fixed["$.offsets"] = len(records)
    if method == "GET" and parts[:1] == ["topics"] and len(parts) == 2:
        fixed["$.partitions"] = None
    if method == "GET" and parts[:1] == ["topics"] and len(parts) == 3 and parts[2] == "partitions":
        fixed["$"] = None
    return fixed


def shape(value: Any, path: str = "$") -> Any:
    """A hashable description of a JSON value's shape: types, key sets, element shapes."""
    kind = json_type(value)
    if kind == "object":
        if path in MAP_PATHS:
            return ("map", frozenset(json_type(v) for v in value.values()))
        return ("object", tuple(sorted((k, shape(v, f"{path}.{k}")) for k, v in value.items())))
    if kind == "array":
        return ("array", frozenset(shape(v, f"{path}[]") for v in value))
    return kind


def compare_json(recorded: Any, replayed: Any, fixed: Mapping[str, int | None], path: str = "$") -> list[str]:
    """Shape differences between two JSON values, each as "path: what differs"."""
    rec_type, rep_type = json_type(recorded), json_type(replayed)
    if rec_type != rep_type:
        return [f"{path}: recorded {rec_type}, reference {rep_type}"]
    if rec_type == "object":
        if path in MAP_PATHS:
            extra = {json_type(v) for v in replayed.values()} - {json_type(v) for v in recorded.values()}
            if recorded and extra:
                return [f"{path}: map values of type {', '.join(sorted(extra))} not seen in the recording"]
            return []
        out: list[str] = []
        missing = sorted(set(recorded) - set(replayed))
        extra_keys = sorted(set(replayed) - set(recorded))
        if missing:
            out.append(f"{path}: keys missing: {', '.join(missing)}")
        if extra_keys:
            out.append(f"{path}: extra keys: {', '.join(extra_keys)}")
        for key in sorted(set(recorded) & set(replayed)):
            out += compare_json(recorded[key], replayed[key], fixed, f"{path}.{key}")
        return out
    if rec_type == "array":
        return _compare_array(recorded, replayed, fixed, path)
    return []


def _compare_array(
    recorded: list[Any], replayed: list[Any], fixed: Mapping[str, int | None], path: str
) -> list[str]:
    element = f"{path}[]"
    if path in fixed:
        want = fixed[path]
        expected = len(recorded) if want is None else want
        out: list[str] = []
        # A list the recorder cut (over 12 items) keeps only its head: judge the reference's
        # length against what the request fixes, not against the cut recording.
        rec_cut, rep_cut = (want is not None and fixed.get(mark) == 1 for mark in TRUNCATED_MARKS)
        if (len(replayed) != expected and not rep_cut) or (len(recorded) != expected and not rec_cut):
            out.append(
                f"{path}: length recorded {len(recorded)}, reference {len(replayed)}, request fixes {expected}"
            )
        # Same positions answer the same request item (a failed record is an entry of its own).
        for rec, rep in zip(recorded, replayed, strict=False):
            out += compare_json(rec, rep, fixed, element)
        return _dedupe(out)
    # The length and order depend on state; every element the reference returns must have a
    # shape the recording shows for some element.
    if not recorded or not replayed:
        return []
    seen = {shape(v, element) for v in recorded}
    for rep in replayed:
        if shape(rep, element) in seen:
            continue
        nearest = _nearest(recorded, rep, fixed, element)
        return nearest or [f"{element}: element shape not in the recording"]
    return []


def _nearest(recorded: list[Any], replayed: Any, fixed: Mapping[str, int | None], path: str) -> list[str]:
    """The differences to the recorded element that is most alike (fewest differences)."""
    best: list[str] | None = None
    for rec in recorded:
        diffs = compare_json(rec, replayed, fixed, path)
        if best is None or len(diffs) < len(best):
            best = diffs
    return best or []


def _dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def compare(recorded: Exchange, replayed: Exchange) -> tuple[Difference, ...]:
    """What differs between a recorded exchange and the reference's answer to the same request.

    The recorded exchange must have a response; a recorded transport error is not comparable.
    """
    rec = recorded.response
    if rec is None:
        raise ValueError("a recorded transport error cannot be compared")
    rep = replayed.response
    if rep is None:
        return (
            Difference("response", f"recorded {rec.status}, reference gave no response ({replayed.error})"),
        )
    out: list[Difference] = []
    if rec.status != rep.status:
        out.append(Difference("status", f"recorded {rec.status}, reference {rep.status}"))
    rec_code, rep_code = error_code(rec), error_code(rep)
    if rec_code != rep_code:
        out.append(Difference("error_code", f"recorded {rec_code}, reference {rep_code}"))
    if rec.media_type != rep.media_type:
        out.append(
            Difference(
                "content_type",
                f"recorded {rec.media_type or '(none)'}, reference {rep.media_type or '(none)'}",
            )
        )
    rec_kind, rep_kind = body_kind(rec), body_kind(rep)
    if rec_kind != rep_kind:
        out.append(Difference("body", f"recorded {rec_kind} body, reference {rep_kind} body"))
    elif rec_kind == "json":
        request = recorded.request
        fixed = fixed_length_paths(request.method, request.path, request.body)
        for mark, exchange in zip(TRUNCATED_MARKS, (recorded, replayed), strict=True):
            if TRUNCATED in exchange.notes:
                fixed[mark] = 1
        for detail in compare_json(rec.json(), rep.json(), fixed):
            out.append(Difference("body", detail))
    return tuple(out)


# --- replay -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setup:
    """What a fresh reference server needs to replay one recording."""

    api_version: str
    topics: dict[str, int]  # name -> partition count
    seed: dict[tuple[str, int], int]  # (topic, partition) -> records already there when recording began


def partition_count(recording: Recording, topic: str, default: int) -> int:
    """The partition count the recording shows for `topic` (its metadata answer), else `default`."""
    for probe in recording.probes:
        for exchange in probe.exchanges:
            response = exchange.response
            if exchange.request.method != "GET" or response is None or response.status != 200:
                continue
            if exchange.request.path == f"/topics/{topic}":
                body = response.json_or_none()
                if isinstance(body, dict) and isinstance(body.get("partitions"), list):
                    return len(body["partitions"])
    return default


def seed_counts(recording: Recording) -> dict[tuple[str, int], int]:
    """Records each partition already held when the recording began.

    The first successful produce that touched a partition shows, as its lowest offset there,
    how many records were in it before; producing as many first lines the offsets up.
    """
    seeds: dict[tuple[str, int], int] = {}
    for probe in recording.probes:
        for exchange in probe.exchanges:
            response = exchange.response
            request = exchange.request
            if response is None or response.status != 200 or not _is_produce(request.method, request.path):
                continue
            topic = [p for p in urlsplit(request.path).path.split("/") if p][1]
            body = response.json_or_none()
            offsets = body.get("offsets") if isinstance(body, dict) else None
            first: dict[int, int] = {}
            for entry in offsets if isinstance(offsets, list) else []:
                if isinstance(entry, dict) and isinstance(entry.get("partition"), int):
                    offset = entry.get("offset")
                    if isinstance(offset, int):
                        first[entry["partition"]] = min(offset, first.get(entry["partition"], offset))
            for partition, offset in first.items():
                seeds.setdefault((topic, partition), offset)
    return {key: count for key, count in sorted(seeds.items()) if count > 0}


def setup_for(recording: Recording) -> Setup:
    multi, single = _DEFAULT_PARTITIONS
    topics = {
        recording.topic: partition_count(recording, recording.topic, multi),
        recording.single_partition_topic: partition_count(
            recording, recording.single_partition_topic, single
        ),
    }
    return Setup(recording.api_version, topics, seed_counts(recording))


@dataclass(frozen=True)
class Comparison:
    """One recorded exchange, the reference's answer to the same request, and what differs."""

    key: ExchangeKey
    recorded: Exchange
    replayed: Exchange
    differences: tuple[Difference, ...]
    realigned: bool = False  # the records were re-sent as binary to keep later offsets in line

    @property
    def compared(self) -> bool:
        return self.recorded.response is not None

    @property
    def matched(self) -> bool:
        return self.compared and not self.differences


@dataclass
class _Names:
    """Generated instance names: the recording's, and the reference's for the same create."""

    recorded_base: str
    renames: dict[str, str] = field(default_factory=dict)

    def path(self, url: str) -> str:
        if url.startswith(self.recorded_base):
            url = url[len(self.recorded_base) :] or "/"
        parts = urlsplit(url)
        segments = [self.renames.get(s, s) for s in parts.path.split("/")]
        return "/".join(segments) + (f"?{parts.query}" if parts.query else "")

    def learn(self, recorded: Exchange, replayed: Exchange) -> None:
        if recorded.response is None or replayed.response is None:
            return
        rec, rep = recorded.response.json_or_none(), replayed.response.json_or_none()
        if isinstance(rec, dict) and isinstance(rep, dict):
            old, new = rec.get("instance_id"), rep.get("instance_id")
            if isinstance(old, str) and isinstance(new, str) and old != new:
                self.renames[old] = new


# Headers the HTTP client sets from the request itself; the recorded values were for the
# recorded connection.
_TRANSPORT_HEADERS = frozenset(
    {"content-length", "host", "connection", "transfer-encoding", "accept-encoding"}
)


def replay(recording: Recording, client: TargetClient) -> list[Comparison]:
    """Send every recorded request, in order, and compare each answer with the recorded one."""
    names = _Names(str(recording.header.get("base_url") or "http://127.0.0.1:28082").rstrip("/"))
    out: list[Comparison] = []
    for probe in recording.probes:
        for index, recorded in enumerate(probe.exchanges):
            request = recorded.request
            headers = {k: v for k, v in request.headers if k.lower() not in _TRANSPORT_HEADERS}
            replayed = client.send(
                request.method,
                names.path(request.url),
                headers=headers,
                content=request.body,
                timeout=TIMEOUT_S if recorded.response is not None else SLOW_TIMEOUT_S,
            )
            names.learn(recorded, replayed)
            differences = compare(recorded, replayed) if recorded.response is not None else ()
            realigned = _realign(client, recording.api_version, recorded, replayed, names)
            key = ExchangeKey(recording.key, probe.name, index)
            out.append(Comparison(key, recorded, replayed, differences, realigned))
    return out


def _wrote(exchange: Exchange) -> bool:
    """Whether a produce exchange stored at least one record (an entry with an offset)."""
    response = exchange.response
    if response is None or response.status != 200:
        return False
    body = response.json_or_none()
    offsets = body.get("offsets") if isinstance(body, dict) else None
    return isinstance(offsets, list) and any(
        isinstance(e, dict) and e.get("offset") is not None for e in offsets
    )


def _realign(
    client: TargetClient, version: str, recorded: Exchange, replayed: Exchange, names: _Names
) -> bool:
    """Where Confluent stored records the reference refused (an allowed difference, such as a
    non-binary embedded format), store them as binary so later reads by offset still line up."""
    request = recorded.request
    if not _is_produce(request.method, request.path) or not _wrote(recorded) or _wrote(replayed):
        return False
    again = client.send(
        "POST",
        names.path(request.url),
        headers={"Content-Type": _BINARY[version], "Accept": _GENERIC[version]},
        content=request.body,
    )
    return _wrote(again)


def seed(client: TargetClient, setup: Setup) -> None:
    """Produce the records the recording's topics held before it began (`seed_counts`)."""
    media, accept = _BINARY[setup.api_version], _GENERIC[setup.api_version]
    for (topic, partition), count in setup.seed.items():
        body = json.dumps({"records": [{"value": "c2VlZA=="} for _ in range(count)]}).encode()
        exchange = client.send(
            "POST",
            f"/topics/{topic}/partitions/{partition}",
            headers={"Content-Type": media, "Accept": accept},
            content=body,
        )
        if exchange.status != 200:
            raise RuntimeError(f"seeding {topic}/{partition} failed: {exchange.describe()}")


# Timing is not compared, and Confluent holds every empty read for consumer.request.timeout.ms
# (1000 ms): a short wait keeps the replay to seconds without changing any answer.
REPLAY_CONSUMER_WAIT_MS = 20


@contextmanager
def reference_server(setup: Setup, consumer_wait_ms: int = REPLAY_CONSUMER_WAIT_MS) -> Iterator[str]:
    """A fresh reference server on loopback with the recording's topics; yields its base URL."""
    from conformance.reference import ReferenceConfig, serve_in_thread

    api_version: Literal["v1", "v2"] = "v1" if setup.api_version == "v1" else "v2"
    config = ReferenceConfig(
        api_version=api_version, topics=dict(setup.topics), consumer_request_timeout_ms=consumer_wait_ms
    )
    with serve_in_thread(config) as server:
        yield server.url


def replay_recording(recording: Recording) -> list[Comparison]:
    """Replay one recording against its own fresh reference server."""
    setup = setup_for(recording)
    with reference_server(setup) as base_url, TargetClient(base_url, timeout=TIMEOUT_S) as client:
        seed(client, setup)
        return replay(recording, client)


# --- allowances and verdict -------------------------------------------------------------------


@dataclass(frozen=True)
class Allowance:
    key: ExchangeKey
    reason: str


def load_allowances(path: Path) -> dict[ExchangeKey, Allowance]:
    """The allowance table: ``[[allow]]`` entries with recording, probe, index and reason."""
    raw = tomllib.loads(path.read_text("utf-8"))
    table: dict[ExchangeKey, Allowance] = {}
    for entry in raw.get("allow", []):
        key = ExchangeKey(str(entry["recording"]), str(entry["probe"]), int(entry["index"]))
        reason = str(entry["reason"]).strip()
        if key in table:
            raise ValueError(f"{path}: {key} is listed twice")
        if not reason or "§" not in reason:
            raise ValueError(f"{path}: {key} needs a one-line reason citing contract.md (§...)")
        table[key] = Allowance(key, reason)
    return table


@dataclass(frozen=True)
class Judged:
    """A comparison with its verdict: matched, allowed (with the reason) or a failure."""

    comparison: Comparison
    status: str  # "matched", "allowed", "not compared", "failed", "stale allowance"
    reason: str = ""


def _section(probe: Probe) -> str:
    """The first section of §1–§5 the probe cites (recordings also cite an older §7 numbering)."""
    for token in re.split(r"[,/ ]+", probe.section):
        if re.match(r"[1-5]\.", token):
            return token
    return "1.3"


def follows_newer(comparison: Comparison, newer: Recording | None) -> str | None:
    """For a 5.5.0-v2 difference: the reason when the reference answers as 7.5.0 recorded."""
    key = comparison.key
    if key.recording != OLDER_V2 or newer is None or not newer.has(key.probe):
        return None
    probe = newer.probe(key.probe)
    if key.index >= len(probe.exchanges):
        return None
    newer_exchange = probe.exchanges[key.index]
    if newer_exchange.response is None or not compare(comparison.recorded, newer_exchange):
        return None  # 7.5.0 did not answer, or answered as 5.5.0 did: nothing to follow
    if compare(newer_exchange, comparison.replayed):
        return None
    return (
        "5.5.0 differs from 7.5.0 on this point; the reference follows 7.5.0 "
        f"(contract.md §{_section(probe)})"
    )


def judge(
    comparisons: Sequence[Comparison],
    allowances: Mapping[ExchangeKey, Allowance],
    newer: Recording | None = None,
) -> list[Judged]:
    """Every comparison of one recording with its verdict. Nothing is left out."""
    out: list[Judged] = []
    for comparison in comparisons:
        allowance = allowances.get(comparison.key)
        if not comparison.compared:
            if allowance is None:
                out.append(
                    Judged(comparison, "failed", "recorded without a response and not in the allowance table")
                )
            else:
                out.append(Judged(comparison, "not compared", allowance.reason))
        elif comparison.matched:
            if allowance is None:
                out.append(Judged(comparison, "matched"))
            else:
                out.append(
                    Judged(comparison, "stale allowance", "matches now; remove it from the allowance table")
                )
        elif allowance is not None:
            out.append(Judged(comparison, "allowed", allowance.reason))
        elif (reason := follows_newer(comparison, newer)) is not None:
            out.append(Judged(comparison, "allowed", reason))
        else:
            out.append(Judged(comparison, "failed", "; ".join(map(str, comparison.differences))))
    return out


def unused_allowances(
    allowances: Mapping[ExchangeKey, Allowance], recordings: Iterable[str], judged: Iterable[Judged]
) -> list[ExchangeKey]:
    """Allowance entries for the given recordings that name no recorded exchange."""
    used = {j.comparison.key for j in judged}
    wanted = set(recordings)
    return sorted(k for k in allowances if k.recording in wanted and k not in used)


@dataclass(frozen=True)
class Figure:
    recording: str
    api_version: str
    exchanges: int
    compared: int
    matched: int
    allowed: int
    not_compared: int
    failed: int

    @property
    def percent(self) -> float:
        return 100.0 * self.matched / self.compared if self.compared else 0.0


def figure(recording: Recording, judged: Sequence[Judged]) -> Figure:
    def count(status: str) -> int:
        return sum(1 for j in judged if j.status == status)

    return Figure(
        recording=recording.key,
        api_version=recording.api_version,
        exchanges=len(judged),
        compared=sum(1 for j in judged if j.comparison.compared),
        matched=count("matched"),
        allowed=count("allowed"),
        not_compared=count("not compared"),
        failed=count("failed") + count("stale allowance"),
    )


# --- report -----------------------------------------------------------------------------------


def _answer(exchange: Exchange) -> str:
    response = exchange.response
    if response is None:
        return "no response"
    code = error_code(response)
    text = str(response.status) + (f"/{code}" if code is not None and code != response.status else "")
    return f"{text} {response.media_type or '(no Content-Type)'}"


def _request_line(exchange: Exchange) -> str:
    path = exchange.request.path
    return f"`{exchange.request.method} {path}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(results: Sequence[tuple[Recording, Sequence[Judged]]], command: str) -> str:
    """docs/fidelity.md: figures per recording, then every exchange that did not match."""
    lines = [
        "# Fidelity of the reference server to the real Confluent REST Proxy",
        "",
        f"Generated by `{command}`; `tests/replay/` fails when this file is out of date. Do not edit.",
        "",
        "Every request recorded from Confluent kafka-rest (`shared/observed/`) is replayed in",
        "recorded order against a fresh reference server with the recording's topics, and each",
        "answer is compared with the recorded one on status, `error_code`, Content-Type media type",
        "and JSON body shape (key sets, types, null against non-null, list lengths the request",
        "fixes). Offsets, generated names, message texts and timings are not compared",
        "(`conformance/replay.py`). *Fidelity* is matched / compared. Every exchange that did not",
        "match is listed below with its reason; reasons come from `tests/replay/allowances.toml`,",
        "or, for 5.5.0 v2, from the rule that the reference follows 7.5.0 where the two disagree.",
        "",
        "| recording | API | exchanges | compared | matched | fidelity | allowed | not compared | failed |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for recording, judged in results:
        f = figure(recording, judged)
        lines.append(
            f"| {f.recording} | {f.api_version} | {f.exchanges} | {f.compared} | {f.matched} | "
            f"{f.percent:.1f}% | {f.allowed} | {f.not_compared} | {f.failed} |"
        )
    for recording, judged in results:
        lines += ["", f"## {recording.key}", ""]
        realigned = [str(j.comparison.key).split(" ", 1)[1] for j in judged if j.comparison.realigned]
        if realigned:
            lines += [
                "Confluent stored records here that the reference refused; they were produced again",
                f"as binary so that later reads by offset line up: {', '.join(realigned)}.",
                "",
            ]
        rest = [j for j in judged if j.status != "matched"]
        if not rest:
            lines.append("Every exchange matched.")
            continue
        lines += [
            "| exchange | request | recorded | reference | verdict | differences | reason |",
            "|---|---|---|---|---|---|---|",
        ]
        for j in rest:
            c = j.comparison
            diffs = "; ".join(map(str, c.differences)) or "–"
            lines.append(
                f"| {c.key.probe}#{c.key.index} | {_cell(_request_line(c.recorded))} | {_cell(_answer(c.recorded))} "
                f"| {_cell(_answer(c.replayed))} | {j.status} | {_cell(diffs)} | {_cell(j.reason)} |"
            )
    return "\n".join(lines) + "\n"


def run_all(
    allowances: Mapping[ExchangeKey, Allowance],
    keys: Sequence[str] = CONFLUENT,
    replayer: Callable[[Recording], list[Comparison]] = replay_recording,
) -> list[tuple[Recording, list[Judged]]]:
    """Replay and judge each recording; 5.5.0-v2 is judged against 7.5.0-v2 as well."""
    newer = load(FOLLOWED_V2) if OLDER_V2 in keys else None
    out: list[tuple[Recording, list[Judged]]] = []
    for key in keys:
        recording = load(key)
        out.append((recording, judge(replayer(recording), allowances, newer)))
    return out


# --- the script -------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
ALLOWANCES = ROOT / "tests" / "replay" / "allowances.toml"
REPORT = ROOT / "docs" / "fidelity.md"
COMMAND = "python scripts/fidelity.py"


def main(argv: Sequence[str] | None = None) -> int:
    """``scripts/fidelity.py``: replay, judge, write docs/fidelity.md (or check it is current)."""
    parser = argparse.ArgumentParser(prog="fidelity.py", description=main.__doc__)
    parser.add_argument(
        "--check", action="store_true", help="do not write; exit 1 if the file is out of date"
    )
    parser.add_argument("--output", type=Path, default=REPORT, help=f"default: {REPORT.relative_to(ROOT)}")
    parser.add_argument("--allowances", type=Path, default=ALLOWANCES, help="the allowance table (TOML)")
    args = parser.parse_args(argv)
    results = run_all(load_allowances(args.allowances))
    text = render(results, COMMAND)
    for recording, judged in results:
        f = figure(recording, judged)
        print(
            f"{f.recording}: {f.matched}/{f.compared} matched ({f.percent:.1f}%), {f.allowed} allowed, "
            f"{f.not_compared} not compared, {f.failed} failed"
        )
        for j in judged:
            if j.status in ("failed", "stale allowance"):
                print(f"  {j.status}: {j.comparison.key} {j.comparison.recorded.describe()}: {j.reason}")
    if args.check:
        current = args.output.read_text("utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date: run {COMMAND}")
            return 1
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, "utf-8")
    print(f"wrote {args.output}")
    return 0
