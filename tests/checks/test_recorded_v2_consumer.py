"""The v2-consumer judges on the recordings of real servers (shared/observed/).

Confluent 5.5.0 v2 and 7.5.0 v2 must give no finding on any D row: §8.10 marks every MUST and
SHOULD row as met by Confluent. Karapace 3.16.0 must be caught where §8's K column marks it ✗
(D2 400 text, D4 `id` ignored, D7b `none` refused, D9 unknown field accepted, D14s 400 text, D17
subscribe while assigned 204, D25b 204 for a commit, D28 body-less commit 400) and pass where it
is ✔. Strimzi was not published as a recording; its deviations are forged on top of the real
Confluent exchanges (and run live as `strimzi-*` faults, tests/checks/test_faults_v2_consumer.py).

Checks with no recorded exchange to judge as the live probe does:

| check | row | why |
|---|---|---|
| V2C-022 (beginning/end reads) | D18 | the battery sent `positions/beginning` and `/end` without reading after them; their 204s are judged |
| V2C-025 | D20 | the recorded subscribed read is truncated to 12 records; it is judged for the produced records it holds (Karapace: shape only, its topic held an earlier run's records) |
| V2C-011, V2C-027, V2C-028, V2C-030, V2C-036, V2C-039 | D10, D22, D23, D24, D29, D32 | INFO: judged only for "records, never fails" |
"""

from __future__ import annotations

import json

import pytest

from conformance import recordings
from conformance.checks import v2_consumer as v2c
from conformance.checks.consumer_common import Sent, all_records, created, find, produced
from conformance.exchange import Exchange, Response
from conformance.media import BINARY_V2
from conformance.recordings import Recording

CONFLUENT = ("confluent-5.5.0-v2", "confluent-7.5.0-v2")
ALL = (*CONFLUENT, "karapace-3.16.0")

pytestmark = pytest.mark.skipif(recordings.observed_dir() is None, reason="shared/observed/ not found")


def ex(rec: Recording, probe: str, i: int = -1) -> Exchange:
    return rec.probe(probe).exchanges[i]


def main(rec: Recording, probe: str) -> Exchange:
    return rec.probe(probe).main


def role(rec: Recording, probe: str, wanted: str) -> list[Exchange]:
    p = rec.probe(probe)
    return [e for e, r in zip(p.exchanges, p.roles, strict=True) if r == wanted]


def messages(j: v2c.Judgement) -> list[str]:
    return [f.message() for f in j.findings]


def forge(
    exchange: Exchange, status: int, body: object | None, content_type: str | None = "application/json"
) -> Exchange:
    headers = {} if content_type is None else {"content-type": content_type}
    raw = b"" if body is None else json.dumps(body).encode()
    return Exchange(exchange.request, Response.build(status, headers, raw))


def is_karapace(key: str) -> bool:
    return key.startswith("karapace")


# -- creation ------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ALL)
def test_d1_d3_d5_d6_d7_d8_met_by_all(key: str) -> None:
    rec = recordings.load(key)
    assert v2c.judge_created([main(rec, "consumer_create_empty_object")]).passed
    create = main(rec, "consumer_create_named_binary")
    _, base_uri = created(create) or ("", "")
    group = base_uri.split("/consumers/")[1].split("/")[0]
    j = v2c.judge_base_uri(
        create, group, "c1-named", main(rec, "consumer_base_uri_usable"), strict_path=False
    )
    assert j.passed, messages(j)
    assert v2c.judge_duplicate(create, main(rec, "consumer_create_duplicate_name"), None).passed
    cases = [
        (main(rec, "consumer_create_format_bad"), 422, None),
        (main(rec, "consumer_create_format_json"), 200, None),  # earliest
        (role(rec, "commit_effect_new_member", "setup")[1], 200, None),  # latest
        (main(rec, "consumer_create_auto_offset_reset_smallest"), 422, None),
        (main(rec, "consumer_create_auto_offset_reset_bogus"), 422, None),
        (main(rec, "consumer_create_auto_commit_enable_false"), 200, None),
    ]
    assert json.loads(cases[2][0].request.body or b"{}")["auto.offset.reset"] == "latest"
    j = v2c.judge_outcomes(cases, what="", why="")
    assert j.passed, messages(j)


