"""The produce judges on the recordings of real servers (shared/observed/).

Confluent (5.5.0 v1 for v1; 5.5.0 v2 and 7.5.0 v2 for v2) must give no finding at MUST level,
and none at all where §8 says Confluent meets a SHOULD row. Karapace 3.16.0 is caught where
§8's K column marks it ✗ (P2: no error_code/error; P4: offset -1 for empty and null values;
P10: "" reads back null; V3s: 400; V8: 200 for partition -1) and passes where it is ✔ (P8:
null reads back null, although Karapace stores empty bytes).

Findings that §8 documents for Confluent at SHOULD level (V8s: 5.5 answers 500; V11s: 5.5
waits 60 s; B4, V5: 5.5 answers 500 or 200) are asserted to exist, so the tests show the row is
really SHOULD and not silently passing.

Checks with no recorded exchange to judge:

| check | row | why |
|---|---|---|
| PROD-001..011 (live parts) | P1–P11 | judged on the recorded produces and reads; nothing missing |
| PROD-032 (mixed batch) | P3–P6 | no recorded batch mixes keys with explicit partitions: its per-partition judges run on the mixed-partition probes above, its key judge on the same-key probes |
| PROD-033 | P4, E1, E4 | no recording holds a record of 1 MiB or more |
| PROD-030 (timing only) | V11s | the v1 file records 60 s for 5.5 (the finding asserted below) |
| PROD-027, PROD-028 (v2) | V9, V10 | the v2 runs hit the 10 s client limit: no answer to judge, recorded only |
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from conformance import recordings
from conformance.checks import produce as prod
from conformance.checks.model import Judgement
from conformance.checks.registry import by_id
from conformance.exchange import Exchange
from conformance.recordings import Recording
from conformance.requirements import Level

pytestmark = pytest.mark.skipif(recordings.observed_dir() is None, reason="shared/observed/ not found")

V2_CONFLUENT = ("confluent-5.5.0-v2", "confluent-7.5.0-v2")
KARAPACE = "karapace-3.16.0"


def mains(rec: Recording, *names: str) -> list[Exchange]:
    out: list[Exchange] = []
    for name in names:
        probe = rec.probe(name)
        out += [e for e, role in zip(probe.exchanges, probe.roles, strict=True) if role == "main"]
    return out


def text(j: Judgement) -> str:
    return "\n".join(f.message() for f in j.findings)


# The recorded sequences: every produce to the single-partition topic, in the order it ran,
# and the read that covers them (v1: count=1000 from 0; v2: records_roundtrip).
V1_SINGLE = (
    "produce_t1_null_key_value",
    "produce_t1_empty_key_value",
    "produce_t1_absent_key_value",
    "produce_t1_all_bytes",
    "produce_t1_batch_order",
)
V2_SINGLE = (
    "produce_null_key_null_value",
    "produce_null_value_only",
    "produce_null_key_with_value",
    "produce_absent_key_absent_value",
    "produce_empty_key_empty_value",
    "produce_all_256_byte_values",
    "produce_each_single_byte_value",
)


def v1_round_trip() -> tuple[list[Exchange], list[Exchange]]:
    rec = recordings.load("confluent-5.5.0-v1")
    return mains(rec, *V1_SINGLE), mains(
        rec, "consume_simple_count_large", "consume_simple_roundtrip_all_bytes"
    )


def v2_round_trip(key: str) -> tuple[list[Exchange], list[Exchange]]:
    rec = recordings.load(key)
    return mains(rec, *V2_SINGLE), mains(rec, "records_roundtrip")


V1_OK = (
    "produce_topic_basic",
    "produce_t1_batch_order",
    "produce_topic_explicit_partition",
    "produce_topic_mixed_partitions_order",
    "produce_topic_same_key",
    "produce_partition_basic",
    *V1_SINGLE,
)
V2_OK = (
    "produce_value_only",
    "produce_explicit_partition",
    "produce_same_key_same_partition",
    "produce_batch_order_contiguous",
    "produce_batch_mixed_partitions",
    "produce_to_partition",
    "produce_to_partition_batch_contiguous",
    *V2_SINGLE,
)


# -- P1, P2, P3, P5, P6, P7 --------------------------------------------------------------------------


def test_p1_p2_p3_p5_on_confluent_v1() -> None:
    rec = recordings.load("confluent-5.5.0-v1")
    produces = mains(rec, *V1_OK)
    assert prod.judge_produce_ok(produces).passed, text(prod.judge_produce_ok(produces))
    assert prod.judge_entry_keys(produces).passed, text(prod.judge_entry_keys(produces))
    batches = mains(
        rec, "produce_t1_batch_order", "produce_topic_mixed_partitions_order", "produce_partition_basic"
    )
    assert prod.judge_contiguous(batches).passed, text(prod.judge_contiguous(batches))
    explicit = mains(rec, "produce_topic_explicit_partition", "produce_topic_mixed_partitions_order")
    assert prod.judge_explicit_partition(explicit).passed


@pytest.mark.parametrize("key", V2_CONFLUENT)
def test_p1_p2_p3_p5_on_confluent_v2(key: str) -> None:
    rec = recordings.load(key)
    produces = mains(rec, *V2_OK)
    assert prod.judge_produce_ok(produces).passed, text(prod.judge_produce_ok(produces))
    assert prod.judge_entry_keys(produces).passed, text(prod.judge_entry_keys(produces))
    batches = mains(
        rec,
        "produce_batch_order_contiguous",
        "produce_batch_mixed_partitions",
        "produce_to_partition_batch_contiguous",
    )
    assert prod.judge_contiguous(batches).passed, text(prod.judge_contiguous(batches))
    explicit = mains(rec, "produce_explicit_partition", "produce_batch_mixed_partitions")
    assert prod.judge_explicit_partition(explicit).passed


def test_karapace_meets_p1_p3_p5_but_not_p2() -> None:
    rec = recordings.load(KARAPACE)
    produces = mains(rec, *V2_OK)
    assert prod.judge_produce_ok(produces).passed, text(prod.judge_produce_ok(produces))
    batches = mains(
        rec,
        "produce_batch_order_contiguous",
        "produce_batch_mixed_partitions",
        "produce_to_partition_batch_contiguous",
    )
    assert prod.judge_contiguous(batches).passed
    assert prod.judge_explicit_partition(mains(rec, "produce_explicit_partition")).passed
    p2 = prod.judge_entry_keys(produces)
    assert "error_code" in text(p2) and "missing" in text(p2)


@pytest.mark.parametrize(
    ("key", "probe"),
    [
        ("confluent-5.5.0-v1", "produce_topic_same_key"),
        ("confluent-5.5.0-v2", "produce_same_key_same_partition"),
        ("confluent-7.5.0-v2", "produce_same_key_same_partition"),
        (KARAPACE, "produce_same_key_same_partition"),
    ],
)
def test_p6_same_key_everywhere(key: str, probe: str) -> None:
    j = prod.judge_same_key(mains(recordings.load(key), probe)[0])
    assert j.passed and any("partition" in o for o in j.observations)


@pytest.mark.parametrize(
    ("key", "probe"),
    [
        ("confluent-5.5.0-v1", "produce_topic_same_key"),
        ("confluent-5.5.0-v2", "produce_same_key_same_partition"),
        ("confluent-7.5.0-v2", "produce_same_key_same_partition"),
        (KARAPACE, "produce_same_key_same_partition"),
    ],
)
def test_p6_inside_a_batch_keys_together(key: str, probe: str) -> None:
    """PROD-032's key judgement on the recorded same-key batches (no recorded batch mixes keys
    with explicit partitions); moving one entry to another partition is caught."""
    produce = mains(recordings.load(key), probe)[0]
    assert prod.judge_keys_together(produce).passed
    assert produce.response is not None
    body = produce.response.json_or_none()
    entries = [dict(e) for e in body["offsets"]]
    entries[-1]["partition"] = entries[0]["partition"] + 1
    moved = replace(
        produce, response=replace(produce.response, body=json.dumps({**body, "offsets": entries}).encode())
    )
    assert "in one partition" in text(prod.judge_keys_together(moved))


@pytest.mark.parametrize(
    ("key", "probes"),
    [
        ("confluent-5.5.0-v1", ("produce_partition_basic",)),
        ("confluent-5.5.0-v2", ("produce_to_partition", "produce_to_partition_batch_contiguous")),
        ("confluent-7.5.0-v2", ("produce_to_partition", "produce_to_partition_batch_contiguous")),
        (KARAPACE, ("produce_to_partition", "produce_to_partition_batch_contiguous")),
    ],
)
def test_p7_partition_produce(key: str, probes: tuple[str, ...]) -> None:
    j = prod.judge_partition_produce(mains(recordings.load(key), *probes))
    assert j.passed, text(j)


# -- P4, P8–P11: round trips ---------------------------------------------------------------------------


def _round_trips(produces: list[Exchange], reads: list[Exchange]) -> dict[str, Judgement]:
    return {
        "P4": prod.judge_offsets_true(produces, reads),
        "P8": prod.judge_round_trip(produces, reads, prod.explicit_null, ""),
        "P9": prod.judge_round_trip(produces, reads, prod.absent_key_and_value, ""),
        "P10": prod.judge_round_trip(produces, reads, prod.empty_strings, ""),
        # P11 is about the byte-valued records only (the all-bytes record and the one-byte records).
        "P11": prod.judge_round_trip(
            [
                p
                for p in produces
                if b"AAECAwQF" in (p.request.body or b"") or b'"AQ=="' in (p.request.body or b"")
            ],
            reads,
            prod.every_record,
            "",
        ),
    }


def test_round_trips_on_confluent_v1() -> None:
    for row, j in _round_trips(*v1_round_trip()).items():
        assert j.passed, f"{row}: {text(j)}"


@pytest.mark.parametrize("key", V2_CONFLUENT)
def test_round_trips_on_confluent_v2(key: str) -> None:
    results = _round_trips(*v2_round_trip(key))
    for row, j in results.items():
        assert j.passed, f"{row}: {text(j)}"
    # The 256 one-byte records were read back only up to the recorder's cut: said, not hidden.
    assert any("cut" in o for o in results["P11"].observations)


def test_karapace_round_trips() -> None:
    """§5.2: offset -1 for empty and null values (P4 ✗); "" reads back null (P10 ✗); a null value
    reads back null although stored as empty bytes (P8 ✔); bytes 0-255 survive (P11 ✔)."""
    results = _round_trips(*v2_round_trip(KARAPACE))
    p4 = text(results["P4"])
    assert "offset -1" in p4 and "written at offset 1641" in p4
    assert len(results["P4"].findings) == 4  # null/null, null value, {}, ""
    assert results["P8"].passed, text(results["P8"])
    assert results["P9"].passed, text(results["P9"])
    assert 'key null instead of ""' in text(results["P10"]) and 'value null instead of ""' in text(
        results["P10"]
    )
    assert results["P11"].passed, text(results["P11"])


def test_p11_non_canonical_response_is_caught() -> None:
    """A response value with a line break or URL-safe alphabet fails P11 (§4.1)."""
    produces, reads = v1_round_trip()
    read = next(r for r in reads if "offset=3" in r.request.url)
    assert read.response is not None
    bad = read.response.body.replace(b"+", b"-", 1)
    mangled = replace(read, response=replace(read.response, body=bad))
    j = prod.judge_round_trip(produces, [mangled], prod.every_record, "")
    assert "not standard padded base64" in text(j)


# -- B rows -------------------------------------------------------------------------------------------


def test_b1_b2_on_confluent_v1() -> None:
    rec = recordings.load("confluent-5.5.0-v1")
    assert prod.judge_rejections(mains(rec, "produce_b64_extra_padding"), "B1", "v1").passed
    assert prod.judge_rejections(mains(rec, "produce_b64_non_ascii"), "B2", "v1").passed


@pytest.mark.parametrize("key", (*V2_CONFLUENT, KARAPACE))
def test_b1_recorded_b2_met_on_v2(key: str) -> None:
    rec = recordings.load(key)
    b1 = prod.judge_rejections(mains(rec, "produce_b64_value_extra_padding"), "B1", "v2")
    assert b1.passed and b1.observations  # INFO in v2: 422 on 5.5, 200 on 7.5 and Karapace
    assert prod.judge_rejections(mains(rec, "produce_b64_value_non_ascii"), "B2", "v2").passed


def test_b3_warns_about_silent_truncation_on_confluent_v1() -> None:
    rec = recordings.load("confluent-5.5.0-v1")
    produces = mains(rec, "produce_b64_missing_padding", "produce_b64_lenient_myKey_as_key")
    j = prod.judge_b3(produces, mains(rec, "consume_roundtrip_b64_and_ct_variants"))
    assert j.passed and any("silently truncated" in o for o in j.observations)


def test_b4() -> None:
    v1 = prod.judge_rejections(
        mains(recordings.load("confluent-5.5.0-v1"), "produce_topic_value_not_string"), "B4", "v1"
    )
    assert v1.passed and v1.observations
    names = ("produce_non_string_key", "produce_non_string_value")
    assert prod.judge_rejections(mains(recordings.load("confluent-7.5.0-v2"), *names), "B4", "v2").passed
    assert prod.judge_rejections(mains(recordings.load(KARAPACE), *names), "B4", "v2").passed
    # §8 B4: 5.5 accepts a number and gives 500 for an object; the row is SHOULD for that reason.
    assert not prod.judge_rejections(mains(recordings.load("confluent-5.5.0-v2"), *names), "B4", "v2").passed
    assert by_id("PROD-015").requirement.level("v2") == Level.SHOULD


# -- V rows -------------------------------------------------------------------------------------------

V1_REJECTIONS = {
    "V1": ("produce_topic_empty_records", "produce_partition_empty_records"),
    "V2": ("produce_topic_missing_records",),
    "V3": ("produce_topic_null_body", "produce_topic_empty_body"),
    "V4": ("produce_topic_unknown_top_field", "produce_topic_unknown_record_field"),
    "V7": ("produce_partition_record_partition_field",),
}
V2_REJECTIONS = {
    "V1": ("produce_empty_records",),
    "V2": ("produce_missing_records",),
    "V3": ("produce_json_null_body", "produce_empty_body"),
    "V3s": ("produce_json_null_body", "produce_empty_body"),
    "V4": ("produce_unknown_top_level_field", "produce_unknown_record_field", "produce_record_headers_field"),
    "V4s": (
        "produce_unknown_top_level_field",
        "produce_unknown_record_field",
        "produce_record_headers_field",
    ),
}


@pytest.mark.parametrize("row", V1_REJECTIONS)
def test_v_rows_on_confluent_v1(row: str) -> None:
    j = prod.judge_rejections(mains(recordings.load("confluent-5.5.0-v1"), *V1_REJECTIONS[row]), row, "v1")
    assert j.passed, text(j)


@pytest.mark.parametrize("key", V2_CONFLUENT)
@pytest.mark.parametrize("row", V2_REJECTIONS)
def test_v_rows_on_confluent_v2(key: str, row: str) -> None:
    j = prod.judge_rejections(mains(recordings.load(key), *V2_REJECTIONS[row]), row, "v2")
    assert j.passed, text(j)


def test_karapace_v_rows() -> None:
    rec = recordings.load(KARAPACE)
    for row in ("V1", "V2", "V3", "V4", "V4s"):
        j = prod.judge_rejections(mains(rec, *V2_REJECTIONS[row]), row, "v2")
        assert j.passed, f"{row}: {text(j)}"
    v3s = prod.judge_rejections(mains(rec, *V2_REJECTIONS["V3s"]), "V3s", "v2")
    assert [f.got.split()[0] for f in v3s.findings] == ["400/400", "400"]  # JSON for null, text for empty
    v8 = prod.judge_not_2xx(mains(rec, "produce_explicit_partition_negative"))
    assert "got 200" in text(v8)


def test_v5() -> None:
    names = ("produce_records_not_array", "produce_record_not_object")
    assert prod.judge_rejections(mains(recordings.load("confluent-7.5.0-v2"), *names), "V5", "v2").passed
    assert prod.judge_rejections(mains(recordings.load(KARAPACE), *names), "V5", "v2").passed
    # 5.5 answers 500: the reason V5 is SHOULD.
    assert "500" in text(
        prod.judge_rejections(mains(recordings.load("confluent-5.5.0-v2"), *names), "V5", "v2")
    )
    v1 = prod.judge_rejections(
        mains(recordings.load("confluent-5.5.0-v1"), "produce_topic_records_not_array"), "V5", "v1"
    )
    assert v1.passed and v1.observations


def test_v6_v7_recorded_only() -> None:
    v6 = prod.judge_rejections(
        mains(recordings.load("confluent-5.5.0-v1"), "produce_topic_malformed_json"), "V6", "v1"
    )
    assert v6.passed and len(v6.observations) == 8
    for key in (*V2_CONFLUENT, KARAPACE):
        rec = recordings.load(key)
        assert prod.judge_rejections(mains(rec, "produce_malformed_json"), "V6", "v2").passed
        assert prod.judge_rejections(
            mains(rec, "produce_to_partition_record_partition_override"), "V7", "v2"
        ).passed


def test_v8_on_confluent() -> None:
    v1 = mains(
        recordings.load("confluent-5.5.0-v1"),
        "produce_topic_negative_partition",
        "produce_partition_negative",
    )
    assert prod.judge_not_2xx(v1).passed
    # V8s: 2.0's 422/422; 5.5 gives 500 (§8 lists it, hence SHOULD).
    assert "500/500" in text(prod.judge_rejections(v1, "V8s", "v1"))
    for key in V2_CONFLUENT:
        assert prod.judge_not_2xx(mains(recordings.load(key), "produce_explicit_partition_negative")).passed


def test_v9_to_v12_on_confluent_v1() -> None:
    rec = recordings.load("confluent-5.5.0-v1")
    unknown_partition = mains(rec, "produce_partition_unknown_partition")
    assert prod.judge_unknown_target(unknown_partition, 404, 40402).passed  # V11: 200, every entry failed
    failures = mains(
        rec,
        "produce_topic_partition_too_large",
        "produce_partition_unknown_partition",
        "produce_topic_unknown_topic",
    )
    assert prod.judge_per_record_failure(failures).passed  # V12
    # V11s: 2.0 answers 40402 up front; 5.5 waits for the 60 s metadata timeout.
    exchange = unknown_partition[0]
    assert exchange.response is not None and exchange.response.elapsed_ms > prod.UP_FRONT_MS


def test_v11_v12_on_karapace() -> None:
    rec = recordings.load(KARAPACE)
    assert prod.judge_unknown_target(mains(rec, "produce_to_partition_unknown_partition"), 404, 40402).passed
    # V12 is INFO in v2: Karapace's 422 with per-record error_code 1/2 is recorded as a deviation.
    v12 = prod.judge_per_record_failure(mains(rec, "produce_explicit_partition_out_of_range"))
    assert "HTTP 200" in text(v12)
