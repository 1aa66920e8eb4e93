"""Every fault that names a check of these areas is caught: with it on, each of its `caught_by`
checks of the area that applies to the API version fails; with it off, the same checks pass.

One in-thread reference per (fault, version), run in parallel once per area (_area_faults.py).
"""

from __future__ import annotations

from functools import cache

import pytest
from _area_faults import Results, area_faults, cases, catching, fault_results

from conformance.checks.registry import catalogue
from conformance.reference.faults import Fault, registry
from conformance.report.model import Outcome
from conformance.requirements import ApiVersion, Level, rows

AREAS = ("errors", "metadata", "produce", "v1-read")

# MUST/SHOULD checks no fault can prove failable, with the reason.
KNOWN_UNFAILABLE: dict[str, str] = {
    "PROD-026": "V8s (v1 SHOULD, 2.0's 422/422): the clean reference already answers 500/500 for a "
    "negative partition, as Confluent 5.5 does, so it fails without any fault",
}


@cache
def results(area: str) -> Results:
    return fault_results(area)


@pytest.mark.parametrize(
    ("area", "fault_id", "version"), [(area, *case) for area in AREAS for case in cases(area)]
)
def test_fault_is_caught(area: str, fault_id: str, version: ApiVersion) -> None:
    fault = registry()[fault_id]
    assert catching(fault, version, area)
    # A hang is caught when the checks that hit it error with a timeout (issue 10).
    caught = {Outcome.FAIL, Outcome.ERROR} if fault.area == "robustness" else {Outcome.FAIL}
    for check_id, result in results(area)[(fault_id, version)].items():
        assert result.outcome in caught, (
            f"{check_id} did not fail under {fault_id}: {result.outcome} {result.message}"
        )


@pytest.mark.parametrize("area", AREAS)
@pytest.mark.parametrize("version", ["v1", "v2"])
def test_catching_checks_pass_without_faults(area: str, version: ApiVersion) -> None:
    for check_id, result in results(area)[(None, version)].items():
        assert result.outcome is Outcome.PASS, f"{check_id}: {result.message}"


@pytest.mark.parametrize("fault", [f for area in AREAS for f in area_faults(area)], ids=lambda f: f.id)
def test_fault_breaks_a_must_or_should_row(fault: Fault) -> None:
    for version in fault.versions:
        broken = [r for r in fault.rows if rows()[r].level(version) in (Level.MUST, Level.SHOULD)]
        assert broken, f"{fault.id} breaks no MUST or SHOULD row in {version}"


@pytest.mark.parametrize("area", AREAS)
def test_every_must_and_should_check_of_the_area_is_failable(area: str) -> None:
    caught = {c for f in area_faults(area) for c in f.caught_by}
    for check in catalogue():
        if check.requirement.area != area:
            continue
        failable = any(check.requirement.level(v) in (Level.MUST, Level.SHOULD) for v in ("v1", "v2"))
        if failable and check.id not in KNOWN_UNFAILABLE:
            assert check.id in caught, f"no fault makes {check.id} fail"
