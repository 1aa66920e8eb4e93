"""The target as typed calls over httpx. Every call yields an immutable `Exchange` and is recorded.

Two rules the checks rely on:

- The client sends exactly the headers a check asks for, plus the credentials and the user's
  extra headers. httpx adds ``Accept: */*`` on its own; here it is removed unless a check sets
  it, so a "no Accept" probe really sends none (contract.md §1). A header given as None is
  removed too.
- Transport failures (refused, timeout, reset) never raise: they come back as an `Exchange`
  with `response=None` and `error` set, so a dead or hanging target fails or errors checks
  with a message instead of a traceback.
"""

from __future__ import annotations

import json as jsonlib
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from conformance.exchange import Exchange, Request, Response

_UNSET: Any = object()

# httpx adds these on its own. A conformance probe must control Accept, so it is removed unless
# the caller set it; the others are harmless and kept.
_HTTPX_DEFAULTS_TO_DROP = ("accept",)

# Requests a target never gets two of at once, per API version ("METHOD /path"). Confluent 5.5's
# v1 consumer read takes a lock on one thread of a pool it shares with commits and is re-run
# every 50 ms on whichever thread is idle; when another read or a commit overlaps it, it moves
# threads, the unlock throws (upstream kafka-rest issue 584, seen in the lab): the read answers
# 500/50002 and the instance's commit and DELETE hang for good. Sequential clients never see it,
# so v1 consumer reads and commits go one at a time, whichever check or layer sends them.
ONE_AT_A_TIME: dict[str, re.Pattern[str]] = {
    "v1": re.compile(
        r"GET (?:/[^/]+)*/consumers/[^/]+/instances/[^/]+/topics/[^/]+"
        r"|POST (?:/[^/]+)*/consumers/[^/]+/instances/[^/]+/offsets"
    ),
}


@dataclass
class Credentials:
    """What the user declared. Each field is a secret: never printed, always redacted."""

    api_key: str | None = None  # sent as X-Auth-Token (IBM Message Hub)
    bearer: str | None = None
    basic: str | None = None  # "user:pass"
    extra_headers: dict[str, str] = field(default_factory=dict)  # --header K:V (values treated as secret)

    def headers(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.api_key:
            out["X-Auth-Token"] = self.api_key
        if self.bearer:
            out["Authorization"] = f"Bearer {self.bearer}"
        if self.basic:
            import base64

            out["Authorization"] = "Basic " + base64.b64encode(self.basic.encode()).decode()
        out.update(self.extra_headers)
        return out

    def secrets(self) -> tuple[str, ...]:
        values = [self.api_key, self.bearer, self.basic, *self.extra_headers.values()]
        if self.basic:
            import base64

            values.append(base64.b64encode(self.basic.encode()).decode())
        return tuple(v for v in values if v)

    @property
    def declared(self) -> bool:
        return bool(self.api_key or self.bearer or self.basic)


class TargetClient:
    """A thread-safe HTTP client for one target. `recorder()` gives each check its own log."""

    def __init__(
        self,
        base_url: str,
        *,
        credentials: Credentials | None = None,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        api_version: str | None = None,
    ) -> None:
        """`api_version` applies that version's ONE_AT_A_TIME rule to every request."""
        self.base_url = base_url.rstrip("/")
        self.one_at_a_time = ONE_AT_A_TIME.get(api_version or "")
        self._one_at_a_time_lock = threading.Lock()
        self.credentials = credentials or Credentials()
        self.timeout = timeout
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout),
            transport=transport,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> TargetClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def send(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str | None] | None = None,
        json: Any = _UNSET,
        content: bytes | None = None,
        params: Mapping[str, str | int] | None = None,
        timeout: float | None = None,
        authenticate: bool = True,
        label: str = "",
    ) -> Exchange:
        """Send one request and return the exchange. Never raises for transport errors.

        `json=` serialises the body but sets no Content-Type: a check states the media type it
        means to send. `authenticate=False` leaves the declared credentials off (auth checks).
        """
        wanted: dict[str, str | None] = {}
        if authenticate:
            wanted.update(self.credentials.headers())
        for key, value in (headers or {}).items():
            for existing in [k for k in wanted if k.lower() == key.lower()]:
                del wanted[existing]
            wanted[key] = value
        body: bytes | None = content
        if json is not _UNSET:
            body = jsonlib.dumps(json, separators=(",", ":")).encode()
        url = self.url(path)
        if params:
            url = str(httpx.URL(url).copy_merge_params({k: str(v) for k, v in params.items()}))
        sent_headers = {k: v for k, v in wanted.items() if v is not None}
        request = Request.build(method, url, sent_headers, body)

        http_request = self._http.build_request(
            method, url, headers=sent_headers, content=body, timeout=timeout or self.timeout
        )
        lowered = {k.lower() for k in sent_headers}
        for name in _HTTPX_DEFAULTS_TO_DROP:
            if name not in lowered and name in http_request.headers:
                del http_request.headers[name]
        serial = self.one_at_a_time is not None and bool(
            self.one_at_a_time.fullmatch(f"{method.upper()} {http_request.url.path}")
        )
        started = time.perf_counter()
        try:
            if serial:
                with self._one_at_a_time_lock:
                    started = time.perf_counter()
                    http_response = self._http.send(http_request)
            else:
                http_response = self._http.send(http_request)
        except httpx.TimeoutException:
            return Exchange(
                request, None, error=f"timed out after {timeout or self.timeout:g} s", label=label
            )
        except httpx.HTTPError as exc:
            return Exchange(request, None, error=_transport_message(exc), label=label)
        elapsed = (time.perf_counter() - started) * 1000
        response = Response.build(
            http_response.status_code, list(http_response.headers.items()), http_response.content, elapsed
        )
        return Exchange(request, response, label=label)

    def recorder(self) -> RecordingClient:
        return RecordingClient(self)


def _transport_message(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return f"connection failed: {exc}" if str(exc) else "connection refused"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"protocol error: {exc}"
    return f"{type(exc).__name__}: {exc}"


class RecordingClient:
    """The client a single check uses: same calls, and it keeps every exchange as evidence."""

    def __init__(self, target: TargetClient) -> None:
        self.target = target
        self.exchanges: list[Exchange] = []
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return self.target.base_url

    def send(self, method: str, path: str, **kwargs: Any) -> Exchange:
        exchange = self.target.send(method, path, **kwargs)
        with self._lock:
            self.exchanges.append(exchange)
        return exchange

    def get(self, path: str, **kwargs: Any) -> Exchange:
        return self.send("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Exchange:
        return self.send("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Exchange:
        return self.send("DELETE", path, **kwargs)
