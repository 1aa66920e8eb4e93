"""The error-model judges on the recordings of real servers (shared/observed/).

E1, E2 and E4 are judged on EVERY recorded exchange of every file: Confluent must give no
finding (its framework 404/405/406 without Content-Type and 5.5's plain-text 400 for `{not json`
are the exemptions §8 E1/E3 name), and Karapace none either (§8 K ✔: its plain-text errors are
framework errors or missing bodies). E5 catches Karapace's 42204 for a bad `format`; Q1 catches
its 500 for a non-integer `timeout`/`max_bytes`.

| check | row | recorded probes |
|---|---|---|
| ERR-001, ERR-002, ERR-004 | E1, E2, E4 | every exchange of every recording |
| ERR-003 | E3 | unknown_path, method_* |
| ERR-005 | E5 | consumer_create_duplicate_name, consumer_create_format_bad, consumer_create_auto_offset_reset_bogus, unknown_instance_records, unknown_instance_delete, assign_while_subscribed, records_json_consumer_binary_accept |
| ERR-006, ERR-007 | Q1, Q1s | *_nonint, *_non_integer, consumer_read_max_bytes_nonint |
| ERR-008 | E1, E4 (sweep) | every exchange of every recording, each as seen by the check named after its probe |
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from conformance import recordings
from conformance.checks import error_model as em
from conformance.checks.model import Judgement, Seen
from conformance.exchange import Exchange, Response
from conformance.recordings import Recording

pytestmark = pytest.mark.skipif(recordings.observed_dir() is None, reason="shared/observed/ not found")

ALL = ("confluent-5.5.0-v1", "confluent-5.5.0-v2", "confluent-7.5.0-v2", "karapace-3.16.0")
V2_CONFLUENT = ("confluent-5.5.0-v2", "confluent-7.5.0-v2")


def every(rec: Recording) -> Iterator[Exchange]:
    for probe in rec.probes:
        yield from probe.exchanges


def main(rec: Recording, name: str) -> Exchange:
    return rec.probe(name).main


def text(j: Judgement) -> str:
    return "\n".join(f.message() for f in j.findings)


@pytest.mark.parametrize("key", ALL)
def test_e1_e2_e4_on_every_recorded_exchange(key: str) -> None:
    exchanges = list(every(recordings.load(key)))
    errors = [e for e in exchanges if e.status is not None and e.status >= 400]
    assert len(errors) > 20  # the recordings really contain errors to judge
    for judge in (em.judge_error_bodies, em.judge_error_codes, em.judge_json_labels_truthful):
        j = judge(exchanges)
        assert j.passed, text(j)


def test_e1_e2_e4_catch_what_they_must() -> None:
    rec = recordings.load("confluent-7.5.0-v2")
    unknown = main(rec, "topic_get_unknown")
    assert unknown.response is not None
    bare = replace(unknown, response=Response.build(404, {"content-type": "text/plain"}, b"Not Found"))
    assert not em.judge_error_bodies([bare], known_application=True).passed
    assert em.judge_error_bodies([bare]).passed  # unknown origin: could be a framework 404 (E3)
    unlabelled = replace(unknown, response=replace(unknown.response, headers=()))
    assert not em.judge_error_bodies([unlabelled], known_application=True).passed
    wrong_class = replace(
        unknown, response=replace(unknown.response, body=b'{"error_code":50002,"message":"x"}')
    )
    assert "404/50002" in text(em.judge_error_codes([wrong_class]))
    lying = replace(unknown, response=replace(unknown.response, body=b"<html>oops</html>"))
    assert not em.judge_json_labels_truthful([lying]).passed


def test_e2_accepts_the_documented_exceptions() -> None:
    assert em.error_code_fits(500, 50301) and em.error_code_fits(422, 40001)
    assert em.error_code_fits(404, 40403) and em.error_code_fits(409, 409)
    assert not em.error_code_fits(404, 40901) and not em.error_code_fits(422, 4220)


@pytest.mark.parametrize(
    ("key", "names"),
    [
        (
            "confluent-5.5.0-v1",
            ("unknown_path", "method_not_allowed_put_topics", "method_not_allowed_delete_topic"),
        ),
        ("confluent-5.5.0-v2", ("unknown_path", "method_delete_topics", "method_put_topic")),
        ("confluent-7.5.0-v2", ("unknown_path", "method_delete_topics", "method_put_topic")),
        ("karapace-3.16.0", ("unknown_path", "method_delete_topics", "method_put_topic")),
    ],
)
def test_e3_framework(key: str, names: tuple[str, ...]) -> None:
    rec = recordings.load(key)
    j = em.judge_framework([main(rec, n) for n in names], [404, 405, 405])
    assert j.passed, text(j)


def e5_cases(rec: Recording) -> list[em.Expected]:
    return [
        em.Expected(main(rec, "consumer_create_duplicate_name"), 409, 40902, "duplicate"),
        em.Expected(main(rec, "consumer_create_format_bad"), 422, 422, "bad format"),
        em.Expected(main(rec, "consumer_create_auto_offset_reset_bogus"), 422, 42204, "bad reset"),
        em.Expected(main(rec, "unknown_instance_records"), 404, 40403, "unknown instance"),
        em.Expected(main(rec, "unknown_instance_delete"), 404, 40403, "unknown instance"),
        em.Expected(main(rec, "assign_while_subscribed"), 409, 40903, "conflict"),
        em.Expected(main(rec, "records_json_consumer_binary_accept"), 406, 40601, "format mismatch"),
    ]


@pytest.mark.parametrize("key", V2_CONFLUENT)
def test_e5_on_confluent(key: str) -> None:
    j = em.judge_v2_codes(e5_cases(recordings.load(key)))
    assert j.passed, text(j)


def test_e5_catches_karapace_bad_format_42204() -> None:
    j = em.judge_v2_codes(e5_cases(recordings.load("karapace-3.16.0")))
    assert [f.got.split()[0] for f in j.findings] == ["422/42204"]


Q1_V1 = (
    "partition_get_nonint",
    "produce_partition_nonint",
    "consume_simple_nonint_partition",
    "consume_simple_nonint_offset",
    "consume_simple_nonint_count",
    "consumer_read_max_bytes_nonint",
)
Q1_V2 = (
    "partition_get_non_integer",
    "produce_to_partition_non_integer",
    "records_timeout_non_integer",
    "records_max_bytes_non_integer",
)


def test_q1_q1s_on_confluent_v1() -> None:
    rec = recordings.load("confluent-5.5.0-v1")
    exchanges = [main(rec, n) for n in Q1_V1]
    assert em.judge_nonint_params(exchanges, exact=False).passed
    assert em.judge_nonint_params(exchanges, exact=True).passed


@pytest.mark.parametrize("key", V2_CONFLUENT)
def test_q1_on_confluent_v2(key: str) -> None:
    rec = recordings.load(key)
    exchanges = [main(rec, n) for n in Q1_V2]
    assert em.judge_nonint_params(exchanges, exact=False).passed
    assert len(em.observe_nonint_params(exchanges).observations) == 4


def test_q1_catches_karapace_500_for_timeout_and_max_bytes() -> None:
    rec = recordings.load("karapace-3.16.0")
    j = em.judge_nonint_params([main(rec, n) for n in Q1_V2], exact=False)
    assert len(j.findings) == 2
    assert "timeout=abc" in j.findings[0].expected and "max_bytes=abc" in j.findings[1].expected


# -- ERR-008: E1 and E4 on every answer any check received -------------------------------------------

HTML_500 = Response.build(
    500, {"content-type": "text/html;charset=iso-8859-1"}, b"<html>HTTP ERROR 500</html>"
)
GARBLED_500 = Response.build(500, {"content-type": "application/json"}, b"Internal Server Error")


def seen(rec: Recording, area: str = "recorded") -> list[Seen]:
    """Each recorded exchange as if the check named after its probe had received it."""
    return [Seen(probe.name, area, e) for probe in rec.probes for e in probe.exchanges]


@pytest.mark.parametrize("key", ALL)
def test_sweep_finds_nothing_on_any_recording(key: str) -> None:
    answers = seen(recordings.load(key))
    assert sum(1 for s in answers if s.exchange.status is not None and s.exchange.status >= 400) > 20
    j = em.judge_seen_answers(answers)
    assert j.passed, text(j)
    assert any(f"judged on {len(answers)} answer(s)" in o for o in j.observations)


@pytest.mark.parametrize(
    ("key", "read", "commit"),
    [
        ("confluent-5.5.0-v1", "consumer_read_until_records", "consumer_commit"),
        ("confluent-7.5.0-v2", "records_roundtrip", "commit_with_body"),
    ],
)
def test_sweep_blames_the_row_and_names_the_check_that_saw_it(key: str, read: str, commit: str) -> None:
    rec = recordings.load(key)
    answers = seen(rec)
    swap = {id(main(rec, read)): HTML_500, id(main(rec, commit)): GARBLED_500}
    answers = [
        replace(s, exchange=replace(s.exchange, response=swap[id(s.exchange)]))
        if id(s.exchange) in swap
        else s
        for s in answers
    ]
    found = text(em.judge_seen_answers(answers))
    assert f"E1 (seen by {read})" in found and "500 text/html" in found
    assert f"E4 (seen by {commit})" in found and "does not parse" in found


def test_sweep_leaves_the_generated_layer_and_e1_exemptions_to_their_own_judges() -> None:
    rec = recordings.load("confluent-7.5.0-v2")
    broken = replace(main(rec, "records_roundtrip"), response=HTML_500)
    assert em.judge_seen_answers([Seen("FUZZ-X", "fuzz", broken)]).passed  # judged where made
    refused = replace(broken, response=Response.build(401, {"content-type": "text/html"}, b"no"))
    assert em.judge_seen_answers([Seen("V2C-X", "v2-consumer", refused)]).passed  # U2m/U2/U3 judge it
    limited = replace(broken, response=Response.build(429, {"content-type": "text/plain"}, b"slow"))
    assert em.judge_seen_answers([Seen("V2C-X", "v2-consumer", limited)]).passed  # U4: never a failure


def test_sweep_reports_one_wrong_endpoint_once_whoever_saw_it() -> None:
    rec = recordings.load("confluent-7.5.0-v2")
    read = main(rec, "records_roundtrip")
    answers = [
        Seen(f"V2C-{n:03d}", "v2-consumer", replace(read, response=HTML_500, label=f"read {n}"))
        for n in range(5)
    ]
    j = em.judge_seen_answers(answers)
    assert len(j.findings) == 1 and "seen by V2C-000" in text(j)


def test_a_v1_commit_is_no_missing_body_framework_error() -> None:
    """A v1 commit ignores its body (§2.1 #10), so E3's missing-body exemption does not hide an
    HTML 500 there; a v2 body-less commit refused in text stays exempt (Karapace: 400 text)."""
    v1 = recordings.load("confluent-5.5.0-v1")
    html = replace(main(v1, "consumer_commit"), response=HTML_500)
    assert "E1 (seen by C14)" in text(em.judge_seen_answers([Seen("C14", "v1-consumer", html)]))
    karapace = recordings.load("karapace-3.16.0")
    bodyless = main(karapace, "commit_without_body")
    assert bodyless.status == 400 and em.e1_exemption(bodyless) == "missing or malformed body"
