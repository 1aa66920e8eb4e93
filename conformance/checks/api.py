"""Kafka REST calls with the media types of one API version, over a `RecordingClient`.

Probes use these instead of spelling paths and headers. Every method returns the `Exchange`, so
the caller judges what came back; nothing here asserts. Defaults follow contract.md §1 and §5.4:
always an explicit Accept, the binary type on produce bodies, `timeout` on v2 reads, explicit
offsets on v2 commits.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeGuard
from urllib.parse import quote

from conformance.client import RecordingClient
from conformance.exchange import Exchange
from conformance.media import MEDIA
from conformance.requirements import ApiVersion

Record = dict[str, Any]

# A real server may apply an assignment asynchronously: Karapace (librdkafka) answers a seek sent
# within ~10 ms of `POST …/assignments` with 409/40903 "is unassigned" (lab, 2026-12-07). That is
# a transient state, not a verdict on D18, so a seek is retried on 409/40903 within this bound.
SEEK_SETTLE_S = 2.0
SEEK_SETTLE_FIRST_PAUSE_S = 0.01


def is_int(value: Any) -> TypeGuard[int]:
    """A JSON integer: Python's bool is an int, a JSON `true` is not."""
    return isinstance(value, int) and not isinstance(value, bool)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    """Strict decode of a response value (responses must be canonical base64, §4.1)."""
    return base64.b64decode(text.encode("ascii"), validate=True)


def seg(value: str | int) -> str:
    return quote(str(value), safe="")


def instance_path(group: str, instance: str) -> str:
    return f"/consumers/{seg(group)}/instances/{seg(instance)}"


