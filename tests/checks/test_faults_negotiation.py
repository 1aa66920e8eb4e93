"""Every negotiation fault is caught: with it on, each check in its `caught_by` that applies to
the API version fails; with it off (the clean reference), the same checks pass.

One in-thread reference per (fault, version), all run in parallel once per module.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

import pytest

from conformance.checks import negotiation
from conformance.checks.registry import by_id
from conformance.engine import open_target, run_check
from conformance.reference.faults import Fault, registry
from conformance.reference.faults import negotiation as area
from conformance.reference.server import ReferenceConfig, serve_in_thread
from conformance.report.model import CheckResult, Outcome
from conformance.requirements import ApiVersion, Level, rows

FAULTS: tuple[Fault, ...] = area.FAULTS
CASES = [(f.id, v) for f in FAULTS for v in sorted(f.versions)]
Results = Mapping[tuple[str | None, ApiVersion], dict[str, CheckResult]]


def catching(fault: Fault, version: ApiVersion) -> list[str]:
    return [c for c in fault.caught_by if by_id(c).requirement.applies_to(version)]


def run_case(fault_id: str | None, version: ApiVersion, check_ids: list[str]) -> dict[str, CheckResult]:
    faults = frozenset({fault_id}) if fault_id else frozenset()
    with (
        serve_in_thread(ReferenceConfig(api_version=version, faults=faults)) as server,
        open_target(server.url, version, seed=11) as target,
    ):
        return {c: run_check(by_id(c), target) for c in check_ids}


@pytest.fixture(scope="module")
def results() -> Results:
    by_id_fault = {f.id: f for f in FAULTS}
    jobs: list[tuple[str | None, ApiVersion, list[str]]] = [
        (fid, v, catching(by_id_fault[fid], v)) for fid, v in CASES
    ]
    for version in ("v1", "v2"):
        clean = sorted({c for f in FAULTS for c in catching(f, version)})
        jobs.append((None, version, clean))
    with ThreadPoolExecutor(8) as pool:
        done = pool.map(lambda job: ((job[0], job[1]), run_case(*job)), jobs)
        return dict(done)


@pytest.mark.parametrize(("fault_id", "version"), CASES)
def test_fault_is_caught(fault_id: str, version: ApiVersion, results: Results) -> None:
    fault = registry()[fault_id]
    expected = catching(fault, version)
    assert expected, f"{fault_id} names no check that applies to {version}"
    for check_id, result in results[(fault_id, version)].items():
        assert result.outcome is Outcome.FAIL, (
            f"{check_id} did not fail under {fault_id}: {result.outcome} {result.message}"
        )


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_catching_checks_pass_without_faults(version: ApiVersion, results: Results) -> None:
    for check_id, result in results[(None, version)].items():
        assert result.outcome is Outcome.PASS, f"{check_id}: {result.message}"


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.id)
def test_fault_metadata(fault: Fault) -> None:
    assert fault.area == "negotiation" and fault.id in registry()
    for version in fault.versions:
        broken = [r for r in fault.rows if rows()[r].level(version) in (Level.MUST, Level.SHOULD)]
        assert broken, f"{fault.id} breaks no MUST or SHOULD row in {version}"
        for check_id in catching(fault, version):
            assert by_id(check_id).requirement.area == "negotiation"


def test_catalogue_shape() -> None:
    ids = [f.id for f in FAULTS]
    assert sum(f.subtle for f in FAULTS) * 5 >= len(FAULTS), "at least a fifth must be subtle"
    assert any(i.startswith("karapace-") for i in ids) and any(i.startswith("strimzi-") for i in ids)
    # every MUST/SHOULD negotiation check is failed by some fault of this area
    caught = {c for f in FAULTS for c in f.caught_by}
    failable = {
        c.id
        for c in negotiation.checks
        if any(c.requirement.level(v) in (Level.MUST, Level.SHOULD) for v in ("v1", "v2"))
    }
    assert failable <= caught, sorted(failable - caught)
