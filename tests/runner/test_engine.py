"""run_check's outcome mapping, scheduling, time bound, selection and cleanup, on synthetic checks."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from conformance.checks.model import CheckContext, Judgement, skip
from conformance.client import Credentials
from conformance.engine import LiveContext, cleanup, phases, run_check, run_checks, select
from conformance.errors import UsageError
from conformance.report.model import Outcome

from .support import check, failing, mock_target, passing


def test_pass_fail_and_level() -> None:
    target = mock_target()
    assert run_check(check("T-001", passing), target).outcome is Outcome.PASS
    result = run_check(check("T-002", failing), target)
    assert result.outcome is Outcome.FAIL
    assert result.message.startswith("GET /topics -> 200")
    assert "expected 200 with a list; got 200" in result.message
    assert result.findings and result.exchanges


def test_info_findings_become_observations() -> None:
    # O1 is INFO in both versions: an INFO check records, it never fails.
    result = run_check(check("T-003", failing, row="O1", area="other"), mock_target())
    assert result.outcome is Outcome.PASS
    assert any("expected 200 with a list" in o for o in result.observations)


def test_skip_reason_and_unmet_needs() -> None:
    def skipping(ctx: CheckContext) -> Judgement:
        raise skip("needs a second broker")

    assert run_check(check("T-004", skipping), mock_target()).message == "needs a second broker"
    result = run_check(
        check("T-005", passing, needs=frozenset({"two-partitions"})), mock_target(partitions=1)
    )
    assert result.outcome is Outcome.SKIP
    assert "at least 2 partitions" in result.message and "has 1" in result.message
    unknown = run_check(check("T-006", passing, needs=frozenset({"bogus"})), mock_target())
    assert unknown.outcome is Outcome.SKIP and "unknown precondition" in unknown.message


def test_exception_is_an_error_with_one_line_and_traceback() -> None:
    def broken(ctx: CheckContext) -> Judgement:
        raise ValueError("bad\nthing")

    result = run_check(check("T-007", broken), mock_target())
    assert result.outcome is Outcome.ERROR
    assert result.message == "the check raised ValueError: bad thing"
    assert result.traceback and "ValueError" in result.traceback


def test_no_response_is_an_error_that_says_so() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    result = run_check(check("T-008", failing), mock_target(refuse))
    assert result.outcome is Outcome.ERROR
    assert "no response" in result.message and "refused" in result.message

    def crash_on_none(ctx: CheckContext) -> Judgement:
        exchange = ctx.api.topics()
        assert exchange.response is not None
        return Judgement()

    result = run_check(check("T-009", crash_on_none), mock_target(refuse))
    assert result.outcome is Outcome.ERROR and result.message.startswith("GET /topics -> no response")


def test_context_names_and_seeded_rng() -> None:
    target = mock_target()
    a = LiveContext(check("T-010", passing), target)
    b = LiveContext(check("T-010", passing), target)
    c = LiveContext(check("T-011", passing), target)
    assert a.group("g1") == "krc-test-t-010-g1"
    assert a.rng.random() == b.rng.random() != c.rng.random()
    assert a.client is not b.client


def test_concurrent_and_ordered_phases() -> None:
    started: list[str] = []
    running = [0, 0]  # now, most at once
    lock = threading.Lock()

    def record(name: str):  # type: ignore[no-untyped-def]
        def probe(ctx: CheckContext) -> Judgement:
            with lock:
                started.append(name)
                running[0] += 1
                running[1] = max(running[1], running[0])
            time.sleep(0.3)
            with lock:
                running[0] -= 1
            return Judgement()

        return probe

    checks = [check(f"T-1{n:02d}", record(f"T-1{n:02d}")) for n in range(8)]
    checks.append(check("T-200", record("last"), needs=frozenset({"last"})))
    checks.append(check("T-201", record("isolated"), needs=frozenset({"isolated"})))
    assert [(len(batch), concurrent) for batch, concurrent in phases(checks)] == [
        (8, True),
        (1, False),
        (1, True),
    ]
    out = run_checks(checks, mock_target(), jobs=8)
    assert all(r.outcome is Outcome.PASS for r in out.results.values())
    assert running[1] >= 4, f"independent checks must run concurrently; at most {running[1]} ran at once"
    assert started[-2:] == ["isolated", "last"]


def test_time_bound_turns_unfinished_checks_into_errors() -> None:
    def slow(ctx: CheckContext) -> Judgement:
        time.sleep(3)
        return Judgement()

    began = time.monotonic()
    out = run_checks([check("T-300", slow), check("T-301", passing)], mock_target(), time_bound=0.5)
    assert time.monotonic() - began < 2.5
    assert out.timed_out
    assert out.results["T-301"].outcome is Outcome.PASS
    assert out.results["T-300"].outcome is Outcome.ERROR
    assert out.results["T-300"].message.startswith("did not finish within the run's time bound of 0.5 s")


def test_select_by_area_id_and_opt_in_needs() -> None:
    checks = [
        check("T-400", passing),
        check("T-401", passing, area="produce", row="P1"),
        check("T-402", passing, area="auth", row="U2m", needs=frozenset({"credentials"})),
        check("T-403", passing, versions=("v2",)),
    ]
    chosen, not_run = select(checks, "v1", only=["produce"])
    assert [c.id for c in chosen] == ["T-401"]
    assert {n.check.id: n.counts_against for n in not_run} == {"T-400": True, "T-402": True}
    chosen, not_run = select(checks, "v1", skip=["t-401"])
    assert [c.id for c in chosen] == ["T-400"]
    assert {n.check.id: n.counts_against for n in not_run} == {"T-401": True, "T-402": False}
    chosen, _ = select(checks, "v1", credentials=True)
    assert [c.id for c in chosen] == ["T-400", "T-401", "T-402"]
    with pytest.raises(UsageError, match="--only prodce: no check id or area"):
        select(checks, "v1", only=["prodce"])


def test_cleanup_deletes_registered_consumers_and_lists_leftovers() -> None:
    deleted: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE":
            deleted.append(request.url.path)
            if "stuck" in request.url.path:
                return httpx.Response(500)
            return httpx.Response(404 if "gone" in request.url.path else 204)
        return httpx.Response(200, json=[])

    target = mock_target(handler, credentials=Credentials(api_key="k"))

    def register(ctx: CheckContext) -> Judgement:
        for name in ("a", "gone", "stuck", "a"):
            ctx.cleanup(f"/consumers/g/instances/{name}")
        raise RuntimeError("the check failed after creating consumers")

    run_check(check("T-500", register), target)
    leftovers = cleanup(target)
    assert sorted(deleted) == [
        "/consumers/g/instances/a",
        "/consumers/g/instances/gone",
        "/consumers/g/instances/stuck",
    ]
    assert [(x.path, x.reason) for x in leftovers] == [
        ("/consumers/g/instances/stuck", "DELETE answered 500")
    ]


def test_every_need_in_the_catalogue_is_known() -> None:
    from conformance.checks.registry import catalogue
    from conformance.engine import NEEDS, SCHEDULING

    unknown = {
        f"{c.id}: {need}"
        for c in catalogue()
        for need in c.requirement.needs
        if need not in {*NEEDS, *SCHEDULING}
    }
    assert not unknown, (
        f"needs the engine does not know (a typo would silently skip the check): {sorted(unknown)}"
    )


def test_hazard_runs_last_even_without_saying_so() -> None:
    hazard = check("T-600", passing, needs=frozenset({"probe-unknown-topic-produce"}))
    ordinary = check("T-601", passing)
    assert [[c.id for c in batch] for batch, _ in phases([hazard, ordinary])] == [["T-601"], [], ["T-600"]]


def test_cleanup_is_bounded_in_time() -> None:
    from conformance.engine import late_leftovers

    def hang(request: httpx.Request) -> httpx.Response:
        time.sleep(1.5)
        return httpx.Response(204)

    target = mock_target(hang)
    for n in range(3):
        target.cleanups.add(f"/consumers/g/instances/{n}")
    began = time.monotonic()
    leftovers = cleanup(target, time_bound=0.3)
    assert time.monotonic() - began < 1.2
    assert [x.reason for x in leftovers] == ["not deleted within the cleanup bound of 0.3 s"] * 3
    target.cleanups.add("/consumers/g/instances/late")  # a check still running after the cleanup
    assert [x.path for x in late_leftovers(target)] == ["/consumers/g/instances/late"]


def test_hazard_probes_wait_out_their_timeouts_together() -> None:
    # Confluent makes each hazardous produce wait out its 60 s producer timeout; run one after
    # another, five of them overran the run's bound live (lab, 2026-12-07: PROD-031 errored).
    def waits(ctx: CheckContext) -> Judgement:
        time.sleep(0.6)
        return Judgement()

    hazards = [
        check(f"T-70{n}", waits, needs=frozenset({"probe-unknown-topic-produce", "last"})) for n in range(5)
    ]
    target = mock_target()
    target.probe_unknown_topic_produce = True
    began = time.monotonic()
    out = run_checks(hazards, target, jobs=8, time_bound=2.0)
    assert not out.timed_out, "the hazard phase must fit a bound that fits one hazard"
    assert all(r.outcome is Outcome.PASS for r in out.results.values())
    assert time.monotonic() - began < 2.0


def test_sweep_checks_run_after_every_other_and_see_what_they_received() -> None:
    """A "sweep" check (ERR-008: E1/E4 wherever an answer came) runs in a phase of its own, after
    the hazards, and `seen_elsewhere` gives it every other check's exchanges, named by check."""
    saw: list[tuple[str, str]] = []

    def sweeping(ctx: CheckContext) -> Judgement:
        saw.extend((s.check_id, s.exchange.request.path) for s in ctx.seen_elsewhere())
        return Judgement()

    sweep = check("T-700", sweeping, needs=frozenset({"sweep"}))
    others = [check("T-701", passing), check("T-702", passing, needs=frozenset({"last"}))]
    assert [[c.id for c in batch] for batch, _ in phases([sweep, *others])] == [
        ["T-701"],
        [],
        ["T-702"],
        ["T-700"],
    ]
    out = run_checks([sweep, *others], mock_target(), jobs=4)
    assert out.results["T-700"].outcome is Outcome.PASS
    assert sorted(saw) == [("T-701", "/topics"), ("T-702", "/topics")]
