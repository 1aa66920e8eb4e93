"""The metadata judges on the recordings of real servers (shared/observed/).

Every §8.1 row is met by Confluent (5.5.0 v1; 5.5.0 v2 and 7.5.0 v2) and by Karapace 3.16.0
(K column ✔ throughout, 40403 for an unknown topic on `GET /topics/{t}` being one of the v2
codes M5 accepts). The recorded v2 files have no end_offset read after the first produce, so
M6b is judged on its first half only (E <= O); the live tests and faults cover the rest.

| check | row | recorded probes |
|---|---|---|
| META-001 | M1 | topics_list |
| META-002 | M2 | topic_get |
| META-003 | M3 | partitions_list / topic_partitions, partition_get |
| META-004, META-005 | M4, M5 | *_unknown_topic, *_unknown_partition, topic_get_unknown |
| META-006 | M6 | partition_offsets, setup_single_partition_end_offset |
| META-007 | M6b | setup_single_partition_end_offset + produce_null_key_with_value (no "after" read recorded) |
| META-008 | M7 | brokers |
| META-009 | M8 | root_get |
"""

from __future__ import annotations

import pytest

from conformance import recordings
from conformance.checks import metadata as meta
from conformance.checks.model import Judgement
from conformance.exchange import Exchange
from conformance.recordings import Recording
from conformance.requirements import ApiVersion

pytestmark = pytest.mark.skipif(recordings.observed_dir() is None, reason="shared/observed/ not found")

ALL = ("confluent-5.5.0-v1", "confluent-5.5.0-v2", "confluent-7.5.0-v2", "karapace-3.16.0")
V2 = ALL[1:]


def main(rec: Recording, name: str) -> Exchange:
    return rec.probe(name).main


def text(j: Judgement) -> str:
    return "\n".join(f.message() for f in j.findings)


def version(rec: Recording) -> ApiVersion:
    return "v1" if rec.api_version == "v1" else "v2"


@pytest.mark.parametrize("key", ALL)
def test_m1_m2_m7_m8(key: str) -> None:
    rec = recordings.load(key)
    for j in (
        meta.judge_topics_list(main(rec, "topics_list"), [rec.topic, rec.single_partition_topic]),
        meta.judge_topic(main(rec, "topic_get"), rec.topic),
        meta.judge_brokers(main(rec, "brokers")),
        meta.judge_root(main(rec, "root_get")),
    ):
        assert j.passed, text(j)


@pytest.mark.parametrize("key", ALL)
def test_m3_partition_shape(key: str) -> None:
    rec = recordings.load(key)
    listing = main(rec, "partitions_list" if rec.api_version == "v1" else "topic_partitions")
    j = meta.judge_partitions(listing, [main(rec, "partition_get")], 3)
    assert j.passed, text(j)
    # A count that disagrees with the known partition count is caught.
    assert "4 partitions" in text(meta.judge_partitions(listing, [], 4))


def unknown_cases(rec: Recording) -> list[tuple[Exchange, meta.Kind]]:
    if rec.api_version == "v1":
        names: list[tuple[str, meta.Kind]] = [
            ("topic_get_unknown", "topic"),
            ("partitions_list_unknown_topic", "topic"),
            ("partition_get_unknown_topic", "topic"),
            ("partition_get_unknown_partition", "partition"),
        ]
    else:
        names = [
            ("topic_get_unknown", "topic"),
            ("topic_partitions_unknown_topic", "topic"),
            ("partition_get_unknown_topic", "topic"),
            ("partition_get_unknown_partition", "partition"),
            ("partition_offsets_unknown_topic", "topic"),
            ("partition_offsets_unknown_partition", "partition"),
        ]
    return [(main(rec, n), kind) for n, kind in names]


@pytest.mark.parametrize("key", ALL)
def test_m4_m5_unknown(key: str) -> None:
    rec = recordings.load(key)
    cases = unknown_cases(rec)
    assert meta.judge_unknown(cases).passed, text(meta.judge_unknown(cases))
    j = meta.judge_unknown_codes(cases, version(rec))
    assert j.passed, text(j)


def test_m5_v1_does_not_take_the_v2_code() -> None:
    """7.5's 40403 for an unknown topic is a v2 code only: judged as v1, it is a finding."""
    rec = recordings.load("confluent-7.5.0-v2")
    assert "40401" in text(meta.judge_unknown_codes(unknown_cases(rec), "v1"))


@pytest.mark.parametrize("key", V2)
def test_m6_m6b(key: str) -> None:
    rec = recordings.load(key)
    offsets = [main(rec, "partition_offsets"), main(rec, "setup_single_partition_end_offset")]
    assert meta.judge_partition_offsets(offsets).passed
    j = meta.judge_end_offset(
        main(rec, "setup_single_partition_end_offset"), main(rec, "produce_null_key_with_value"), None
    )
    assert j.passed, text(j)


def test_m6b_catches_an_inclusive_end_offset() -> None:
    """Reading the recorded 'before' answer as the 'after' one: E2 = E <= O fails the E2 >= O+1 half."""
    rec = recordings.load("confluent-7.5.0-v2")
    before = main(rec, "setup_single_partition_end_offset")
    j = meta.judge_end_offset(before, main(rec, "produce_null_key_null_value"), before)
    assert "end_offset >= 1" in text(j)
