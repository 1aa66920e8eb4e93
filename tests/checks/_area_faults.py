"""Shared by the fault and live tests of the metadata, produce, v1-read and errors areas.

`fault_results(area)` runs, in parallel, one in-thread reference per (fault, API version) for
every fault whose `caught_by` names a check of the area, plus the clean reference once per
version, and returns each run's results for the area's catching checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

from conformance.checks.registry import by_id
from conformance.engine import open_target, run_check
from conformance.reference.faults import Fault, registry
from conformance.reference.server import ReferenceConfig, serve_in_thread
from conformance.report.model import CheckResult
from conformance.requirements import ApiVersion

PREFIX = {"metadata": "META-", "produce": "PROD-", "v1-read": "READ-", "errors": "ERR-"}
Results = Mapping[tuple[str | None, ApiVersion], dict[str, CheckResult]]


def area_faults(area: str) -> list[Fault]:
    return [f for f in registry().values() if any(c.startswith(PREFIX[area]) for c in f.caught_by)]


def catching(fault: Fault, version: ApiVersion, area: str) -> list[str]:
    return [
        c for c in fault.caught_by if c.startswith(PREFIX[area]) and by_id(c).requirement.applies_to(version)
    ]


def cases(area: str) -> list[tuple[str, ApiVersion]]:
    return [(f.id, v) for f in area_faults(area) for v in sorted(f.versions) if catching(f, v, area)]


def run_case(fault_id: str | None, version: ApiVersion, check_ids: list[str]) -> dict[str, CheckResult]:
    faults = frozenset({fault_id}) if fault_id else frozenset()
    with (
        serve_in_thread(ReferenceConfig(api_version=version, faults=faults)) as server,
        open_target(server.url, version, seed=11, probe_unknown_topic_produce=True) as target,
    ):
        return {c: run_check(by_id(c), target) for c in check_ids}


def fault_results(area: str) -> Results:
    faults = {f.id: f for f in area_faults(area)}
    jobs: list[tuple[str | None, ApiVersion, list[str]]] = [
        (fid, v, catching(faults[fid], v, area)) for fid, v in cases(area)
    ]
    for version in ("v1", "v2"):
        clean = sorted({c for f in faults.values() for c in catching(f, version, area)})
        jobs.append((None, version, clean))
    with ThreadPoolExecutor(12) as pool:
        return dict(pool.map(lambda job: ((job[0], job[1]), run_case(*job)), jobs))
