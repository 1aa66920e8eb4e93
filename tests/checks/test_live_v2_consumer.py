"""The v2-consumer checks against the clean reference server (in a thread, real HTTP on loopback):
every MUST and SHOULD check passes, the INFO checks pass and record what they saw, seeks come only
after the assignment exists, the hazardous D32 probe runs only when hazards are enabled, and no
instance is left behind."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from _instances import created_instances

from conformance.checks import v2_consumer
from conformance.engine import open_target, run_check
from conformance.reference.server import ReferenceConfig, serve_in_thread
from conformance.report.model import Outcome
from conformance.requirements import Level

V2 = "application/vnd.kafka.v2+json"


def test_every_v2_consumer_check_passes_on_the_reference() -> None:
    checks = list(v2_consumer.checks)
    assert len(checks) == 39
    with (
        serve_in_thread(ReferenceConfig(api_version="v2")) as server,
        open_target(server.url, "v2", seed=3, probe_unknown_topic_produce=True) as target,
    ):
        started = time.perf_counter()
        with ThreadPoolExecutor(len(checks)) as pool:
            results = list(pool.map(lambda c: run_check(c, target), checks))
        wall = time.perf_counter() - started
        for result in results:
            assert result.outcome is Outcome.PASS, f"{result.check.id}: {result.outcome} {result.message}"
            if result.check.requirement.level("v2") is Level.INFO:
                assert result.observations, f"{result.check.id} recorded nothing"
        assert wall < 15, f"the v2 consumer checks took {wall:.1f} s"
        for result in results:
            for base_uri in created_instances(result):
                left = httpx.get(f"{base_uri}/subscription", headers={"Accept": V2})
                assert left.status_code == 404, f"{result.check.id} left {base_uri}"


def test_seeks_come_only_after_the_assignment_exists() -> None:
    """§4.5 / D18: in every check, a `positions` request on an instance follows an `assignments`
    request or a first `records` poll of that instance."""
    with (
        serve_in_thread(ReferenceConfig(api_version="v2")) as server,
        open_target(server.url, "v2", seed=5) as target,
    ):
        with ThreadPoolExecutor(16) as pool:
            results = list(pool.map(lambda c: run_check(c, target), v2_consumer.checks))
        seeks = 0
        for result in results:
            ready: set[str] = set()
            for ex in result.exchanges:
                path = ex.request.path.split("?")[0]
                if path.endswith(("/assignments", "/records")):
                    ready.add(path.rsplit("/", 1)[0])
                if "/positions" in path:
                    seeks += 1
                    owner = path.split("/positions")[0]
                    assert owner in ready, f"{result.check.id} seeks on {owner} before it has an assignment"
        assert seeks >= 8


def test_hazardous_commit_is_not_sent_unless_enabled() -> None:
    check = next(c for c in v2_consumer.checks if c.id == "V2C-039")
    with (
        serve_in_thread(ReferenceConfig(api_version="v2")) as server,
        open_target(server.url, "v2") as target,
    ):
        result = run_check(check, target)
        assert result.outcome is Outcome.SKIP and not result.exchanges
