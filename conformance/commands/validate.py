"""`kafka-rest-conformance validate`: check that the bundled openapi.yaml and schemas/ load and are valid.

Prints one line per thing checked and exits 0. A missing or invalid contract file is a packaging
or spec bug: `contract.self_check` raises `ContractFileError`, which the CLI maps to exit 2.
"""

from __future__ import annotations

import argparse
from typing import Any

from conformance.cli import Handler


def register(sub: Any) -> tuple[str, Handler]:
    sub.add_parser(
        "validate",
        help="validate the bundled openapi.yaml and schemas/",
        description=(
            "Load openapi.yaml and schemas/ from the installed package and check them: every schema is "
            "valid JSON Schema 2020-12, every $ref resolves, every example validates, the spec and both "
            "per-version views are valid OpenAPI 3.1. Exit 0 when sound, 2 on a contract file error."
        ),
    )
    return "validate", run


def run(args: argparse.Namespace) -> int:
    from conformance import contract

    for line in contract.self_check():
        print(line)
    print("contract files: OK")
    return 0
