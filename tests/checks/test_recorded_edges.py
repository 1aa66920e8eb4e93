"""The edge judges (issue 16 part B) on the recordings of real servers (shared/observed/).

Confluent 5.5.0 and 7.5.0 v2 must give no finding; the recordings hold no answer that breaks these
rows, so the deviations are forged on top of the real exchanges.

| check | row | recorded probes |
|---|---|---|
| V2C-083 | D23m, D21 | records_max_bytes_smaller_than_record: max_bytes=10 reads (Confluent `[]` three times, Karapace the records anyway), then a read without it |
| META-007 | M6b | setup_single_partition_end_offset + produce_each_single_byte_value (256 records in one request; no "after" read recorded, so the "after" answer is forged) |
| READ-009, READ-002 | S1, S2 | the recorded reads do not start at the last record or run a small count past the end: judged live only |
| V2C-080..082 | D18, D21 | the battery sent positions/beginning and /end without reading after them: judged live only |
| V1C-060, V2C-084 | C10, C16, D21, D30 | no recorded instance was left idle: judged live only (deep budget) |
"""

from __future__ import annotations

import json

import pytest

from conformance import recordings
from conformance.checks import metadata as meta
from conformance.checks import v2_consumer_edges as edges
from conformance.checks.consumer_common import Sent, records_of
from conformance.checks.model import Judgement
from conformance.exchange import Exchange, Response
from conformance.recordings import Recording

CONFLUENT = ("confluent-5.5.0-v2", "confluent-7.5.0-v2")
ALL = (*CONFLUENT, "karapace-3.16.0")

pytestmark = pytest.mark.skipif(recordings.observed_dir() is None, reason="shared/observed/ not found")


def text(j: Judgement) -> str:
    return "\n".join(f.message() for f in j.findings)


def forge(exchange: Exchange, body: object) -> Exchange:
    headers = {"content-type": "application/vnd.kafka.v2+json"}
    return Exchange(exchange.request, Response.build(200, headers, json.dumps(body).encode()))


def max_bytes_probe(rec: Recording) -> tuple[list[Exchange], list[int | None], Sent]:
    """The max_bytes=10 reads and the read after them, and the record at the seek's offset."""
    probe = rec.probe("records_max_bytes_smaller_than_record")
    x = json.loads(probe.exchanges[0].request.body or b"{}")["offsets"][0]["offset"]
    reads = [e for e, r in zip(probe.exchanges, probe.roles, strict=True) if r != "setup"]
    limits: list[int | None] = [10 if "max_bytes" in e.request.url else None for e in reads]
    first = next(r for e in reads for r in records_of(e) or [] if r.offset == x)
    assert first.topic is not None and first.partition is not None
    return reads, limits, Sent(first.topic, first.partition, x, first.key, first.value)


@pytest.mark.parametrize("key", ALL)
def test_d23m_max_bytes_stream_met_by_all(key: str) -> None:
    reads, limits, record = max_bytes_probe(recordings.load(key))
    j = edges.judge_max_bytes_stream(reads, limits, [record])
    assert j.passed, text(j)
    assert len(j.observations) == len(reads)


@pytest.mark.parametrize("key", CONFLUENT)
def test_d23m_max_bytes_stream_catches_forged_loss_and_repeat(key: str) -> None:
    reads, limits, record = max_bytes_probe(recordings.load(key))
    follow = reads[-1]
    assert follow.response is not None
    body = follow.response.json()
    # The record the max_bytes reads held back is gone from the read after them.
    lost = [*reads[:-1], forge(follow, [r for r in body if r["offset"] != record.offset])]
    assert f"@{record.offset}" in text(edges.judge_max_bytes_stream(lost, limits, [record]))
    # A max_bytes read returned it, and the read after returned it again.
    again = [forge(reads[0], body[:1]), *reads[1:]]
    assert "more than once" in text(edges.judge_max_bytes_stream(again, limits, [record]))


@pytest.mark.parametrize("key", ALL)
def test_m6b_after_a_batch_of_256(key: str) -> None:
    rec = recordings.load(key)
    before, produce = (
        rec.probe("setup_single_partition_end_offset").main,
        rec.probe("produce_each_single_byte_value").main,
    )
    j = meta.judge_end_offset(before, produce, None)
    assert j.passed, text(j)
    assert produce.response is not None
    offsets = [e["offset"] for e in produce.response.json()["offsets"]]
    first, last = min(offsets), max(offsets)
    assert before.response is not None
    start = before.response.json()["beginning_offset"]
    exact = forge(before, {"beginning_offset": start, "end_offset": last + 1})
    good = meta.judge_end_offset(before, produce, exact)
    assert good.passed and any("exactly" in o for o in good.observations)
    # An end counted per request (first + 1) or inclusive (last) is caught; one past the batch is not.
    for end in (first + 1, last):
        short = forge(before, {"beginning_offset": start, "end_offset": end})
        assert f"end_offset >= {last + 1}" in text(meta.judge_end_offset(before, produce, short))
    later = forge(before, {"beginning_offset": start, "end_offset": last + 7})
    assert meta.judge_end_offset(before, produce, later).passed
    # A beginning past the records just written is recorded, never failed (§8 fixes no outcome).
    hidden = forge(before, {"beginning_offset": last, "end_offset": last + 1})
    warned = meta.judge_end_offset(before, produce, hidden)
    assert warned.passed and any("beginning_offset" in o for o in warned.observations)
