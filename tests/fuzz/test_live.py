"""The generated layer against the reference server, over real HTTP on loopback.

- zero failures in positive, stateful and property mode, v1 and v2, for seeds 1 and 2 (ten more in
  the slow-marked test);
- the shape-* faults fail the layer, naming the right operation; faults of negative mode's §8 oracles
  fail its FUZZ-NEG checks for every seed tried;
- `--seed` makes the generated requests identical (digest of every request sent);
- failures carry a curl line with the credentials redacted and record keys visible.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from conformance.client import Credentials, TargetClient
from conformance.engine import Outcome, Target, run_check
from conformance.fuzz.checks import checks
from conformance.reference.config import ReferenceConfig
from conformance.reference.server import serve_in_thread
from conformance.requirements import ApiVersion

TOPICS = {"conformance-p3": 3, "conformance-p1": 1}
SECRET = "s3cr3t-fuzz-token"


@contextmanager
def target(
    version: ApiVersion, seed: int, faults: frozenset[str] = frozenset(), api_key: str | None = None
) -> Iterator[Target]:
    config = ReferenceConfig(
        api_version=version,
        topics=dict(TOPICS),
        faults=faults,
        api_key=api_key,
        consumer_request_timeout_ms=100,
    )
    with serve_in_thread(config) as server:
        client = TargetClient(server.url, credentials=Credentials(api_key=api_key))
        try:
            yield Target(
                client, version, "conformance-p3", "conformance-p1", dict(TOPICS), f"t{seed}", seed=seed
            )
        finally:
            client.close()


def run_layer(t: Target, only: set[str] | None = None) -> dict[str, object]:
    results = {}
    for check in checks:
        if check.requirement.level(t.version) is None or (only and check.id not in only):
            continue
        results[check.id] = run_check(check, t)
    return results


def failures(results: dict[str, object]) -> list[str]:
    return [
        f"{cid}: {r.outcome.value} {r.message}" for cid, r in results.items() if r.outcome is not Outcome.PASS
    ]  # type: ignore[attr-defined]


@pytest.mark.parametrize("version", ["v1", "v2"])
@pytest.mark.parametrize("seed", [1, 2])
def test_no_failures_against_the_reference(version: ApiVersion, seed: int) -> None:
    with target(version, seed) as t:
        results = run_layer(t)
    assert len(results) > 15
    assert failures(results) == []


@pytest.mark.slow
@pytest.mark.parametrize("version", ["v1", "v2"])
def test_no_failures_for_ten_seeds(version: ApiVersion) -> None:
    for seed in range(100, 110):
        with target(version, seed) as t:
            assert failures(run_layer(t)) == [], seed


CAUGHT = {
    "shape-produce-offset-renamed": {
        "FUZZ-produceToTopic-{v}",
        "FUZZ-produceToPartition",
        "FUZZ-STATEFUL",
        "FUZZ-ROUNDTRIP",
    },
    "shape-produce-offset-string": {
        "FUZZ-produceToTopic-{v}",
        "FUZZ-produceToPartition",
        "FUZZ-STATEFUL",
        "FUZZ-ROUNDTRIP",
    },
    "shape-read-value-reencoded": {"FUZZ-ROUNDTRIP"},  # FUZZ-STATEFUL too, when a read draws a value
    "shape-topics-text-plain": {"FUZZ-listTopics-{v}"},
}


@pytest.mark.parametrize("version", ["v1", "v2"])
@pytest.mark.parametrize("fault", sorted(CAUGHT))
def test_shape_faults_fail_the_layer_naming_the_operation(version: ApiVersion, fault: str) -> None:
    expected = {c.format(v=version) for c in CAUGHT[fault]}
    with target(version, 7, frozenset({fault})) as t:
        results = run_layer(t, expected)
    failed = {cid for cid, r in results.items() if r.outcome is Outcome.FAIL}  # type: ignore[attr-defined]
    assert expected <= failed, (expected - failed, failures(results))
    for cid in expected:
        result = results[cid]
        evidence = " ".join(f.message() for f in result.findings)  # type: ignore[attr-defined]
        assert "replay: curl" in evidence or "replays with: curl" in evidence


# Faults that break a §8 row negative mode has an oracle for, and the FUZZ-NEG checks each must fail
# at the quick budget whatever the seed: every oracle category is swept once before random draws.
NEGATIVE_CAUGHT: dict[str, dict[ApiVersion, set[str]]] = {
    "errors-non-integer-partition-500": {
        "v1": {"FUZZ-NEG-getPartition", "FUZZ-NEG-consumePartition", "FUZZ-NEG-produceToPartition"},
        "v2": {"FUZZ-NEG-getPartition", "FUZZ-NEG-getPartitionOffsets", "FUZZ-NEG-produceToPartition"},
    },
    "errors-v1-non-numeric-offset-500": {"v1": {"FUZZ-NEG-consumePartition"}},
    "karapace-non-integer-param-500": {"v2": {"FUZZ-NEG-readRecords"}},
    "consumers-unknown-fields-ignored": {
        "v1": {"FUZZ-NEG-createConsumer"},
        "v2": {"FUZZ-NEG-createConsumer"},
    },
    "consumers-format-unvalidated": {"v1": {"FUZZ-NEG-createConsumer"}, "v2": {"FUZZ-NEG-createConsumer"}},
    "consumers-reset-unvalidated": {"v1": {"FUZZ-NEG-createConsumer"}, "v2": {"FUZZ-NEG-createConsumer"}},
    "produce-empty-records-accepted": {
        "v1": {"FUZZ-NEG-produceToTopic", "FUZZ-NEG-produceToPartition"},
        "v2": {"FUZZ-NEG-produceToTopic", "FUZZ-NEG-produceToPartition"},
    },
}


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(
    ("fault", "version"),
    [(f, v) for f, per_version in sorted(NEGATIVE_CAUGHT.items()) for v in sorted(per_version)],
)
def test_negative_mode_fails_on_faults_of_its_oracles(fault: str, version: ApiVersion, seed: int) -> None:
    expected = NEGATIVE_CAUGHT[fault][version]
    with target(version, seed, frozenset({fault})) as t:
        results = run_layer(t, expected)
    failed = {cid for cid, r in results.items() if r.outcome is Outcome.FAIL}  # type: ignore[attr-defined]
    assert failed == expected, (expected - failed, failures(results))


def test_same_seed_same_requests_other_seed_other_requests() -> None:
    wanted = {"FUZZ-produceToTopic-v2", "FUZZ-createConsumer-v2", "FUZZ-readRecords"}

    def digests(seed: int) -> dict[str, str]:
        with target("v2", seed) as t:
            results = run_layer(t, wanted)
        return {
            cid: next(o.split("requests digest ")[1] for o in r.observations if "requests digest" in o)  # type: ignore[attr-defined]
            for cid, r in results.items()
        }

    first, again, other = digests(11), digests(11), digests(12)
    assert set(first) == wanted
    assert first == again
    assert all(first[c] != other[c] for c in wanted)


def test_failure_evidence_redacts_credentials_and_shows_record_keys() -> None:
    with target("v2", 3, frozenset({"shape-read-value-reencoded"}), api_key=SECRET) as t:
        result = run_check(next(c for c in checks if c.id == "FUZZ-ROUNDTRIP"), t)
    assert result.outcome is Outcome.FAIL
    text = " ".join(f.message() for f in result.findings)
    assert SECRET not in text and "[REDACTED]" in text
    produce = next(ex for ex in result.exchanges if ex.request.method == "POST")
    curl = produce.request.curl(t.secrets)
    assert SECRET not in curl and '"key"' in curl