class KafkaRest:
    def __init__(self, client: RecordingClient, version: ApiVersion) -> None:
        self.client = client
        self.version = version
        self.media = MEDIA[version]
        # What the calls did to get past a transient server state (a retried seek): the engine
        # adds these to the check's observations, so a retry is never silent.
        self.notes: list[str] = []
        # The target's consumer-creation field for auto commit (Settings.auto_commit_field, a
        # profile's dialect setting); None: Confluent's, with the Strimzi retry (consumer_common).
        self.auto_commit_field: str | None = None

    # -- headers ---------------------------------------------------------------------------
    def _h(self, accept: str | None, content_type: str | None = None) -> dict[str, str | None]:
        return {"Accept": accept, "Content-Type": content_type}

    # -- metadata --------------------------------------------------------------------------
    def root(self, accept: str | None = "default") -> Exchange:
        return self.client.get("/", headers=self._h(self._accept(accept)), label="GET /")

    def topics(self, accept: str | None = "default") -> Exchange:
        return self.client.get("/topics", headers=self._h(self._accept(accept)), label="list topics")

    def topic(self, topic: str, accept: str | None = "default") -> Exchange:
        return self.client.get(
            f"/topics/{seg(topic)}", headers=self._h(self._accept(accept)), label="get topic"
        )

    def partitions(self, topic: str, accept: str | None = "default") -> Exchange:
        return self.client.get(
            f"/topics/{seg(topic)}/partitions", headers=self._h(self._accept(accept)), label="list partitions"
        )

    def partition(self, topic: str, partition: int | str, accept: str | None = "default") -> Exchange:
        return self.client.get(
            f"/topics/{seg(topic)}/partitions/{seg(partition)}",
            headers=self._h(self._accept(accept)),
            label="get partition",
        )

    def partition_offsets(self, topic: str, partition: int | str) -> Exchange:
        return self.client.get(
            f"/topics/{seg(topic)}/partitions/{seg(partition)}/offsets",
            headers=self._h(self.media.generic),
            label="partition offsets",
        )

    def brokers(self, accept: str | None = "default") -> Exchange:
        return self.client.get("/brokers", headers=self._h(self._accept(accept)), label="list brokers")

    def _accept(self, accept: str | None) -> str | None:
        return self.media.generic if accept == "default" else accept

    # -- produce ---------------------------------------------------------------------------
    def produce(
        self,
        topic: str,
        records: Sequence[Record] | None = None,
        *,
        partition: int | str | None = None,
        body: Any = None,
        raw: bytes | None = None,
        content_type: str | None = "default",
        accept: str | None = "default",
        label: str = "produce",
    ) -> Exchange:
        """Produce to a topic, or to `partition` of it. `body` replaces `{"records": records}`;
        `raw` sends bytes as they are (malformed JSON probes)."""
        path = f"/topics/{seg(topic)}" + ("" if partition is None else f"/partitions/{seg(partition)}")
        ct = self.media.binary if content_type == "default" else content_type
        headers = self._h(self._accept(accept), ct)
        if raw is not None:
            return self.client.post(path, headers=headers, content=raw, label=label)
        payload = body if body is not None else {"records": list(records or [])}
        return self.client.post(path, headers=headers, json=payload, label=label)

    # -- v1 read by offset -------------------------------------------------------------------
    def messages(
        self,
        topic: str,
        partition: int | str,
        offset: int | str | None,
        count: int | str | None = None,
        accept: str | None = "default",
    ) -> Exchange:
        params: dict[str, str | int] = {}
        if offset is not None:
            params["offset"] = offset
        if count is not None:
            params["count"] = count
        return self.client.get(
            f"/topics/{seg(topic)}/partitions/{seg(partition)}/messages",
            headers=self._h(self.media.binary if accept == "default" else accept),
            params=params,
            label="read by offset",
        )

    # -- consumers (both versions) ------------------------------------------------------------
    def create_consumer(
        self,
        group: str,
        body: Mapping[str, Any] | None = None,
        *,
        raw: bytes | None = None,
        content_type: str | None = "default",
        accept: str | None = "default",
    ) -> Exchange:
        """`body=None` and `raw=None` sends no body at all."""
        ct = self.media.generic if content_type == "default" else content_type
        headers = self._h(self._accept(accept), ct if (body is not None or raw is not None) else None)
        if content_type != "default" and body is None and raw is None:
            headers["Content-Type"] = content_type
        path = f"/consumers/{seg(group)}"
        if raw is not None:
            return self.client.post(path, headers=headers, content=raw, label="create consumer")
        if body is None:
            return self.client.post(path, headers=headers, label="create consumer")
        return self.client.post(path, headers=headers, json=dict(body), label="create consumer")

    def delete_consumer(self, instance: str, accept: str | None = "default") -> Exchange:
        """`instance` is an instance path (`/consumers/g/instances/i`) or an absolute base_uri."""
        return self.client.delete(instance, headers=self._h(self._accept(accept)), label="delete consumer")

    # -- v1 consumers ---------------------------------------------------------------------------
    def v1_read(
        self, instance: str, topic: str, *, accept: str | None = "default", max_bytes: int | str | None = None
    ) -> Exchange:
        params: dict[str, str | int] = {} if max_bytes is None else {"max_bytes": max_bytes}
        return self.client.get(
            f"{instance}/topics/{seg(topic)}",
            headers=self._h(self.media.binary if accept == "default" else accept),
            params=params,
            label="consumer read",
        )

    def v1_commit(self, instance: str) -> Exchange:
        return self.client.post(
            f"{instance}/offsets", headers=self._h(self.media.generic, self.media.generic), label="commit"
        )

    # -- v2 consumers ---------------------------------------------------------------------------
    def _v2(self, method: str, path: str, body: Any = None, label: str = "") -> Exchange:
        if body is None:
            return self.client.send(method, path, headers=self._h(self.media.generic), label=label)
        return self.client.send(
            method, path, headers=self._h(self.media.generic, self.media.generic), json=body, label=label
        )

    def subscribe(
        self, instance: str, topics: Sequence[str] | None = None, pattern: str | None = None
    ) -> Exchange:
        body: dict[str, Any] = (
            {"topic_pattern": pattern} if pattern is not None else {"topics": list(topics or [])}
        )
        return self._v2("POST", f"{instance}/subscription", body, "subscribe")

    def subscription(self, instance: str) -> Exchange:
        return self._v2("GET", f"{instance}/subscription", label="get subscription")

    def unsubscribe(self, instance: str) -> Exchange:
        return self._v2("DELETE", f"{instance}/subscription", label="unsubscribe")

    def assign(self, instance: str, partitions: Sequence[tuple[str, int]]) -> Exchange:
        body = {"partitions": [{"topic": t, "partition": p} for t, p in partitions]}
        return self._v2("POST", f"{instance}/assignments", body, "assign")

    def assignments(self, instance: str) -> Exchange:
        return self._v2("GET", f"{instance}/assignments", label="get assignments")

    def seek(
        self, instance: str, offsets: Sequence[tuple[str, int, int]], *, settle: bool = True
    ) -> Exchange:
        """`settle=False` sends once: for probes of a seek that must be refused (D19)."""
        body = {"offsets": [{"topic": t, "partition": p, "offset": o} for t, p, o in offsets]}
        return self._settled(lambda: self._v2("POST", f"{instance}/positions", body, "seek"), settle)

    def seek_to(
        self, instance: str, where: str, partitions: Sequence[tuple[str, int]], *, settle: bool = True
    ) -> Exchange:
        """`where` is "beginning" or "end"."""
        body = {"partitions": [{"topic": t, "partition": p} for t, p in partitions]}
        return self._settled(
            lambda: self._v2("POST", f"{instance}/positions/{where}", body, f"seek to {where}"), settle
        )

    def _settled(self, send: Callable[[], Exchange], settle: bool) -> Exchange:
        """Send; while the answer is 409/40903 (the assignment not applied yet), retry with a
        growing pause until SEEK_SETTLE_S has passed. Each retry is recorded as evidence."""
        exchange = send()
        if not settle or not _assignment_pending(exchange):
            return exchange
        started = time.monotonic()
        pause, refusals = SEEK_SETTLE_FIRST_PAUSE_S, 1
        while time.monotonic() - started < SEEK_SETTLE_S:
            time.sleep(pause)
            pause = min(pause * 2, 0.25)
            exchange = send()
            if not _assignment_pending(exchange):
                waited = time.monotonic() - started
                self.notes.append(
                    f"{exchange.request.method} {exchange.request.path}: answered 409/40903 "
                    f"(partition not yet assigned) {refusals} time(s); retried, then "
                    f"{exchange.status} after {waited * 1000:.0f} ms (transient state, not judged)"
                )
                return exchange
            refusals += 1
        self.notes.append(
            f"{exchange.request.method} {exchange.request.path}: still 409/40903 after {refusals} "
            f"tries over {SEEK_SETTLE_S:g} s"
        )
        return exchange

    def records(
        self,
        instance: str,
        *,
        timeout: int | str | None = 1000,
        max_bytes: int | str | None = None,
        accept: str | None = "default",
    ) -> Exchange:
        params: dict[str, str | int] = {}
        if timeout is not None:
            params["timeout"] = timeout
        if max_bytes is not None:
            params["max_bytes"] = max_bytes
        return self.client.get(
            f"{instance}/records",
            headers=self._h(self.media.binary if accept == "default" else accept),
            params=params,
            label="records",
        )

    def commit(self, instance: str, offsets: Sequence[tuple[str, int, int]] | None) -> Exchange:
        """Commit explicit offsets (§5.4); `None` sends a body-less commit (only D28 does)."""
        body = (
            None
            if offsets is None
            else {"offsets": [{"topic": t, "partition": p, "offset": o} for t, p, o in offsets]}
        )
        return self._v2("POST", f"{instance}/offsets", body, "commit")

    def committed(self, instance: str, partitions: Sequence[tuple[str, int]]) -> Exchange:
        """`GET …/offsets` with a JSON body (contract.md §2.2 #19)."""
        body = {"partitions": [{"topic": t, "partition": p} for t, p in partitions]}
        return self._v2("GET", f"{instance}/offsets", body, "get committed offsets")


def _assignment_pending(exchange: Exchange) -> bool:
    if exchange.status != 409 or exchange.response is None:
        return False
    body = exchange.response.json_or_none()
    return isinstance(body, dict) and body.get("error_code") == 40903
