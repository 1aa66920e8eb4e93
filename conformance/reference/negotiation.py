"""Content negotiation as Jersey does it (contract.md §1): client `q` first, then server `qs`.

Jersey's `CombinedMediaType` comparator orders candidates by the client's quality, then the
server's quality (`qs`), then how specific the matching Accept range was; declaration order
breaks the remaining ties. That is what makes `v1;q=0.8, vnd.kafka+json;q=0.9` choose
`vnd.kafka+json` although 0.8 x 0.9 = 0.9 x 0.8.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Offer:
    """A response media type a route can produce, with its server weight and embedded format."""

    media: str
    qs: float
    embedded: str = "binary"  # which reader answers: binary, json, avro, ...


@dataclass(frozen=True)
class Choice:
    offer: Offer
    content_type: str  # what goes in the Content-Type header (Accept parameters echoed)


@dataclass(frozen=True)
class _Range:
    type: str
    subtype: str
    params: tuple[tuple[str, str], ...]
    q: float


def media_type_of(header: str | None) -> str | None:
    """`Application/JSON; charset=utf-8` -> `application/json`; None for absent or blank."""
    if header is None:
        return None
    mt = header.split(";", 1)[0].strip().lower()
    return mt or None


@lru_cache(maxsize=512)
def _parse_accept(header: str) -> tuple[_Range, ...]:
    ranges = []
    for part in header.split(","):
        pieces = [p.strip() for p in part.split(";")]
        if not pieces[0]:
            continue
        full = pieces[0].lower()
        if full == "*":
            full = "*/*"
        if "/" not in full:
            continue  # unparseable range: ignored, as Jersey skips it
        type_, subtype = full.split("/", 1)
        q = 1.0
        params = []
        for param in pieces[1:]:
            if "=" not in param:
                continue
            key, value = (x.strip() for x in param.split("=", 1))
            if key.lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
            else:
                params.append((key.lower(), value))
        ranges.append(_Range(type_, subtype, tuple(params), q))
    return tuple(ranges)


def _match(r: _Range, media: str) -> int | None:
    """Specificity distance of range r for media (0 exact, 1 type/*, 2 */*), or None."""
    type_, subtype = media.split("/", 1)
    if r.type == "*" and r.subtype == "*":
        return 2
    if r.type != type_:
        return None
    if r.subtype == "*":
        return 1
    return 0 if r.subtype == subtype else None


def negotiate(accept: str | None, offers: Sequence[Offer]) -> Choice | None:
    """The offer Jersey would pick for this Accept header, or None (a 406)."""
    ranges = _parse_accept(accept) if accept and accept.strip() else (_Range("*", "*", (), 1.0),)
    best: tuple[tuple[float, float, int, int], Offer, _Range] | None = None
    for index, offer in enumerate(offers):
        chosen: tuple[int, _Range] | None = None
        for r in ranges:
            distance = _match(r, offer.media)
            if distance is not None and (chosen is None or distance < chosen[0]):
                chosen = (distance, r)
        if chosen is None or chosen[1].q <= 0:
            continue
        distance, r = chosen
        key = (-r.q, -offer.qs, distance, index)
        if best is None or key < best[0]:
            best = (key, offer, r)
    if best is None:
        return None
    _, offer, r = best
    content_type = offer.media
    if r.params and _match(r, offer.media) == 0:
        content_type += "".join(f";{k}={v}" for k, v in r.params)
    return Choice(offer, content_type)


def content_type_allowed(header: str | None, consumes: Collection[str] | None) -> bool:
    """A request Content-Type is acceptable: absent matches any @Consumes (§1.2, §1.3)."""
    mt = media_type_of(header)
    if mt is None or consumes is None:
        return True
    return mt in consumes
