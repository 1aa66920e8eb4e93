"""`kafka-rest-conformance serve`: run the embedded reference server until stopped.

Prints exactly one ready line (stdout, flushed) with the URL, never the API key; SIGINT or
SIGTERM stops it (exit 0). A bad flag is exit 2 with a one-line message.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from typing import Any

from conformance.cli import Handler
from conformance.errors import UsageError

API_KEY_ENV = "KAFKA_REST_API_KEY"


def _topic(text: str) -> tuple[str, int]:
    from conformance.reference.config import MAX_PARTITIONS, TOPIC_NAME

    name, sep, count = text.rpartition(":")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"invalid topic {text!r}: expected NAME:PARTITIONS, e.g. orders:3")
    if not TOPIC_NAME.fullmatch(name) or name in (".", ".."):
        raise argparse.ArgumentTypeError(f"invalid topic name {name!r}: use letters, digits, '.', '_', '-'")
    if not count.isdigit() or not 1 <= int(count) <= MAX_PARTITIONS:
        raise argparse.ArgumentTypeError(
            f"invalid partition count {count!r} in {text!r}: an integer from 1 to {MAX_PARTITIONS}"
        )
    return name, int(count)


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(
            f"invalid port {text!r}: an integer from 0 to 65535 (0 = any free port)"
        )
    return int(text)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"invalid value {text!r}: a positive integer")
    return int(text)


def register(sub: Any) -> tuple[str, Handler]:
    parser = sub.add_parser(
        "serve",
        help="run the embedded reference Kafka REST server (in memory)",
        description="Run the embedded reference server: Confluent's Kafka REST API (v1 as 5.5.0, v2 as "
        "7.5.0), binary format, in memory. Prints one ready line with its URL and serves until stopped.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=_port, default=8082, help="port (default 8082; 0 = any free port)")
    parser.add_argument(
        "--api-version", choices=("v1", "v2"), default="v1", help="API version to serve (default v1)"
    )
    parser.add_argument(
        "--api-key",
        default=None,
        metavar="KEY",
        help=f"require this key in X-Auth-Token on every request (or set ${API_KEY_ENV})",
    )
    parser.add_argument(
        "--topic",
        type=_topic,
        action="append",
        metavar="NAME:PARTITIONS",
        help="create a topic (repeatable; default conformance-p3:3 and conformance-p1:1)",
    )
    parser.add_argument(
        "--fault", action="append", metavar="ID", default=[], help="switch a fault on (repeatable)"
    )
    parser.add_argument(
        "--max-records",
        type=_positive,
        default=None,
        metavar="N",
        help="records kept per partition; older ones are dropped (default 50000)",
    )
    parser.add_argument(
        "--quirk",
        action="append",
        metavar="ID",
        default=[],
        help="behave like a real server in a way the suite must tolerate (repeatable; `all`)",
    )
    parser.add_argument("--list-faults", action="store_true", help="list the available faults and exit")
    parser.add_argument("--list-quirks", action="store_true", help="list the available quirks and exit")
    return "serve", run


def run(args: argparse.Namespace) -> int:
    from conformance.reference import faults, quirks
    from conformance.reference.config import DEFAULT_TOPICS, ReferenceConfig

    if args.list_faults:
        for fault in faults.registry().values():
            versions = ",".join(sorted(fault.versions))
            subtle = " (subtle)" if fault.subtle else ""
            print(
                f"{fault.id}\t{fault.area}\t{versions}\t{'/'.join(fault.rows)}\t{fault.description}{subtle}"
            )
        return 0
    if args.list_quirks:
        for quirk in quirks.registry().values():
            versions = ",".join(sorted(quirk.versions))
            print(f"{quirk.id}\t{versions}\t{quirk.description}\t(seen: {quirk.observed})")
        return 0
    for kind, resolve, unknown, given in (
        ("fault", faults.resolve, faults.UnknownFault, args.fault),
        ("quirk", quirks.resolve, quirks.UnknownQuirk, args.quirk),
    ):
        try:
            resolve(given)
        except unknown as exc:
            raise UsageError(
                f"unknown {kind} {exc.args[0]!r}; list the valid ids with "
                f"`kafka-rest-conformance serve --list-{kind}s`"
            ) from None
    topics = dict(args.topic) if args.topic else dict(DEFAULT_TOPICS)
    api_key = args.api_key if args.api_key is not None else os.environ.get(API_KEY_ENV) or None
    extra = {} if args.max_records is None else {"max_records_per_partition": args.max_records}
    try:
        config = ReferenceConfig(
            api_version=args.api_version,
            topics=topics,
            api_key=api_key,
            faults=frozenset(args.fault),
            quirks=frozenset(args.quirk),
            **extra,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return _serve(config, args.host, args.port)


def _serve(config: Any, host: str, port: int) -> int:
    import uvicorn  # noqa: F401  (imported here so `--help` stays fast)

    from conformance.reference.app import create_app
    from conformance.reference.server import READY_PREFIX, NotifyingServer, bind, url_of, uvicorn_config

    try:
        sock = bind(host, port)
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    url = url_of(sock)
    topics = ", ".join(f"{name}:{count}" for name, count in config.topics.items())
    details = [f"API {config.api_version}", f"topics {topics}"]
    if config.api_key is not None:
        details.append("X-Auth-Token required")
    if config.faults:
        details.append("faults " + ", ".join(sorted(config.faults)))
    if config.quirks:
        details.append("quirks " + ", ".join(sorted(config.quirks)))

    def ready() -> None:
        print(f"{READY_PREFIX}{url} ({'; '.join(details)})", flush=True)

    server = NotifyingServer(uvicorn_config(create_app(config)), on_ready=ready)

    def stop(signum: int, frame: Any) -> None:
        server.should_exit = True

    # uvicorn catches SIGINT/SIGTERM while serving and re-raises them to the previous handlers
    # once stopped; these make that a clean exit 0 instead of death by signal.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, stop)
    server.run(sockets=[sock])
    sock.close()
    sys.stdout.flush()
    return 0
