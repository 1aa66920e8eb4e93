"""The console view of a run: progress, each failure as it happens, then the verdict.

On a terminal, one live line shows how far the run is and which check is running. When the
output is not a terminal, or CI is set, the output is plain lines only (no carriage returns, no
colour), so CI logs stay readable. Every line goes through the secret mask first.

The first line names what is tested (target, API version, topics, budget); a FAIL line fits the
terminal width and starts with the check, its §8 row and whether it gates; the end lists the
verdict with its explanation, every skip with its reason, what was not applicable and how to
enable it, and the consumer groups the run left behind.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO

from conformance.checks.model import Check
from conformance.exchange import REDACTED
from conformance.report.markdown import cut_at_word
from conformance.report.model import CheckResult, Outcome, RunResults, Verdict
from conformance.requirements import Level

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
    Verdict.COULD_NOT_TEST: "\x1b[33m",
}
MIN_WIDTH = 60


def fit(text: str, width: int) -> str:
    """One line of at most `width` characters, cut at a space with "…" (the report has it whole)."""
    line = " ".join(text.splitlines()).rstrip()
    cut = cut_at_word(line, width)
    return line if cut == line else cut + "…"


def terminal_width(environ: dict[str, str] | None = None) -> int:
    env = environ if environ is not None else dict(os.environ)
    if env.get("COLUMNS", "").isdigit():
        return max(MIN_WIDTH, int(env["COLUMNS"]))
    return max(MIN_WIDTH, shutil.get_terminal_size((160, 24)).columns)


def wants_plain(stream: TextIO, environ: dict[str, str] | None = None) -> bool:
    env = environ if environ is not None else dict(os.environ)
    if env.get("CI") or env.get("NO_COLOR") or env.get("TERM") == "dumb":
        return True
    isatty = getattr(stream, "isatty", None)
    return not (callable(isatty) and isatty())


class Console:
    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        plain: bool | None = None,
        secrets: Iterable[str] = (),
        width: int | None = None,
    ) -> None:
        self.stream = stream or sys.stdout
        self.plain = wants_plain(self.stream) if plain is None else plain
        self.width = width or terminal_width()
        self.strict = False
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
                self._write(fit(self._mask(self.problem_line(result)), self.width) + "\n")
            elif self.plain and self._total >= 20 and self._done % max(1, self._total // 4) == 0:
                self._write(f"... {self._done}/{self._total} checks done\n")
            self._draw_live()

    def problem_line(self, result: CheckResult) -> str:
        level = result.level.value if result.level else "-"
        gates = result.level is Level.MUST or (self.strict and result.level is Level.SHOULD)
        if result.outcome in (Outcome.FAIL, Outcome.ERROR) and not gates:
            level += ", not gating"
        row = result.check.requirement.rows[0] if result.check.requirement.rows else "-"
        return f"{_MARK[result.outcome]} {result.id} [{level}] {row}: {result.message}"

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
        lines: list[str] = []
        if verdict is Verdict.COULD_NOT_TEST:
            head = f"could not test (exit 3): preflight failed: {run.preflight_error}"
        else:
            counts = run.counts()
            tally = ", ".join(f"{n} {o}" for o, n in counts.items() if n)
            head = f"verdict: {verdict.text} ({tally or 'no checks'}) in {run.duration:.1f} s"
            if verdict is not Verdict.CONFORMANT:
                lines += [f"  - {reason}" for reason in run.verdict_reasons()]
            soft = run.non_gating_problems()
            if soft:
                ids = ", ".join(r.id for r in soft[:8]) + (
                    f" and {len(soft) - 8} more" if len(soft) > 8 else ""
                )
                lines.append(f"  - {len(soft)} SHOULD check(s) failed, not gating without --strict: {ids}")
            known = [r for r in run.sorted_results() if r.outcome is Outcome.XFAIL and r.expectation]
            for r in known:
                reason = r.expectation.reason if r.expectation else ""
                lines.append(fit(f"  - known failure accepted: {r.id} ({reason})", self.width))
            lines += self._skips(run)
            lines += self._groups(run)
        if not self.plain:
            head = f"{_COLOUR[verdict]}{head}\x1b[0m"
        with self._lock:
            self._clear_live()
            self._write(self._mask(head) + "\n")
            for line in lines:
                self._write(self._mask(line) + "\n")
            for path in paths:
                self._write(f"report: {path}\n")

    def _skips(self, run: RunResults) -> list[str]:
        lines: list[str] = []
        skipped = [r for r in run.sorted_results() if r.outcome is Outcome.SKIP]
        if skipped:
            lines.append(f"skipped ({len(skipped)}):")
            for r in skipped:
                level = r.level.value if r.level else "-"
                gate = ", gating" if run.gating(r) else ""
                lines.append(f"  - {r.id} [{level}{gate}] {r.message}")  # whole: the reason is the fix
        optional = [n for n in run.not_run if not n.counts_against]
        if optional:
            by_reason: dict[str, list[str]] = {}
            for n in sorted(optional, key=lambda n: n.check.id):
                by_reason.setdefault(n.reason, []).append(n.check.id)
            lines.append(f"not applicable ({len(optional)}, does not gate):")
            for reason, ids in by_reason.items():
                shown = ", ".join(ids[:6]) + (f" and {len(ids) - 6} more" if len(ids) > 6 else "")
                lines.append(f"  - {shown}: {reason}")
        return lines

    def _groups(self, run: RunResults) -> list[str]:
        lines: list[str] = []
        if run.leftovers:
            lines.append(
                f"  - {len(run.leftovers)} consumer instance(s) could not be deleted: see the report"
            )
        if run.consumer_groups:
            lines.append(
                f"consumer groups: {len(run.consumer_groups)} created, named {run.run_id}-*; the REST API"
                " cannot delete groups (their instances were deleted): the report lists them"
            )
        return lines
