"""Issue 16 part B, the checks at the edges of the log: their judges on forged answers, the deep-only
long-lived checks left out of quick and standard runs (they cost nothing there), and the selftest
running the faults only those checks can see at deep.

Which fault each edge check catches, live on the reference, is proven by test_faults_by_area.py
(`caught_by` of the faults in conformance/reference/faults/); the recorded-server judgements are in
test_recorded_edges.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from conformance.checks import v2_consumer_edges as edges
from conformance.checks.consumer_common import Sent, judge_long_lived
from conformance.checks.registry import by_id, catalogue
from conformance.commands.selftest import deep_only_checks
from conformance.engine import NEEDS, select
from conformance.exchange import Exchange, Request, Response
from conformance.reference.faults import registry
from conformance.requirements import ApiVersion

TOPIC = "t1"
DEEP = ("V1C-060", "V2C-084")
LONG_LIVED: tuple[tuple[ApiVersion, str], ...] = (("v1", "V1C-060"), ("v2", "V2C-084"))


def exchange(method: str, path: str, status: int, body: Any = None) -> Exchange:
    raw = b"" if body is None else json.dumps(body).encode()
    headers = {} if body is None else {"content-type": "application/vnd.kafka.binary.v2+json"}
    return Exchange(
        Request.build(method, f"http://proxy{path}", {}, None), Response.build(status, headers, raw)
    )


def read(*offsets: int, value: bytes = b"v") -> Exchange:
    records = [
        {"topic": TOPIC, "partition": 0, "offset": o, "key": None, "value": _b64(value + str(o).encode())}
        for o in offsets
    ]
    return exchange("GET", "/consumers/g/instances/i/records", 200, records)


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode()


def sent(*offsets: int) -> list[Sent]:
    return [Sent(TOPIC, 0, o, None, b"v" + str(o).encode()) for o in offsets]


NO_CONTENT = exchange("POST", "/consumers/g/instances/i/positions/end", 204)


def messages(j: edges.Judgement) -> str:
    return "\n".join(f.message() for f in j.findings)


# -- judges -------------------------------------------------------------------------------------------


def test_seek_end_then_new_is_exact_at_both_ends() -> None:
    old, new = sent(9)[0], sent(10, 11)
    assert edges.judge_after_seek_end(NO_CONTENT, [read(10, 11)], old, new).passed
    # One before the end: the last old record comes again.
    assert "no record at or before 9" in messages(
        edges.judge_after_seek_end(NO_CONTENT, [read(9, 10, 11)], old, new)
    )
    # One past the end: the first new record is lost.
    lost = edges.judge_after_seek_end(NO_CONTENT, [read(11)], old, new)
    assert "at 10 at the latest" in messages(lost) and "t1/0@10" in messages(lost)
    # Another writer's record between the seek and the produce is not the check's old record.
    other = edges.judge_after_seek_end(NO_CONTENT, [read(10, 11)], sent(8)[0], sent(10, 11))
    assert other.passed
    assert not edges.judge_after_seek_end(exchange("POST", "/x", 409, {"error_code": 40903, "message": "m"}),
                                          [], old, new).passed  # fmt: skip


def test_beginning_must_start_where_a_seek_to_zero_starts() -> None:
    ok = edges.judge_beginning(NO_CONTENT, [read(0, 1)], NO_CONTENT, [read(0, 1)], TOPIC, 0)
    assert ok.passed
    late = edges.judge_beginning(NO_CONTENT, [read(0, 1)], NO_CONTENT, [read(1)], TOPIC, 0)
    assert "offset 0" in messages(late)
    # Retention moved the log start: the first retained record is where both start.
    assert edges.judge_beginning(NO_CONTENT, [read(40)], NO_CONTENT, [read(40)], TOPIC, 0).passed


def test_seek_to_last_record_and_to_log_end() -> None:
    last, new = sent(5)[0], sent(6)[0]
    assert edges.judge_seek_to_last_and_end(
        NO_CONTENT, [read(5)], last, NO_CONTENT, [read(), read(6)], new
    ).passed
    clamped = edges.judge_seek_to_last_and_end(NO_CONTENT, [read(5)], last, NO_CONTENT, [read(5, 6)], new)
    assert "no record before 6" in messages(clamped)
    past = edges.judge_seek_to_last_and_end(NO_CONTENT, [read()], last, NO_CONTENT, [read(6)], new)
    assert "start there" in messages(past)


def test_max_bytes_stream_nothing_skipped_nothing_repeated() -> None:
    mine = sent(3, 4, 5)
    limits: list[int | None] = [71, 72, 73, 73, None]
    good = edges.judge_max_bytes_stream([read(), read(), read(3), read(4), read(5)], limits, mine)
    assert good.passed and any("max_bytes=73" in o for o in good.observations)
    skipped = edges.judge_max_bytes_stream([read(), read(), read(4), read(5), read()], limits, mine)
    assert "t1/0@3" in messages(skipped)
    repeated = edges.judge_max_bytes_stream([read(), read(), read(3), read(3), read(4, 5)], limits, mine)
    assert "returned more than once" in messages(repeated)


def test_long_lived_resumes_after_its_last_record_and_deletes() -> None:
    gone = exchange("DELETE", "/consumers/g/instances/i", 204)
    later = sent(12, 13)
    assert judge_long_lived([read(10, 11)], [read(12, 13)], gone, later, idle_s=20).passed
    replayed = judge_long_lived([read(10, 11)], [read(0, 1, 12, 13)], gone, later, idle_s=20)
    assert "resume at t1/0@12" in messages(replayed)
    lost = exchange("GET", "/consumers/g/instances/i/records", 404, {"error_code": 40403, "message": "m"})
    dropped = judge_long_lived(
        [read(10, 11)], [lost], exchange("DELETE", "/x", 404, {"error_code": 40403, "message": "m"}), later,
        idle_s=20,
    )  # fmt: skip
    assert "200 with a JSON array" in messages(dropped) and "delete after 20 s idle: 204" in messages(dropped)


# -- budgets --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("budget", ["quick", "standard"])
def test_long_lived_checks_are_not_applicable_below_deep(budget: str) -> None:
    for version, check_id in LONG_LIVED:
        chosen, not_run = select(catalogue(), version, budget=budget)
        left = {n.check.id: n for n in not_run}
        assert check_id not in {c.id for c in chosen}
        assert not left[check_id].counts_against, "leaving it out must not make the run incomplete"
        assert left[check_id].reason == NEEDS["deep-budget"] and "--budget deep" in left[check_id].reason


def test_long_lived_checks_run_at_deep_and_only_they_wait() -> None:
    for version, check_id in LONG_LIVED:
        chosen, _ = select(catalogue(), version, budget="deep")
        assert check_id in {c.id for c in chosen}
    waiting = sorted(c.id for c in catalogue() if "deep-budget" in c.requirement.needs)
    assert waiting == sorted(DEEP)


def test_selftest_runs_faults_only_deep_checks_see_at_deep() -> None:
    for fault_id in ("consumers-idle-instance-forgets-position", "consumers-idle-instance-dropped"):
        assert deep_only_checks(fault_id, "v1") == ("V1C-060",)
        assert deep_only_checks(fault_id, "v2") == ("V2C-084",)
    # Every other fault runs in the quick matrix as before.
    others = [f for f in registry().values() if not set(f.caught_by) & set(DEEP)]
    assert others and all(deep_only_checks(f.id, v) == () for f in others for v in f.versions)
    assert deep_only_checks(None, "v1") == ()


def test_edge_checks_cite_the_rows_their_faults_break() -> None:
    for fault in registry().values():
        for check_id in fault.caught_by:
            if check_id in ("V2C-080", "V2C-081", "V2C-082", "V2C-083", "READ-009", *DEEP):
                assert set(by_id(check_id).requirement.rows) & set(fault.rows), (fault.id, check_id)
