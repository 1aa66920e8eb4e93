"""Fixtures for the reference server's tests: in-process clients whose every response is
validated against openapi.yaml at teardown (issue 3: "every response the reference gives in
the tests validates against openapi.yaml")."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import anyio.from_thread
import httpx
import pytest

from conformance import contract
from conformance.reference import ReferenceConfig, create_app


@dataclass
class Seen:
    version: str
    method: str
    path: str
    status: int
    content_type: str | None
    body: bytes


@dataclass
class ContractRecorder:
    """Collects every response; `problems()` validates them against openapi.yaml."""

    seen: list[Seen] = field(default_factory=list)
    # (method, path, status) a test provokes on purpose outside what openapi.yaml declares,
    # each with its reason (e.g. contract.md §8 N8: requests a check never sends).
    allowed: dict[tuple[str | None, str | None, int], str] = field(default_factory=dict)

    def allow(self, method: str | None, path: str | None, status: int, reason: str) -> None:
        """Exempt (method, path, status) from validation; None matches any method or path."""
        self.allowed[(method, path, status)] = reason

    def _allowed(self, s: Seen) -> bool:
        keys = [(m, p, s.status) for m in (s.method, None) for p in (s.path, None)]
        return any(key in self.allowed for key in keys)

    def hook(self, version: str) -> Callable[[httpx.Response], None]:
        def on_response(response: httpx.Response) -> None:
            response.read()
            self.seen.append(
                Seen(
                    version,
                    response.request.method,
                    urlsplit(str(response.request.url)).path,
                    response.status_code,
                    response.headers.get("content-type"),
                    response.content,
                )
            )

        return on_response

    def problems(self) -> list[str]:
        out = []
        for s in self.seen:
            if self._allowed(s):
                continue
            if contract.find_operation(s.version, s.method, s.path) is None:
                if s.status in (404, 405):
                    continue  # an unknown path or method: nothing in the spec to validate against
                out.append(f"{s.version} {s.method} {s.path}: no operation in openapi.yaml")
                continue
            for problem in contract.validate_response(
                s.version, s.method, s.path, s.status, s.content_type, s.body
            ):
                out.append(f"{s.version} {s.method} {s.path} -> {s.status} {s.content_type}: {problem}")
        return out


@pytest.fixture
def recorder() -> Iterator[ContractRecorder]:
    rec = ContractRecorder()
    yield rec
    problems = rec.problems()
    if problems:
        pytest.fail("responses that do not validate against openapi.yaml:\n" + "\n".join(problems[:30]))


Factory = Callable[..., "InProcess"]


class InProcess:
    """A synchronous httpx-style client on an ASGI app, through `httpx.ASGITransport`.

    The app runs on an event loop in a portal thread, so sync tests make the same calls as real
    clients without a socket.
    """

    def __init__(self, app: Any, on_response: Callable[[httpx.Response], None]) -> None:
        self._portal_cm = anyio.from_thread.start_blocking_portal()
        self._portal = self._portal_cm.__enter__()
        self.app = app
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://reference.test", timeout=10
        )
        self._on_response = on_response

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        response = self._portal.call(functools.partial(self._client.request, method, url, **kwargs))
        self._on_response(response)
        return response

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)

    def close(self) -> None:
        self._portal.call(self._client.aclose)
        self._portal_cm.__exit__(None, None, None)


@pytest.fixture
def make(recorder: ContractRecorder) -> Iterator[Factory]:
    """`make(version, **config)` -> a client on a fresh reference app (every response validated)."""
    clients: list[InProcess] = []

    def factory(version: str = "v1", extra_faults: Any = (), **config: Any) -> InProcess:
        config.setdefault("consumer_request_timeout_ms", 50)
        app = create_app(ReferenceConfig(api_version=version, **config), extra_faults=extra_faults)
        client = InProcess(app, recorder.hook(version))
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()


@pytest.fixture
def v1(make: Factory) -> InProcess:
    return make("v1")


@pytest.fixture
def v2(make: Factory) -> InProcess:
    return make("v2")
