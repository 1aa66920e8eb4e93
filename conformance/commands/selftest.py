"""`kafka-rest-conformance selftest`: run the suite against the reference once per fault.

Builds the fault × check matrix and, with ``--write-docs``, writes docs/fault-matrix.md. The
properties it proves (issue 10):

- the fault-free reference is conformant, with no MUST or SHOULD check failing;
- every fault is caught: each check it names in ``caught_by`` (that applies to the API version)
  fails or errors, and a fault that breaks a MUST row makes the run non-conformant (exit 1);
  a fault that names no check must fail at least one;
- every MUST and SHOULD check is failed by at least one fault (a check that no fault can make
  fail is a check that cannot fail). INFO checks never fail, so they are exempt. A SHOULD check
  that the fault-free reference itself fails (it answers as Confluent 5.5/7.5, and a few SHOULD
  rows of §8 follow another Confluent version, e.g. V8s) has shown that it can fail.

Each run is the quick budget with a fixed seed and an API key (so the auth checks run), in its own
in-thread reference server; runs are spread over ``--jobs`` worker processes.
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import os
import re
import sys
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.cli import Handler
from conformance.errors import UsageError
from conformance.requirements import API_VERSIONS, ApiVersion, Level, rows

DOCS_PATH = Path(__file__).resolve().parents[2] / "docs" / "fault-matrix.md"
SEED = 20261122
API_KEY = "selftest-api-key-0b7c"
TIMEOUT = 3.0  # per request: above the 1 s record waits, short for the hanging fault
WALL_PREFIX = "Wall time:"
MAX_DEFAULT_JOBS = 12  # the one line of the matrix that changes from run to run


def register(sub: Any) -> tuple[str, Handler]:
    p = sub.add_parser(
        "selftest", help="run the suite against the reference once per fault; the fault × check matrix"
    )
    p.add_argument("--api-version", action="append", choices=API_VERSIONS, help="default: both")
    p.add_argument(
        "--jobs",
        type=int,
        default=0,
        metavar="N",
        help="runs at once, one process each (default: 3 x CPU count, at most 12)",
    )
    p.add_argument("--fault", action="append", metavar="ID", help="only these faults (default: all)")
    p.add_argument(
        "--write-docs",
        nargs="?",
        const=str(DOCS_PATH),
        metavar="PATH",
        help="write docs/fault-matrix.md (or PATH)",
    )
    return "selftest", handle


# -- one run -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    version: ApiVersion
    fault: str | None  # None: the fault-free baseline


@dataclass
class UnitResult:
    unit: Unit
    exit_code: int
    verdict: str
    outcomes: dict[str, str]  # check id -> outcome
    levels: dict[str, str]  # check id -> level for this version
    messages: dict[str, str]  # check id -> message, for fail and error only
    seconds: float
    error: str | None = None  # the run itself broke (preflight, a suite bug)
    crashes: tuple[str, ...] = ()  # exceptions the reference raised: a fault caught by a crash is not caught


def deep_only_checks(fault_id: str | None, version: ApiVersion) -> tuple[str, ...]:
    """The checks that catch this fault when every one of them runs only at `--budget deep` (a
    long-lived instance kept idle for tens of seconds); () for every other fault."""
    if fault_id is None:
        return ()
    from conformance.checks.registry import by_id
    from conformance.reference.faults import registry

    named = [by_id(c) for c in registry()[fault_id].caught_by]
    applicable = [c for c in named if c.requirement.applies_to(version)]
    if applicable and all("deep-budget" in c.requirement.needs for c in applicable):
        return tuple(c.id for c in applicable)
    return ()


def run_unit(unit: Unit) -> UnitResult:
    """One quick run against an in-thread reference with `unit.fault` switched on; a fault that
    only deep-budget checks can see runs at deep with just those checks."""
    from conformance.commands.run import execute
    from conformance.console import Console
    from conformance.settings import Secret, Settings

    deep = deep_only_checks(unit.fault, unit.version)
    settings = Settings(
        api_version=unit.version,
        budget="deep" if deep else "quick",
        only=deep,
        seed=SEED,
        timeout=TIMEOUT,
        api_key=Secret(API_KEY),
        jobs=8,
        # The reference answers a produce to an unknown topic at once, so the hazardous probes
        # (never run on real servers unless asked) are safe here and must be proven too.
        probe_unknown_topic_produce=True,
    )
    began = time.monotonic()
    try:
        outcome = execute(
            settings,
            Console(io.StringIO(), plain=True),
            faults=frozenset({unit.fault} if unit.fault else ()),
            write_reports=False,
        )
    except Exception as exc:  # reported in the matrix, never a crash of the whole selftest
        return UnitResult(
            unit, 1, "error", {}, {}, {}, time.monotonic() - began, f"{type(exc).__name__}: {exc}"
        )
    run = outcome.results
    return UnitResult(
        unit,
        outcome.exit_code,
        run.verdict.value,
        {r.id: r.outcome.value for r in run.results},
        {r.id: r.level.value for r in run.results if r.level is not None},
        {r.id: r.message for r in run.results if r.outcome.value in ("fail", "error")},
        time.monotonic() - began,
        run.preflight_error,
        outcome.reference_crashes,
    )


# -- the matrix --------------------------------------------------------------------------------------


@dataclass
class FaultInfo:
    id: str
    area: str
    description: str
    versions: tuple[ApiVersion, ...]
    rows: tuple[str, ...]
    caught_by: tuple[str, ...]
    subtle: bool


@dataclass
class Matrix:
    versions: tuple[ApiVersion, ...]
    faults: list[FaultInfo]
    baseline: dict[ApiVersion, UnitResult] = field(default_factory=dict)
    runs: dict[tuple[str, ApiVersion], UnitResult] = field(default_factory=dict)
    wall: float = 0.0
    jobs: int = 1

    # -- derived -------------------------------------------------------------------------------
    def checks(self, version: ApiVersion) -> dict[str, str]:
        """Check id -> level, for the gating (MUST/SHOULD) checks the baseline ran."""
        base = self.baseline.get(version)
        if base is None:
            return {}
        return {
            i: lvl for i, lvl in sorted(base.levels.items()) if lvl in (Level.MUST.value, Level.SHOULD.value)
        }

    def _broken(self, version: ApiVersion) -> set[str]:
        base = self.baseline.get(version)
        return {i for i, o in base.outcomes.items() if o in ("fail", "error")} if base else set()

    def killers(self, fault: str, version: ApiVersion) -> list[str]:
        """Checks that fail with the fault on, but not on the fault-free reference (a check that
        fails there proves nothing about the fault)."""
        run = self.runs.get((fault, version))
        broken = self._broken(version)
        return sorted(i for i, o in run.outcomes.items() if o == "fail" and i not in broken) if run else []

    def errored(self, fault: str, version: ApiVersion) -> list[str]:
        run = self.runs.get((fault, version))
        return sorted(i for i, o in run.outcomes.items() if o == "error") if run else []

    def must_fault(self, fault: FaultInfo, version: ApiVersion) -> bool:
        return any(rows()[r].level(version) is Level.MUST for r in fault.rows if r in rows())

    def caught(self, fault: FaultInfo, version: ApiVersion) -> tuple[bool, str]:
        """(caught, why not) for one fault in one API version."""
        run = self.runs.get((fault.id, version))
        if run is None:
            return False, "not run"
        if run.error and not run.outcomes:
            return False, f"the run broke: {run.error}"
        if run.crashes:
            return False, f"the reference raised {len(run.crashes)} exception(s), first: {run.crashes[0]}"
        hit = set(self.killers(fault.id, version)) | set(self.errored(fault.id, version))
        named = [c for c in fault.caught_by if c in run.outcomes]
        if fault.caught_by and not named:
            missing = ", ".join(fault.caught_by)
            return False, f"none of the named checks ({missing}) ran in {version}"
        if named:
            missed = [c for c in named if c not in hit]
            if missed:
                return False, f"named check(s) passed: {', '.join(missed)}"
        elif not hit - self._broken(version):
            return False, "no check failed or errored"
        if self.must_fault(fault, version) and run.exit_code != 1:
            return False, f"breaks a MUST row but the run was {run.verdict}"
        return True, ""

    def uncaught(self) -> list[str]:
        out = []
        for fault in self.faults:
            for version in fault.versions:
                if version in self.versions:
                    ok, why = self.caught(fault, version)
                    if not ok:
                        out.append(f"{fault.id} ({version}): {why}")
        return out

    def should_fails_on_reference(self, version: ApiVersion) -> list[str]:
        """SHOULD checks the fault-free reference fails by design: it answers as Confluent 5.5
        (v1) and 7.5 (v2), and a few SHOULD rows of §8 follow another version (V8s: 2.0's 422). Such a
        check has shown that it can fail, and the reference stays conformant."""
        base = self.baseline.get(version)
        if base is None:
            return []
        return sorted(
            i for i, o in base.outcomes.items() if o == "fail" and base.levels.get(i) == Level.SHOULD.value
        )

    def unkilled(self) -> list[str]:
        """MUST/SHOULD checks no fault fails (and the reference itself does not), per version."""
        out = []
        for version in self.versions:
            killed = {c for f in self.faults for c in self.killers(f.id, version)}
            killed |= set(self.should_fails_on_reference(version))
            for check_id, level in self.checks(version).items():
                if check_id not in killed:
                    out.append(f"{check_id} ({version}, {level})")
        return out

    def baseline_problems(self, detail: bool = True) -> list[str]:
        """Problems of the fault-free runs; `detail` adds each check's message (which names
        per-run groups and data, so the committed matrix leaves it out)."""
        out = []
        for version in self.versions:
            base = self.baseline.get(version)
            if base is None:
                out.append(f"{version}: the fault-free run did not happen")
                continue
            if base.exit_code != 0:
                out.append(
                    f"{version}: the fault-free reference is {base.verdict}: {base.error or ''}".rstrip(": ")
                )
            if base.crashes:
                out.append(f"{version}: the fault-free reference raised {len(base.crashes)} exception(s)")
            for check_id, outcome in sorted(base.outcomes.items()):
                level = base.levels.get(check_id)
                if (outcome == "fail" and level == "MUST") or (
                    outcome == "error" and level in ("MUST", "SHOULD")
                ):
                    why = f": {base.messages.get(check_id, '')}" if detail else ""
                    out.append(f"{version}: {check_id} {outcome}s on the fault-free reference{why}")
        return out

    def kills(self) -> int:
        return sum(len(self.killers(f.id, v)) for f in self.faults for v in self.versions)


def fault_catalogue(wanted: Sequence[str] | None = None) -> list[FaultInfo]:
    from conformance.reference.faults import registry

    known = registry()
    if wanted:
        unknown = [w for w in wanted if w not in known]
        if unknown:
            raise UsageError(
                f"--fault {unknown[0]}: no such fault; `kafka-rest-conformance serve --list-faults` lists them"
            )
    return [
        FaultInfo(
            f.id,
            f.area,
            f.description,
            tuple(v for v in API_VERSIONS if v in f.versions),
            f.rows,
            f.caught_by,
            f.subtle,
        )
        for f in known.values()
        if not wanted or f.id in wanted
    ]


def build_matrix(
    versions: Iterable[ApiVersion] = API_VERSIONS,
    *,
    jobs: int = 0,
    faults: Sequence[str] | None = None,
    progress: Any = None,
) -> Matrix:
    versions = tuple(versions)
    catalogue = fault_catalogue(faults)
    units = [Unit(v, None) for v in versions]
    units += [Unit(v, f.id) for f in catalogue for v in f.versions if v in versions]
    # A run spends about half its time waiting on the network (read waits, timeouts), so more
    # runs than cores keep the cores busy; each run is its own process (the GIL, and isolation).
    # Capped: each worker holds a suite and a reference server (~150 MB).
    jobs = jobs or min(MAX_DEFAULT_JOBS, 3 * (os.cpu_count() or 2))
    matrix = Matrix(versions, catalogue, jobs=jobs)
    began = time.monotonic()
    # spawn, not fork: the caller (pytest, a CLI with a live console) may have threads running.
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(run_unit, unit) for unit in units]
        for future in as_completed(futures):
            result = future.result()
            if result.unit.fault is None:
                matrix.baseline[result.unit.version] = result
            else:
                matrix.runs[(result.unit.fault, result.unit.version)] = result
            if progress is not None:
                progress(result, len(matrix.runs) + len(matrix.baseline), len(units))
    matrix.wall = time.monotonic() - began
    return matrix


# -- docs/fault-matrix.md ------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def render(matrix: Matrix) -> str:
    versions = matrix.versions
    subtle = sum(1 for f in matrix.faults if f.subtle)
    gating = {v: matrix.checks(v) for v in versions}
    runs = len(matrix.runs) + len(matrix.baseline)
    out = [
        "# Fault matrix",
        "",
        "<!-- Generated by `kafka-rest-conformance selftest --write-docs`; do not edit by hand."
        " tests/selfverify/ keeps it current. -->",
        "",
        "Each fault of the reference server (`conformance/reference/faults/`) switched on alone, the quick"
        f" suite run against it (seed {SEED}, with an API key so the auth checks run, and the unknown-topic"
        " produce probes on, which the reference answers at once). A fault is caught when"
        " every check it names fails (or errors, for a hang) and, if it breaks a MUST row, the run is not"
        " conformant. A MUST or SHOULD check is proven when at least one fault makes it fail (or, for a SHOULD"
        " check, when the reference itself fails it: it answers as Confluent 5.5/7.5, and a few SHOULD rows of"
        " §8 follow another Confluent version, e.g. V8s).",
        "",
        f"- Faults: {len(matrix.faults)} ({subtle} subtle); runs: {runs} including the fault-free baselines",
        "- Gating checks (MUST + SHOULD): " + ", ".join(f"{v}: {len(gating[v])}" for v in versions),
        f"- Kills (fault × check failures): {matrix.kills()}",
        "- Fault-free reference: "
        + ", ".join(
            f"{v} {matrix.baseline[v].verdict if v in matrix.baseline else 'not run'}" for v in versions
        ),
        f"- Uncaught faults: {len(matrix.uncaught())}; gating checks no fault fails: {len(matrix.unkilled())}",
        f"{WALL_PREFIX} {matrix.wall:.0f} s with {matrix.jobs} worker processes.",
        "",
        "## Faults",
        "",
        "| fault | area | rows | named checks | "
        + " | ".join(f"failing checks ({v})" for v in versions)
        + " | caught |",
        "|---|---|---|---|" + "---|" * len(versions) + "---|",
    ]
    for f in matrix.faults:
        cells = []
        verdicts = []
        for v in versions:
            if v not in f.versions:
                cells.append("–")
                continue
            killed = matrix.killers(f.id, v)
            errors = matrix.errored(f.id, v)
            parts = ([", ".join(killed)] if killed else []) + (
                [f"errors: {', '.join(errors)}"] if errors else []
            )
            cells.append("; ".join(parts) or "**none**")
            ok, why = matrix.caught(f, v)
            verdicts.append(f"{v} ✔" if ok else f"{v} ✘ {why}")
        name = f"`{f.id}`" + (" (subtle)" if f.subtle else "")
        out.append(
            f"| {name} | {f.area} | {', '.join(f.rows)} | {', '.join(f.caught_by) or '–'} | "
            + " | ".join(_cell(c) for c in cells)
            + f" | {_cell('; '.join(verdicts))} |"
        )
    out += ["", "## Checks", "", "| check | " + " | ".join(f"{v}: level, failed by" for v in versions) + " |"]
    out.append("|---|" + "---|" * len(versions))
    all_ids = sorted({i for v in versions for i in gating[v]})
    for check_id in all_ids:
        cells = []
        for v in versions:
            level = gating[v].get(check_id)
            if level is None:
                cells.append("–")
                continue
            by = [f.id for f in matrix.faults if check_id in matrix.killers(f.id, v)]
            if check_id in matrix.should_fails_on_reference(v):
                by.insert(0, "the fault-free reference itself")
            cells.append(f"{level}: " + (", ".join(by) if by else "**no fault**"))
        out.append(f"| `{check_id}` | " + " | ".join(_cell(c) for c in cells) + " |")
    out += ["", "## Missing", ""]
    problems = matrix.baseline_problems(detail=False)
    for title, items in (
        ("Fault-free reference problems", problems),
        ("Faults not caught", matrix.uncaught()),
        ("MUST/SHOULD checks no fault makes fail", matrix.unkilled()),
        (
            "SHOULD checks the reference fails by design (it answers as Confluent; the run stays conformant)",
            [f"{c} ({v})" for v in versions for c in matrix.should_fails_on_reference(v)],
        ),
    ):
        out.append(f"{title}: " + ("none." if not items else f"{len(items)}"))
        out += [f"- {_cell(i)}" for i in items]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


_CELL = re.compile(r"(?<!\\)\|")


def comparable(text: str) -> str:
    """What the currency test compares: the facts the matrix proves (faults, named checks, caught
    or not; checks, levels, proven or not), not the details that vary between runs of the same
    code (wall time, the exact count and list of incidental kills, a check that fails under a
    fault only when timing goes one way)."""
    out: list[str] = []
    section = ""
    for line in text.splitlines():
        if line.startswith("## "):
            section = line
        if line.startswith((WALL_PREFIX, "- Kills")):
            continue
        if line.startswith("| `"):
            cells = [c.strip() for c in _CELL.split(line)[1:-1]]
            if section == "## Faults":
                cells = [*cells[:4], cells[-1]]  # drop the per-version lists of failing checks
            elif section == "## Checks":
                cells = [cells[0], *(_proven(c) for c in cells[1:])]
            line = "| " + " | ".join(cells) + " |"
        out.append(line)
    return "\n".join(out)


def _proven(cell: str) -> str:
    level, sep, by = cell.partition(": ")
    if not sep:
        return cell
    return f"{level}: {'not proven' if by == '**no fault**' else 'proven'}"


def handle(args: argparse.Namespace) -> int:
    versions: tuple[ApiVersion, ...] = tuple(args.api_version or API_VERSIONS)
    if args.jobs < 0:
        raise UsageError("--jobs must be at least 1")

    def progress(result: UnitResult, done: int, total: int) -> None:
        what = result.unit.fault or "(no fault)"
        print(
            f"[{done}/{total}] {result.unit.version} {what}: {result.verdict} in {result.seconds:.1f} s",
            flush=True,
        )

    matrix = build_matrix(versions, jobs=args.jobs, faults=args.fault, progress=progress)
    text = render(matrix)
    if args.write_docs:
        Path(args.write_docs).write_text(text, "utf-8")
        print(f"wrote {args.write_docs}")
    if args.fault:
        # Narrowed to named faults: judge only those. Which checks no fault fails is a question
        # for the whole matrix; with a few faults nearly every check would be listed.
        problems = matrix.baseline_problems() + matrix.uncaught()
        for fault in matrix.faults:
            for version in fault.versions:
                if version in versions and (fault.id, version) in matrix.runs:
                    ok, why = matrix.caught(fault, version)
                    killers = ", ".join(matrix.killers(fault.id, version)) or "none"
                    print(
                        f"{fault.id} ({version}): {'caught' if ok else 'NOT caught: ' + why}; failing checks: {killers}"
                    )
        print(
            f"{len(matrix.faults)} fault(s), {matrix.kills()} kills, {len(matrix.uncaught())} uncaught;"
            f" {matrix.wall:.0f} s (the whole matrix, without --fault, also checks that every gating check can fail)"
        )
    else:
        problems = matrix.baseline_problems() + matrix.uncaught() + matrix.unkilled()
        print(
            f"{len(matrix.faults)} faults, {matrix.kills()} kills, {len(matrix.uncaught())} uncaught,"
            f" {len(matrix.unkilled())} gating checks never failed; {matrix.wall:.0f} s"
        )
    for line in problems:
        print(f"  - {line}", file=sys.stderr)
    return 0 if not problems else 1
