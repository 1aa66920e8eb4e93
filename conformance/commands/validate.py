"""`kafka-rest-conformance validate`: check that openapi.yaml and schemas/ load and are valid."""

from __future__ import annotations

import argparse
from typing import Any

from conformance.cli import Handler


def register(sub: Any) -> tuple[str, Handler]:
    parser = sub.add_parser("validate", help="validate the bundled openapi.yaml and schemas/")
    parser.set_defaults()
    return "validate", run


def run(args: argparse.Namespace) -> int:
    from conformance import contract

    report = contract.self_check()
    for line in report:
        print(line)
    return 0
