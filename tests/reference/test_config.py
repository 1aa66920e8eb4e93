"""ReferenceConfig fails loudly on values that cannot work."""

from __future__ import annotations

import pytest

from conformance.reference import DEFAULT_TOPICS, ReferenceConfig


def test_defaults_are_the_topics_run_relies_on() -> None:
    config = ReferenceConfig()
    assert config.api_version == "v1"
    assert config.topics == DEFAULT_TOPICS == {"conformance-p3": 3, "conformance-p1": 1}
    assert config.consumer_request_timeout_ms == 1000 and config.consumer_instance_timeout_s == 300
    assert "api_key" not in repr(ReferenceConfig(api_key="never-printed")).replace("api_key=None", "")
    assert "never-printed" not in repr(ReferenceConfig(api_key="never-printed"))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"api_version": "v3"},
        {"topics": {}},
        {"topics": {"bad name": 1}},
        {"topics": {"t": 0}},
        {"topics": {"t": 5000}},
        {"max_records_per_partition": 0},
        {"consumer_instance_timeout_s": 0},
        {"consumer_request_timeout_ms": -1},
        {"api_key": ""},
    ],
)
def test_invalid_values_are_refused(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        ReferenceConfig(**kwargs)


def test_unknown_faults_are_refused_when_the_app_is_built() -> None:
    from conformance.reference import create_app
    from conformance.reference.faults import UnknownFault

    with pytest.raises(UnknownFault):
        create_app(ReferenceConfig(faults=frozenset({"no-such-fault"})))


def test_the_contract_recorder_catches_an_undeclared_response() -> None:
    from reference.conftest import ContractRecorder, Seen

    recorder = ContractRecorder()
    recorder.seen.append(
        Seen("v1", "GET", "/topics", 200, "application/vnd.kafka.v1+json", b'{"not":"a list"}')
    )
    recorder.seen.append(Seen("v2", "GET", "/brokers", 299, None, b""))
    assert len(recorder.problems()) == 2
    recorder.allow(None, "/brokers", 299, "test")
    assert len(recorder.problems()) == 1
