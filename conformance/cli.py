"""The command line: argument parsing and nothing else. Each subcommand lives in its own module.

Exit codes (design.md): 0 conformant, 1 non-conformant or incomplete, 2 usage or configuration
error, 3 could not test (target unreachable, credentials rejected, topics missing or API version
not spoken) before checks could run.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from conformance import __version__
from conformance.errors import ConformanceError, exit_code_for


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit 2 (no usage dump)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


Handler = Callable[[argparse.Namespace], int]


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, Handler]]:
    parser = _Parser(
        prog="kafka-rest-conformance",
        description="Conformance suite for Kafka REST Proxy endpoints (API v1 and v2, binary embedded format).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    handlers: dict[str, Handler] = {}
    for register in _subcommands():
        name, handler = register(sub)
        handlers[name] = handler
    return parser, handlers


def _subcommands() -> list[Callable[[Any], tuple[str, Handler]]]:
    from conformance.commands import SUBCOMMANDS

    return list(SUBCOMMANDS)


def main(argv: Sequence[str] | None = None) -> int:
    parser, handlers = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    try:
        return handlers[args.command](args)
    except ConformanceError as exc:
        print(f"kafka-rest-conformance: {exc}", file=sys.stderr)
        return exit_code_for(exc)
    except KeyboardInterrupt:
        print("kafka-rest-conformance: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
