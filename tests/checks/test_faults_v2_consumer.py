"""Every consumer fault that applies to API v2 is caught: with it on, each check of its
`caught_by` that applies to v2 fails; with it off (the clean reference), the same checks pass.

One in-thread reference per fault, all run in parallel once per module. The faults live in
conformance/reference/faults/consumers.py (area "consumers"); the v1/v2 split of the tests
follows the API version a fault runs under.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

import pytest

from conformance.checks.registry import by_id
from conformance.engine import open_target, run_check
from conformance.reference.faults import Fault, registry
from conformance.reference.faults import consumers as area
from conformance.reference.server import ReferenceConfig, serve_in_thread
from conformance.report.model import CheckResult, Outcome
from conformance.requirements import ApiVersion, Level, rows

VERSION: ApiVersion = "v2"
FAULTS: tuple[Fault, ...] = tuple(f for f in area.FAULTS if VERSION in f.versions)
Results = Mapping[str | None, dict[str, CheckResult]]


def catching(fault: Fault) -> list[str]:
    return [c for c in fault.caught_by if by_id(c).requirement.applies_to(VERSION)]


def run_case(fault_id: str | None, check_ids: list[str]) -> dict[str, CheckResult]:
    faults = frozenset({fault_id}) if fault_id else frozenset()
    with (
        serve_in_thread(ReferenceConfig(api_version=VERSION, faults=faults)) as server,
        open_target(server.url, VERSION, seed=11) as target,
    ):
        return {c: run_check(by_id(c), target) for c in check_ids}


@pytest.fixture(scope="module")
def results() -> Results:
    jobs: list[tuple[str | None, list[str]]] = [(f.id, catching(f)) for f in FAULTS]
    jobs.append((None, sorted({c for f in FAULTS for c in catching(f)})))
    with ThreadPoolExecutor(12) as pool:
        return dict(pool.map(lambda job: (job[0], run_case(*job)), jobs))


@pytest.mark.parametrize("fault_id", [f.id for f in FAULTS])
def test_fault_is_caught(fault_id: str, results: Results) -> None:
    assert catching(registry()[fault_id]), f"{fault_id} names no check that applies to {VERSION}"
    for check_id, result in results[fault_id].items():
        assert result.outcome is Outcome.FAIL, (
            f"{check_id} did not fail under {fault_id}: {result.outcome} {result.message}"
        )


def test_catching_checks_pass_without_faults(results: Results) -> None:
    assert results[None]
    for check_id, result in results[None].items():
        assert result.outcome is Outcome.PASS, f"{check_id}: {result.message}"


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.id)
def test_fault_metadata(fault: Fault) -> None:
    assert fault.area == "consumers" and fault.id in registry()
    assert fault.id.split("-")[0] in ("consumers", "karapace", "strimzi")
    broken = [r for r in fault.rows if rows()[r].level(VERSION) in (Level.MUST, Level.SHOULD)]
    assert broken, f"{fault.id} breaks no MUST or SHOULD row in {VERSION}"
    for check_id in catching(fault):
        assert set(by_id(check_id).requirement.rows) & set(fault.rows), (
            f"{check_id} is not about {fault.rows}"
        )


def test_a_fifth_are_subtle() -> None:
    assert 5 * sum(f.subtle for f in area.FAULTS) >= len(area.FAULTS)
