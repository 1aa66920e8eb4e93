"""Preflight: before any check, make sure the target can be tested at all.

In order: the target answers ``GET /topics`` with the version's Accept; the declared
credentials are accepted (401/403 -> `CredentialsRejected`); every test topic exists, and its
partition count is read from the target (``GET /topics/{t}``, or ``/topics/{t}/partitions``
when that does not answer). For API v2, the v2-only ``GET /topics/{t}/partitions/0/offsets``
must exist: a v1-only server answers ``GET /topics`` to any Accept but has no such path (Jersey's
404 with ``error_code`` 404), and testing it as v2 would be a page of failures, not a verdict.
A v1 run against a v2-only server is caught by the 406 on ``GET /topics``. Each failure is one
line that says what failed and what to do; the command line turns it into exit 3.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from conformance.checks.api import seg
from conformance.client import TargetClient
from conformance.errors import CredentialsRejected, TargetError, TargetUnreachable
from conformance.exchange import Exchange
from conformance.media import MEDIA
from conformance.requirements import ApiVersion


@dataclass(frozen=True)
class Preflight:
    partitions: dict[str, int]  # per test topic
    exchanges: tuple[Exchange, ...]


def _credentials_hint(client: TargetClient) -> str:
    if client.credentials.declared:
        return "check the key or token (--api-key, --bearer, --basic or KAFKA_REST_* environment variables)"
    return "the target wants credentials: pass --api-key, --bearer or --basic"


def _no_answer(exchange: Exchange, url: str) -> TargetUnreachable:
    return TargetUnreachable(
        f"{url} did not answer GET /topics ({exchange.error}); check the URL and that the proxy is running"
    )


def run_preflight(
    client: TargetClient, version: ApiVersion, topic: str, single_topic: str | None = None
) -> Preflight:
    media = MEDIA[version]
    accept = {"Accept": media.generic}
    seen: list[Exchange] = []

    topics = client.send("GET", "/topics", headers=accept, label="preflight: list topics")
    seen.append(topics)
    if topics.response is None:
        raise _no_answer(topics, client.base_url)
    status = topics.response.status
    if status in (401, 403):
        raise CredentialsRejected(
            f"the target refused the credentials on GET /topics ({status}); {_credentials_hint(client)}"
        )
    if status == 406:
        other = "v2" if version == "v1" else "v1"
        raise TargetError(
            f"GET /topics with Accept {media.generic} answered 406: the target may not speak API {version};"
            f" try --api-version {other}"
        )
    if status != 200:
        raise TargetError(
            f"GET /topics answered {status}, not 200: is {client.base_url} the base URL of a Kafka REST proxy?"
        )

    partitions: dict[str, int] = {}
    for name, flag in ((topic, "--topic"), (single_topic, "--single-partition-topic")):
        if name is None:
            continue
        count, exchanges = _partition_count(client, version, name, flag)
        seen.extend(exchanges)
        partitions[name] = count
    if single_topic is not None and partitions[single_topic] != 1:
        raise TargetError(
            f"--single-partition-topic {single_topic} has {partitions[single_topic]} partitions;"
            " give a topic with exactly one partition"
        )
    if version == "v2":
        seen.append(_require_v2(client, topic))
    return Preflight(partitions, tuple(seen))


def _require_v2(client: TargetClient, topic: str) -> Exchange:
    """A v2 run needs a v2 server: the offsets path exists on every v2 server and no v1 one."""
    path = f"/topics/{seg(topic)}/partitions/0/offsets"
    exchange = client.send("GET", path, headers={"Accept": MEDIA["v2"].generic}, label="preflight: API v2")
    response = exchange.response
    if response is None or response.status != 404:
        return exchange  # an answer, or none: the checks judge it (M6)
    body = response.json_or_none()
    code = body.get("error_code") if isinstance(body, dict) else None
    if code in (40401, 40402, 40403):
        return exchange  # a v2 server that says the topic or partition is unknown: M6 judges it
    raise TargetError(
        f"GET {path} answered 404 (no such path) although topic {topic!r} exists: the target may not"
        " speak API v2 (a v1-only server); try --api-version v1"
    )


def _count(body: Any) -> int | None:
    if isinstance(body, dict):
        body = body.get("partitions")
    if isinstance(body, list) and body:
        return len(body)
    return None


def _partition_count(
    client: TargetClient, version: ApiVersion, topic: str, flag: str
) -> tuple[int, list[Exchange]]:
    accept = {"Accept": MEDIA[version].generic}
    seen: list[Exchange] = []
    for path in (f"/topics/{seg(topic)}", f"/topics/{seg(topic)}/partitions"):
        exchange = client.send("GET", path, headers=accept, label="preflight: topic metadata")
        seen.append(exchange)
        if exchange.response is None:
            continue  # e.g. a hanging metadata endpoint: try the other one before giving up
        status = exchange.response.status
        if status in (401, 403):
            raise CredentialsRejected(
                f"the target refused the credentials on GET {path} ({status}); {_credentials_hint(client)}"
            )
        if status == 404:
            raise TargetError(
                f"topic {topic!r} does not exist on the target (GET {path} answered 404);"
                f" create it (the suite cannot create topics) or name an existing one with {flag}"
            )
        if status == 200:
            count = _count(exchange.response.json_or_none())
            if count is not None:
                return count, seen
    last = seen[-1]
    got = f"no response ({last.error})" if last.response is None else f"{last.status}"
    raise TargetError(
        f"could not read the partition count of topic {topic!r} (GET /topics/{topic} -> {got});"
        " check that the topic exists and the target is healthy"
    )
