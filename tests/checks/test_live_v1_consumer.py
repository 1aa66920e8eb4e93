"""The v1-consumer checks against the clean reference server (in a thread, real HTTP on loopback):
every MUST and SHOULD check passes, the INFO checks pass and record what they saw, and every
instance a check created is gone afterwards."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from _instances import created_instances

from conformance.checks import v1_consumer
from conformance.engine import open_target, run_check
from conformance.reference.server import ReferenceConfig, serve_in_thread
from conformance.report.model import Outcome
from conformance.requirements import Level

V1 = "application/vnd.kafka.v1+json"


def test_every_v1_consumer_check_passes_on_the_reference() -> None:
    checks = list(v1_consumer.checks)
    assert len(checks) == 19
    with (
        serve_in_thread(ReferenceConfig(api_version="v1")) as server,
        open_target(server.url, "v1", seed=3) as target,
    ):
        started = time.perf_counter()
        with ThreadPoolExecutor(len(checks)) as pool:
            results = list(pool.map(lambda c: run_check(c, target), checks))
        wall = time.perf_counter() - started
        for result in results:
            assert result.outcome is Outcome.PASS, f"{result.check.id}: {result.outcome} {result.message}"
            if result.check.requirement.level("v1") is Level.INFO:
                assert result.observations, f"{result.check.id} recorded nothing"
        assert wall < 15, f"the v1 consumer checks took {wall:.1f} s"
        # Each check deletes its own instances: none is left before the run's cleanup.
        for result in results:
            for base_uri in created_instances(result):
                left = httpx.post(f"{base_uri}/offsets", headers={"Accept": V1})
                assert left.status_code == 404, f"{result.check.id} left {base_uri}"


def test_second_topic_check_skips_without_a_second_topic() -> None:
    with (
        serve_in_thread(ReferenceConfig(api_version="v1")) as server,
        open_target(server.url, "v1", single_topic=None) as target,
    ):
        result = run_check(next(c for c in v1_consumer.checks if c.id == "V1C-011"), target)
        assert result.outcome is Outcome.SKIP and "single-partition" in result.message
        # the others fall back to partition 0 of the main topic
        result = run_check(next(c for c in v1_consumer.checks if c.id == "V1C-015"), target)
        assert result.outcome is Outcome.PASS, result.message