def test_d3_d5_catch_forged_deviations() -> None:
    rec = recordings.load("confluent-7.5.0-v2")
    create, use = main(rec, "consumer_create_named_binary"), main(rec, "consumer_base_uri_usable")
    group = created(create)[1].split("/consumers/")[1].split("/")[0]  # type: ignore[index]
    relative = forge(create, 200, {"instance_id": "c1-named", "base_uri": "/consumers/g/instances/c1-named"})
    assert not v2c.judge_base_uri(relative, group, "c1-named", use, strict_path=False).passed
    unusable = forge(use, 404, {"error_code": 40403, "message": "Consumer instance not found."})
    assert not v2c.judge_base_uri(create, group, "c1-named", unusable, strict_path=False).passed
    accepted = forge(
        main(rec, "consumer_create_duplicate_name"), 200, {"instance_id": "c1-named", "base_uri": "x"}
    )
    assert not v2c.judge_duplicate(create, accepted, None).passed


@pytest.mark.parametrize("key", ALL)
def test_d2_no_body(key: str) -> None:
    rec = recordings.load(key)
    j = v2c.judge_created([main(rec, "consumer_create_no_body")])
    assert j.passed is not is_karapace(key), messages(j)  # Karapace: 400 "Missing request JSON body"


@pytest.mark.parametrize("key", ALL)
def test_d4_deprecated_id(key: str) -> None:
    rec = recordings.load(key)
    j = v2c.judge_instance_id([(main(rec, "consumer_create_deprecated_id_field"), "c9-id")], what="", why="")
    assert j.passed is not is_karapace(key), messages(j)  # Karapace ignores `id`: a generated uuid


@pytest.mark.parametrize("key", ALL)
def test_d7b_none(key: str) -> None:
    rec = recordings.load(key)
    j = v2c.judge_outcomes(
        [(main(rec, "consumer_create_auto_offset_reset_none"), 200, None)], what="", why=""
    )
    assert j.passed is not is_karapace(key), messages(j)  # Karapace: 422/42204


@pytest.mark.parametrize("key", ALL)
def test_d9_unknown_field(key: str) -> None:
    rec = recordings.load(key)
    j = v2c.judge_refused(main(rec, "consumer_create_unknown_field"), (400, 422), what="", why="")
    assert j.passed is not is_karapace(key), messages(j)  # Karapace: 200, the field ignored


@pytest.mark.parametrize("key", ALL)
def test_d10_recorded(key: str) -> None:
    rec = recordings.load(key)
    probe = rec.probe("consumer_create_empty_object")
    polls = role(rec, "consumer_create_empty_object", "poll")
    others = [main(rec, "consumer_create_enable_auto_commit_bool"), main(rec, "subscribe_empty_topics")]
    j = v2c.judge_defaults(probe.main, polls[0], 10, rec.single_partition_topic, 0, others)
    assert j.passed and len(j.observations) == 3
    assert ("earliest" in j.observations[0]) is is_karapace(key)  # §5.2: Karapace defaults to earliest


# -- subscription and assignment --------------------------------------------------------------------


@pytest.mark.parametrize("key", ALL)
def test_d11_to_d16_met_by_all(key: str) -> None:
    rec = recordings.load(key)
    subscribes = [
        main(rec, n) for n in ("subscribe_topics", "subscribe_topic_pattern", "subscribe_unknown_topic")
    ]
    assert v2c.judge_outcomes([(e, 204, None) for e in subscribes], what="", why="").passed
    get = main(rec, "subscription_get")
    assert v2c.judge_subscription_shape(get).passed
    j = v2c.judge_subscription_contents(get, [rec.topic])
    assert j.passed, messages(j)
    j = v2c.judge_unsubscribe(main(rec, "subscription_delete"), main(rec, "subscription_get_after_delete"))
    assert j.passed, messages(j)
    assert v2c.judge_refused(main(rec, "subscribe_no_body"), (400, 422), what="", why="").passed
    assign = main(rec, "assign_partitions")
    assert v2c.judge_outcomes([(assign, 204, None)], what="", why="").passed
    j = v2c.judge_assignments(
        assign, main(rec, "assignments_get"), [(rec.single_partition_topic, 0), (rec.topic, 1)]
    )
    assert j.passed, messages(j)
    j = v2c.judge_conflict(main(rec, "subscribe_topics"), main(rec, "assign_while_subscribed"), "", "")
    assert j.passed, messages(j)


