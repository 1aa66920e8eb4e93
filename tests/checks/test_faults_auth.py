"""Every auth fault is caught against the reference started with an API key: with it on, each
check in its `caught_by` fails; with it off, the same checks pass.

One in-thread reference per (fault, version), all run in parallel once per module.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

import pytest

from conformance.checks import auth
from conformance.checks.registry import by_id
from conformance.client import Credentials
from conformance.engine import open_target, run_check
from conformance.reference.faults import Fault, registry
from conformance.reference.faults import auth as area
from conformance.reference.server import ReferenceConfig, serve_in_thread
from conformance.report.model import CheckResult, Outcome
from conformance.requirements import ApiVersion, Level, rows

KEY = "conformance-fault-key-77a0"
FAULTS: tuple[Fault, ...] = area.FAULTS
CASES = [(f.id, v) for f in FAULTS for v in sorted(f.versions)]
CHECK_IDS = sorted({c for f in FAULTS for c in f.caught_by})
Results = Mapping[tuple[str | None, ApiVersion], dict[str, CheckResult]]


def run_case(fault_id: str | None, version: ApiVersion) -> dict[str, CheckResult]:
    faults = frozenset({fault_id}) if fault_id else frozenset()
    with (
        serve_in_thread(ReferenceConfig(api_version=version, api_key=KEY, faults=faults)) as server,
        open_target(server.url, version, credentials=Credentials(api_key=KEY), seed=5) as target,
    ):
        return {c: run_check(by_id(c), target) for c in CHECK_IDS}


@pytest.fixture(scope="module")
def results() -> Results:
    jobs: list[tuple[str | None, ApiVersion]] = [*CASES, (None, "v1"), (None, "v2")]
    with ThreadPoolExecutor(8) as pool:
        return dict(pool.map(lambda job: (job, run_case(*job)), jobs))


@pytest.mark.parametrize(("fault_id", "version"), CASES)
def test_fault_is_caught(fault_id: str, version: ApiVersion, results: Results) -> None:
    fault = registry()[fault_id]
    assert fault.caught_by
    for check_id in fault.caught_by:
        result = results[(fault_id, version)][check_id]
        assert result.outcome is Outcome.FAIL, (
            f"{check_id} did not fail under {fault_id}: {result.outcome} {result.message}"
        )


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_checks_pass_without_faults(version: ApiVersion, results: Results) -> None:
    for check_id, result in results[(None, version)].items():
        assert result.outcome is Outcome.PASS, f"{check_id}: {result.message}"


def test_only_the_exact_status_check_catches_a_400_refusal(results: Results) -> None:
    """auth-refusal-400 still refuses (U2m holds), only the SHOULD status row breaks."""
    for version in ("v1", "v2"):
        assert results[("auth-refusal-400", version)]["AUTH-002"].outcome is Outcome.PASS


def test_refused_produce_written_is_caught_by_the_read_back(results: Results) -> None:
    """The subtle fault answers 401 like the clean server: only the read-back sees the record."""
    for version in ("v1", "v2"):
        result = results[("auth-refused-produce-written", version)]["AUTH-002"]
        assert [f.got for f in result.findings if "refused records stored" in f.got]
        refused = [e for e in result.exchanges if e.label in (auth.MISSING, auth.WRONG)]
        assert all(e.status == 401 for e in refused)


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.id)
def test_fault_metadata(fault: Fault) -> None:
    assert fault.area == "auth" and fault.id in registry()
    for version in fault.versions:
        assert any(rows()[r].level(version) in (Level.MUST, Level.SHOULD) for r in fault.rows), fault.id
    assert all(by_id(c).requirement.area == "auth" for c in fault.caught_by)


def test_catalogue_shape() -> None:
    assert sum(f.subtle for f in FAULTS) * 5 >= len(FAULTS), "at least a fifth must be subtle"
    failable = {
        c.id
        for c in auth.checks
        if any(c.requirement.level(v) in (Level.MUST, Level.SHOULD) for v in ("v1", "v2"))
    }
    assert failable <= {c for f in FAULTS for c in f.caught_by}
