"""The negotiation judges on the recordings of real servers (shared/observed/).

Confluent (5.5.0 v1 for v1 rows; 5.5.0 v2 and 7.5.0 v2 for v2 rows) must give no finding: every
row here is one that §8 says Confluent meets, MUST or SHOULD. Karapace 3.16.0 must be caught
where §8's K column marks it ✗ (A6: json.v2 everywhere; A11: 406/40601 for Accept none, */*,
vnd.kafka.v2+json) and pass where it is ✔.

Checks with no recorded exchange to judge:

| check | row | why |
|---|---|---|
| NEG-002 (format part) | N2 | no recorded read of a consumer created under json.v1; the creation part is judged |
| NEG-005, NEG-009, NEG-014, NEG-018, NEG-026 | N5, N8, A5, A9 | INFO: judged only for "records, never fails" |
| NEG-024 (refusal part), NEG-025 (weighted lists) | P4, A2 | no recording sent a Content-Type parameter, or a weighted Accept to /, /brokers or the partition resources; the judges run on what was recorded there |
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest

from conformance import recordings
from conformance.checks import negotiation as neg
from conformance.exchange import Exchange, Request, Response
from conformance.recordings import Recording

V2_CONFLUENT = ("confluent-5.5.0-v2", "confluent-7.5.0-v2")
V2_ALL = (*V2_CONFLUENT, "karapace-3.16.0")

pytestmark = pytest.mark.skipif(recordings.observed_dir() is None, reason="shared/observed/ not found")


def mains(rec: Recording, *names: str) -> list[Exchange]:
    """Every exchange with role "main" of the named probes."""
    out: list[Exchange] = []
    for name in names:
        probe = rec.probe(name)
        out += [e for e, role in zip(probe.exchanges, probe.roles, strict=True) if role == "main"]
    return out


def all_exchanges(rec: Recording) -> Iterator[Exchange]:
    for probe in rec.probes:
        yield from probe.exchanges


def messages(j: neg.Judgement) -> list[str]:
    return [f.message() for f in j.findings]


# -- N rows ------------------------------------------------------------------------------------------


def test_n1_v1_produce_types_stored_raw_on_confluent() -> None:
    rec = recordings.load("confluent-5.5.0-v1")
    produces = mains(
        rec,
        "produce_ct_binary_v1",
        "produce_ct_v1",
        "produce_ct_kafka_json",
        "produce_ct_json",
        "produce_ct_octet_stream",
        "produce_ct_none",
    )
    reads = mains(rec, "consume_roundtrip_b64_and_ct_variants")
    j = neg.judge_produce_stored(produces, reads, "N1")
    assert j.passed, messages(j)
    # the no-Content-Type probe really sent none
    assert produces[-1].request.header("content-type") is None


def test_n1_judge_catches_a_record_stored_differently() -> None:
    rec = recordings.load("confluent-5.5.0-v1")
    produces = mains(rec, "produce_ct_json")
    # forge the read-back as if the JSON text had been stored instead of the bytes
    read = mains(rec, "consume_roundtrip_b64_and_ct_variants")[0]
    assert produces[0].response is not None and read.response is not None
    offset = produces[0].response.json()["offsets"][0]["offset"]
    body = [
        r if r["offset"] != offset else {**r, "value": "IlkzUXRhbk52YmcgPT0i"} for r in read.response.json()
    ]
    forged = Exchange(read.request, Response.build(200, read.response.headers, json.dumps(body).encode()))
    assert not neg.judge_produce_stored(produces, [forged], "N1").passed


def test_n2_v1_consumer_types_on_confluent() -> None:
    rec = recordings.load("confluent-5.5.0-v1")
    creates = [
        e
        for e in mains(rec, "consumer_create_ct_variants", "consumer_create_accept_none")
        if e.request.header("content-type") != neg.TEXT_PLAIN
    ]
    assert len(creates) == 7
    j = neg.judge_consumer_types(creates)
    assert j.passed, messages(j)


@pytest.mark.parametrize("key", V2_ALL)
def test_n3_v2_binary_produce(key: str) -> None:
    j = neg.judge_produce_ok(mains(recordings.load(key), "produce_value_only"), "N3")
    assert j.passed, messages(j)


def _roundtrip_reads(rec: Recording) -> list[Exchange]:
    """records_roundtrip's body is truncated in the file; its `derived.comparison` keeps what
    was read at each offset, so the read-back is rebuilt from it."""
    probe = rec.probe("records_roundtrip")
    body = [
        {
            "topic": rec.single_partition_topic,
            "partition": 0,
            "offset": c["actual_offset"],
            "key": c["received_key"],
            "value": c["received_value"],
        }
        for c in probe.derived["comparison"]
        if c.get("actual_offset") is not None
    ]
    main = probe.main
    response = Response.build(200, main.response.headers, json.dumps(body).encode())  # type: ignore[union-attr]
    return [Exchange(main.request, response)]


@pytest.mark.parametrize("key", V2_ALL)
def test_n4_v2_produce_without_content_type_is_binary(key: str) -> None:
    rec = recordings.load(key)
    produce = mains(rec, "produce_content_type_absent")
    assert produce[0].request.header("content-type") is None
    j = neg.judge_produce_stored(produce, _roundtrip_reads(rec), "N4")
    assert j.passed, messages(j)


def test_n4_judge_catches_json_embedded_storage() -> None:
    """The json.v2 produce of the same value stored its JSON text: the N4 judge sees that."""
    rec = recordings.load("confluent-7.5.0-v2")
    produce = mains(rec, "produce_content_type_json_embedded_v2")
    assert not neg.judge_produce_stored(produce, _roundtrip_reads(rec), "N4").passed


@pytest.mark.parametrize("key", V2_ALL)
def test_n5_is_recorded_never_failed(key: str) -> None:
    rec = recordings.load(key)
    sent = mains(
        rec,
        "produce_content_type_application_json",
        "produce_content_type_octet_stream",
        "produce_content_type_v2_generic",
        "produce_content_type_v1_binary",
        "consumer_create_content_type_json",
    )
    j = neg.observe_outcomes(sent, "N5")
    assert j.passed and len(j.observations) == 5


def test_n6_v1_text_plain_on_confluent() -> None:
    rec = recordings.load("confluent-5.5.0-v1")
    sent = mains(rec, "produce_ct_text_plain", "consumer_create_ct_variants")
    assert sum(e.request.header("content-type") == neg.TEXT_PLAIN for e in sent) == 2
    j = neg.judge_unsupported_content_type(sent, "v1", exact=False)
    assert j.passed, messages(j)


@pytest.mark.parametrize("key", V2_ALL)
@pytest.mark.parametrize("exact", [False, True], ids=["N6", "N6s"])
def test_n6_v2_text_plain(key: str, exact: bool) -> None:
    rec = recordings.load(key)
    sent = mains(rec, "produce_content_type_text_plain", "consumer_create_content_type_text_plain")
    j = neg.judge_unsupported_content_type(sent, "v2", exact=exact)
    assert j.passed, messages(j)


def test_n6_judge_catches_an_accepted_text_plain() -> None:
    rec = recordings.load("confluent-7.5.0-v2")
    accepted = mains(rec, "produce_value_only")[0]
    headers = tuple((k, neg.TEXT_PLAIN if k == "content-type" else v) for k, v in accepted.request.headers)
    forged = Exchange(
        Request(accepted.request.method, accepted.request.url, headers, accepted.request.body),
        accepted.response,
    )
    assert not neg.judge_unsupported_content_type([forged], "v2", exact=False).passed
    assert not neg.judge_unsupported_content_type([forged], "v1", exact=False).passed


@pytest.mark.parametrize("key", V2_ALL)
def test_n7_v2_consumer_types(key: str) -> None:
    rec = recordings.load(key)
    creates = mains(rec, "consumer_create_empty_object", "consumer_create_content_type_absent")
    assert creates[0].request.header("content-type") == neg.V2
    assert creates[1].request.header("content-type") is None
    j = neg.judge_consumer_types(creates)
    assert j.passed, messages(j)


# -- A rows ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [*recordings.CONFLUENT, "karapace-3.16.0"])
def test_a1_every_recorded_exchange(key: str) -> None:
    """A1/E4 over every exchange of the battery: §8 marks all four servers ✔."""
    exchanges = list(all_exchanges(recordings.load(key)))
    j = neg.judge_labels(exchanges)
    assert j.passed, messages(j)[:5]


def test_a1_judge_catches_mislabelled_and_lying_bodies() -> None:
    rec = recordings.load("confluent-7.5.0-v2")
    ok = mains(rec, "topics_list")[0]
    assert ok.response is not None
    text_label = Response.build(200, {"content-type": "text/plain"}, ok.response.body)
    lying = Response.build(401, {"content-type": "application/json"}, b"Unauthorized")
    assert not neg.judge_labels([Exchange(ok.request, text_label)]).passed
    assert not neg.judge_labels([Exchange(ok.request, lying)]).passed


def test_a2_v1_metadata_and_produce_accept_on_confluent() -> None:
    rec = recordings.load("confluent-5.5.0-v1")
    sent = mains(rec, "meta_accept_variants", "produce_accept_variants")
    meta, judged_meta = neg.judge_accept_table(
        [e for e in sent if e.request.method == "GET"], neg.V1_META_ACCEPT, "A2"
    )
    produce, judged_produce = neg.judge_accept_table(
        [e for e in sent if e.request.method == "POST"], neg.V1_PRODUCE_ACCEPT, "A2"
    )
    assert (judged_meta, judged_produce) == (6, 7)  # every listed variant was recorded
    j = neg.judge_v1_accept(sent)
    assert j.passed, messages(j)
    assert meta.passed and produce.passed


def test_a2_judge_catches_ignored_q_values() -> None:
    """A server that takes the first listed type of a weighted Accept answers v1+json."""
    rec = recordings.load("confluent-5.5.0-v1")
    weighted = [
        e for e in mains(rec, "meta_accept_variants") if e.request.header("accept") == neg.WEIGHTED_META
    ]
    assert weighted and weighted[0].response is not None
    first = Response.build(200, {"content-type": neg.V1}, weighted[0].response.body)
    assert not neg.judge_v1_accept([Exchange(weighted[0].request, first)]).passed


def test_a3_v1_consume_accept_on_confluent() -> None:
    rec = recordings.load("confluent-5.5.0-v1")
    simple = mains(rec, "consume_simple_accept_variants")
    consumer = mains(rec, "consumer_read_accept_variants")
    j = neg.judge_v1_consume_accept(simple, consumer)
    assert j.passed, messages(j)
    assert simple[0].request.header("accept") is None and consumer[0].request.header("accept") is None


def test_a4_v1_unsupported_accept_on_confluent() -> None:
    rec = recordings.load("confluent-5.5.0-v1")
    sent = mains(
        rec,
        "meta_accept_variants",
        "produce_accept_variants",
        "consume_simple_accept_variants",
        "consumer_read_accept_variants",
    )
    judged = [e for e in sent if e.status == 406]
    assert len(judged) == 7  # text/plain x4, octet-stream and binary.v1 on /topics, binary.v1 on /brokers
    j = neg.judge_v1_unsupported_accept(sent)
    assert j.passed, messages(j)


def test_a4_judge_catches_unsupported_accept_answered() -> None:
    rec = recordings.load("confluent-5.5.0-v1")
    plain = next(
        e for e in mains(rec, "meta_accept_variants") if e.request.header("accept") == neg.TEXT_PLAIN
    )
    ok = mains(rec, "topics_list")[0]
    assert not neg.judge_v1_unsupported_accept([Exchange(plain.request, ok.response)]).passed


def test_a5_is_recorded() -> None:
    rec = recordings.load("confluent-5.5.0-v1")
    sent = mains(
        rec,
        "produce_accept_binary_v1",
        "produce_partition_accept_binary_v1",
        "meta_partition_accept_binary_v1",
    )
    j = neg.observe_outcomes(sent, "A5")
    assert j.passed and [o.split("-> ")[1][:3] for o in j.observations] == ["406", "200", "200"]


def _a6_candidates(rec: Recording) -> list[Exchange]:
    return [e for e in all_exchanges(rec) if e.request.header("accept") in (neg.V2, neg.BINARY_V2)]


@pytest.mark.parametrize("key", V2_CONFLUENT)
def test_a6_negotiated_type_on_confluent(key: str) -> None:
    exchanges = _a6_candidates(recordings.load(key))
    judged = [e for e in exchanges if e.status == 200 and e.response is not None and e.response.body]
    assert len(judged) > 50
    assert any(neg.is_records_read(e) for e in judged)
    j = neg.judge_v2_negotiated_type(exchanges)
    assert j.passed, messages(j)[:5]


def test_a6_catches_karapace_json_v2_everywhere() -> None:
    j = neg.judge_v2_negotiated_type(_a6_candidates(recordings.load("karapace-3.16.0")))
    assert not j.passed
    # json.v2 on every JSON body; GET / says application/json (§5.2)
    labels = {f.got.split(" ", 1)[1] for f in j.findings}
    assert labels == {"application/vnd.kafka.json.v2+json", "application/json"}


@pytest.mark.parametrize("key", V2_ALL)
def test_a7_default_accept(key: str) -> None:
    rec = recordings.load(key)
    sent = mains(
        rec,
        "topics_list_accept_none",
        "topics_list_accept_star",
        "produce_accept_none",
        "produce_accept_star",
    )
    assert sent[0].request.header("accept") is None and sent[2].request.header("accept") is None
    j = neg.judge_v2_default_accept(sent)
    assert j.passed, messages(j)


@pytest.mark.parametrize("key", V2_ALL)
def test_a8_text_plain_accept_on_metadata_and_produce(key: str) -> None:
    rec = recordings.load(key)
    j = neg.judge_v2_unsupported_accept(
        mains(rec, "topics_list_accept_text_plain", "produce_accept_text_plain"), "A8"
    )
    assert j.passed, messages(j)


def test_a8_judge_catches_text_plain_served() -> None:
    """Strimzi (§5.3) ignores Accept: a 200 for text/plain is an A8 finding."""
    rec = recordings.load("confluent-7.5.0-v2")
    plain = mains(rec, "topics_list_accept_text_plain")[0]
    served = mains(rec, "topics_list")[0]
    assert not neg.judge_v2_unsupported_accept([Exchange(plain.request, served.response)], "A8").passed


@pytest.mark.parametrize("key", V2_ALL)
def test_a9_is_recorded(key: str) -> None:
    rec = recordings.load(key)
    sent = mains(
        rec,
        "topics_list_accept_application_json",
        "topics_list_accept_binary_v2",
        "produce_accept_application_json",
        "produce_accept_binary_v2",
        "produce_to_partition_accept_binary",
    )
    j = neg.observe_outcomes(sent, "A9")
    assert j.passed and len(j.observations) == 5


@pytest.mark.parametrize("key", V2_ALL)
def test_a10_records_with_binary_accept(key: str) -> None:
    reads = mains(recordings.load(key), "records_roundtrip")
    j = neg.judge_records_served(reads, (neg.BINARY_V2,), "A10")
    assert j.passed, messages(j)


A11_PROBES = (
    "records_binary_consumer_accept_none",
    "records_binary_consumer_accept_star",
    "records_binary_consumer_accept_v2_generic",
)


@pytest.mark.parametrize("key", V2_CONFLUENT)
def test_a11_records_with_generic_accept_on_confluent(key: str) -> None:
    reads = mains(recordings.load(key), *A11_PROBES)
    assert reads[0].request.header("accept") is None
    j = neg.judge_records_served(reads, neg.A11_ACCEPTS, "A11")
    assert j.passed, messages(j)


def test_a11_catches_karapace_40601() -> None:
    reads = mains(recordings.load("karapace-3.16.0"), *A11_PROBES)
    j = neg.judge_records_served(reads, neg.A11_ACCEPTS, "A11")
    assert len(j.findings) == 3
    assert all("406/40601" in f.got for f in j.findings)


@pytest.mark.parametrize("key", V2_ALL)
def test_a12_records_with_accept_parameter(key: str) -> None:
    reads = mains(recordings.load(key), "records_binary_consumer_accept_binary_v2_with_param")
    j = neg.judge_records_served(reads, (neg.A12_ACCEPT,), "A12")
    assert j.passed, messages(j)


@pytest.mark.parametrize("key", V2_ALL)
def test_a13_records_text_plain(key: str) -> None:
    reads = mains(recordings.load(key), "records_binary_consumer_accept_text_plain")
    assert reads[0].request.header("accept") == neg.TEXT_PLAIN
    j = neg.judge_v2_unsupported_accept(reads, "A13")
    assert j.passed, messages(j)


@pytest.mark.parametrize("key", [*recordings.CONFLUENT, "karapace-3.16.0"])
def test_a14_every_recorded_204(key: str) -> None:
    exchanges = list(all_exchanges(recordings.load(key)))
    assert sum(e.status == 204 for e in exchanges) >= 5
    j = neg.judge_empty_204(exchanges)
    assert j.passed, messages(j)


def test_a14_judge_catches_a_body() -> None:
    rec = recordings.load("confluent-7.5.0-v2")
    deleted = mains(rec, "consumer_delete")[0]
    assert deleted.status == 204
    with_body = Response.build(204, {"content-type": "application/json"}, b"{}")
    assert not neg.judge_empty_204([Exchange(deleted.request, with_body)]).passed


def test_a14_judge_catches_body_framing_on_204() -> None:
    """httpx never reads a body after a 204; the framing headers that announce one are the evidence."""
    rec = recordings.load("confluent-7.5.0-v2")
    deleted = mains(rec, "consumer_delete")[0]
    chunked = Response.build(204, {"transfer-encoding": "chunked"})
    sized = Response.build(204, {"content-length": "2"})
    zero = Response.build(204, {"content-length": "0", "content-type": "application/json"})
    assert not neg.judge_empty_204([Exchange(deleted.request, chunked)]).passed
    assert not neg.judge_empty_204([Exchange(deleted.request, sized)]).passed
    assert neg.judge_empty_204([Exchange(deleted.request, zero)]).passed


# -- issue 16: parameters and weights at the edges ------------------------------------------------


def test_neg025_judge_on_the_recorded_v1_metadata_and_partition_produce() -> None:
    """No recording sent a weighted list to /, /brokers or the partition resources; what was sent
    there (vnd.kafka.v1+json) is in the A2 table and must pass NEG-025's judge on Confluent."""
    rec = recordings.load("confluent-5.5.0-v1")
    meta = mains(rec, "root_get", "brokers", "partitions_list", "partition_get")
    produce = mains(rec, "produce_partition_basic")
    assert meta and produce
    j = neg.judge_v1_weighted_everywhere(meta, produce)
    assert j.passed, messages(j)