def test_d12b_d13_d15b_catch_forged_strimzi_answers() -> None:
    rec = recordings.load("confluent-7.5.0-v2")
    get = main(rec, "subscription_get")
    strimzi = forge(get, 200, {"topics": [], "partitions": []})  # §5.3: lists the (empty) assignment
    assert v2c.judge_subscription_shape(strimzi).passed
    assert not v2c.judge_subscription_contents(strimzi, [rec.topic]).passed
    assert not v2c.judge_unsubscribe(main(rec, "subscription_delete"), get).passed
    no_endpoint = forge(main(rec, "assignments_get"), 405, None, None)  # §5.3: no GET assignments
    assert not v2c.judge_assignments(main(rec, "assign_partitions"), no_endpoint, [(rec.topic, 1)]).passed


@pytest.mark.parametrize("key", ALL)
def test_d14s_exact(key: str) -> None:
    rec = recordings.load(key)
    j = v2c.judge_outcomes([(main(rec, "subscribe_no_body"), 422, 422)], what="", why="")
    assert j.passed is not is_karapace(key), messages(j)  # Karapace: 400 text/plain


@pytest.mark.parametrize("key", ALL)
def test_d17_subscribe_while_assigned(key: str) -> None:
    rec = recordings.load(key)
    assign = role(rec, "subscribe_while_assigned", "setup")[1]
    j = v2c.judge_conflict(
        assign, main(rec, "subscribe_while_assigned"), "assign", "subscribe while assigned"
    )
    assert j.passed is not is_karapace(key), messages(j)  # Karapace: 204


# -- positions and records ----------------------------------------------------------------------------


@pytest.mark.parametrize("key", ALL)
def test_d18_seek(key: str) -> None:
    rec = recordings.load(key)
    topic = rec.single_partition_topic
    seek, read = rec.probe("records_roundtrip").exchanges
    x = json.loads(seek.request.body or b"{}")["offsets"][0]["offset"]
    steps = [
        v2c.SeekStep(seek, [read], topic, 0, x, x, True, "positions"),
        v2c.SeekStep(main(rec, "positions_seek"), [], topic, 0, 0, None, False, "positions"),
        v2c.SeekStep(main(rec, "positions_beginning"), [], topic, 0, 0, None, False, "beginning"),
        v2c.SeekStep(main(rec, "positions_end"), [], topic, 0, 0, None, False, "end"),
    ]
    j = v2c.judge_seek(steps)
    assert j.passed, messages(j)
    ignored = v2c.SeekStep(seek, [read], topic, 0, x + 1, x + 1, True, "positions")  # read started at x
    assert not v2c.judge_seek([ignored]).passed


@pytest.mark.parametrize("key", ALL)
def test_d19_unassigned(key: str) -> None:
    rec = recordings.load(key)
    e = main(rec, "positions_seek_unassigned_partition")
    assert v2c.judge_refused(e, range(400, 500), what="", why="").passed
    assert v2c.judge_outcomes([(e, 409, None)], what="", why="").passed
    strimzi = forge(e, 404, {"error_code": 404, "message": "x"})
    assert v2c.judge_refused(strimzi, range(400, 500), what="", why="").passed
    assert not v2c.judge_outcomes([(strimzi, 409, None)], what="", why="").passed


def produced_in(rec: Recording) -> list[Sent]:
    """Every record a binary produce of the recording stored, with a non-empty value (Karapace
    stores empty values as null, a produce deviation judged elsewhere)."""
    out: list[Sent] = []
    for p in rec.probes:
        for e in p.exchanges:
            binary = e.request.header("content-type") in (BINARY_V2, None)
            if e.request.method == "POST" and e.request.path.startswith("/topics/") and binary:
                out += [s for s in produced(e) if s.value]
    return out


