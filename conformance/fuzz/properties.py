"""The round-trip property (hypothesis): produce, then read back, returns the same bytes.

For random byte strings (every byte value, empty, large), random batch sizes and random keys
(null included), a produce to an explicit partition answers contiguous offsets in request order,
and reading back at those offsets returns the same keys and values byte for byte (P3, P4, P11;
v1 read by offset, v2 assign + seek + records). Values are never null: §5.4 forbids writing
tombstones to a topic of a target not known to store them.
"""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import given, seed
from hypothesis import strategies as st

from conformance.checks.api import KafkaRest, b64, instance_path
from conformance.checks.consumer_common import create_consumer
from conformance.checks.model import CheckContext, Judgement
from conformance.checks.readback import undecodable_b64
from conformance.client import RecordingClient
from conformance.exchange import Exchange
from conformance.fuzz.drive import budget, derived_seed, hypothesis_settings, keep, replay_line

ALL_BYTES = bytes(range(256))
LARGE = {"quick": 64 * 1024, "standard": 256 * 1024, "deep": 900 * 1024}  # under the 1 MB limit (§4.6)


def payloads(large: int) -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.binary(max_size=64),
        st.just(b""),
        st.just(ALL_BYTES),
        st.binary(min_size=min(1024, large), max_size=large),
    )


class RoundTripFailure(AssertionError):
    def __init__(self, expected: str, got: str, exchange: Exchange | None) -> None:
        super().__init__(f"expected {expected}; got {got}")
        self.expected, self.got, self.exchange = expected, got, exchange


def _check(condition: bool, expected: str, got: str, exchange: Exchange | None) -> None:
    if not condition:
        raise RoundTripFailure(expected, got, exchange)


def _records_list(read: Exchange, row: str) -> list[Any]:
    """The records of a read answer; anything but 200 with a JSON list fails the round trip."""
    answer = read.response.json_or_none() if read.response else None
    _check(
        read.status == 200 and isinstance(answer, list),
        f"200 with a records list ({row})",
        read.describe(),
        read,
    )
    return answer if isinstance(answer, list) else []


def run_roundtrip(ctx: CheckContext) -> Judgement:
    b = budget(ctx)
    version = ctx.version
    topic = ctx.topic
    count = ctx.partitions.get(topic, 1)
    group = ctx.group("roundtrip")
    reader: dict[str, Any] = {}
    last: list[RecordingClient] = []
    examples = [0]
    judgement = Judgement()
    hyp_seed = derived_seed(ctx)
    large = LARGE.get(ctx.budget, LARGE["quick"])
    # a total byte budget per example keeps a quick run fast whatever the draw
    batches = st.lists(
        st.tuples(st.one_of(st.none(), payloads(256)), payloads(large)), min_size=1, max_size=12
    )

    def consumer(api: KafkaRest) -> str:
        if "path" not in reader:
            body = {
                "name": "roundtrip",
                "format": "binary",
                "auto.offset.reset": "earliest",
                "auto.commit.enable": "false",
            }
            ex = create_consumer(api, group, body)
            _check(ex.status == 200, "a v2 consumer instance (D1)", ex.describe(), ex)
            path = instance_path(group, "roundtrip")
            ctx.cleanup(path)
            ex = api.assign(path, [(topic, p) for p in range(count)])
            _check(ex.status == 204, "assign 204 (D15)", ex.describe(), ex)
            reader["path"] = path
        return str(reader["path"])

    @given(batch=batches, partition=st.integers(min_value=0, max_value=count - 1))
    def roundtrip(batch: list[tuple[bytes | None, bytes]], partition: int) -> None:
        examples[0] += 1
        rec = RecordingClient(ctx.client.target)
        last.append(rec)
        api = KafkaRest(rec, version)
        body = [
            {"key": None if k is None else b64(k), "value": b64(v), "partition": partition} for k, v in batch
        ]
        ex = api.produce(topic, body)
        data = ex.response.json_or_none() if ex.response else None
        _check(ex.status == 200 and isinstance(data, dict), "200 with offsets (P1)", ex.describe(), ex)
        assert isinstance(data, dict)
        offsets = [o.get("offset") for o in data.get("offsets", [])]
        # A reported offset that cannot be true (Karapace 3.16: -1 for an empty value) is the P4
        # defect itself: report it, and never seek there (the seek's refusal is not D18's).
        _check(
            len(offsets) == len(batch) and all(true_offset(o) for o in offsets),
            f"{len(batch)} true offsets, integers >= 0 (P4)",
            str(offsets),
            ex,
        )
        first = offsets[0]
        # Strictly increasing, not contiguous: the round trip runs beside other checks that write
        # to the same partition, and Confluent interleaves concurrent producers within one
        # request (lab, 5.5.0 v1); contiguity is PROD-003's, which runs alone.
        _check(
            all(a < b for a, b in itertools.pairwise(offsets)),
            f"{len(batch)} strictly increasing offsets (P3)",
            str(offsets),
            ex,
        )
        got: list[Any] = []
        if version == "v1":
            read = api.messages(topic, partition, first, count=offsets[-1] - first + 1)
            got = _records_list(read, "S3")
        else:
            path = consumer(api)
            read = api.seek(path, [(topic, partition, first)])
            _check(read.status == 204, "seek 204 (D18)", read.describe(), read)
            for _ in range(20):
                read = api.records(path, timeout=200)
                got += [
                    r
                    for r in _records_list(read, "D20")
                    if isinstance(r, dict)
                    and r.get("partition") == partition
                    and r.get("offset", -1) >= first
                ]
                if len(got) >= len(batch):
                    break
        got = [r for r in got if isinstance(r, dict) and r.get("offset") in offsets][: len(batch)]
        _check(
            [r.get("offset") for r in got] == offsets,
            f"records at offsets {offsets} read back in order (P4)",
            str([r.get("offset") for r in got]),
            read,
        )
        for r, (key, value) in zip(got, batch, strict=True):
            k, key_problem = undecodable_b64(r.get("key"))
            v, value_problem = undecodable_b64(r.get("value"))
            problem = key_problem or value_problem
            _check(problem is None, "base64 keys and values (§4.1)", str(problem), read)
            _check(
                k == key and v == value,
                f"offset {r['offset']}: key {_short(key)}, value {_short(value)} (P11)",
                f"key {_short(k)}, value {_short(v)}",
                read,
            )

    test = seed(hyp_seed)(hypothesis_settings(b.property_examples)(roundtrip))
    try:
        test()
    except RoundTripFailure as failure:
        steps = last[-1].exchanges if last else []
        for exchange in steps:
            keep(ctx, exchange)
        replay = replay_line(ctx, failure.exchange) if failure.exchange else ""
        judgement.fail(
            failure.expected,
            failure.got,
            f"shrunk failing case after {examples[0]} examples (hypothesis seed {hyp_seed}); replay: {replay}",
            failure.exchange,
        )
    judgement.observe(f"{examples[0]} generated produce/read round trips, hypothesis seed {hyp_seed}")
    return judgement


def true_offset(value: Any) -> bool:
    """Could this reported offset be where the record is? (A Kafka offset is an integer >= 0.)"""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _short(data: bytes | None) -> str:
    if data is None:
        return "null"
    head = data[:12].hex()
    return f"{len(data)} bytes {head}{'…' if len(data) > 12 else ''}"
