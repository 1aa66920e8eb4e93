"""The v1-read judges on the Confluent 5.5.0 v1 recording (shared/observed/).

Every §8.8 row is met by 5.5.0 v1 (S5s included: 500/50002). Karapace and the v2 servers have no
v1 read path (5.1: 404 on 7.5), so there is nothing to catch there.

| check | row | recorded probes |
|---|---|---|
| READ-001 | S1 | consume_simple_default_count (+ produce_t1_batch_order for the values) |
| READ-002 | S2 | consume_simple_count_3, consume_simple_count_large |
| READ-003 | S3 | consume_simple_count_3, consume_simple_roundtrip_null_empty_absent |
| READ-004 | S4 | consume_simple_at_log_end |
| READ-005, READ-006 | S5, S5s | consume_simple_beyond_log_end, consume_simple_negative_offset |
| READ-007 | S6 | consume_simple_missing_offset (INFO) |
| READ-008 | S7 | consume_simple_unknown_topic, consume_simple_unknown_partition |
"""

from __future__ import annotations

import base64
from dataclasses import replace

import pytest

from conformance import recordings
from conformance.checks import v1_read as v1r
from conformance.checks.model import Judgement
from conformance.exchange import Exchange

pytestmark = pytest.mark.skipif(recordings.observed_dir() is None, reason="shared/observed/ not found")


def main(name: str) -> Exchange:
    return recordings.load("confluent-5.5.0-v1").probe(name).main


def text(j: Judgement) -> str:
    return "\n".join(f.message() for f in j.findings)


def batch_values() -> list[bytes]:
    body = main("produce_t1_batch_order").request.json()
    return [base64.b64decode(r["value"]) for r in body["records"]]


def test_s1_default_count() -> None:
    j = v1r.judge_read(main("consume_simple_default_count"), batch_values()[:1], exact=True)
    assert j.passed, text(j)


def test_s2_count() -> None:
    assert v1r.judge_read(main("consume_simple_count_3"), batch_values()[:3], exact=True).passed
    large = v1r.judge_read(main("consume_simple_count_large"), [], exact=False)
    assert large.passed, text(large)
    # Judged against four values, count=3 is caught returning too few.
    assert "exactly 4" in text(v1r.judge_read(main("consume_simple_count_3"), batch_values()[:4], exact=True))


def test_s2_catches_a_wrong_value() -> None:
    values = batch_values()[:3]
    values[1] = b"other"
    assert "record 1" in text(v1r.judge_read(main("consume_simple_count_3"), values, exact=True))


def test_s3_fields_with_topic_allowed() -> None:
    reads = [
        main("consume_simple_count_3"),
        *recordings.load("confluent-5.5.0-v1").probe("consume_simple_roundtrip_null_empty_absent").exchanges,
    ]
    j = v1r.judge_record_fields(reads)
    assert j.passed, text(j)


def test_s4_log_end() -> None:
    read = recordings.load("confluent-5.5.0-v1").probe("consume_simple_at_log_end").exchanges[1]
    assert v1r.judge_log_end([read]).passed
    # A read that returned the last record again instead of [] is caught.
    assert read.response is not None
    stale = replace(
        read, response=replace(read.response, body=b'[{"key":null,"value":"eA==","partition":0,"offset":31}]')
    )
    assert not v1r.judge_log_end([stale]).passed


def test_s5_s5s_out_of_range() -> None:
    reads = [main("consume_simple_beyond_log_end"), main("consume_simple_negative_offset")]
    assert v1r.judge_out_of_range(reads, exact=False).passed
    assert v1r.judge_out_of_range(reads, exact=True).passed
    # 200 [] is accepted by S5 but not by S5s.
    empty = [recordings.load("confluent-5.5.0-v1").probe("consume_simple_at_log_end").exchanges[1]]
    assert v1r.judge_out_of_range(empty, exact=False).passed
    assert not v1r.judge_out_of_range(empty, exact=True).passed
    # 200 with records is never accepted.
    assert not v1r.judge_out_of_range([main("consume_simple_count_3")], exact=False).passed


def test_s7_unknown() -> None:
    j = v1r.judge_unknown(main("consume_simple_unknown_topic"), main("consume_simple_unknown_partition"))
    assert j.passed, text(j)
    swapped = v1r.judge_unknown(
        main("consume_simple_unknown_partition"), main("consume_simple_unknown_topic")
    )
    assert len(swapped.findings) == 2
