"""Negative mode's pieces: the targeted mutations, the §8 oracle classifier and the safety gate agree.

The oracle judges the request actually sent, so each targeted mutation, applied to a valid case and
fitted, must classify as exactly its own category; otherwise a sweep would silently send nothing
(a check that cannot fail) or assert a set §8 does not give.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from conformance import contract
from conformance.fuzz.generate import Draft, Facts, Fitter, Prepared, Unsafe, integer_text, narrow, unsafe
from conformance.fuzz.judge import Operation, operations
from conformance.fuzz.negative import ORACLES, accepted, classifier, mutation_strategies
from conformance.fuzz.operations import rule
from conformance.requirements import API_VERSIONS, ApiVersion

TOPICS = {"conformance-p3": 3, "conformance-p1": 1}


def facts(version: ApiVersion) -> Facts:
    log = {(t, p): (0, 4) for t, n in TOPICS.items() for p in range(n)}
    return Facts(version, dict(TOPICS), "grp", "inst", log)


def negative_operations(version: ApiVersion) -> list[Operation]:
    return [op for op in operations(version) if classifier(version, op) and rule(version, op.method, op.path)]


@pytest.mark.parametrize("version", API_VERSIONS)
def test_every_oracle_of_the_version_has_a_targeted_mutation(version: ApiVersion) -> None:
    covered = {c for op in negative_operations(version) for c in mutation_strategies(version, op)}
    assert covered == {c for c, per_version in ORACLES.items() if version in per_version}


CASES = [
    (version, op.operation_id, category)
    for version in API_VERSIONS
    for op in negative_operations(version)
    for category in sorted(mutation_strategies(version, op))
]


@pytest.mark.parametrize(("version", "op_id", "category"), CASES)
def test_a_targeted_mutation_is_classified_as_its_category(
    version: ApiVersion, op_id: str, category: str
) -> None:
    op = next(o for o in operations(version) if o.operation_id == op_id)
    f = facts(version)
    r = rule(version, op.method, op.path)
    assert r is not None
    schema = schemathesis.openapi.from_dict(narrow(contract.version_view(version), f, negative=True))
    valid = (
        schema[op.path][op.method.lower()].as_strategy(generation_mode=GenerationMode.POSITIVE).map(Draft.of)
    )
    fitter = Fitter(f, r, op.method, op.path, negative=True)
    classify = classifier(version, op)
    assert classify is not None

    @settings(max_examples=25, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(draft=valid, mutate=mutation_strategies(version, op)[category])
    def mutated_is_classified(draft: Draft, mutate: object) -> None:
        prepared = fitter.fit(mutate(draft))  # type: ignore[operator]
        categories = classify(prepared)
        assert categories is not None and category in categories, (prepared.describe(), prepared.body)
        assert accepted(version, categories) is not None

    mutated_is_classified()


@pytest.mark.parametrize(
    ("text", "value"),
    [("7", 7), ("+1", 1), ("-0", 0), ("\u0661", 1), (" 2 ", 2), ("1_0", 10)],
)
def test_integer_text_reads_what_java_or_python_servers_read(text: str, value: int) -> None:
    assert integer_text(text) == value


@pytest.mark.parametrize("text", ["", "1.0", "abc", "null", "\u00b2", "0x1", "1e3", "--1"])
def test_integer_text_none_where_no_server_reads_an_integer(text: str) -> None:
    assert integer_text(text) is None


def prepared(path: str) -> Prepared:
    return Prepared("GET", path, (), (), None)


@pytest.mark.parametrize(
    "path",
    [
        "/topics/conformance-p3/partitions/..",
        "/topics/conformance-p3/partitions/.",
        "/topics/conformance-p3/partitions/",
        "/topics/conformance-p3/partitions/%C2%B2x/../3",
        "/topics/conformance-p3/partitions/3",
        "/topics/conformance-p3/partitions/%2B5",
        "/topics/elsewhere",
    ],
)
def test_unsafe_refuses_other_resources_and_missing_partitions(path: str) -> None:
    assert unsafe(prepared(path), facts("v2"))


@pytest.mark.parametrize(
    "path", ["/topics/conformance-p3/partitions/%C2%B2", "/topics/conformance-p3/partitions/x"]
)
def test_unsafe_lets_non_integer_partitions_through(path: str) -> None:
    assert unsafe(prepared(path), facts("v2")) is None


def test_the_root_is_safe() -> None:
    assert unsafe(prepared("/"), facts("v1")) is None


def test_negative_fitting_folds_mutated_names_onto_the_runs_own() -> None:
    op = next(o for o in operations("v2") if o.operation_id == "getPartition")
    r = rule("v2", op.method, op.path)
    assert r is not None
    fitter = Fitter(facts("v2"), r, op.method, op.path, negative=True)

    def fit(topic: object, partition: object) -> str:
        return fitter.fit(Draft({"topic": topic, "partition": partition}, {}, None, False)).path

    assert fit("\u00bf#", "x") == fit("\u00bf#", "x")  # the same mutated name, the same own topic
    assert fit("\u00bf#", "x").split("/")[2] in TOPICS
    assert fit("conformance-p1", 7).endswith("/partitions/0")  # out of range: folded, never sent as 7
    assert fit("conformance-p3", "x").endswith("/partitions/x")  # the invalid part is kept


def test_a_dot_partition_is_never_sent() -> None:
    op = next(o for o in operations("v2") if o.operation_id == "getPartition")
    r = rule("v2", op.method, op.path)
    assert r is not None
    with pytest.raises(Unsafe):
        Fitter(facts("v2"), r, op.method, op.path, negative=True).fit(
            Draft({"topic": "conformance-p3", "partition": ".."}, {}, None, False)
        )


@given(st.text(max_size=6))
@settings(max_examples=200, database=None)
def test_unsafe_never_raises_on_any_partition_text(text: str) -> None:
    from urllib.parse import quote

    unsafe(prepared("/topics/conformance-p3/partitions/" + quote(text, safe="")), facts("v1"))


def test_a_boolean_partition_is_a_wrong_type_not_an_integer() -> None:
    """`"partition": false` is 500 on Confluent 5.5 v1 (V5, INFO there): never judged as B2 alone."""
    op = next(o for o in operations("v1") if o.operation_id == "produceToTopic")
    classify = classifier("v1", op)
    assert classify is not None
    body = b'{"records":[{"key":"\\u0080","partition":false}]}'
    categories = classify(Prepared("POST", "/topics/conformance-p1", (), (), body))
    assert categories == {"wrong-type", "non-ascii-base64"}
    assert accepted("v1", categories) is None


@pytest.mark.parametrize(
    "body",
    [
        b'{"value_schema_id":-2147483649,"records":[{"":null}]}',  # 5.5 v1 live: 500, not V4's 422
        b'{"records":[{"value":"AA==","partition":2147483648,"x":1}]}',
    ],
)
def test_an_int_past_java_range_leaves_the_case_unjudged(body: bytes) -> None:
    op = next(o for o in operations("v1") if o.operation_id == "produceToPartition")
    classify = classifier("v1", op)
    assert classify is not None
    categories = classify(Prepared("POST", "/topics/conformance-p1/partitions/0", (), (), body))
    assert categories is None or accepted("v1", categories) is None
