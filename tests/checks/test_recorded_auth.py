"""The auth and "other" judges on the recordings of real servers (shared/observed/).

No recorded server had authentication on (contract.md §8.11: U rows "not run"), so the auth
judges are fed recorded exchanges in the roles they would play: a recorded, unauthenticated
success stands for what an unprotected endpoint answers to a request without credentials, and
must be caught; recorded reads stand for the read-back. The auth checks run for real against the
reference started with an API key (test_live_auth.py).

| check | row | recorded exchange judged |
|---|---|---|
| AUTH-001 | U1 | none: no recorded request carried credentials (judge fed a synthetic one) |
| AUTH-002 | U2m | recorded successes as "refused" requests (must fail); recorded reads as read-back |
| AUTH-003 | U2 | recorded 4xx answers (must fail: not 401/403) |
| AUTH-004, AUTH-005 | U3, U4 | INFO: recorded, never failed |
| OTH-001 | O1 | v1-only paths, ?async=true and `headers` produces of every v2 recording |
"""

from __future__ import annotations

import pytest

from conformance import recordings
from conformance.checks import auth, other
from conformance.exchange import Exchange, Request, Response
from conformance.recordings import Recording

V2_ALL = ("confluent-5.5.0-v2", "confluent-7.5.0-v2", "karapace-3.16.0")

pytestmark = pytest.mark.skipif(recordings.observed_dir() is None, reason="shared/observed/ not found")


def main(rec: Recording, name: str) -> Exchange:
    return rec.probe(name).main


def refusal(status: int, body: bytes, content_type: str | None = "application/json") -> Exchange:
    headers = {"content-type": content_type} if content_type else {}
    return Exchange(
        Request.build("GET", "/topics"), Response.build(status, headers, body), label=auth.MISSING
    )


@pytest.mark.parametrize("key", [*recordings.CONFLUENT, "karapace-3.16.0"])
def test_u2m_catches_every_unprotected_endpoint_area(key: str) -> None:
    """What each recorded server answered without credentials is what an unprotected endpoint
    gives: metadata, produce, consume and consumer creation all fail U2m."""
    rec = recordings.load(key)
    if rec.api_version == "v1":
        names = (
            "topics_list",
            "produce_topic_basic",
            "consume_simple_default_count",
            "consumer_create_named",
        )
    else:
        names = ("topics_list", "produce_value_only", "records_roundtrip", "consumer_create_named_binary")
    served = [main(rec, n) for n in names]
    j = auth.judge_refused(served)
    assert len(j.findings) == len(served)
    assert all("a 4xx refusal" in f.expected for f in j.findings)


@pytest.mark.parametrize("key", recordings.CONFLUENT)
def test_u2m_accepts_a_recorded_4xx_without_data(key: str) -> None:
    """An error body (a recorded 404 with error_code/message) is a refusal without data."""
    rec = recordings.load(key)
    not_found = main(rec, "topic_get_unknown")
    assert not_found.status == 404
    j = auth.judge_refused([not_found])
    assert j.passed, [f.message() for f in j.findings]


def test_u2m_catches_data_in_a_refusal_body() -> None:
    listing = b'["conformance-p3", "conformance-p1"]'
    j = auth.judge_refused([refusal(401, listing)])
    assert not j.passed and "JSON array" in j.findings[0].got
    j = auth.judge_refused([refusal(403, b'{"error_code":40301,"message":"no","offsets":[]}')])
    assert not j.passed
    j = auth.judge_refused(
        [refusal(401, b'{"error_code":40101,"message":"bad key for c2VjcmV0"}')], ["c2VjcmV0"]
    )
    assert not j.passed


def test_u2m_accepts_plain_refusals() -> None:
    j = auth.judge_refused(
        [refusal(401, b'{"error_code":40101,"message":"Unauthorized"}'), refusal(403, b"", None)]
    )
    assert j.passed


