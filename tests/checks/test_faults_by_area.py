"""Every fault that names a hand-written check is caught: with it on, each of its `caught_by`
checks of the area that applies to the API version fails; with it off, the same checks pass.

One in-thread reference per (fault, version), run in parallel once per area (_area_faults.py).
The generated layer's checks (area `fuzz`) are proven in tests/fuzz/test_live.py.
"""

from __future__ import annotations

from functools import cache

import pytest
from _area_faults import AREAS, Results, area_faults, cases, catching, fault_results

from conformance.checks import auth
from conformance.checks.registry import by_id, catalogue
from conformance.reference.faults import Fault, registry
from conformance.report.model import Outcome
from conformance.requirements import ApiVersion, Level, rows

# MUST/SHOULD checks no fault's `caught_by` names, with the reason.
KNOWN_UNFAILABLE: dict[str, str] = {
    "PROD-026": "V8s (v1 SHOULD, 2.0's 422/422): the clean reference already answers 500/500 for a "
    "negative partition, as Confluent 5.5 does, so it fails without any fault",
}
CONSUMER_AREAS = ("v1-consumer", "v2-consumer")


@cache
def results(area: str) -> Results:
    return fault_results(area)


@pytest.mark.parametrize(
    ("area", "fault_id", "version"), [(area, *case) for area in AREAS for case in cases(area)]
)
def test_fault_is_caught(area: str, fault_id: str, version: ApiVersion) -> None:
    fault = registry()[fault_id]
    # A hang is caught when the checks that hit it error with a timeout (issue 10).
    caught = {Outcome.FAIL, Outcome.ERROR} if fault.area == "robustness" else {Outcome.FAIL}
    run = results(area)[(fault_id, version)]
    for check_id in catching(fault, version, area):
        result = run[check_id]
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


@pytest.mark.parametrize(
    "fault", [f for area in CONSUMER_AREAS for f in area_faults(area)], ids=lambda f: f.id
)
def test_consumer_faults_name_checks_of_their_rows(fault: Fault) -> None:
    assert fault.area == "consumers" and fault.id.split("-")[0] in ("consumers", "karapace", "strimzi")
    for version in fault.versions:
        for area in CONSUMER_AREAS:
            for check_id in catching(fault, version, area):
                assert set(by_id(check_id).requirement.rows) & set(fault.rows), (
                    f"{check_id} is not about {fault.rows}"
                )


@pytest.mark.parametrize("area", ["negotiation", "auth"])
def test_negotiation_and_auth_faults_are_caught_in_their_own_area(area: str) -> None:
    for fault in area_faults(area):
        assert fault.area == area
        assert all(by_id(c).requirement.area in (area, "fuzz") for c in fault.caught_by), fault.id


@pytest.mark.parametrize("module_area", ["consumers", "auth"])
def test_a_fifth_of_an_area_module_is_subtle(module_area: str) -> None:
    faults = [f for f in registry().values() if f.area == module_area]
    assert faults and 5 * sum(f.subtle for f in faults) >= len(faults)


def test_only_the_exact_status_check_catches_a_400_refusal() -> None:
    """auth-refusal-400 still refuses (U2m holds), only the SHOULD status row breaks."""
    for version in ("v1", "v2"):
        assert results("auth")[("auth-refusal-400", version)]["AUTH-002"].outcome is Outcome.PASS


def test_refused_produce_written_is_caught_by_the_read_back() -> None:
    """The subtle fault answers 401 like the clean server: only the read-back sees the record."""
    for version in ("v1", "v2"):
        result = results("auth")[("auth-refused-produce-written", version)]["AUTH-002"]
        assert [f.got for f in result.findings if "refused records stored" in f.got]
        refused = [e for e in result.exchanges if e.label in (auth.MISSING, auth.WRONG)]
        assert all(e.status == 401 for e in refused)
