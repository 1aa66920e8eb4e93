"""The several-partition and two-topic consumer checks (v1_consumer_multi, v2_consumer_multi; issue 16)
against in-thread reference servers over loopback HTTP: they pass on the clean reference and leave
no instance behind; they are skipped with a reason when the topics cannot show two elements; and
each fault written for them is invisible to the single-element check of the same row, which is
why they exist. That each fault is caught by its `caught_by` checks is proven in
test_faults_by_area.py, as for every area.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from _instances import created_instances

from conformance.checks import v1_consumer_multi, v2_consumer_multi
from conformance.checks.registry import by_id
from conformance.engine import open_target, run_check
from conformance.reference.faults import Fault, registry
from conformance.reference.server import ReferenceConfig, serve_in_thread
from conformance.report.model import CheckResult, Outcome
from conformance.requirements import ApiVersion

MULTI = {"v1": list(v1_consumer_multi.checks), "v2": list(v2_consumer_multi.checks)}
ACCEPT = {"v1": "application/vnd.kafka.v1+json", "v2": "application/vnd.kafka.v2+json"}
# Each several-element check, and the single-element check of the same row it extends.
SINGLE_OF = {
    "V1C-050": "V1C-014",
    "V1C-051": "V1C-015",
    "V2C-060": "V2C-033",
    "V2C-061": "V2C-034",
    "V2C-062": "V2C-035",
    "V2C-063": "V2C-022",
    "V2C-064": "V2C-019",
    "V2C-065": "V2C-026",
    "V2C-066": "V2C-014",
    "V2C-067": "V2C-025",
}
# The faults only a several-element check sees: one that also names the check's single-element
# counterpart (a vendor fault broken at any count, say) is visible with one element by design.
MULTI_FAULTS = [
    f
    for f in registry().values()
    if any(c in SINGLE_OF and SINGLE_OF[c] not in f.caught_by for c in f.caught_by)
]


def _run(
    version: ApiVersion, check_ids: list[str], faults: frozenset[str] = frozenset(), **target: object
) -> list[CheckResult]:
    with (
        serve_in_thread(ReferenceConfig(api_version=version, faults=faults)) as server,
        open_target(server.url, version, seed=13, **target) as t,  # type: ignore[arg-type]
        ThreadPoolExecutor(len(check_ids)) as pool,
    ):
        return list(pool.map(lambda c: run_check(by_id(c), t), check_ids))


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_multi_checks_pass_on_the_reference_and_clean_up(version: ApiVersion) -> None:
    ids = [c.id for c in MULTI[version]]
    assert sorted(ids) == sorted(i for i in SINGLE_OF if by_id(i).requirement.applies_to(version))
    with (
        serve_in_thread(ReferenceConfig(api_version=version)) as server,
        open_target(server.url, version, seed=13) as target,
    ):
        with ThreadPoolExecutor(len(ids)) as pool:
            results = list(pool.map(lambda c: run_check(by_id(c), target), ids))
        for result in results:
            assert result.outcome is Outcome.PASS, f"{result.check.id}: {result.outcome} {result.message}"
            # Each check that writes records wrote them to two partitions: the point of these checks.
            produced = [
                ex
                for ex in result.exchanges
                if ex.request.method == "POST" and ex.request.path.startswith("/topics/")
            ]
            targets = {
                (ex.request.path, r["partition"]) for ex in produced for r in ex.request.json()["records"]
            }
            assert len(targets) >= 2 or result.check.id in ("V2C-064", "V2C-066"), (
                f"{result.check.id}: {targets}"
            )
            for base_uri in created_instances(result):
                path = "/subscription" if version == "v2" else "/topics/conformance-p3"
                left = httpx.get(f"{base_uri}{path}", headers={"Accept": ACCEPT[version]})
                assert left.status_code == 404, f"{result.check.id} left {base_uri}"


def test_partition_checks_skip_on_a_one_partition_topic() -> None:
    ids = [c.id for c in MULTI["v2"] if "two-partitions" in c.requirement.needs]
    for result in _run("v2", ids, topic="conformance-p1", single_topic=None):
        assert result.outcome is Outcome.SKIP, f"{result.check.id}: {result.outcome}"
        assert "at least 2 partitions" in result.message and not result.exchanges


def test_two_topic_checks_skip_without_a_second_topic() -> None:
    ids = ["V2C-066", "V2C-067"]
    for result in _run("v2", ids, single_topic=None):
        assert result.outcome is Outcome.SKIP, f"{result.check.id}: {result.outcome}"
        assert "single-partition-topic" in result.message and not result.exchanges


def _single_element_checks(fault: Fault, version: ApiVersion) -> list[str]:
    return sorted(
        {SINGLE_OF[c] for c in fault.caught_by if c in SINGLE_OF and by_id(c).requirement.applies_to(version)}
    )


@pytest.mark.parametrize("fault", MULTI_FAULTS, ids=lambda f: f.id)
def test_fault_is_invisible_to_the_single_element_checks(fault: Fault) -> None:
    assert len(MULTI_FAULTS) == 19
    for version in sorted(fault.versions):
        singles = _single_element_checks(fault, version)
        assert singles, f"{fault.id}: no several-element check of {version} names it"
        for result in _run(version, singles, frozenset({fault.id})):
            assert result.outcome is Outcome.PASS, (
                f"{fault.id} is visible with one element ({result.check.id}: {result.outcome} "
                f"{result.message}): it needs no several-element check"
            )
