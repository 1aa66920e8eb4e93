"""Immutable records of HTTP exchanges: what was sent, what came back.

Every judgement in the suite is a pure function of `Exchange` values, so the same code judges a
live target and the recordings of real servers in ``shared/observed/`` (see `recordings.py`).
Values here are safe to print: `Request.redacted()` masks credentials, and `curl()` builds the
reproduction command from the redacted request.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit, urlunsplit

# Header names whose values are secrets. httpx masks only Authorization; X-Auth-Token is the
# Message Hub credential and must never be printed either.
SECRET_HEADERS = frozenset({"authorization", "x-auth-token", "proxy-authorization", "cookie", "set-cookie"})
REDACTED = "[REDACTED]"

Headers = tuple[tuple[str, str], ...]


def _headers(items: Mapping[str, str] | Iterable[tuple[str, str]] | None) -> Headers:
    if items is None:
        return ()
    pairs = items.items() if isinstance(items, Mapping) else items
    return tuple((str(k), str(v)) for k, v in pairs)


def header(headers: Headers, name: str) -> str | None:
    """The first value of a header, case-insensitively, or None."""
    lowered = name.lower()
    for key, value in headers:
        if key.lower() == lowered:
            return value
    return None


def media_type(content_type: str | None) -> str | None:
    """`application/vnd.kafka.v2+json; charset=utf-8` -> `application/vnd.kafka.v2+json`."""
    if content_type is None:
        return None
    return content_type.split(";", 1)[0].strip().lower() or None


def is_json_media_type(content_type: str | None) -> bool:
    """contract.md §8: "JSON Content-Type" = application/json or application/*+json."""
    mt = media_type(content_type)
    if mt is None:
        return False
    return mt == "application/json" or (mt.startswith("application/") and mt.endswith("+json"))


def _strip_userinfo(url: str) -> str:
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


@dataclass(frozen=True)
class Request:
    method: str
    url: str  # absolute URL for live exchanges; a path for recordings
    headers: Headers = ()
    body: bytes | None = None

    @classmethod
    def build(
        cls,
        method: str,
        url: str,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        body: bytes | None = None,
    ) -> Request:
        return cls(method.upper(), url, _headers(headers), body)

    def header(self, name: str) -> str | None:
        return header(self.headers, name)

    @property
    def path(self) -> str:
        """Path and query, without scheme and host."""
        parts = urlsplit(self.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def json(self) -> Any:
        if self.body is None:
            return None
        return json.loads(self.body)

    def redacted(self, secrets: Iterable[str] = ()) -> Request:
        """A copy with secret headers masked, credentials out of the URL, and any known secret
        value replaced wherever it appears."""
        secret_values = [s for s in secrets if s]
        headers = tuple(
            (k, REDACTED if k.lower() in SECRET_HEADERS else _mask(v, secret_values)) for k, v in self.headers
        )
        body = self.body
        if body is not None and secret_values:
            text = body.decode("utf-8", "replace")
            if any(s in text for s in secret_values):
                body = _mask(text, secret_values).encode()
        return replace(self, url=_mask(_strip_userinfo(self.url), secret_values), headers=headers, body=body)

    def curl(self, secrets: Iterable[str] = ()) -> str:
        """A curl command that replays exactly this request, secrets redacted.

        Header values and the body are passed as given; ``-H 'Accept:'`` style removal is used
        for a header that must not be sent, so a "no Accept" probe replays as one.
        """
        req = self.redacted(secrets)
        parts = ["curl", "-sS", "-i", "-X", req.method]
        sent = {k.lower() for k, _ in req.headers}
        for key, value in req.headers:
            parts += ["-H", f"{key}: {value}"]
        # curl adds these unless told not to; the original request did not send them.
        for implicit in ("accept", "content-type", "user-agent"):
            if implicit not in sent:
                parts += ["-H", f"{implicit.title()}:"]
        if req.body is not None:
            parts += ["--data-binary", req.body.decode("utf-8", "replace")]
        parts.append(req.url)
        return " ".join(shlex.quote(p) for p in parts)


def _mask(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


@dataclass(frozen=True)
class Response:
    status: int
    headers: Headers = ()
    body: bytes = b""
    elapsed_ms: float = 0.0

    @classmethod
    def build(
        cls,
        status: int,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        body: bytes = b"",
        elapsed_ms: float = 0.0,
    ) -> Response:
        return cls(status, _headers(headers), body, elapsed_ms)

    def header(self, name: str) -> str | None:
        return header(self.headers, name)

    @property
    def content_type(self) -> str | None:
        return self.header("content-type")

    @property
    def media_type(self) -> str | None:
        return media_type(self.content_type)

    @property
    def is_json_labelled(self) -> bool:
        return is_json_media_type(self.content_type)

    def json(self) -> Any:
        """The body parsed as JSON; raises ValueError when it is not JSON."""
        return json.loads(self.body)

    def json_or_none(self) -> Any:
        """The body parsed as JSON, or None when it is empty or not JSON."""
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass(frozen=True)
class Exchange:
    """One request and its response, or the transport error that stood in its place."""

    request: Request
    response: Response | None
    error: str | None = None  # transport error ("timed out after 5.0 s", "connection refused")
    label: str = ""  # what the exchange was for, e.g. "produce" or "read back"
    notes: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.response is not None

    @property
    def status(self) -> int | None:
        return self.response.status if self.response is not None else None

    def describe(self) -> str:
        """One line: `POST /topics/t -> 200 application/vnd.kafka.v1+json`."""
        head = f"{self.request.method} {self.request.path}"
        if self.response is None:
            return f"{head} -> no response ({self.error})"
        return f"{head} -> {self.response.status} {self.response.content_type or '(no Content-Type)'}"
