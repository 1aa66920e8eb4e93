"""One diagnosis per defect (live runs, 2026-12-07): a check whose own setup step did not take effect
ends as error with that reason, never as a failure of its row; transient server states are not
verdicts; checks that assert contiguity run alone.

- Karapace refused seeks right after assign: the read-back of PROD-009/010/011 then reported "got
  no record there", and V2C-029 reported data loss from a seek that was never taken.
- A produce that reports offset -1 is P4's defect (PROD-004), not D18's or D21's.
- Confluent 5.5 interleaved the suite's own concurrent producers within one request (PROD-003).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from conformance.checks import v2_consumer
from conformance.checks.registry import by_id, catalogue
from conformance.engine import open_target, phases, run_check
from conformance.reference.server import ReferenceConfig, serve_in_thread
from conformance.report.model import CheckResult, Outcome
from conformance.requirements import ApiVersion


def _run(
    version: ApiVersion,
    ids: Sequence[str],
    *,
    faults: frozenset[str] = frozenset(),
    quirks: frozenset[str] = frozenset(),
    jobs: int = 0,
) -> dict[str, CheckResult]:
    checks = [by_id(i) for i in ids]
    config = ReferenceConfig(api_version=version, faults=faults, quirks=quirks)
    with (
        serve_in_thread(config) as server,
        open_target(server.url, version, seed=11) as target,
        ThreadPoolExecutor(jobs or len(checks)) as pool,
    ):
        return {r.check.id: r for r in pool.map(lambda c: run_check(c, target), checks)}


def test_a_refused_setup_seek_is_an_error_not_a_failure_of_the_row() -> None:
    """Seeks always 409/40903: D18 fails (V2C-022) and nothing else does; the checks that seek
    before the reads they judge, and the read-back of the produce checks, end as error."""
    setup_seek = ["V2C-026", "V2C-029", "V2C-033", "V2C-035", "PROD-009", "PROD-010", "PROD-011"]
    results = _run("v2", ["V2C-022", *setup_seek], faults=frozenset({"consumers-v2-seek-always-refused"}))
    assert results["V2C-022"].outcome is Outcome.FAIL, results["V2C-022"].message
    for check_id in setup_seek:
        result = results[check_id]
        assert result.outcome is Outcome.ERROR, f"{check_id}: {result.outcome} {result.message}"
        assert "setup:" in result.message and "409" in result.message, result.message
        assert not result.findings, f"{check_id} judged its row on a seek it never got"
    assert "read-back" in results["PROD-010"].message


def test_a_false_produce_offset_is_blamed_on_p4_only() -> None:
    """Offsets reported as -1: PROD-004 fails; the consumer checks that read their own records
    back by offset end as error naming P4, instead of failing D18, D21, C10."""
    fault = frozenset({"produce-offset-always-minus-one"})
    v2 = _run("v2", ["PROD-004", "V2C-022", "V2C-026", "V2C-029", "V2C-033"], faults=fault)
    v1 = _run("v1", ["PROD-004", "V1C-010", "V1C-014", "V1C-015"], faults=fault)
    for results in (v2, v1):
        assert results["PROD-004"].outcome is Outcome.FAIL, results["PROD-004"].message
        for check_id, result in results.items():
            if check_id == "PROD-004":
                continue
            assert result.outcome is Outcome.ERROR, f"{check_id}: {result.outcome} {result.message}"
            assert "P4 (PROD-004)" in result.message, result.message


def test_v2_consumer_checks_settle_a_seek_refused_right_after_assign() -> None:
    """The Karapace quirk (409/40903 for 30 ms after assign): every v2 consumer check passes, with
    the retry named in an observation (V2C-022 / D18 and V2C-026 / D21 failed on it live)."""
    ids = [c.id for c in v2_consumer.checks if c.requirement.needs <= {"isolated"}]
    # 8 at once, as the runner does: many more and the seeks come after the 30 ms anyway.
    results = _run("v2", ids, quirks=frozenset({"seek-refused-right-after-assign"}), jobs=8)
    bad = [f"{i}: {r.outcome} {r.message}" for i, r in results.items() if r.outcome is not Outcome.PASS]
    assert not bad, "\n".join(bad)
    retried = [
        i for i, r in results.items() if any("409/40903" in o and "retried" in o for o in r.observations)
    ]
    assert retried, "no check observed the settled seek"


CONTIGUITY = ("PROD-003", "PROD-007", "PROD-008", "PROD-009", "PROD-010", "PROD-011", "READ-002", "READ-004")


def test_checks_that_need_contiguous_offsets_run_alone() -> None:
    """P3 (and every check that expects its own records at consecutive offsets) holds only
    without concurrent writers: Confluent 5.5 v1 put other checks' records between the records of
    one request (offsets 39, 48, 49). Those checks run in the isolated phase, one at a time."""
    batches = phases(list(catalogue()))
    concurrent = {c.id for batch, together in batches if together for c in batch}
    alone = {c.id for batch, together in batches if not together for c in batch}
    for check_id in CONTIGUITY:
        assert check_id in alone and check_id not in concurrent, check_id


def test_a_dropped_entry_is_named_not_contradicted() -> None:
    # Issue 17 point 7: under produce-last-record-dropped, PROD-006 and PROD-007 said
    # "expected every entry in partition 0; got partitions [0, 0, 0]".
    from conformance.checks.registry import by_id
    from conformance.engine import open_target, run_check
    from conformance.reference.server import ReferenceConfig, serve_in_thread

    config = ReferenceConfig(api_version="v2", faults=frozenset({"produce-last-record-dropped"}))
    with serve_in_thread(config) as server, open_target(server.url, "v2") as target:
        for check_id in ("PROD-006", "PROD-007"):
            result = run_check(by_id(check_id), target)
            assert result.outcome.value == "fail", (check_id, result.message)
            assert "entries for" in result.message and "records" in result.message, result.message
            assert "partitions [" not in result.message, result.message


def test_the_size_limit_probe_runs_after_every_other_request() -> None:
    """Live, Karapace 3.16.0 (lab 2026-12-07): the 1 MiB batch of PROD-033 stalled Karapace's
    producer, and 33 checks that ran after it errored on timeouts. It runs in the last phase, and
    only the sweep (which sends nothing after a full run) follows it."""
    batches = phases(list(catalogue()))
    where = next(i for i, (batch, _) in enumerate(batches) if any(c.id == "PROD-033" for c in batch))
    later = [c for batch, _ in batches[where + 1 :] for c in batch]
    assert all("sweep" in c.requirement.needs for c in later), [c.id for c in later]
    assert all(
        c.id == "PROD-033" or c.requirement.needs & {"last", "probe-unknown-topic-produce"}
        for c in batches[where][0]
    )
