"""`kafka-rest-conformance matrix TARGETS.toml`: the same suite against several targets at once.

Each target is tested by a child `kafka-rest-conformance run` process (so one target's crash or
hang cannot take the others down, and each writes its usual reports), at most ``--jobs`` at a
time, each child stopped after its own run bound plus a grace, the whole matrix within its time
bound. Every target gets the same seed, so the generated requests are the same for all of them.
Then the matrix is written with the one renderer `compare` uses: ``matrix.md``, ``matrix.html``,
``matrix.json`` (schemas/matrix.schema.json), and with ``--bundle`` an evidence bundle.

Credentials reach a child only through its environment (never its argv, which `ps` shows): the
variable the file names is passed as ``KAFKA_REST_API_KEY`` (or ``_BEARER``, ``_BASIC``), and
every ``KAFKA_REST_*`` variable of the matrix's own environment is removed first, so a key meant
for one target never reaches another.

Ctrl-C (or the time bound) sends each running child one SIGINT, so it stops, deletes its consumer
instances and writes what it has (results.json marked interrupted); what finished is written.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from conformance.cli import Handler
from conformance.commands import compare
from conformance.errors import UsageError
from conformance.matrixfile import MatrixFile, MatrixTarget, load_matrix
from conformance.report.bundle import BundledRun, check_bundle_path, write_bundle
from conformance.report.model import mask
from conformance.settings import ENV

POLL_S = 0.2
STOP_GRACE_S = 30.0  # after its SIGINT, a child has this long to clean up and write its reports

EXIT_HELP = (
    "Exit: 0 every target conformant; 1 a tested target is not conformant (non-conformant, incomplete or "
    "stale expectations), a run did not finish (crashed, or stopped at its time bound), or the matrix was "
    "interrupted; 2 a bad targets file or flag (one line, nothing run); 3 no tested target failed but at "
    "least one could not be tested (unreachable, credentials rejected, topics missing). A broken contract "
    "outranks an unreachable target (retrying will not fix it); an unreachable target is never a pass, since "
    "nothing is known about it, so it is 3 (retry), as for `run`."
)


def register(sub: Any) -> tuple[str, Handler]:
    p = sub.add_parser(
        "matrix",
        help="run the suite against several targets from a TOML file and write them side by side",
        description="Run the suite against every target of a TOML file (one child `run` per target, "
        "--jobs at a time) and write matrix.md, matrix.html and matrix.json (checks x targets, contract "
        "§8 row and level per line, differences and known deviations marked). " + EXIT_HELP,
    )
    p.add_argument("file", metavar="TARGETS.toml", help="[targets.NAME] tables: url, api-version, topic, ...")
    p.add_argument(
        "--jobs", type=int, metavar="N", help="targets tested at once (default 2, or jobs in the file)"
    )
    p.add_argument(
        "--seed", type=int, metavar="N", help="seed for every target (default: seed in the file, or random)"
    )
    p.add_argument(
        "--time-bound",
        type=float,
        metavar="S",
        help="seconds for the whole matrix (default: from the runs' bounds)",
    )
    p.add_argument(
        "--report-dir", metavar="DIR", help="default reports/matrix-<UTC time>/; each target in DIR/NAME/"
    )
    p.add_argument("--bundle", metavar="FILE.tar.gz", help="also write one evidence bundle of every target")
    return "matrix", handle


@dataclass
class Child:
    target: MatrixTarget
    process: subprocess.Popen[bytes]
    log: IO[bytes]
    started: float
    stop_sent: float | None = None
    stopped_why: str | None = None

    def stop(self, why: str) -> None:
        """One SIGINT to the child's own process group: it writes what it has, then exits."""
        if self.stop_sent is None:
            self.stop_sent = time.monotonic()
            self.stopped_why = why
            _signal(self.process, signal.SIGINT)


def _signal(process: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)  # the child leads its own session (start_new_session)


