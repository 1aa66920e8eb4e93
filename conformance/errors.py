"""The one exceptions module of kafka-rest-conformance.

    ConformanceError                 base of everything the suite raises on purpose
    ├── UsageError                   bad flag, unreadable or invalid config/expectations file  -> exit 2
    ├── TargetError                  the target cannot be used before checks run               -> exit 3
    │   ├── TargetUnreachable        connection refused, DNS, timeout at preflight
    │   └── CredentialsRejected      the target refused the declared credentials at preflight
    └── ContractFileError            openapi.yaml or schemas/ missing or invalid (a packaging bug)

`cli.py` maps the two middle branches to exit codes in one table; anything else that escapes
is a bug and is reported as such, never as a raw traceback.
"""

from __future__ import annotations


class ConformanceError(Exception):
    """Base class: every error the suite raises on purpose."""


class UsageError(ConformanceError):
    """The user asked for something that cannot work; the message says how to fix it."""


class TargetError(ConformanceError):
    """The target could not be used before checks could run."""


class TargetUnreachable(TargetError):
    """Nothing answered at the target URL, or it did not answer in time."""


class CredentialsRejected(TargetError):
    """The target refused the declared credentials."""


class ContractFileError(ConformanceError):
    """openapi.yaml or a schema could not be loaded: a packaging or spec bug."""


class CheckSkipped(ConformanceError):
    """Raised inside a check: a precondition is missing. The message is the reason."""


class SetupFailed(ConformanceError):
    """Raised inside a check: one of its own setup steps (producing its records, creating,
    subscribing or assigning its consumer, a seek before the reads it judges, a read-back) did not
    take effect. The check ends as error with this message as the reason, never as a failure of
    its row: the step's own row is judged by the check that is about it."""


def not_utf8(what: str, exc: UnicodeDecodeError) -> UsageError:
    """The one-line error for an input file that is not UTF-8 (`what` names it: "config file x")."""
    return UsageError(
        f"{what} is not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset {exc.start}): save it as UTF-8"
    )


EXIT_CODES: tuple[tuple[type[ConformanceError], int], ...] = (
    (UsageError, 2),
    (TargetError, 3),
    (ContractFileError, 2),
)


def exit_code_for(error: ConformanceError) -> int:
    """The process exit code for an error that reached the command line."""
    for cls, code in EXIT_CODES:
        if isinstance(error, cls):
            return code
    return 1
