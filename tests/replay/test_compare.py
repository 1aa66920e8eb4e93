"""The replay comparison, judged on pairs of recorded exchanges (no server needed).

The two Confluent v2 recordings answer the same battery; where contract.md says 5.5.0 and 7.5.0
differ, the comparison must say so, and only on the aspect that differs.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from conformance import recordings
from conformance.exchange import Exchange, Request, Response
from conformance.replay import (
    Allowance,
    Comparison,
    ExchangeKey,
    compare,
    fixed_length_paths,
    judge,
    load_allowances,
    replay,
    seed_counts,
    setup_for,
)

pytestmark = pytest.mark.skipif(recordings.observed_dir() is None, reason="shared/observed/ not found")

V2_OLD, V2_NEW = "confluent-5.5.0-v2", "confluent-7.5.0-v2"


def _pair(probe: str, index: int = 0) -> tuple[Exchange, Exchange]:
    return (
        recordings.load(V2_OLD).probe(probe).exchanges[index],
        recordings.load(V2_NEW).probe(probe).exchanges[index],
    )


def _aspects(recorded: Exchange, replayed: Exchange) -> set[str]:
    return {d.aspect for d in compare(recorded, replayed)}


def _with_body(exchange: Exchange, body: object, *, status: int | None = None) -> Exchange:
    assert exchange.response is not None
    response = replace(exchange.response, body=json.dumps(body).encode())
    if status is not None:
        response = replace(response, status=status)
    return replace(exchange, response=response, notes=())


@pytest.mark.parametrize("key", recordings.CONFLUENT)
def test_every_recorded_exchange_matches_itself(key: str) -> None:
    rec = recordings.load(key)
    compared = 0
    for probe in rec.probes:
        for exchange in probe.exchanges:
            if exchange.response is not None:
                assert compare(exchange, exchange) == (), f"{probe.name}: {compare(exchange, exchange)}"
                compared += 1
    assert compared > 150


@pytest.mark.parametrize(
    ("probe", "aspects"),
    [
        # §2.2#2: 40401 on 5.5, 40403 on 7.5; same status, same Content-Type, same body shape.
        ("topic_get_unknown", {"error_code"}),
        # §1.3: with no Accept, 5.5 labels GET /topics with the v1 type.
        ("topics_list_accept_none", {"content_type"}),
        # §3.1: wrong JSON types are 500/500 on 5.5 and 400/400 on 7.5.
        ("produce_records_not_array", {"status", "error_code"}),
        # §1.3: application/json on produce is 406 without a Content-Type on 5.5, 415 on 7.5.
        ("produce_content_type_application_json", {"status", "error_code", "content_type"}),
        # §4.1: invalid base64 accepted leniently on 5.5 (an offsets body), rejected on 7.5.
        ("produce_b64_value_myKey_ibm_example", {"status", "error_code", "body"}),
    ],
)
def test_known_differences_between_confluent_versions(probe: str, aspects: set[str]) -> None:
    old, new = _pair(probe)
    assert _aspects(old, new) == aspects


@pytest.mark.parametrize(
    "probe", ["topic_get", "produce_value_only", "records_roundtrip", "consumer_create_no_body"]
)
def test_same_behaviour_on_both_versions_matches(probe: str) -> None:
    rec_old = recordings.load(V2_OLD).probe(probe)
    rec_new = recordings.load(V2_NEW).probe(probe)
    for old, new in zip(rec_old.exchanges, rec_new.exchanges, strict=True):
        # Different topic names, offsets, generated names and config values: none of it counts.
        assert compare(old, new) == ()


def test_body_shape_differences_are_found() -> None:
    old, _ = _pair("produce_value_only")
    body = json.loads(old.response.body)  # type: ignore[union-attr]
    missing_error = {**body, "offsets": [{k: v for k, v in body["offsets"][0].items() if k != "error"}]}
    assert [d.detail for d in compare(old, _with_body(old, missing_error))] == [
        "$.offsets[]: keys missing: error"
    ]
    failed_entry = {**body, "offsets": [{**body["offsets"][0], "error_code": 50003}]}
    assert [d.detail for d in compare(old, _with_body(old, failed_entry))] == [
        "$.offsets[].error_code: recorded null, reference integer"
    ]
    string_offset = {**body, "offsets": [{**body["offsets"][0], "offset": "0"}]}
    assert [d.detail for d in compare(old, _with_body(old, string_offset))] == [
        "$.offsets[].offset: recorded integer, reference string"
    ]


def test_produce_offsets_length_is_fixed_by_the_request() -> None:
    old, _ = _pair("produce_to_partition")  # two records sent
    body = json.loads(old.response.body)  # type: ignore[union-attr]
    one = {**body, "offsets": body["offsets"][:1]}
    (difference,) = compare(old, _with_body(old, one))
    assert difference.detail == "$.offsets: length recorded 2, reference 1, request fixes 2"


def test_cut_recording_is_judged_by_the_request_not_the_cut_length() -> None:
    old, _ = _pair("produce_each_single_byte_value")  # 256 records; the recording kept 12 offsets
    assert recordings.TRUNCATED in old.notes
    body = json.loads(old.response.body)  # type: ignore[union-attr]
    entry = body["offsets"][0]
    assert compare(old, _with_body(old, {**body, "offsets": [entry] * 256})) == ()
    (difference,) = compare(old, _with_body(old, {**body, "offsets": [entry] * 12}))
    assert "request fixes 256" in difference.detail


def test_state_dependent_lists_compare_element_shapes_only() -> None:
    v1 = recordings.load("confluent-5.5.0-v1")
    full = v1.probe("consumer_read_until_records").exchanges[0]  # 31 records
    empty = v1.probe("consumer_read_accept_variants").exchanges[0]  # [] with the same media type
    assert compare(full, empty) == ()
    assert compare(empty, full) == ()
    records = json.loads(full.response.body)  # type: ignore[union-attr]
    no_topic = [{k: v for k, v in r.items() if k != "topic"} for r in records[:2]]
    assert [d.detail for d in compare(full, _with_body(full, no_topic))] == ["$[]: keys missing: topic"]


def test_topic_configs_are_a_map() -> None:
    old, _ = _pair("topic_get")
    body = json.loads(old.response.body)  # type: ignore[union-attr]
    assert compare(old, _with_body(old, {**body, "configs": {"cleanup.policy": "delete"}})) == ()
    assert [d.detail for d in compare(old, _with_body(old, {**body, "configs": {"x": 1}}))] == [
        "$.configs: map values of type integer not seen in the recording"
    ]
    fewer = {**body, "partitions": body["partitions"][:1]}
    assert [d.detail for d in compare(old, _with_body(old, fewer))] == [
        "$.partitions: length recorded 3, reference 1, request fixes 3"
    ]


def test_no_response_and_text_bodies() -> None:
    v1 = recordings.load("confluent-5.5.0-v1")
    text = v1.probe("produce_topic_malformed_json").exchanges[1]  # 400 text/plain
    as_json = _with_body(text, {"error_code": 400, "message": "x"})
    assert {(d.aspect, d.detail) for d in compare(text, as_json)} >= {
        ("body", "recorded text body, reference json body"),
        ("error_code", "recorded None, reference 400"),
    }
    timeout = Exchange(text.request, None, error="timed out")
    (difference,) = compare(text, timeout)
    assert difference.aspect == "response"
    with pytest.raises(ValueError):
        compare(timeout, text)


def test_fixed_length_paths() -> None:
    body = b'{"records": [{"value": "eA=="}, {"value": "eA=="}]}'
    assert fixed_length_paths("POST", "/topics/t", body) == {"$.offsets": 2}
    assert fixed_length_paths("POST", "/topics/t/partitions/1", body) == {"$.offsets": 2}
    assert fixed_length_paths("POST", "/topics/t", b"{not json") == {}
    assert fixed_length_paths("GET", "/topics/t", None) == {"$.partitions": None}
    assert fixed_length_paths("GET", "/topics/t/partitions", None) == {"$": None}
    assert fixed_length_paths("GET", "/topics/t/partitions/0/messages?offset=0&count=3", None) == {}


@pytest.mark.parametrize("key", recordings.CONFLUENT)
def test_setup_follows_the_recording(key: str) -> None:
    rec = recordings.load(key)
    setup = setup_for(rec)
    assert setup.api_version == rec.api_version
    assert setup.topics == {rec.topic: 3, rec.single_partition_topic: 1}
    # Every Confluent recording began on fresh topics: nothing to pre-seed.
    assert setup.seed == {}


def test_seed_counts_read_the_first_offset_of_each_partition() -> None:
    rec = recordings.load(V2_NEW)
    first = rec.probe("produce_value_only")
    response = first.main.response
    assert response is not None
    body = json.loads(response.body)
    body["offsets"][0]["offset"] = 7
    shifted = replace(
        first, exchanges=(replace(first.main, response=replace(response, body=json.dumps(body).encode())),)
    )
    probes = tuple(shifted if p.name == first.name else p for p in rec.probes)
    partition = body["offsets"][0]["partition"]
    assert seed_counts(replace(rec, probes=probes)) == {(rec.topic, partition): 7}


class _Scripted:
    """A stand-in client: answers from a script and records the paths it was sent."""

    def __init__(self, answers: list[Exchange]) -> None:
        self.answers = answers
        self.paths: list[str] = []

    def send(self, method: str, path: str, **kwargs: object) -> Exchange:
        self.paths.append(path)
        answer = self.answers.pop(0)
        return replace(answer, request=Request.build(method, path))


def test_replay_follows_generated_instance_names() -> None:
    rec = recordings.load("confluent-5.5.0-v1")
    probe = rec.probe("consumer_format_mismatch")  # create (generated name), then read by that name
    created, read = probe.exchanges
    recorded_id = json.loads(created.response.body)["instance_id"]  # type: ignore[union-attr]
    answer = Response.build(
        200,
        {"content-type": "application/vnd.kafka.v1+json"},
        b'{"instance_id": "ref-1", "base_uri": "http://x"}',
    )
    client = _Scripted([Exchange(created.request, answer), read])
    mini = replace(rec, probes=(probe,))
    comparisons = replay(mini, client)  # type: ignore[arg-type]
    assert recorded_id in read.request.path
    assert client.paths[1] == read.request.path.replace(recorded_id, "ref-1")
    assert [c.differences for c in comparisons] == [(), ()]


def _comparison(key: ExchangeKey, recorded: Exchange, replayed: Exchange) -> Comparison:
    differences = compare(recorded, replayed) if recorded.response is not None else ()
    return Comparison(key, recorded, replayed, differences)


def test_judge_needs_a_reason_for_every_exchange_that_does_not_match() -> None:
    old, new = _pair("topic_get_unknown")
    key = ExchangeKey(V2_NEW, "topic_get_unknown", 0)
    differing = _comparison(key, new, old)
    matching = _comparison(key, new, new)
    reason = "both codes pass (contract.md §8 M5)"
    allow = {key: Allowance(key, reason)}
    assert [j.status for j in judge([differing], {})] == ["failed"]
    assert [(j.status, j.reason) for j in judge([differing], allow)] == [("allowed", reason)]
    assert [j.status for j in judge([matching], allow)] == ["stale allowance"]
    timeout = _comparison(key, Exchange(new.request, None, error="timed out"), new)
    assert [j.status for j in judge([timeout], {})] == ["failed"]
    assert [j.status for j in judge([timeout], allow)] == ["not compared"]


def test_judge_allows_5_5_where_the_reference_answers_as_7_5() -> None:
    old, new = _pair("topic_get_unknown")
    key = ExchangeKey(V2_OLD, "topic_get_unknown", 0)
    newer = recordings.load(V2_NEW)
    (judged,) = judge([_comparison(key, old, new)], {}, newer)
    assert judged.status == "allowed"
    assert judged.reason == (
        "5.5.0 differs from 7.5.0 on this point; the reference follows 7.5.0 (contract.md §2.2#2)"
    )
    # Answering neither as 5.5.0 nor as 7.5.0 is not allowed.
    other = _with_body(new, {"error_code": 40499, "message": "x"}, status=404)
    assert [j.status for j in judge([_comparison(key, old, other)], {}, newer)] == ["failed"]


def test_allowance_file_rules(tmp_path: Path) -> None:
    table = tmp_path / "a.toml"
    table.write_text(
        '[[allow]]\nrecording = "r"\nprobe = "p"\nindex = 0\nreason = "both pass (contract.md §8 V10)"\n'
    )
    assert list(load_allowances(table)) == [ExchangeKey("r", "p", 0)]
    table.write_text('[[allow]]\nrecording = "r"\nprobe = "p"\nindex = 0\nreason = "because"\n')
    with pytest.raises(ValueError, match=r"citing contract\.md"):
        load_allowances(table)


def test_replay_realigns_offsets_where_the_reference_refused_stored_records() -> None:
    rec = recordings.load("confluent-5.5.0-v1")
    probe = rec.probe("produce_ct_json_v1")  # Confluent stored it; a binary-only server refuses
    (recorded,) = probe.exchanges
    refused = Response.build(
        415, {"content-type": "application/vnd.kafka.v1+json"}, b'{"error_code": 415, "message": "x"}'
    )
    client = _Scripted([Exchange(recorded.request, refused), recorded])
    (comparison,) = replay(replace(rec, probes=(probe,)), client)  # type: ignore[arg-type]
    assert comparison.realigned
    assert {d.aspect for d in comparison.differences} >= {"status", "error_code"}
    assert client.paths == [recorded.request.path, recorded.request.path]
    # A produce that failed on Confluent too (per-record 50003) is not re-sent.
    (failed,) = rec.probe("produce_topic_unknown_topic").exchanges
    client = _Scripted([Exchange(failed.request, refused)])
    (comparison,) = replay(replace(rec, probes=(rec.probe("produce_topic_unknown_topic"),)), client)  # type: ignore[arg-type]
    assert not comparison.realigned
    assert len(client.paths) == 1


def test_recorded_absolute_urls_and_generated_names_are_rewritten() -> None:
    from conformance.replay import _Names

    names = _Names("http://127.0.0.1:28082", {"rest-consumer-abc": "rest-consumer-xyz"})
    assert names.path(
        "http://127.0.0.1:28082/consumers/g/instances/rest-consumer-abc/topics/t?max_bytes=1"
    ) == ("/consumers/g/instances/rest-consumer-xyz/topics/t?max_bytes=1")
    # Only whole path segments are renamed; the group name and query stay as recorded.
    assert (
        names.path("/consumers/rest-consumer-abc-group/instances/x")
        == "/consumers/rest-consumer-abc-group/instances/x"
    )
    assert names.path("http://127.0.0.1:28082") == "/"
