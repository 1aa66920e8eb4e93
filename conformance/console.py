"""The console view of a run: progress, each failure as it happens, then the verdict.

On a terminal, one live line shows how far the run is and which check is running. When the
output is not a terminal, or CI is set, the output is plain lines only (no carriage returns, no
colour), so CI logs stay readable. Every line goes through the secret mask first.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO

from conformance.checks.model import Check
from conformance.exchange import REDACTED
from conformance.report.model import CheckResult, Outcome, RunResults, Verdict

_MARK = {
    Outcome.FAIL: "FAIL ",
    Outcome.ERROR: "ERROR",
    Outcome.XPASS: "XPASS",
    Outcome.XFAIL: "xfail",
    Outcome.SKIP: "skip ",
    Outcome.PASS: "pass ",
}
_COLOUR = {
    Verdict.CONFORMANT: "\x1b[32m",
    Verdict.NON_CONFORMANT: "\x1b[31m",
    Verdict.INCOMPLETE: "\x1b[33m",
    Verdict.STALE: "\x1b[33m",
}


def wants_plain(stream: TextIO, environ: dict[str, str] | None = None) -> bool:
    env = environ if environ is not None else dict(os.environ)
    if env.get("CI") or env.get("NO_COLOR") or env.get("TERM") == "dumb":
        return True
    isatty = getattr(stream, "isatty", None)
    return not (callable(isatty) and isatty())


class Console:
    def __init__(
        self, stream: TextIO | None = None, *, plain: bool | None = None, secrets: Iterable[str] = ()
    ) -> None:
        self.stream = stream or sys.stdout
        self.plain = wants_plain(self.stream) if plain is None else plain
        self.secrets = tuple(s for s in secrets if s)
        self._lock = threading.Lock()
        self._total = 0
        self._done = 0
        self._running: list[str] = []
        self._live = False

    def add_secrets(self, secrets: Iterable[str]) -> None:
        self.secrets = tuple({*self.secrets, *(s for s in secrets if s)})

    def _mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # a closed pipe must not turn into a traceback
            pass

    def say(self, text: str, *, masked: bool = True) -> None:
        """One line. `masked=False` only for text the suite wrote itself and that holds no value
        from the user or the target."""
        with self._lock:
            self._clear_live()
            self._write((self._mask(text) if masked else text) + "\n")
            self._draw_live()

    # -- progress --------------------------------------------------------------------------
    def begin(self, total: int) -> None:
        with self._lock:
            self._total, self._done = total, 0

    def started(self, check: Check) -> None:
        with self._lock:
            self._running.append(check.id)
            self._draw_live()

    def finished(self, result: CheckResult) -> None:
        with self._lock:
            self._done += 1
            if result.id in self._running:
                self._running.remove(result.id)
            self._clear_live()
            if result.outcome in (Outcome.FAIL, Outcome.ERROR, Outcome.XPASS):
                level = result.level.value if result.level else "-"
                line = f"{_MARK[result.outcome]} {result.id} [{level}] {result.message}"
                self._write(self._mask(line) + "\n")
            elif self.plain and self._total >= 20 and self._done % max(1, self._total // 4) == 0:
                self._write(f"... {self._done}/{self._total} checks done\n")
            self._draw_live()

    def stopped(self, why: str, ids: list[str]) -> None:
        """The run stopped early: one line, not one per unfinished check."""
        shown = ", ".join(ids[:8]) + (f" and {len(ids) - 8} more" if len(ids) > 8 else "")
        with self._lock:
            self._clear_live()
            self._write(self._mask(f"STOP  {len(ids)} check(s) reported as error: {why}: {shown}") + "\n")

    def _clear_live(self) -> None:
        if self._live and not self.plain:
            self._write("\r\x1b[2K")
            self._live = False

    def _draw_live(self) -> None:
        if self.plain or not self._total or self._done >= self._total:
            return
        running = ", ".join(self._running[-3:])
        self._write(f"\r\x1b[2K[{self._done}/{self._total}] {running}"[:160])
        self._live = True

    # -- the end ----------------------------------------------------------------------------
    def summary(self, run: RunResults, paths: Sequence[Path]) -> None:
        verdict = run.verdict
        counts = run.counts()
        tally = ", ".join(f"{n} {o}" for o, n in counts.items() if n)
        should_fails = [
            r.id
            for r in run.results
            if r.outcome is Outcome.FAIL and r.level is not None and r.level.value == "SHOULD"
        ]
        lines = []
        if verdict is not Verdict.CONFORMANT:
            lines += [f"  - {reason}" for reason in run.verdict_reasons()]
        if should_fails and not run.strict:
            lines.append(f"  - {len(should_fails)} SHOULD check(s) failed (not gating without --strict)")
        if run.leftovers:
            lines.append(
                f"  - {len(run.leftovers)} consumer instance(s) could not be deleted: see the report"
            )
        head = f"verdict: {verdict.value} ({tally or 'no checks'}) in {run.duration:.1f} s"
        if not self.plain:
            head = f"{_COLOUR[verdict]}{head}\x1b[0m"
        with self._lock:
            self._clear_live()
            self._write(self._mask(head) + "\n")
            for line in lines:
                self._write(self._mask(line) + "\n")
            for path in paths:
                self._write(f"report: {path}\n")
