"""The shared read-back helper: pure decoding, and live reads through the reference (v1 by offset,
v2 through a throwaway consumer that is deleted afterwards)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from conformance.checks.api import KafkaRest, b64
from conformance.checks.readback import decode_b64_field, read_back, records_from
from conformance.client import RecordingClient, TargetClient
from conformance.exchange import Exchange, Request, Response
from conformance.reference.server import ReferenceConfig, serve_in_thread
from conformance.requirements import API_VERSIONS, ApiVersion


def test_decode_b64_field() -> None:
    assert decode_b64_field(None) == (None, None)
    assert decode_b64_field("") == (b"", None)
    assert decode_b64_field("aGVsbG8=") == (b"hello", None)
    for bad in ("aGVsbG8", "aGVs-G8=", "aGVs\nbG8=", 12):
        _, problem = decode_b64_field(bad)
        assert problem is not None, bad


def test_records_from_takes_only_200_read_answers() -> None:
    def read(path: str, status: int, body: bytes) -> Exchange:
        return Exchange(Request.build("GET", path), Response.build(status, {}, body))

    exchanges = [
        read("/topics/t/partitions/2/messages?offset=5", 200, b'[{"key":null,"value":"eA==","offset":5}]'),
        read("/topics/t/partitions/2/messages?offset=9", 500, b'{"error_code":50002,"message":"x"}'),
        read("/topics/t", 200, b'[{"key":null,"value":"eQ==","partition":0,"offset":1}]'),
    ]
    records = records_from(exchanges)
    # The v1 record without `partition` takes the path's; the non-read GET is ignored.
    assert [(r["partition"], r["offset"], r["value"]) for r in records] == [(2, 5, b"x")]


@dataclass
class Ctx:
    """The parts of `CheckContext` read_back uses."""

    version: ApiVersion
    client: RecordingClient
    api: KafkaRest
    run_id: str = "rb-test"
    rng: random.Random = field(default_factory=lambda: random.Random(1))
    cleaned: list[str] = field(default_factory=list)

    def group(self, suffix: str) -> str:
        return f"{self.run_id}-{suffix}"

    def cleanup(self, path: str) -> None:
        self.cleaned.append(path)


@pytest.fixture(params=API_VERSIONS)
def ctx(request: pytest.FixtureRequest) -> Iterator[Ctx]:
    version: ApiVersion = request.param
    with (
        serve_in_thread(ReferenceConfig(api_version=version, consumer_request_timeout_ms=200)) as server,
        TargetClient(server.url) as target,
    ):
        client = target.recorder()
        yield Ctx(version, client, KafkaRest(client, version))


def test_read_back_returns_the_records_written(ctx: Ctx) -> None:
    values = [bytes([i]) * 3 for i in range(5)]
    records = [{"value": b64(v), "partition": 1} for v in values] + [
        {"key": b64(b"k"), "value": None, "partition": 1}
    ]
    produce = ctx.api.produce("conformance-p3", records)
    first = produce.response.json()["offsets"][0]["offset"] if produce.response else None
    assert produce.status == 200 and first is not None
    back = read_back(ctx, "conformance-p3", 1, first, 6)  # type: ignore[arg-type]
    assert back.error is None
    assert [r["value"] for r in back.records[:6]] == [*values, None]
    assert back.at(first + 5) is not None and back.at(first + 5)["key"] == b"k"  # type: ignore[index]
    if ctx.version == "v2":
        assert ctx.cleaned, "the throwaway consumer is registered for cleanup"
        assert back.exchanges[-1].request.method == "DELETE" and back.exchanges[-1].status == 204


def test_read_back_past_the_end_stops(ctx: Ctx) -> None:
    produce = ctx.api.produce("conformance-p1", [{"value": b64(b"only")}])
    offset = produce.response.json()["offsets"][0]["offset"] if produce.response else 0
    back = read_back(ctx, "conformance-p1", 0, offset, 3)  # type: ignore[arg-type]
    assert [r["offset"] for r in back.records] == [offset]