def test_neg025_judge_catches_a_weighted_list_answered_with_its_first_type() -> None:
    rec = recordings.load("confluent-5.5.0-v1")
    recorded = mains(rec, "brokers")[0]
    assert recorded.response is not None
    request = Request.build("GET", recorded.request.url, {"Accept": neg.WEIGHTED_META}, None)
    first = Response.build(200, {"content-type": neg.V1}, recorded.response.body)
    j = neg.judge_v1_weighted_everywhere([Exchange(request, first)], [])
    assert not j.passed and "application/vnd.kafka+json" in messages(j)[0]


def test_neg024_judge_records_a_refused_parameter_and_catches_altered_bytes() -> None:
    """P4 under a parameterised type: Confluent's plain binary produce and its read-back pass;
    the same produce refused (415) is not a finding; answered 200 but stored as JSON text, it is."""
    rec = recordings.load("confluent-5.5.0-v1")
    produce = mains(rec, "produce_ct_binary_v1")[0]
    reads = list(all_exchanges(rec))
    assert neg.judge_parameterised_produce([produce], reads).passed
    refused = Exchange(
        produce.request, Response.build(415, {"content-type": neg.V1}, b'{"error_code":415,"message":"x"}')
    )
    assert neg.judge_parameterised_produce([refused], []).passed
    body = json.loads(produce.response.body if produce.response else b"{}")
    entry = body["offsets"][0]
    value = neg._sent_values(produce)[0]
    stored = base64.b64encode(json.dumps(value).encode()).decode()
    altered = Response.build(
        200,
        {"content-type": neg.V1},
        json.dumps(
            [{"key": None, "value": stored, "partition": entry["partition"], "offset": entry["offset"]}]
        ).encode(),
    )
    read = Request.build(
        "GET",
        f"http://x/topics/{neg._produce_topic(produce)}/partitions/{entry['partition']}/messages",
        {},
        None,
    )
    j = neg.judge_parameterised_produce([produce], [Exchange(read, altered)])
    assert not j.passed and "P4" in j.findings[0].why
