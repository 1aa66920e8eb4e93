"""The console: plain lines off a terminal or under CI, a live line on a terminal, secrets masked."""

from __future__ import annotations

import io

from conformance.console import Console, wants_plain
from conformance.report.model import CheckResult, Outcome

from .support import check, passing


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_when_not_a_terminal_or_under_ci() -> None:
    assert wants_plain(io.StringIO(), {})
    assert not wants_plain(Terminal(), {})
    assert wants_plain(Terminal(), {"CI": "true"})


def test_failures_print_as_they_happen_and_secrets_are_masked() -> None:
    out = io.StringIO()
    console = Console(out, plain=True, secrets=["tok-123456"])
    console.begin(2)
    failed = CheckResult(check("C-001", passing), "v1", Outcome.FAIL, "sent X-Auth-Token tok-123456, got 200")
    console.started(failed.check)
    console.finished(failed)
    console.finished(CheckResult(check("C-002", passing), "v1", Outcome.PASS))
    text = out.getvalue()
    assert text == "FAIL  C-001 [MUST] M1: sent X-Auth-Token [REDACTED], got 200\n"
    assert "\r" not in text and "\x1b" not in text


def test_live_line_on_a_terminal() -> None:
    out = Terminal()
    console = Console(out, plain=False)
    console.begin(3)
    console.started(check("C-003", passing))
    assert "[0/3] C-003" in out.getvalue()
    assert "\r\x1b[2K" in out.getvalue()