@pytest.mark.parametrize("key", ("confluent-5.5.0-v1", "confluent-7.5.0-v2"))
def test_nothing_written_on_recorded_reads(key: str) -> None:
    """The recorded read-backs serve as the span read: a value stored in it is 'written'."""
    rec = recordings.load(key)
    read = main(rec, "consume_simple_count_3") if rec.api_version == "v1" else main(rec, "records_roundtrip")
    records = read.response.json()  # type: ignore[union-attr]
    topic = records[0]["topic"]  # 5.5 v1 records carry it too
    partition = records[0]["partition"]
    first, last = records[0]["offset"], records[-1]["offset"]
    stored = records[1]["value"]
    assert auth.judge_nothing_written([read], topic, partition, (first, last), ["bm90LXRoZXJl"]).passed
    caught = auth.judge_nothing_written([read], topic, partition, (first, last), [stored])
    assert not caught.passed and "refused records stored" in caught.findings[0].got
    short = auth.judge_nothing_written([read], topic, partition, (first, last + 5), [])
    assert not short.passed, "an incomplete read-back must not pass as 'nothing written'"


@pytest.mark.parametrize("key", recordings.CONFLUENT)
def test_side_effects_judge_on_recorded_consumer_calls(key: str) -> None:
    rec = recordings.load(key)
    created = main(
        rec, "consumer_create_named" if rec.api_version == "v1" else "consumer_create_named_binary"
    )
    duplicate = main(rec, "consumer_create_duplicate_name")
    assert auth.judge_no_side_effects(created, None).passed
    assert not auth.judge_no_side_effects(duplicate, None).passed  # 409: the refused create made it
    gone = main(rec, "consumer_read_after_delete" if rec.api_version == "v1" else "deleted_instance_records")
    assert not auth.judge_no_side_effects(None, gone).passed  # 404: the refused delete deleted it


@pytest.mark.parametrize("key", recordings.CONFLUENT)
def test_u2_status(key: str) -> None:
    rec = recordings.load(key)
    assert not auth.judge_auth_status([main(rec, "topic_get_unknown")]).passed
    assert auth.judge_auth_status([refusal(401, b""), refusal(403, b"")]).passed


def test_u3_shapes() -> None:
    shapes = [
        auth.body_shape(refusal(401, b'{"error_code":40101,"message":"x"}')),
        auth.body_shape(refusal(403, b'{"errorCode":403,"errorMessage":"Unauthorized"}')),
        auth.body_shape(refusal(401, b"Unauthorized", "text/plain")),
        auth.body_shape(refusal(401, b"", None)),
    ]
    assert shapes == [
        "error_code/message",
        "errorCode/errorMessage (IBM admin style)",
        "non-JSON (text/plain)",
        "empty body",
    ]
    j = auth.observe_body_shapes([refusal(401, b"")])
    assert j.passed and j.observations


def test_u1_and_u4_are_recorded() -> None:
    signed = Exchange(Request.build("GET", "/topics", {"X-Auth-Token": "k"}), Response.build(200))
    bare = Exchange(Request.build("GET", "/topics"), Response.build(200))
    j = auth.observe_credentials_sent([signed, bare], ["X-Auth-Token"])
    assert j.passed and j.observations == ["U1: X-Auth-Token sent on 1 of 2 requests"]
    limited = Exchange(Request.build("GET", "/topics"), Response.build(429, {"retry-after": "2"}))
    j = auth.observe_rate_limit([bare, limited])
    assert j.passed and any("Retry-After '2'" in o for o in j.observations)


@pytest.mark.parametrize("key", V2_ALL)
def test_o1_recorded(key: str) -> None:
    rec = recordings.load(key)
    paths = [main(rec, "v1_partition_messages_path"), main(rec, "v1_consumer_topic_read_path")]
    j = other.observe_other(
        paths, main(rec, "produce_async_query"), main(rec, "produce_record_headers_field"), []
    )
    assert j.passed and len(j.observations) == 4
    if key.startswith("confluent-7.5"):
        # §8 O1: 7.5 answers the v1 paths 404, ignores async (200) and rejects headers (422)
        assert [o.split("-> ")[1][:3] for o in j.observations] == ["404", "404", "200", "422"]
