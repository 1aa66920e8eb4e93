"""Request body decoding per API version: JSON parsing quirks and the two base64 decoders.

v1 (and Confluent through 5.x) decodes with JAXB's `parseBase64Binary`, which is lenient: it
skips non-alphabet characters and silently drops a trailing incomplete quartet; only a
non-ASCII character or padding that overflows its size guess fails (contract.md §4.1).
v2 follows Confluent 6.0+: Guava `BaseEncoding.base64()`, a strict alphabet where missing and
extra trailing padding are both accepted.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from conformance.reference.errors import PlainTextError, RestError

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_PADDING = 127
# JAXB's decodeMap: 128 entries, -1 for anything outside the alphabet.
_DECODE_MAP = [-1] * 128
for _i, _c in enumerate(_ALPHABET):
    _DECODE_MAP[ord(_c)] = _i
_DECODE_MAP[ord("=")] = _PADDING
_STRICT = frozenset(_ALPHABET)
_CANONICAL = re.compile(r"[A-Za-z0-9+/]*={0,2}")


class Base64Error(ValueError):
    pass


def _jaxb_guess_length(text: str) -> int:
    length = len(text)
    j = length - 1
    while j >= 0:
        code = _DECODE_MAP[ord(text[j])]
        if code == _PADDING:
            j -= 1
            continue
        if code == -1:
            return length // 4 * 3
        break
    j += 1
    pad = length - j
    if pad > 2:
        return length // 4 * 3
    return length // 4 * 3 - pad


def decode_lenient(text: str) -> bytes:
    """JAXB `DatatypeConverterImpl._parseBase64Binary`, including its failure modes."""
    if len(text) % 4 == 0 and _CANONICAL.fullmatch(text):
        # Canonical input decodes the same either way; the C decoder is ~100x faster.
        return base64.b64decode(text)
    return decode_jaxb(text)


def decode_jaxb(text: str) -> bytes:
    """The character-by-character emulation of JAXB's decoder (slow; any input)."""
    if any(ord(ch) >= 128 for ch in text):
        raise Base64Error("non-ASCII character")  # ArrayIndexOutOfBounds on decodeMap in Java
    buflen = _jaxb_guess_length(text)
    out = bytearray()
    quad: list[int] = []
    for ch in text:
        v = _DECODE_MAP[ord(ch)]
        if v != -1:
            quad.append(v)
        if len(quad) == 4:
            out.append(((quad[0] << 2) | (quad[1] >> 4)) & 0xFF)
            if quad[2] != _PADDING:
                out.append(((quad[1] << 4) | (quad[2] >> 2)) & 0xFF)
            if quad[3] != _PADDING:
                out.append(((quad[2] << 6) | quad[3]) & 0xFF)
            quad = []
            if len(out) > buflen:
                raise Base64Error("padding overflows the guessed length")
    return bytes(out)


def decode_strict(text: str) -> bytes:
    """Guava `BaseEncoding.base64().decode`: trailing '=' trimmed, then a strict alphabet."""
    trimmed = text.rstrip("=")
    if len(trimmed) % 4 == 1 or not all(ch in _STRICT for ch in trimmed):
        raise Base64Error("not a valid base64 string")
    try:
        return base64.b64decode(trimmed + "=" * (-len(trimmed) % 4), validate=True)
    except binascii.Error as exc:  # pragma: no cover - the checks above exclude it
        raise Base64Error(str(exc)) from exc


def encode(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode("ascii")


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()
"""An empty request body (no bytes, or only whitespace)."""


def parse_json_body(raw: bytes, version: str) -> Any:
    """Parse a request body as the observed Confluent versions do (contract.md §3.1).

    Returns ABSENT for an empty body. Trailing garbage after a complete value is ignored (Jackson
    stops reading there). A parse error is 5.5's 400 text/plain, or 500/500 when the input ends
    inside `records` (5.5 deserialises the list lazily); 7.5 answers 400 with a JSON body.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if version == "v1":
            raise PlainTextError(400, f"Invalid UTF-8 middle byte: {exc}") from exc
        raise RestError(400, 400, "Invalid UTF-8 in request body") from exc
    stripped = text.lstrip()
    if not stripped:
        return ABSENT
    try:
        value, _end = json.JSONDecoder().raw_decode(stripped)
    except json.JSONDecodeError as exc:
        truncated = exc.pos >= len(stripped.rstrip())
        if version == "v1":
            if truncated and '"records"' in stripped:
                raise RestError(500, 500, "Internal Server Error") from exc
            raise PlainTextError(400, f"Unexpected character: {exc.msg} at column {exc.pos + 1}") from exc
        raise RestError(400, 400, f"Unexpected end-of-input: {exc.msg}" if truncated else exc.msg) from exc
    return value
