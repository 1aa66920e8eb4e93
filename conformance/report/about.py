"""What a target said about itself during a run, taken from the exchanges the run already made.

No request is sent for it: the broker ids come from the answers to ``GET /brokers`` that the
metadata checks made, a cluster id from any answer that carried one (API v1 and v2 have no
cluster resource; a vendor extension or a v3 answer may), and the product and version headers
(``Server``, ``X-Powered-By``, ``Via``, anything named like a version) from every response.
An evidence bundle and results.json (``target.about``) carry it, so a report says which build
of which product answered.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from conformance.exchange import Exchange

# Response headers that name a product or a build. Matched case-insensitively; any header whose
# name contains "version" counts too (X-Kafka-Rest-Version, X-Api-Version, ...).
PRODUCT_HEADERS = frozenset({"server", "x-powered-by", "via"})
MAX_VALUES = 5  # distinct values kept per header: a proxy chain may vary, a report need not list all


def _product_header(name: str) -> bool:
    lowered = name.lower()
    return lowered in PRODUCT_HEADERS or "version" in lowered


def describe_target(exchanges: Iterable[Exchange]) -> dict[str, Any]:
    """``{"headers": {name: [values]}, "broker_ids": [...], "cluster_ids": [...]}``, sorted."""
    headers: dict[str, list[str]] = {}
    brokers: set[int] = set()
    clusters: set[str] = set()
    for exchange in exchanges:
        response = exchange.response
        if response is None:
            continue
        for name, value in response.headers:
            if _product_header(name):
                values = headers.setdefault(name.lower(), [])
                if value not in values and len(values) < MAX_VALUES:
                    values.append(value)
        if not 200 <= response.status < 300:
            continue
        body = response.json_or_none()
        if urlsplit(exchange.request.url).path.rstrip("/").endswith("/brokers") and isinstance(body, dict):
            ids = body.get("brokers")
            if isinstance(ids, list):
                brokers.update(b for b in ids if isinstance(b, int) and not isinstance(b, bool))
        if isinstance(body, dict) and isinstance(body.get("cluster_id"), str):
            clusters.add(body["cluster_id"])
    return {
        "headers": {name: sorted(values) for name, values in sorted(headers.items())},
        "broker_ids": sorted(brokers),
        "cluster_ids": sorted(clusters),
    }
