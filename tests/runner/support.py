"""Helpers for the runner's tests: synthetic checks and a mock target, no network needed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from conformance.checks.model import Check, CheckContext, Judgement
from conformance.client import Credentials, TargetClient
from conformance.engine import Target
from conformance.requirements import ApiVersion, Requirement

Probe = Callable[[CheckContext], Judgement]


def check(
    check_id: str,
    probe: Probe,
    *,
    row: str = "M1",
    area: str = "metadata",
    needs: frozenset[str] = frozenset(),
    versions: tuple[ApiVersion, ...] = ("v1", "v2"),
    **requirement: Any,
) -> Check:
    return Check(
        Requirement(
            id=check_id,
            title=f"title of {check_id}",
            area=area,
            rows=(row,),
            section="2.1",
            statement=f"statement of {check_id}",
            versions=versions,
            needs=needs,
            **requirement,
        ),
        probe,
    )


def passing(ctx: CheckContext) -> Judgement:
    ctx.api.topics()
    return Judgement()


def failing(ctx: CheckContext) -> Judgement:
    j = Judgement()
    exchange = ctx.api.topics()
    j.fail("200 with a list", f"{exchange.status}", "clients cannot list topics", exchange)
    return j


def mock_target(
    handler: Callable[[httpx.Request], httpx.Response] | None = None,
    *,
    version: ApiVersion = "v1",
    credentials: Credentials | None = None,
    partitions: int = 3,
    timeout: float = 2.0,
) -> Target:
    def default(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json=["t"], headers={"content-type": f"application/vnd.kafka.{version}+json"}
        )

    client = TargetClient(
        "http://target.test",
        credentials=credentials,
        timeout=timeout,
        transport=httpx.MockTransport(handler or default),
    )
    return Target(client, version, "t", None, {"t": partitions}, "krc-test", seed=7)