def child_argv(target: MatrixTarget, seed: int, report_dir: Path) -> list[str]:
    argv = [sys.executable, "-m", "conformance", "run"]
    if target.url:
        argv += ["--target", target.url]
    argv += ["--api-version", target.api_version]
    if target.topic:
        argv += ["--topic", target.topic]
    if target.single_partition_topic:
        argv += ["--single-partition-topic", target.single_partition_topic]
    if target.profile:
        argv += ["--profile", target.profile]
    argv += ["--budget", target.budget, "--seed", str(seed), "--timeout", f"{target.timeout:g}"]
    if target.strict:
        argv.append("--strict")
    for flag, values in (("--only", target.only), ("--skip", target.skip)):
        for value in values:
            argv += [flag, value]
    if target.expectations:
        argv += ["--expectations", str(target.expectations)]
    argv += ["--label", target.label or target.name, "--report-dir", str(report_dir)]
    return argv


def child_env(target: MatrixTarget, environ: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in environ.items() if not k.startswith("KAFKA_REST_")}
    if target.credential is not None:
        kind, var = target.credential
        env[ENV[kind]] = environ[var]
    env.setdefault("CI", "1")  # plain console lines in console.txt, no live progress
    return env


def secrets_of(matrix: MatrixFile, environ: dict[str, str]) -> tuple[str, ...]:
    return tuple(
        environ[t.credential[1]] for t in matrix.targets if t.credential and environ.get(t.credential[1])
    )


class Runner:
    """Starts, watches and stops the children; nothing here reads their results."""

    def __init__(self, matrix: MatrixFile, out: Path, seed: int, jobs: int, bound: float, say: Any) -> None:
        self.matrix, self.out, self.seed, self.jobs, self.bound, self.say = (
            matrix,
            out,
            seed,
            jobs,
            bound,
            say,
        )
        self.pending = list(matrix.targets)
        self.running: list[Child] = []
        self.finished: dict[
            str, tuple[int | None, float, str | None]
        ] = {}  # name -> (rc, seconds, stopped why)
        self.interrupted = False

    def start(self, target: MatrixTarget, environ: dict[str, str]) -> None:
        report_dir = self.out / target.name
        report_dir.mkdir(parents=True, exist_ok=True)
        log = (report_dir / "console.txt").open("wb")
        process = subprocess.Popen(
            child_argv(target, self.seed, report_dir),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=child_env(target, environ),
            start_new_session=True,  # a Ctrl-C reaches the matrix only; it stops each child once
        )
        self.running.append(Child(target, process, log, time.monotonic()))
        what = target.display_url() or "the embedded reference server"
        self.say(f"start {target.name}: {what} (API {target.api_version})")

    def reap(self) -> None:
        now = time.monotonic()
        for child in list(self.running):
            rc = child.process.poll()
            if rc is None:
                if child.stop_sent is None and now - child.started > child.target.run_bound:
                    child.stop(f"stopped after its time bound of {child.target.run_bound:.0f} s")
                elif child.stop_sent is not None and now - child.stop_sent > STOP_GRACE_S:
                    _signal(child.process, signal.SIGKILL)
                continue
            child.log.close()
            self.running.remove(child)
            self.finished[child.target.name] = (rc, now - child.started, child.stopped_why)

    def run(self, environ: dict[str, str]) -> None:
        deadline = time.monotonic() + self.bound
        try:
            while self.pending or self.running:
                while self.pending and len(self.running) < self.jobs and time.monotonic() < deadline:
                    self.start(self.pending.pop(0), environ)
                if time.monotonic() >= deadline:
                    self.interrupted = True
                    for child in self.running:
                        child.stop(f"stopped at the matrix's time bound of {self.bound:.0f} s")
                    if not self.running:
                        break
                self.reap()
                time.sleep(POLL_S)
        except KeyboardInterrupt:
            self.interrupted = True
            self.say("interrupted: stopping the running targets; what finished is written")
            for child in self.running:
                child.stop("interrupted (Ctrl-C)")
            try:
                while self.running:
                    self.reap()
                    time.sleep(POLL_S)
            except KeyboardInterrupt:  # a second Ctrl-C: stop waiting for them
                for child in self.running:
                    _signal(child.process, signal.SIGKILL)
                    child.process.wait()
                self.reap()


