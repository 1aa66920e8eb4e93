"""The recordings of real servers in ``shared/observed/``, as `Exchange` values.

The files come in two shapes (``observed/README.md``): the v1 file keeps `body` plus
`body_is_json`/`body_empty`, the v2 files `body_json` or `body_text`. Both are normalised here,
so judgements, the replay test and the spec tests read one model. Bodies that the recorder cut
(`body_json_truncated_from`) are kept as recorded and flagged in `Exchange.notes`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from conformance.exchange import Exchange, Request, Response

TRUNCATED = "truncated"


@dataclass(frozen=True)
class Recording:
    """One recorded battery against one server."""

    key: str  # "confluent-5.5.0-v1", "confluent-5.5.0-v2", "confluent-7.5.0-v2", "karapace-3.16.0"
    file: Path
    server: str  # "confluent" or "karapace"
    api_version: str  # "v1" or "v2"
    topic: str  # the multi-partition topic (3 partitions)
    single_partition_topic: str  # the topic with 1 partition
    probes: tuple[Probe, ...]
    header: dict[str, Any]

    def probe(self, name: str) -> Probe:
        for probe in self.probes:
            if probe.name == name:
                return probe
        raise KeyError(f"{self.key} has no probe {name!r}")

    def has(self, name: str) -> bool:
        return any(p.name == name for p in self.probes)


@dataclass(frozen=True)
class Probe:
    name: str
    section: str
    description: str
    exchanges: tuple[Exchange, ...]
    roles: tuple[str, ...]  # "main", "setup", ... (v2 files); "main" for every v1 exchange
    derived: dict[str, Any]

    @property
    def main(self) -> Exchange:
        """The exchange the probe is about: the last with role "main"."""
        for exchange, role in zip(reversed(self.exchanges), reversed(self.roles), strict=True):
            if role == "main":
                return exchange
        return self.exchanges[-1]


FILES = {
    "confluent-5.5.0-v1": ("confluent-kafka-rest-5.5.0-v1.json", "confluent"),
    "confluent-5.5.0-v2": ("confluent-kafka-rest-5.5.0-v2.json", "confluent"),
    "confluent-7.5.0-v2": ("confluent-kafka-rest-7.5.0-v2.json", "confluent"),
    "karapace-3.16.0": ("karapace-3.16.0.json", "karapace"),
}
CONFLUENT = ("confluent-5.5.0-v1", "confluent-5.5.0-v2", "confluent-7.5.0-v2")


def observed_dir() -> Path | None:
    """Where the recordings are: $KAFKA_REST_OBSERVED, or ``../shared/observed`` beside the repo."""
    env = os.environ.get("KAFKA_REST_OBSERVED")
    candidates = [Path(env)] if env else []
    here = Path(__file__).resolve().parent.parent
    candidates += [here.parent / "shared" / "observed", here / "tests" / "observed"]
    for candidate in candidates:
        if (candidate / FILES["confluent-5.5.0-v1"][0]).is_file():
            return candidate
    return None


@cache
def load(key: str) -> Recording:
    directory = observed_dir()
    if directory is None:
        raise FileNotFoundError("shared/observed/ not found; set KAFKA_REST_OBSERVED")
    filename, server = FILES[key]
    raw = json.loads((directory / filename).read_text("utf-8"))
    header = {k: v for k, v in raw.items() if k != "probes"}
    if "topics" in raw and isinstance(raw["topics"], dict):
        topic, single = raw["topics"]["multi_partition"], raw["topics"]["single_partition"]
    else:
        topic, single = raw["topic"], raw["single_partition_topic"]
    probes = tuple(_probe(p) for p in raw["probes"])
    return Recording(key, directory / filename, server, raw["api_version"], topic, single, probes, header)


def load_all() -> Iterator[Recording]:
    for key in FILES:
        yield load(key)


def _probe(raw: dict[str, Any]) -> Probe:
    exchanges = tuple(_exchange(e) for e in raw["exchanges"])
    roles = tuple(e.get("role", "main") for e in raw["exchanges"])
    return Probe(
        name=raw["name"],
        section=raw.get("contract_section") or raw.get("contract") or "",
        description=raw.get("purpose") or raw.get("description") or "",
        exchanges=exchanges,
        roles=roles,
        derived=raw.get("derived") or {},
    )


def _request_body(raw: dict[str, Any]) -> bytes | None:
    body = raw.get("body")
    if body is None:
        return None
    if isinstance(body, dict) and set(body) == {"raw"}:
        return str(body["raw"]).encode()
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body).encode()


def _exchange(raw: dict[str, Any]) -> Exchange:
    req = raw["request"]
    headers = req.get("headers_sent") or req.get("headers") or {}
    request = Request.build(req["method"], req["path"], headers, _request_body(req))
    resp = raw.get("response")
    if not resp:
        return Exchange(request, None, error=raw.get("transport_error") or "no response")
    headers_out = dict(resp.get("headers") or {})
    lowered = {k.lower() for k in headers_out}
    if resp.get("content_type") is not None and "content-type" not in lowered:
        headers_out["content-type"] = resp["content_type"]
    if resp.get("content_type") is None:
        headers_out = {k: v for k, v in headers_out.items() if k.lower() != "content-type"}
    notes: list[str] = []
    if "body_json" in resp:
        body = json.dumps(resp["body_json"]).encode()
    elif resp.get("body_is_json"):
        body = json.dumps(resp["body"]).encode()
    elif "body_text" in resp:
        body = str(resp["body_text"]).encode()
    elif resp.get("body_empty"):
        body = b""
    else:
        body = str(resp.get("body") or "").encode()
    if any(k.endswith("truncated_from") for k in resp):
        notes.append(TRUNCATED)
    response = Response.build(resp["status"], headers_out, body, float(raw.get("elapsed_ms") or 0.0))
    return Exchange(request, response, notes=tuple(notes))
