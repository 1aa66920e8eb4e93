"""The v1-consumer judges on the recording of real Confluent 5.5.0 v1 (shared/observed/).

Every C row is MUST or SHOULD met by Confluent (§8.9), so each judge must give no finding on the
recorded exchanges. Karapace serves no v1 consumer paths, so no Karapace deviation lives here.
Each test also forges the deviation its check exists for on top of the real exchanges, so a judge
that cannot fail is caught here too.

Checks with no recorded exchange to judge as the live probe does:

| check | row | why |
|---|---|---|
| V1C-002 (usable part) | C2 | the battery used base_uri for a read (judged), not for a DELETE as the probe does |
| V1C-013 (delete part) | C13 | no delete of a never-created instance; a delete of a deleted one is judged instead |
"""

from __future__ import annotations

import json

import pytest

from conformance import recordings
from conformance.checks import v1_consumer as v1c
from conformance.checks.consumer_common import Sent, created, produced
from conformance.exchange import Exchange, Response
from conformance.media import JSON_V1
from conformance.recordings import Recording

pytestmark = pytest.mark.skipif(recordings.observed_dir() is None, reason="shared/observed/ not found")


@pytest.fixture(scope="module")
def rec() -> Recording:
    return recordings.load("confluent-5.5.0-v1")


def ex(rec: Recording, probe: str, i: int = -1) -> Exchange:
    return rec.probe(probe).exchanges[i]


def messages(j: v1c.Judgement) -> list[str]:
    return [f.message() for f in j.findings]


def forge(
    exchange: Exchange, status: int, body: object, content_type: str | None = "application/json"
) -> Exchange:
    """The same request with another answer: the deviation a check must catch."""
    headers = {} if content_type is None else {"content-type": content_type}
    raw = b"" if body is None else json.dumps(body).encode()
    return Exchange(exchange.request, Response.build(status, headers, raw))


def sent_before(rec: Recording, probe: str, topic: str) -> list[Sent]:
    """Records produced to `topic` before `probe`, as plain byte round trips (json.v1 stores text)."""
    out: list[Sent] = []
    for p in rec.probes:
        if p.name == probe:
            return out
        for e in p.exchanges:
            is_produce = e.request.method == "POST" and e.request.path == f"/topics/{topic}"
            if is_produce and e.request.header("content-type") != JSON_V1:
                out += produced(e)
    return out


def test_c1_create_with_and_without_body(rec: Recording) -> None:
    exchanges = list(rec.probe("consumer_create_empty_body").exchanges)
    assert exchanges[0].request.body is None
    assert v1c.judge_created(exchanges).passed
    assert not v1c.judge_created([forge(exchanges[0], 200, {"instance_id": ""})]).passed


def test_c2_named_instance_base_uri(rec: Recording) -> None:
    create = ex(rec, "consumer_create_named")
    instance_id, base_uri = created(create) or ("", "")
    group = base_uri.split("/consumers/")[1].split("/")[0]
    use = ex(rec, "consumer_read_until_records")  # a GET to base_uri's path
    j = v1c.judge_base_uri(create, group, instance_id, use)
    assert j.passed, messages(j)
    relative = forge(
        create, 200, {"instance_id": instance_id, "base_uri": f"/consumers/{group}/instances/{instance_id}"}
    )
    assert not v1c.judge_base_uri(relative, group, instance_id, use).passed
    wrong = forge(
        create, 200, {"instance_id": instance_id, "base_uri": f"http://h:1/consumers/{group}/instances/x"}
    )
    assert not v1c.judge_base_uri(wrong, group, instance_id, use).passed


def test_c3_deprecated_id(rec: Recording) -> None:
    only_id, both = rec.probe("consumer_create_deprecated_id").exchanges
    j = v1c.judge_instance_id(
        [(only_id, only_id.request.json()["id"]), (both, both.request.json()["id"])], what="", why=""
    )
    assert j.passed, messages(j)
    name_won = forge(both, 200, {"instance_id": both.request.json()["name"], "base_uri": "http://h/x"})
    assert not v1c.judge_instance_id([(name_won, both.request.json()["id"])], what="", why="").passed


def test_c4_duplicate_name(rec: Recording) -> None:
    first, second = ex(rec, "consumer_create_named"), ex(rec, "consumer_create_duplicate_name")
    assert v1c.judge_duplicate(first, second, 40902).passed
    assert not v1c.judge_duplicate(
        first, forge(second, 200, {"instance_id": "x", "base_uri": "http://h/x"}), 40902
    ).passed


def test_c5_c6_offset_reset_vocabulary(rec: Recording) -> None:
    c5: list[tuple[Exchange, int, int | None]] = [
        (ex(rec, "consumer_create_named"), 200, None),
        (ex(rec, "consumer_create_aor_largest"), 200, None),
    ]
    c5 += [(ex(rec, "consumer_create_aor_bogus"), 422, 42204)]
    assert ex(rec, "consumer_create_named").request.json()["auto.offset.reset"] == "smallest"
    assert v1c.judge_outcomes(c5, what="", why="").passed
    c6 = [(ex(rec, f"consumer_create_aor_{w}"), 422, 42204) for w in v1c.NEW_CONSUMER_RESETS]
    assert v1c.judge_outcomes(c6, what="", why="").passed
    accepted = forge(c6[0][0], 200, {"instance_id": "x", "base_uri": "http://h/x"})
    assert not v1c.judge_outcomes([(accepted, 422, 42204)], what="", why="").passed


