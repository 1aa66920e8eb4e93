"""The percent-encoded unknown topic names of META-010/011 (contract.md §4.7, §8.1 M4/M5): each
spelling decodes to a name unique to the run, and the reference answers each like any unknown
topic, while a server that mishandles one spelling fails at the row's level."""

from __future__ import annotations

import random
from types import SimpleNamespace
from typing import Any, cast
from urllib.parse import unquote

import pytest

from conformance.checks import metadata
from conformance.checks.model import CheckContext
from conformance.checks.registry import by_id
from conformance.engine import open_target, phases, run_check
from conformance.reference.server import ReferenceConfig, serve_in_thread
from conformance.report.model import Outcome
from conformance.requirements import API_VERSIONS, ApiVersion


def _ctx() -> CheckContext:
    return cast(CheckContext, SimpleNamespace(run_id="krc-run", rng=random.Random(1)))


def test_each_spelling_is_one_encoded_segment_of_an_unknown_name() -> None:
    names: dict[str, Any] = dict(metadata.encoded_unknown_names(_ctx()))
    assert len(names) == len(metadata.NAME_SPELLINGS)
    for spelling, segment in names.items():
        assert "/" not in segment and segment.isascii() and "%" in segment, spelling
        assert unquote(segment).startswith(("krc-run-no-such-topic-", "krc-run")), spelling
    decoded = {spelling: unquote(segment) for spelling, segment in names.items()}
    assert not decoded["non-ASCII (UTF-8, percent-encoded)"].isascii()
    assert " " in decoded["with spaces (%20)"]
    plain = names["with an unreserved character percent-encoded"]
    assert plain.startswith("%6B") and unquote(plain).startswith("krc-run-no-such-topic-")


@pytest.mark.parametrize("version", API_VERSIONS)
@pytest.mark.parametrize(
    ("fault", "failing"),
    [
        (None, ()),
        ("metadata-non-ascii-name-500", ("META-010",)),
        ("metadata-illegal-name-no-route", ("META-010", "META-011")),
        ("metadata-encoded-name-code-404", ("META-011",)),
    ],
)
def test_spellings_judged_at_the_row(
    version: ApiVersion, fault: str | None, failing: tuple[str, ...]
) -> None:
    faults = frozenset({fault}) if fault else frozenset()
    with (
        serve_in_thread(ReferenceConfig(api_version=version, faults=faults)) as server,
        open_target(server.url, version, seed=4) as target,
    ):
        results = {c: run_check(by_id(c), target) for c in ("META-010", "META-011", "META-004")}
    for check_id, result in results.items():
        want = Outcome.FAIL if check_id in failing else Outcome.PASS
        assert result.outcome is want, f"{check_id} under {fault}: {result.outcome} {result.message}"
    spellings = {e.label for e in results["META-010"].exchanges}
    assert len(spellings) == len(metadata.NAME_SPELLINGS)


def _answer(path: str, status: int, code: int) -> Any:
    from conformance.exchange import Exchange, Request, Response

    body = f'{{"error_code":{code},"message":"m"}}'.encode()
    return Exchange(
        Request.build("GET", f"http://127.0.0.1:28083{path}", {}, None),
        Response(status, (("content-type", "application/vnd.kafka.v2+json"),), body, 1.0),
    )


def test_a_name_kafka_cannot_hold_may_be_refused_as_invalid_not_a_legal_one() -> None:
    # Live, Confluent 7.5.0 (lab 2026-12-07): META-010 failed at MUST on 400/40002 "invalid topic"
    # for the non-ASCII and space spellings; 5.5.0 answered 404. A legal name must still be 404.
    illegal = "/topics/krc-no-such-t%C3%B4pic-%C3%BC/partitions/0"
    spaces = "/topics/krc-no-such%20with%20spaces"
    legal = "/topics/%6Brc-no-such-topic"
    refused = metadata.judge_unknown(
        [(_answer(illegal, 400, 40002), "topic"), (_answer(spaces, 400, 40002), "topic")]
    )
    assert refused.passed, refused.findings
    assert len(refused.observations) == 2
    assert not metadata.judge_unknown([(_answer(legal, 400, 40002), "topic")]).passed
    assert metadata.judge_unknown([(_answer(legal, 404, 40403), "topic")]).passed
    assert not metadata.judge_unknown([(_answer(illegal, 500, 50001), "topic")]).passed


@pytest.mark.parametrize("check_id", ["META-010", "META-011"])
def test_a_server_that_hangs_on_a_name_gets_one_request_and_the_end_of_the_run(check_id: str) -> None:
    # Live, Karapace 3.16 (lab 2026-12-08): each name Kafka cannot hold held its event loop for 60 s
    # at partitions/0/offsets, and the queued probes of META-010/011 made 35 later checks time out.
    with (
        serve_in_thread(
            ReferenceConfig(api_version="v2", faults=frozenset({"robustness-hang-topic-get"}))
        ) as server,
        open_target(server.url, "v2", seed=4, timeout=0.5) as target,
    ):
        result = run_check(by_id(check_id), target)
    assert result.outcome is Outcome.ERROR, result.message
    assert len(result.exchanges) == 1, [e.request.url for e in result.exchanges]
    assert "%6B" in result.exchanges[0].request.url  # the legal spelling goes first
    (ordinary, _), _, (last, _) = phases([by_id(c) for c in ("META-004", check_id)])
    assert [c.requirement.id for c in last] == [check_id] and ordinary[0].requirement.id == "META-004"
