"""v1-consumer checks at the edges (contract.md §2.1 #9–#11, §4.5, §8.9; issue 16, "detection at
the edges"): an instance kept idle for tens of seconds. It runs only at `--budget deep`: quick and
standard runs leave it out as not applicable, so they cost nothing.

The ordinary read and delete checks of the same rows are in `v1_consumer`.
"""

from __future__ import annotations

import time

from conformance.checks.consumer_common import (
    DEEP_ONLY,
    LONG_IDLE_S,
    Session,
    judge_long_lived,
    need_all,
    need_instance,
)
from conformance.checks.model import CheckContext, CheckSet, Judgement
from conformance.checks.v1_consumer import SMALLEST, V1, _own, read_until

checks = CheckSet("v1-consumer", versions=V1)
_req = checks.requirement


@checks.add(_req(
    "V1C-060", "An instance idle for tens of seconds still answers and keeps its position",
    ("C10", "C16"), "4.5",
    f"A v1 instance left idle for {LONG_IDLE_S:g} s resumes right after the last record it returned, "
    "delivers the records written meanwhile in order, and deletes with 204 (deep budget only).",
    needs=DEEP_ONLY,
))  # fmt: skip
def long_lived(ctx: CheckContext) -> Judgement:
    topic, _, _, first = _own(ctx, "e60a-", 2)
    with Session(ctx) as s:
        create, path = s.create(ctx.group("e60"), SMALLEST)  # a group of its own: no rebalance
        path = need_instance(create, path)
        before = read_until(ctx, path, topic, first)
        need_all(before, first, "reading the check's first records before the idle wait", topic)
        time.sleep(LONG_IDLE_S)  # the point of the check: bounded, and only at --budget deep
        _, _, _, later = _own(ctx, "e60b-", 2)
        after = read_until(ctx, path, topic, later)
        return judge_long_lived(before, after, s.delete(path), later, idle_s=LONG_IDLE_S, path_topic=topic)
