"""Helpers shared by the reference server tests."""

from __future__ import annotations

import base64


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str | None) -> bytes | None:
    return None if text is None else base64.b64decode(text, validate=True)


V1_BIN = {"Content-Type": "application/vnd.kafka.binary.v1+json", "Accept": "application/vnd.kafka.v1+json"}
V1_ACCEPT = {"Accept": "application/vnd.kafka.v1+json"}
V1_READ = {"Accept": "application/vnd.kafka.binary.v1+json"}
V2_BIN = {"Content-Type": "application/vnd.kafka.binary.v2+json", "Accept": "application/vnd.kafka.v2+json"}
V2_JSON = {"Content-Type": "application/vnd.kafka.v2+json", "Accept": "application/vnd.kafka.v2+json"}
V2_ACCEPT = {"Accept": "application/vnd.kafka.v2+json"}
V2_READ = {"Accept": "application/vnd.kafka.binary.v2+json"}