@pytest.mark.parametrize("key", ALL)
def test_d20_subscribed_read(key: str) -> None:
    rec = recordings.load(key)
    read = main(rec, "records_subscribed_flow")
    recs = all_records([read])
    wanted = [
        s
        for s in produced_in(rec)
        if (hit := find(recs, s.topic, s.partition, s.offset)) and hit.key == s.key
    ]
    # Karapace's topic was reused across runs: its subscribed read returned an earlier run's
    # records, so only their shape is judged there.
    assert len(wanted) >= 3 or is_karapace(key)
    j = v2c.judge_records_read([read], wanted, what="subscribed read")
    assert j.passed, messages(j)
    assert read.response is not None
    body = read.response.json()
    body[0].pop("offset")
    assert not v2c.judge_records_read([forge(read, 200, body)], wanted, what="").passed


@pytest.mark.parametrize("key", ALL)
def test_d21_assigned_read(key: str) -> None:
    rec = recordings.load(key)
    probe = rec.probe("commit_flow_setup")
    produce, seek, poll = probe.exchanges[0], probe.exchanges[3], probe.exchanges[4]
    mine = produced(produce)
    assert len(mine) == 5
    j = v2c.judge_assigned_read(seek, [poll], mine)
    assert j.passed, messages(j)
    assert poll.response is not None
    skipped = forge(poll, 200, poll.response.json()[1:])
    assert not v2c.judge_assigned_read(seek, [skipped], mine).passed


@pytest.mark.parametrize("key", ALL)
def test_d23m_no_record_lost(key: str) -> None:
    rec = recordings.load(key)
    probe = rec.probe("records_max_bytes_smaller_than_record")
    seek = probe.exchanges[0]
    x = json.loads(seek.request.body or b"{}")["offsets"][0]["offset"]
    small = [*role(rec, probe.name, "main"), *role(rec, probe.name, "repeat")]
    followup = role(rec, probe.name, "followup")
    j = v2c.judge_no_loss(small, followup, rec.single_partition_topic, 0, x)
    assert j.passed, messages(j)
    # Strimzi (§5.3): 422 for the max_bytes read, and the next read continues past the record.
    refused = [forge(small[0], 422, {"error_code": 422, "message": "max_bytes exceeded"})]
    assert followup[0].response is not None
    later = forge(followup[0], 200, [r for r in followup[0].response.json() if r["offset"] > x])
    assert not v2c.judge_no_loss(refused, [later], rec.single_partition_topic, 0, x).passed


@pytest.mark.parametrize("key", ALL)
def test_d22_d23_d24_d29_d32_recorded(key: str) -> None:
    rec = recordings.load(key)
    j = v2c.judge_timeout(main(rec, "records_at_end_timeout_200"), 200)
    assert j.passed and j.observations
    assert v2c.judge_record_answers([main(rec, "records_max_bytes_smaller_than_record")], "").observations
    assert v2c.judge_record_answers([main(rec, "records_not_subscribed")], "").observations
    e = [main(rec, "offsets_get_without_body"), main(rec, "commit_empty_object")]
    assert len(v2c.judge_record_answers(e, "").observations) == 2
    j = v2c.judge_unknown_topic_commit(main(rec, "commit_unknown_topic"))
    assert j.passed and j.observations


# -- commits and offsets --------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ALL)
def test_d25_commit(key: str) -> None:
    rec = recordings.load(key)
    commit = main(rec, "commit_with_body")
    assert v2c.judge_commit_status(commit).passed
    j = v2c.judge_commit_exact(commit)
    assert j.passed is not is_karapace(key), messages(j)  # Karapace: 204


