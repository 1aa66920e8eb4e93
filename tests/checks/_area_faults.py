"""Shared by the fault tests of every hand-written check area (test_faults_by_area.py).

`fault_results(area)` runs, in parallel, one in-thread reference per (fault, API version) for
every fault whose `caught_by` names a check of the area, plus the clean reference once per
version, and returns each run's results for the area's catching checks (for the areas in
`EVERY_CHECK`, for all the area's checks, so a test can also say which ones still pass).
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

from conformance.checks.registry import by_id, catalogue
from conformance.client import Credentials
from conformance.engine import open_target, run_check
from conformance.reference.faults import Fault, registry
from conformance.reference.server import ReferenceConfig, serve_in_thread
from conformance.report.model import CheckResult
from conformance.requirements import ApiVersion

AREAS = ("errors", "metadata", "produce", "v1-read", "v1-consumer", "v2-consumer", "negotiation", "auth")
# Areas whose checks only run with credentials: the reference is started requiring this key.
API_KEY = {"auth": "conformance-fault-key-77a0"}
EVERY_CHECK = frozenset({"auth"})
Results = Mapping[tuple[str | None, ApiVersion], dict[str, CheckResult]]


def in_area(check_id: str, area: str) -> bool:
    return by_id(check_id).requirement.area == area


def area_faults(area: str) -> list[Fault]:
    return [f for f in registry().values() if any(in_area(c, area) for c in f.caught_by)]


def catching(fault: Fault, version: ApiVersion, area: str) -> list[str]:
    return [c for c in fault.caught_by if in_area(c, area) and by_id(c).requirement.applies_to(version)]


def cases(area: str) -> list[tuple[str, ApiVersion]]:
    return [(f.id, v) for f in area_faults(area) for v in sorted(f.versions) if catching(f, v, area)]


def run_case(
    area: str, fault_id: str | None, version: ApiVersion, check_ids: list[str]
) -> dict[str, CheckResult]:
    faults = frozenset({fault_id}) if fault_id else frozenset()
    key = API_KEY.get(area)
    # A long-lived instance check runs only at --budget deep (it waits tens of seconds).
    deep = any("deep-budget" in by_id(c).requirement.needs for c in check_ids)
    with (
        serve_in_thread(ReferenceConfig(api_version=version, faults=faults, api_key=key)) as server,
        open_target(
            server.url,
            version,
            credentials=Credentials(api_key=key),
            seed=11,
            probe_unknown_topic_produce=True,
            budget="deep" if deep else "quick",
        ) as target,
    ):
        return {c: run_check(by_id(c), target) for c in check_ids}


def fault_results(area: str) -> Results:
    faults = {f.id: f for f in area_faults(area)}
    every = sorted(c.id for c in catalogue() if c.requirement.area == area)

    def checks(fault_ids: list[str], version: ApiVersion) -> list[str]:
        if area in EVERY_CHECK:
            return [c for c in every if by_id(c).requirement.applies_to(version)]
        return sorted({c for fid in fault_ids for c in catching(faults[fid], version, area)})

    jobs: list[tuple[str | None, ApiVersion, list[str]]] = [
        (fid, v, checks([fid], v)) for fid, v in cases(area)
    ]
    for version in ("v1", "v2"):
        jobs.append((None, version, checks(list(faults), version)))
    with ThreadPoolExecutor(12) as pool:
        return dict(pool.map(lambda job: ((job[0], job[1]), run_case(area, *job)), jobs))
