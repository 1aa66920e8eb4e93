"""The generated layer's false MUST failures on live servers (shared/live, 2026-12-07), each kept
fixed without the live server: reference fidelity, generator and judge unit tests, a quirk, a fault.

Causes: (1) numbers outside Java's int/long ranges; (2) a 204 commit; (3) blank numbers read as
defaults by Jersey; (4) duplicate entries and consumer config values §8 fixes no outcome for;
(5) a framework 400 to a body-less v2 creation (D2, SHOULD); (6) a produce offset -1 is P4, not
a seek's fault; (7) a rebalance rewinds v1 members to the committed offset; (8) Strimzi's
`enable.auto.commit` dialect in every layer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from urllib.parse import quote

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from conformance import contract
from conformance.checks.registry import catalogue
from conformance.client import TargetClient
from conformance.engine import Outcome, Target, run_check, run_checks
from conformance.exchange import Exchange, Request, Response
from conformance.fuzz.checks import checks as fuzz_checks
from conformance.fuzz.drive import positive_judge
from conformance.fuzz.generate import Draft, Facts, Fitter, Prepared, blank_text, narrow, unique_entries
from conformance.fuzz.judge import judge_response, operations
from conformance.fuzz.negative import NON_INTEGER, _parameter_categories, classifier
from conformance.fuzz.operations import rule
from conformance.reference.config import ReferenceConfig
from conformance.reference.server import serve_in_thread
from conformance.requirements import ApiVersion, Level

TOPICS = {"conformance-p3": 3, "conformance-p1": 1}
V1, B1 = "application/vnd.kafka.v1+json", "application/vnd.kafka.binary.v1+json"
V2, B2 = "application/vnd.kafka.v2+json", "application/vnd.kafka.binary.v2+json"


@contextmanager
def reference(version: ApiVersion, **extra: object) -> Iterator[str]:
    config = ReferenceConfig(
        api_version=version, topics=dict(TOPICS), consumer_request_timeout_ms=100, **extra
    )  # type: ignore[arg-type]
    with serve_in_thread(config) as server:
        yield server.url


@contextmanager
def target(version: ApiVersion, seed: int = 1, budget: str = "quick", **extra: object) -> Iterator[Target]:
    with reference(version, **extra) as url:
        client = TargetClient(url)
        try:
            yield Target(
                client,
                version,
                "conformance-p3",
                "conformance-p1",
                dict(TOPICS),
                f"c{seed}",
                seed=seed,
                budget=budget,
            )
        finally:
            client.close()


def run_ids(t: Target, ids: set[str]) -> dict[str, object]:
    return {c.id: run_check(c, t) for c in fuzz_checks if c.id in ids}


# -- 1. Java's int and long ranges -----------------------------------------------------------------


@pytest.mark.parametrize(("version", "status"), [("v1", 500), ("v2", 400)])
def test_reference_answers_int_overflow_as_confluent(version: ApiVersion, status: int) -> None:
    """5.5 (v1) answers 500, 7.5 (v2) 400 to a schema id or record partition past 2**31-1."""
    media, binary = (V1, B1) if version == "v1" else (V2, B2)
    with reference(version) as url, httpx.Client(base_url=url) as c:
        for body in (
            {"key_schema_id": 2147483648, "records": [{"value": "AA=="}]},
            {"value_schema_id": -2147483649, "records": [{"value": "AA=="}]},
            {"records": [{"value": "AA==", "partition": 2147483648}]},
        ):
            r = c.post(
                "/topics/conformance-p3",
                content=json.dumps(body),
                headers={"Content-Type": binary, "Accept": media},
            )
            assert r.status_code == status, body
        ok = {"key_schema_id": 2147483647, "records": [{"value": "AA=="}]}
        r = c.post(
            "/topics/conformance-p3",
            content=json.dumps(ok),
            headers={"Content-Type": binary, "Accept": media},
        )
        assert r.status_code == 200


def test_reference_commit_of_the_last_long_overflows_as_confluent() -> None:
    """A v2 commit of 2**63-1 is 500 on 5.5 and 7.5 (offset + 1 is negative); 2**63-2 is 200;
    a seek past the long range is 400 on 7.5."""
    with reference("v2") as url, httpx.Client(base_url=url) as c:
        h = {"Content-Type": V2, "Accept": V2}
        assert c.post("/consumers/g", content=b'{"name":"i","format":"binary"}', headers=h).status_code == 200
        path = "/consumers/g/instances/i"
        assert (
            c.post(
                path + "/assignments",
                content=b'{"partitions":[{"topic":"conformance-p3","partition":0}]}',
                headers=h,
            ).status_code
            == 204
        )
        commit = lambda o: c.post(  # noqa: E731
            path + "/offsets",
            content=json.dumps({"offsets": [{"topic": "conformance-p3", "partition": 0, "offset": o}]}),
            headers=h,
        )
        assert commit(2**63 - 1).status_code == 500
        assert commit(2**63 - 2).status_code == 200
        seek = c.post(
            path + "/positions",
            content=json.dumps({"offsets": [{"topic": "conformance-p3", "partition": 0, "offset": 2**63}]}),
            headers=h,
        )
        assert seek.status_code == 400


def _drafts(version: ApiVersion, op_id: str, facts: Facts, n: int = 150) -> list[Draft]:
    op = next(o for o in operations(version) if o.operation_id == op_id)
    schema = schemathesis.openapi.from_dict(narrow(contract.version_view(version), facts))
    strategy = (
        schema[op.path][op.method.lower()].as_strategy(generation_mode=GenerationMode.POSITIVE).map(Draft.of)
    )
    found: list[Draft] = []

    @settings(max_examples=n, database=None, suppress_health_check=list(HealthCheck), deadline=None)
    @given(strategy)
    def collect(draft: Draft) -> None:
        found.append(draft)

    collect()
    return found


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_generated_schema_ids_are_java_ints(version: ApiVersion) -> None:
    facts = Facts(version, dict(TOPICS), "g")
    for op_id in ("produceToTopic", "produceToPartition"):
        for draft in _drafts(version, op_id, facts):
            if isinstance(draft.body, dict):
                for name in ("key_schema_id", "value_schema_id"):
                    value = draft.body.get(name)
                    assert value is None or -(2**31) <= value < 2**31, (op_id, name, value)


def test_generated_commit_offsets_stay_inside_the_log() -> None:
    facts = Facts(
        "v2",
        dict(TOPICS),
        "g",
        instance="fuzz",
        log={(t, p): (5, 7) for t, n in TOPICS.items() for p in range(n)},
    )
    op = next(o for o in operations("v2") if o.operation_id == "commitOffsets")
    r = rule("v2", op.method, op.path)
    assert r is not None and r.state == "assigned-log"
    fitter = Fitter(facts, r, op.method, op.path)
    sent = 0
    for draft in _drafts("v2", "commitOffsets", facts):
        if not draft.has_body:
            continue
        body = json.loads(fitter.fit(draft).body or b"{}")
        for entry in body.get("offsets", []):
            assert 5 <= entry["offset"] <= 7, entry
            sent += 1
    assert sent


def test_commit_offsets_against_the_reference_at_standard_budget() -> None:
    with target("v2", budget="standard") as t:
        results = run_ids(t, {"FUZZ-commitOffsets-v2"})
    assert [r.outcome for r in results.values()] == [Outcome.PASS]  # type: ignore[attr-defined]


# -- 2. a 204 commit -----------------------------------------------------------------------------


def _exchange(
    method: str, path: str, status: int, ct: str | None, body: bytes, req_body: bytes | None = b"{}"
) -> Exchange:
    headers = [("content-type", ct)] if ct else []
    return Exchange(
        Request.build(method, path, {"Accept": V2}, req_body), Response(status, tuple(headers), body, 1.0)
    )


def test_a_204_commit_is_documented_for_v2() -> None:
    """§8 D25 and D28 accept 200 or 204 (Karapace 3.16: 204, Content-Type application/json)."""
    ex = _exchange("POST", "/consumers/g/instances/i/offsets", 204, "application/json", b"")
    assert judge_response("v2", ex, level=Level.MUST, generated=True).passed


# -- 3. blank numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", " ", "\t", "+", "-", " + ", "\x0b"])
def test_blank_and_sign_only_values_are_not_non_integers(text: str) -> None:
    assert blank_text(text)
    path = Prepared("GET", "/topics/t/partitions/" + quote(text, safe=""), (), (), None)
    assert _parameter_categories(path) == set()
    query = Prepared("GET", "/consumers/g/instances/i/records", (("timeout", text),), (), None)
    assert _parameter_categories(query) == set()


@given(NON_INTEGER)
def test_the_non_integer_strategy_never_draws_a_blank(text: str) -> None:
    assert not blank_text(text)


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_reference_reads_blank_numbers_as_confluent(version: ApiVersion) -> None:
    media = V1 if version == "v1" else V2
    with reference(version) as url, httpx.Client(base_url=url) as c:
        r = c.get("/topics/conformance-p3/partitions/%20", headers={"Accept": media})
        assert r.status_code == 200 and r.json()["partition"] == 0
        assert c.get("/topics/conformance-p3/partitions/%201", headers={"Accept": media}).status_code == 404
        if version == "v1":
            c.post(
                "/topics/conformance-p1",
                content=b'{"records":[{"value":"AA=="}]}',
                headers={"Content-Type": B1, "Accept": V1},
            )
            read = "/topics/conformance-p1/partitions/0/messages?"
            assert c.get(read + "offset=0&count=", headers={"Accept": B1}).status_code == 200
            assert c.get(read + "offset=0&count=+", headers={"Accept": B1}).status_code == 200
            assert c.get(read + "offset=", headers={"Accept": B1}).status_code == 400  # boxed Long: null
            assert c.get(read + "offset=%20", headers={"Accept": B1}).status_code == 404
            return
        h = {"Content-Type": V2, "Accept": V2}
        c.post("/consumers/g", content=b'{"name":"i","format":"binary"}', headers=h)
        c.post(
            "/consumers/g/instances/i/assignments",
            content=b'{"partitions":[{"topic":"conformance-p3","partition":0}]}',
            headers=h,
        )
        for q in ("max_bytes=", "timeout=", "timeout=+", "timeout=%20", "max_bytes=%20"):
            assert (
                c.get("/consumers/g/instances/i/records?" + q, headers={"Accept": B2}).status_code == 200
            ), q
        assert c.get("/consumers/g/instances/i/records?timeout=-", headers={"Accept": B2}).status_code == 404


# -- 4. unique entries, config ranges ------------------------------------------------------------


def test_folded_partitions_never_name_one_partition_twice() -> None:
    facts = Facts("v2", dict(TOPICS), "g", instance="fuzz")
    op = next(o for o in operations("v2") if o.operation_id == "assign")
    r = rule("v2", op.method, op.path)
    assert r is not None
    body = {
        "partitions": [
            {"topic": "conformance-p3", "partition": 0},
            {"topic": "conformance-p3", "partition": 3},
        ]
    }
    prepared = Fitter(facts, r, op.method, op.path).fit(
        Draft({"group": "g", "instance": "fuzz"}, {}, body, True)
    )
    assert json.loads(prepared.body or b"")["partitions"] == [{"topic": "conformance-p3", "partition": 0}]
    assert unique_entries(
        [{"topic": "a", "partition": 1, "offset": 2}, {"topic": "a", "partition": 1, "offset": 3}]
    ) == [{"topic": "a", "partition": 1, "offset": 2}]


def test_generated_lists_and_consumer_config_stay_where_section_8_fixes_the_outcome() -> None:
    facts = Facts("v2", dict(TOPICS), "g", instance="fuzz")
    for draft in _drafts("v2", "createConsumer", facts):
        if isinstance(draft.body, dict) and "consumer.request.timeout.ms" in draft.body:
            assert 0 <= draft.body["consumer.request.timeout.ms"] <= 300000
        if isinstance(draft.body, dict) and "fetch.min.bytes" in draft.body:
            # Karapace 3.16 live: {"fetch.min.bytes":148740803} -> 500 (librdkafka 1..100000000)
            assert 1 <= draft.body["fetch.min.bytes"] <= 100_000_000
    for op_id in ("assign", "seekToEnd", "seek", "subscribe", "getCommittedOffsets"):
        op = next(o for o in operations("v2") if o.operation_id == op_id)
        r = rule("v2", op.method, op.path)
        assert r is not None
        fitter = Fitter(facts, r, op.method, op.path)
        for draft in _drafts("v2", op_id, facts, n=60):
            data = json.loads(fitter.fit(draft).body or b"null")
            if not isinstance(data, dict):
                continue
            for key in ("partitions", "offsets"):
                pairs = [(e["topic"], e["partition"]) for e in data.get(key) or []]
                assert len(pairs) == len(set(pairs)), (op_id, data)
            topics = data.get("topics") or []
            assert len(topics) == len(set(topics)), (op_id, data)


# -- 5. a body-less v2 creation is D2's --------------------------------------------------------


def test_a_framework_400_to_a_bodyless_creation_is_not_a_must_failure() -> None:
    """Karapace 3.16 answers `POST /consumers/g` without a body 400 text/plain (recorded evidence)."""
    op = next(o for o in operations("v2") if o.operation_id == "createConsumer")
    r = rule("v2", op.method, op.path)
    ex = _exchange(
        "POST", "/consumers/g", 400, "text/plain; charset=utf-8", b"Missing request JSON body", None
    )
    verdict = positive_judge(op, Level.MUST, "v2", r)(ex, Draft({}, {}, None, False))
    assert verdict.passed and any("SHOULD-level (D2)" in o for o in verdict.observations)
    with_body = _exchange("POST", "/consumers/g", 400, "text/plain", b"bad", b"{}")
    assert not positive_judge(op, Level.MUST, "v2", r)(with_body, Draft({}, {}, {}, True)).passed


# -- 6. offset -1 is P4 --------------------------------------------------------------------------


def test_offset_minus_one_is_reported_as_p4_not_as_a_seek() -> None:
    with target("v2", faults=frozenset({"karapace-offset-minus-one-for-empty-values"})) as t:
        results = run_ids(t, {"FUZZ-ROUNDTRIP", "FUZZ-STATEFUL"})
    for cid, result in results.items():
        assert result.outcome is Outcome.FAIL, cid  # type: ignore[attr-defined]
        assert "P4" in result.message and "seek" not in result.message.split(";")[0], (cid, result.message)  # type: ignore[attr-defined]


# -- 7. a rebalance rewinds v1 members ----------------------------------------------------------


def test_the_rebalance_quirk_redelivers() -> None:
    with (
        reference("v1", quirks=frozenset({"v1-rebalance-redelivers"})) as url,
        httpx.Client(base_url=url) as c,
    ):
        h = {"Content-Type": V1, "Accept": V1}
        c.post(
            "/topics/conformance-p1",
            content=b'{"records":[{"value":"AA=="},{"value":"AQ=="}]}',
            headers={"Content-Type": B1, "Accept": V1},
        )
        c.post("/consumers/g", content=b'{"name":"a","auto.offset.reset":"smallest"}', headers=h)
        first = c.get("/consumers/g/instances/a/topics/conformance-p1", headers={"Accept": B1}).json()
        c.post("/consumers/g", content=b'{"name":"b","auto.offset.reset":"smallest"}', headers=h)
        again = c.get("/consumers/g/instances/a/topics/conformance-p1", headers={"Accept": B1}).json()
    assert [r["offset"] for r in first] == [0, 1]
    # rewound at the join, and the answer spanning the late rebalance holds its records twice
    assert [r["offset"] for r in again] == [0, 1, 0, 1]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_stateful_tolerates_a_rebalance_rewind(seed: int) -> None:
    with target("v1", seed=seed, budget="standard", quirks=frozenset({"v1-rebalance-redelivers"})) as t:
        results = run_ids(t, {"FUZZ-STATEFUL"})
    result = results["FUZZ-STATEFUL"]
    assert result.outcome is Outcome.PASS, result.message  # type: ignore[attr-defined]


# -- 8. Strimzi's dialect: no check in any layer skips ------------------------------------------


def test_no_check_skips_when_auto_commit_enable_is_refused() -> None:
    with target("v2", faults=frozenset({"strimzi-auto-commit-enable-refused"})) as t:
        chosen = [
            c
            for c in catalogue()
            if c.requirement.applies_to("v2")
            and not c.requirement.needs
            - {"two-partitions", "single-partition-topic"}
            - {n for n in c.requirement.needs if n.startswith("serial")}
        ]
        scheduled = run_checks(chosen, t, jobs=8)
    skipped = {cid: r.message for cid, r in scheduled.results.items() if r.outcome is Outcome.SKIP}
    assert not skipped, skipped
    assert sum(1 for cid in scheduled.results if cid.startswith("FUZZ-")) > 20


def test_an_undeclared_query_parameter_is_not_q1s() -> None:
    """A reference run (seed 109) sent `offset=null` to v2 records, which declares no `offset`."""
    op = next(o for o in operations("v2") if o.operation_id == "readRecords")
    classify = classifier("v2", op)
    assert classify is not None
    undeclared = Prepared("GET", "/consumers/g/instances/i/records", (("offset", "null"),), (), None)
    assert classify(undeclared) == set()
    declared = Prepared("GET", "/consumers/g/instances/i/records", (("timeout", "null"),), (), None)
    assert classify(declared) == {"non-integer-parameter"}


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_a_wrong_typed_consumer_field_leaves_the_creation_unjudged(version: ApiVersion) -> None:
    """5.5 v1 answered 500 to `{"format":"0","id":[]}` (live 2026-12-07): C8 holds only for a bad
    format alone; a wrong JSON type has no exact §8 outcome."""
    op = next(o for o in operations(version) if o.operation_id == "createConsumer")
    classify = classifier(version, op)
    assert classify is not None
    body = json.dumps({"auto.commit.enable": None, "format": "0", "id": []}).encode()
    assert classify(Prepared("POST", "/consumers/g", (), (), body)) is None
    assert classify(Prepared("POST", "/consumers/g", (), (), b'{"format":"0"}')) == {"consumer-format"}


# -- 9. A loaded machine: generating the first case outlasts the time budget ----------------------


def test_an_exhausted_time_budget_still_sends_one_case_per_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """Seen in CI-like load (load average 5-11): FUZZ-assign errored with NothingSent because the
    quick budget's 3 s had passed before hypothesis produced its first case. A zero-second budget
    stands in for that load: every generated check must still send and judge at least one case."""
    from conformance.fuzz import drive

    monkeypatch.setitem(drive.BUDGETS, "quick", replace(drive.BUDGETS["quick"], seconds=0.0))
    with target("v2") as t:
        ids = {
            c.id
            for c in fuzz_checks
            if c.id in {"FUZZ-assign", "FUZZ-produceToTopic-v2", "FUZZ-NEG-produceToTopic"}
        }
        assert len(ids) == 3, ids
        results = run_ids(t, ids)
    for check_id, result in results.items():
        assert result.outcome is Outcome.PASS, (check_id, result.outcome, result.message)  # type: ignore[attr-defined]
