"""Checks of the "other" area (contract.md §5.1, §5.3, §8.11 row O1): behaviours that differ
legitimately between servers and are recorded, never failed.
"""

from __future__ import annotations

from collections.abc import Sequence

from conformance.checks.api import b64, instance_path, seg
from conformance.checks.model import CheckContext, CheckSet, Judgement
from conformance.exchange import Exchange
from conformance.requirements import Requirement

checks = CheckSet("other")


def _outcome(ex: Exchange) -> str:
    if ex.response is None:
        return f"no response ({ex.error})"
    return f"{ex.response.status} {ex.response.content_type or '(no Content-Type)'}"


def observe_other(
    v1_paths: Sequence[Exchange],
    async_produce: Exchange,
    headers_produce: Exchange,
    reads: Sequence[Exchange],
) -> Judgement:
    """O1: v1-only paths on a v2 server, `?async=true`, record `headers`, and the latency of
    `reads` (a produce, and on v1 a read by offset)."""
    j = Judgement()
    for ex in v1_paths:
        j.observe(f"O1: v1-only path {ex.request.method} {ex.request.path} -> {_outcome(ex)}")
    j.observe(f"O1: produce with ?async=true -> {_outcome(async_produce)}")
    j.observe(f"O1: produce with a record `headers` field -> {_outcome(headers_produce)}")
    for ex in reads:
        if ex.response is not None:
            j.observe(f"O1: {ex.label or 'read'} {ex.request.path} took {ex.response.elapsed_ms:.0f} ms")
    return j


@checks.add(
    Requirement(
        id="OTH-001",
        title="v1 paths on v2, async produce, record headers, latency (recorded)",
        area="other",
        rows=("O1",),
        section="5.1, 5.3",
        statement="What the target answers to the v1-only read paths (v2), `?async=true` produce and a "
        "record `headers` field, and how long a read takes, is recorded.",
    )
)
def other_behaviours(ctx: CheckContext) -> Judgement:
    api, topic = ctx.api, ctx.topic
    value = b64(f"{ctx.run_id}-o1".encode())
    generic, binary = api.media.generic, api.media.binary
    v1_paths: list[Exchange] = []
    reads: list[Exchange] = []
    if ctx.version == "v2":
        v1_paths.append(
            ctx.client.get(
                f"/topics/{seg(topic)}/partitions/0/messages",
                headers={"Accept": "application/vnd.kafka.binary.v1+json"},
                params={"offset": 0, "count": 1},
                label="v1 read by offset",
            )
        )
        missing = instance_path(ctx.group("o1"), "absent")
        v1_paths.append(
            ctx.client.get(
                f"{missing}/topics/{seg(topic)}",
                headers={"Accept": "application/vnd.kafka.binary.v1+json"},
                label="v1 consumer read",
            )
        )
    async_produce = ctx.client.post(
        f"/topics/{seg(topic)}",
        headers={"Accept": generic, "Content-Type": binary},
        params={"async": "true"},
        json={"records": [{"value": value}]},
        label="async produce",
    )
    headers_produce = api.produce(
        topic,
        [{"value": value, "headers": [{"key": "h1", "value": b64(b"v1")}]}],
        label="produce with headers",
    )
    produced = api.produce(topic, [{"value": value}], partition=0)
    reads.append(produced)
    body = produced.response.json_or_none() if produced.status == 200 and produced.response else None
    offsets = body.get("offsets") if isinstance(body, dict) else None
    if isinstance(offsets, list) and offsets and isinstance(offsets[0], dict):
        offset = offsets[0].get("offset")
        if isinstance(offset, int) and ctx.version == "v1":
            reads.append(api.messages(topic, 0, offset, count=1))
    return observe_other(v1_paths, async_produce, headers_produce, reads)