def test_c7_default_reset_is_largest(rec: Recording) -> None:
    probe = rec.probe("consumer_default_offset_reset")
    assert probe.exchanges[0].request.json() == {}
    before = max(
        s.offset for s in sent_before(rec, "consumer_default_offset_reset", rec.single_partition_topic)
    )
    reads = list(probe.exchanges[1:])
    j = v1c.judge_no_earlier_records(reads, rec.single_partition_topic, 0, before)
    assert j.passed, messages(j)
    replayed = ex(rec, "consumer_read_until_records")  # what an `earliest`-style default would return
    assert not v1c.judge_no_earlier_records([replayed], rec.single_partition_topic, 0, before).passed


def test_c8_c9_format_and_unknown_field(rec: Recording) -> None:
    cases = [
        (ex(rec, "consumer_create_bad_format"), 422, 422),
        (ex(rec, "consumer_create_format_uppercase"), 200, None),
        (ex(rec, "consumer_create_unknown_field"), 422, 422),
    ]
    assert v1c.judge_outcomes(cases, what="", why="").passed


def test_c10_read_returns_what_was_produced(rec: Recording) -> None:
    read = ex(rec, "consumer_read_until_records")
    wanted = sent_before(rec, "consumer_read_until_records", rec.single_partition_topic)
    assert len(wanted) >= 20
    j = v1c.judge_read([read], wanted, rec.single_partition_topic)
    assert j.passed, messages(j)
    assert read.response is not None
    body = read.response.json()
    body[4]["value"] = "AAAA"
    assert not v1c.judge_read([forge(read, 200, body)], wanted, rec.single_partition_topic).passed
    assert not v1c.judge_read([forge(read, 200, body[::-1])], wanted, rec.single_partition_topic).passed


def test_c11_c12_topics(rec: Recording) -> None:
    first, second = ex(rec, "consumer_read_until_records"), ex(rec, "consumer_read_second_topic")
    assert v1c.judge_second_topic(first, second).passed
    assert not v1c.judge_second_topic(first, forge(second, 200, [])).passed
    unknown = ex(rec, "consumer_read_unknown_topic")
    assert v1c.judge_outcomes([(unknown, 404, 40401)], what="", why="").passed


def test_c13_unknown_instance(rec: Recording) -> None:
    calls = [ex(rec, "consumer_read_unknown_instance"), ex(rec, "consumer_commit_unknown_instance")]
    calls.append(ex(rec, "consumer_delete_again"))
    assert v1c.judge_unknown_instance(calls, 40403).passed
    assert not v1c.judge_unknown_instance(
        [forge(calls[0], 404, {"error_code": 40401, "message": "x"})], 40403
    ).passed


def test_c14_commit_consumed_is_last_returned(rec: Recording) -> None:
    reads = [ex(rec, "consumer_read_until_records"), *rec.probe("consumer_read_accept_variants").exchanges]
    commit = ex(rec, "consumer_commit")
    j = v1c.judge_commit(reads, commit, rec.single_partition_topic)
    assert j.passed, messages(j)
    topic = rec.single_partition_topic
    off_by_one = forge(commit, 200, [{"topic": topic, "partition": 0, "consumed": 32, "committed": 32}])
    assert not v1c.judge_commit(reads, off_by_one, topic).passed
    lagging = forge(commit, 200, [{"topic": topic, "partition": 0, "consumed": 31, "committed": 30}])
    assert not v1c.judge_commit(reads, lagging, topic).passed


def test_c15_new_instance_resumes(rec: Recording) -> None:
    first = [ex(rec, "consumer_read_until_records")]
    second = [ex(rec, "consumer_resume_new_instance")]
    j = v1c.judge_resume(first, second, rec.single_partition_topic, 0)
    assert j.passed, messages(j)
    assert not v1c.judge_resume(first, first, rec.single_partition_topic, 0).passed  # restarted at 0


def test_c16_delete_then_gone(rec: Recording) -> None:
    delete = ex(rec, "consumer_delete_no_headers")  # the battery's delete that removed the instance
    after = [
        ex(rec, "consumer_delete_again"),
        ex(rec, "consumer_read_after_delete"),
        ex(rec, "consumer_commit_after_delete"),
    ]
    j = v1c.judge_delete(delete, after, 40403)
    assert j.passed, messages(j)
    assert not v1c.judge_delete(forge(delete, 200, {"ok": True}), after, 40403).passed
    assert not v1c.judge_delete(delete, [forge(after[1], 200, [])], 40403).passed


def test_c17_format_mismatch(rec: Recording) -> None:
    create, read = rec.probe("consumer_format_mismatch").exchanges
    reads = [
        read,
        ex(rec, "consumer_format_mismatch_accept_star"),
        ex(rec, "consumer_format_mismatch_accept_none"),
    ]
    assert [r.request.header("accept") for r in reads] == list(v1c.FORMAT_MISMATCH_ACCEPTS)
    j = v1c.judge_format_mismatch(create, reads, "v1")
    assert j.passed, messages(j)
    assert not v1c.judge_format_mismatch(create, [forge(read, 200, [])], "v1").passed
    refused = forge(create, 422, {"error_code": 422, "message": "Invalid format type."})
    j = v1c.judge_format_mismatch(refused, [], "v1")
    assert j.passed and j.observations and "binary-only target" in j.observations[0]


def test_c18_c19_recorded_only(rec: Recording) -> None:
    j = v1c.judge_record_answers(
        rec.probe("consumer_max_bytes_smaller_than_record").exchanges[1:], "max_bytes=1"
    )
    assert j.passed and len(j.observations) == 3
    j = v1c.judge_record_answers(
        [ex(rec, "consumer_commit_no_headers"), ex(rec, "consumer_delete_no_headers")], ""
    )
    assert j.passed and "200" in j.observations[0] and "204" in j.observations[1]
