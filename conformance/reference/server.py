"""Running the reference server: in a background thread (tests), or as a `serve` subprocess.

`serve_in_thread` binds a free loopback port itself, so it is ready as soon as uvicorn has
started (a few milliseconds), and stops cleanly on exit. `serve_subprocess` runs
`kafka-rest-conformance serve` for end-to-end tests, waits for its ready line and terminates it.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn
from starlette.applications import Starlette

from conformance.reference.app import ServerState, create_app
from conformance.reference.config import ReferenceConfig

READY_PREFIX = "kafka-rest-conformance serve: ready at "
_READY = re.compile(re.escape(READY_PREFIX) + r"(http://\S+)")
# A hanging fault holds requests open; shutdown waits at most this long for them.
GRACEFUL_SHUTDOWN_S = 1


class NotifyingServer(uvicorn.Server):
    """uvicorn's server that calls `on_ready` once it accepts connections."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None] | None = None) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and self._on_ready is not None:
            self._on_ready()

    async def main_loop(self) -> None:
        # uvicorn polls `should_exit` every 100 ms; tests start and stop hundreds of servers, so
        # poll every 10 ms (the date header is then refreshed every 100 ms instead of every second).
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            await asyncio.sleep(0.01)
            counter = (counter + 1) % 864000
            should_exit = await self.on_tick(counter)


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this. Without it a pre-bound socket handed to uvicorn leaves
    # Nagle on, and every keep-alive request after the first waits ~40 ms for a delayed ACK.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(512)
    sock.setblocking(False)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def uvicorn_config(app: Starlette) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )


@dataclass(frozen=True)
class RunningServer:
    url: str
    app: Starlette

    @property
    def state(self) -> ServerState:
        state: ServerState = self.app.state.reference
        return state


@contextmanager
def serve_in_thread(
    config: ReferenceConfig | None = None, host: str = "127.0.0.1", port: int = 0
) -> Iterator[RunningServer]:
    """Serve the reference on a free port in a daemon thread; stop it on exit."""
    app = create_app(config or ReferenceConfig())
    sock = bind(host, port)
    ready = threading.Event()
    server = NotifyingServer(uvicorn_config(app), on_ready=ready.set)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="reference-server", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not ready.wait(0.005):
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the reference server did not start")
        yield RunningServer(url_of(sock), app)
    finally:
        server.should_exit = True
        thread.join(GRACEFUL_SHUTDOWN_S + 5)
        sock.close()


@dataclass(frozen=True)
class ServedProcess:
    url: str
    process: subprocess.Popen[str]
    ready_line: str


def serve_command(args: Sequence[str] = ()) -> list[str]:
    return [sys.executable, "-m", "conformance", "serve", "--port", "0", *args]


@contextmanager
def serve_subprocess(
    args: Sequence[str] = (), env: Mapping[str, str] | None = None, timeout: float = 20.0
) -> Iterator[ServedProcess]:
    """Run `kafka-rest-conformance serve` (free port unless args say otherwise) until exit."""
    full_env: dict[str, Any] = {**os.environ, **(env or {})}
    full_env.setdefault("PYTHONUNBUFFERED", "1")
    process = subprocess.Popen(
        serve_command(args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=full_env,
    )
    try:
        line = _ready_line(process, timeout)
        match = _READY.search(line)
        if match is None:
            raise RuntimeError(f"unexpected first line from serve: {line!r}")
        yield ServedProcess(match.group(1), process, line)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def _ready_line(process: subprocess.Popen[str], timeout: float) -> str:
    assert process.stdout is not None
    result: list[str] = []
    reader = threading.Thread(
        target=lambda: result.append(process.stdout.readline() if process.stdout else "")
    )
    reader.daemon = True
    reader.start()
    reader.join(timeout)
    if not result or not result[0]:
        process.kill()
        _, err = process.communicate(timeout=5)
        raise RuntimeError(f"serve did not become ready within {timeout} s: {err.strip()[-500:]}")
    return result[0].rstrip("\n")
