"""One module per subcommand; each exposes `register(subparsers) -> (name, handler)`.

The tuple below is the whole command set, in `--help` order.
"""

from __future__ import annotations

from conformance.commands import checks, compare, matrix, profiles, run, selftest, serve, validate

SUBCOMMANDS = (
    run.register,
    checks.register,
    compare.register,
    matrix.register,
    profiles.register,
    selftest.register,
    serve.register,
    validate.register,
)
