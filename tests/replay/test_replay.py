"""Fidelity: the reference server replays every recorded Confluent exchange (issue 11).

Each Confluent recording is replayed, request by request in recorded order, against a fresh
reference server on loopback with the recording's topics (`conformance.replay`). Every exchange
must match, or be listed in ``allowances.toml`` beside this file with a reason citing
contract.md, or (5.5.0 v2 only) be a point where 7.5.0 changed and the reference follows 7.5.0.
``docs/fidelity.md`` is generated from the same run and must be current.
"""

from __future__ import annotations

import pytest

from conformance import recordings
from conformance.exchange import Exchange
from conformance.recordings import Recording
from conformance.replay import (
    ALLOWANCES,
    COMMAND,
    REPORT,
    Judged,
    figure,
    load_allowances,
    render,
    run_all,
    unused_allowances,
)

pytestmark = pytest.mark.skipif(recordings.observed_dir() is None, reason="shared/observed/ not found")

# Acceptance of issue 11: matched / compared for these recordings.
MIN_FIDELITY = {"confluent-5.5.0-v1": 97.0, "confluent-7.5.0-v2": 97.0}


@pytest.fixture(scope="module")
def results() -> list[tuple[Recording, list[Judged]]]:
    return run_all(load_allowances(ALLOWANCES))


def test_every_difference_is_allowed_with_a_reason(results: list[tuple[Recording, list[Judged]]]) -> None:
    problems = [
        f"{j.comparison.key}: {j.comparison.recorded.describe()} | reference: "
        f"{j.comparison.replayed.describe()} | {j.status}: {j.reason}"
        for _, judged in results
        for j in judged
        if j.status in ("failed", "stale allowance")
    ]
    assert not problems, "\n".join(["the reference differs from the recording:", *problems])


def test_every_recorded_exchange_is_accounted_for(results: list[tuple[Recording, list[Judged]]]) -> None:
    for recording, judged in results:
        total = sum(len(p.exchanges) for p in recording.probes)
        assert len(judged) == total
        assert all(j.status == "matched" or j.reason for j in judged)


def test_allowance_table_names_only_recorded_exchanges(results: list[tuple[Recording, list[Judged]]]) -> None:
    allowances = load_allowances(ALLOWANCES)
    keys = [recording.key for recording, _ in results]
    assert unused_allowances(allowances, keys, [j for _, judged in results for j in judged]) == []
    assert {k.recording for k in allowances} <= set(keys)


@pytest.mark.parametrize(("key", "minimum"), sorted(MIN_FIDELITY.items()))
def test_fidelity_figure(results: list[tuple[Recording, list[Judged]]], key: str, minimum: float) -> None:
    (judged,) = [j for recording, j in results if recording.key == key]
    f = figure(recordings.load(key), judged)
    assert f.compared > 150
    assert f.percent >= minimum, f"{key}: {f.matched}/{f.compared} = {f.percent:.1f}% < {minimum}%"


def test_docs_fidelity_is_current(results: list[tuple[Recording, list[Judged]]]) -> None:
    expected = render(results, COMMAND)
    current = REPORT.read_text("utf-8") if REPORT.exists() else ""
    assert current == expected, f"{REPORT} is out of date: run {COMMAND}"


def _accepted_by_v9_v10_v11(exchange: Exchange) -> bool:
    """contract.md §8 V9–V11: a 4xx with an error body, or 200 with every entry failed."""
    response = exchange.response
    if response is None:
        return False
    body = response.json_or_none()
    if 400 <= response.status < 500:
        return isinstance(body, dict) and isinstance(body.get("error_code"), int)
    offsets = body.get("offsets") if isinstance(body, dict) else None
    return (
        response.status == 200
        and isinstance(offsets, list)
        and all(
            isinstance(e, dict) and e.get("offset") is None and isinstance(e.get("error_code"), int)
            for e in offsets
        )
    )


def test_unanswered_recordings_still_get_an_answer_the_contract_accepts(
    results: list[tuple[Recording, list[Judged]]],
) -> None:
    """Where Confluent did not answer within 10 s, the reference answers at once, and a produce to
    an unknown topic or partition gets an answer §8 V9–V11 accept."""
    seen = 0
    for _, judged in results:
        for j in judged:
            if j.status != "not compared":
                continue
            seen += 1
            replayed = j.comparison.replayed
            assert replayed.response is not None, f"{j.comparison.key}: no answer ({replayed.error})"
            request = replayed.request
            if request.method == "POST" and request.path.startswith("/topics/"):
                assert _accepted_by_v9_v10_v11(replayed), f"{j.comparison.key}: {replayed.describe()}"
    assert seen == 11
