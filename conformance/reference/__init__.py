"""The embedded reference server: Confluent's Kafka REST API (v1 as 5.5.0, v2 as 7.5.0), binary
embedded format, over an in-memory log (design.md, "The reference server"; contract.md §1–§4).

Public API:

- `ReferenceConfig`: API version, topics, API key, faults, bounds and timeouts.
- `create_app(config)`: the Starlette application (one API version per app).
- `serve_in_thread(config, host, port)`: a context manager serving it on loopback in a thread;
  yields an object with `.url`.
- `serve_subprocess(args)`: runs `kafka-rest-conformance serve` for end-to-end tests.
- `faults`: the fault registry (`faults.registry()`, `faults.Fault`) and its hook points.
"""

from conformance.reference.app import create_app
from conformance.reference.config import DEFAULT_TOPICS, ReferenceConfig
from conformance.reference.server import (
    READY_PREFIX,
    RunningServer,
    ServedProcess,
    serve_in_thread,
    serve_subprocess,
)

__all__ = [
    "DEFAULT_TOPICS",
    "READY_PREFIX",
    "ReferenceConfig",
    "RunningServer",
    "ServedProcess",
    "create_app",
    "serve_in_thread",
    "serve_subprocess",
]