@pytest.mark.parametrize("key", ALL)
def test_d26_commit_semantics(key: str) -> None:
    rec = recordings.load(key)
    commit, get = main(rec, "commit_with_body"), main(rec, "offsets_get_with_body")
    x = json.loads(commit.request.body or b"{}")["offsets"][0]["offset"]
    new_member = [main(rec, "commit_effect_new_member")]
    topic = rec.single_partition_topic
    j = v2c.judge_commit_semantics(commit, get, new_member, topic, 0, x)
    assert j.passed, messages(j)
    # Strimzi (§5.3): stores X itself; GET offsets absent (405) and the new member starts at X.
    assert new_member[0].response is not None
    at_x = [r for r in role(rec, "commit_flow_setup", "poll")[0].response.json() if r["offset"] >= x]  # type: ignore[union-attr]
    strimzi = forge(new_member[0], 200, at_x)
    assert not v2c.judge_commit_semantics(commit, forge(get, 405, None, None), [strimzi], topic, 0, x).passed
    stored_x = forge(get, 200, {"offsets": [{"topic": topic, "partition": 0, "offset": x, "metadata": ""}]})
    assert not v2c.judge_commit_semantics(commit, stored_x, new_member, topic, 0, x).passed


@pytest.mark.parametrize("key", ALL)
def test_d27_committed_offsets(key: str) -> None:
    rec = recordings.load(key)
    get = main(rec, "offsets_get_with_body")
    assert v2c.judge_committed_shape(get).passed
    assert not v2c.judge_committed_shape(forge(get, 405, None, None)).passed


@pytest.mark.parametrize("key", ALL)
def test_d28_bodyless_commit(key: str) -> None:
    rec = recordings.load(key)
    reads = [main(rec, "commit_effect_new_member")]
    commit, get = main(rec, "commit_without_body"), main(rec, "offsets_get_after_commit_without_body")
    assert commit.request.body is None
    j = v2c.judge_bodyless_commit(reads, commit, [get], rec.single_partition_topic, 0)
    assert j.passed is not is_karapace(key), messages(j)  # Karapace: 400 "Missing request JSON body"


@pytest.mark.parametrize("key", ALL)
def test_d30_delete_and_unknown(key: str) -> None:
    rec = recordings.load(key)
    names = ("consumer_delete_twice", "deleted_instance_records", "unknown_instance_records")
    after = [main(rec, n) for n in (*names, "unknown_instance_commit", "unknown_instance_delete")]
    j = v2c.judge_delete(main(rec, "consumer_delete"), after, None)
    assert j.passed, messages(j)
    assert not v2c.judge_delete(main(rec, "consumer_delete"), [forge(after[1], 200, [])], None).passed


@pytest.mark.parametrize("key", ALL)
def test_d31_format_mismatch(key: str) -> None:
    rec = recordings.load(key)
    create, read = main(rec, "consumer_create_format_json"), main(rec, "records_json_consumer_binary_accept")
    j = v2c.judge_format_mismatch(create, [read], "v2")
    assert j.passed, messages(j)
    assert not v2c.judge_format_mismatch(create, [forge(read, 200, [])], "v2").passed


GARBAGE = (
    b"not json",
    b"[1, 2]",
    b"null",
    b'{"offsets": [[1]], "topics": 3, "partitions": [{"topic": [1]}]}',
)


@pytest.mark.parametrize("body", GARBAGE)
def test_judges_fail_on_garbage_without_raising(body: bytes) -> None:
    """A misbehaving target gets findings, never a traceback."""
    rec = recordings.load("confluent-7.5.0-v2")
    e = Exchange(
        main(rec, "subscription_get").request, Response.build(200, {"content-type": "application/json"}, body)
    )
    sent = [Sent(rec.topic, 0, 5, b"k", b"v")]
    judged = [
        v2c.judge_created([e]),
        v2c.judge_subscription_shape(e),
        v2c.judge_subscription_contents(e, ["t"]),
        v2c.judge_assignments(e, e, [("t", 0)]),
        v2c.judge_records_read([e], sent, what="x"),
        v2c.judge_assigned_read(e, [e], sent),
        v2c.judge_commit_semantics(e, e, [e], "t", 0, 4),
        v2c.judge_committed_shape(e),
        v2c.judge_no_loss([e], [e], "t", 0, 4),
        v2c.judge_bodyless_commit([e], e, [e], "t", 0),
        v2c.judge_format_mismatch(e, [e], "v2"),
    ]
    from conformance.checks import v1_consumer as v1c

    judged += [
        v1c.judge_commit([e], e, "t"),
        v1c.judge_resume([e], [e], "t", 0),
        v1c.judge_read([e], sent, "t"),
    ]
    assert all(not j.passed for j in judged)