def column(
    target: MatrixTarget, out: Path, finished: tuple[int | None, float, str | None] | None, interrupted: bool
) -> compare.Column:
    info: dict[str, Any] = {
        "url": target.display_url() or "(embedded reference server)",
        "api_version": target.api_version,
        "report_dir": str(out / target.name),
        "profile": target.profile,
    }
    if finished is None:
        why = "not run: the matrix was interrupted" if interrupted else "not run"
        return compare.Column(target.name, None, why, info)
    rc, seconds, stopped = finished
    info["duration"] = round(seconds, 3)
    try:
        doc = json.loads((out / target.name / "results.json").read_text("utf-8"))
        if (
            not isinstance(doc, dict)
            or not isinstance(doc.get("checks"), list)
            or "verdict" not in doc.get("summary", {})
        ):
            raise ValueError
    except (OSError, ValueError):
        why = stopped or f"the run exited {rc} and wrote no results.json"
        return compare.Column(target.name, None, f"{why}; see {out / target.name / 'console.txt'}", info)
    return compare.Column(target.name, doc, stopped, info)


def exit_code(columns: list[compare.Column], interrupted: bool) -> int:
    if interrupted:
        return 1
    if any(
        c.status == "error" or (c.tested and c.doc and c.doc["summary"]["verdict"] != "conformant")
        for c in columns
    ):
        return 1
    if any(c.status == "could-not-test" for c in columns):
        return 3
    return 0


def handle(args: argparse.Namespace) -> int:
    environ = dict(os.environ)
    path = Path(args.file)
    matrix = load_matrix(path, environ)
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if args.seed is not None and args.seed < 0:
        raise UsageError("--seed must be at least 0")
    if args.time_bound is not None and args.time_bound <= 0:
        raise UsageError("--time-bound must be a positive number of seconds")
    bundle = Path(args.bundle) if args.bundle else None
    if bundle is not None:
        check_bundle_path(bundle)
    jobs = args.jobs or matrix.jobs
    seed = args.seed if args.seed is not None else matrix.seed
    if seed is None:
        seed = int.from_bytes(os.urandom(4), "big")
    out = Path(args.report_dir) if args.report_dir else matrix.report_dir
    out = out or Path("reports") / f"matrix-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"cannot create the report directory {out} ({exc.strerror}): choose another with --report-dir"
        ) from None
    secrets = secrets_of(matrix, environ)

    def say(text: str) -> None:
        print(mask(text, secrets), flush=True)

    bound = args.time_bound or matrix.bound(jobs)
    say(
        f"matrix: {len(matrix.targets)} target(s) from {path}, {jobs} at once, seed {seed}, bound {bound:.0f} s; reports in {out}"
    )
    runner = Runner(matrix, out, seed, jobs, bound, say)
    runner.run(environ)
    columns = [column(t, out, runner.finished.get(t.name), runner.interrupted) for t in matrix.targets]
    code = exit_code(columns, runner.interrupted)
    for col in columns:
        say(f"{col.name}: {col.status_text}")
    extra = {"seed": seed, "exit_code": code, "interrupted": runner.interrupted, "file": str(path)}
    written = compare.write(columns, out, "matrix", "matrix", extra)
    _, _, differing = compare.matrix(columns)
    say(f"{len(differing)} check(s) differ between the {sum(c.tested for c in columns)} tested target(s)")
    for p in written:
        say(f"report: {p}")
    if bundle is not None:
        runs = [
            BundledRun(t.name, out / t.name, dict([t.credential]) if t.credential else {})
            for t in matrix.targets
        ]
        settings = {
            "file": str(path),
            "seed": seed,
            "jobs": jobs,
            "time_bound": bound,
            "targets": [t.redacted() for t in matrix.targets],
        }
        try:
            say(
                f"bundle: {write_bundle(bundle, runs, secrets=secrets, matrix_files=written, matrix_settings=settings)}"
            )
        except OSError as exc:
            say(f"kafka-rest-conformance: bundle {bundle} not written ({exc}); the reports are")
            return 2
    return code
