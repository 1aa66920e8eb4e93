"""The README matches what the tool does: every command in it that needs no real target runs as
written, the flag table is the `run --help` flag set, and its TOML examples load."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.checks.registry import catalogue
from conformance.expectations import load as load_expectations
from conformance.settings import load

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text("utf-8")
BIN = Path(sys.executable).parent / "kafka-rest-conformance"
# Commands that need something a test cannot have, and why they are not run here.
NOT_RUN = {
    "--target https://proxy.example": "needs a real target",
    "kafka-rest-conformance selftest": "the whole fault matrix: tests/selfverify runs it",
    "kafka-rest-conformance matrix vendors.toml": "needs real targets: test_the_matrix_example_loads"
    " checks the file and flags, tests/runner/test_matrix.py runs matrix over reference servers",
    "--rerun-failed reports/<run>/": "needs an earlier run: tests/runner/test_cli_features.py",
}


def readme_commands() -> list[str]:
    """Every `kafka-rest-conformance ...` command: indented code lines (joined over `\\`) and
    inline code spans."""
    commands: list[str] = []
    lines = README.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if lines[i].startswith("    ") and line.startswith("kafka-rest-conformance "):
            while line.endswith("\\"):
                i += 1
                line = line[:-1] + " " + lines[i].strip()
            commands.append(line.split("  #")[0].strip())
        i += 1
    commands += re.findall(r"`(kafka-rest-conformance [^`]+)`", README)
    return list(dict.fromkeys(commands))


def run(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    argv = shlex.split(command)
    argv[0] = str(BIN)
    env = dict(os.environ, CI="1")
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=240, env=env)


def test_every_readme_command_without_a_real_target_runs(tmp_path: Path) -> None:
    commands = readme_commands()
    assert "kafka-rest-conformance checks" in commands and any(
        c.startswith("kafka-rest-conformance compare") for c in commands
    )
    ran = []
    # `bash scripts/demo.sh` is setup.sh (an install) then `kafka-rest-conformance run`: the run part.
    demo = run("kafka-rest-conformance run --budget quick --report-dir reports/demo", tmp_path)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert demo.stdout.startswith("no --target: testing the embedded reference server at http://127.0.0.1:")
    for name in ("A", "B"):  # what the compare command reads
        made = run(
            f"kafka-rest-conformance run --budget quick --only metadata --report-dir reports/{name}", tmp_path
        )
        assert (tmp_path / "reports" / name / "results.json").is_file(), made.stdout + made.stderr
    for command in commands:
        if any(marker in command for marker in NOT_RUN) or "ID" in command.split():
            continue
        if command.startswith("kafka-rest-conformance run") and "--target" not in command:
            command += " --budget quick --report-dir reports/readme"
        if command.endswith("--write-docs"):
            continue  # writes the committed docs; test_docs keeps them current
        done = run(command, tmp_path)
        assert done.returncode == 0, f"{command}: exit {done.returncode}\n{done.stdout}{done.stderr}"
        assert "Traceback" not in done.stderr
        ran.append(command)
    assert any("compare" in c for c in ran) and any("--list-faults" in c for c in ran), ran


def test_the_flag_table_is_the_run_flag_set() -> None:
    table = README[README.index("| flag | meaning |") :]
    table = table[: table.index("\n\n")]
    first_cells = [row.split(" | ")[0] for row in table.splitlines()[2:]]
    documented = {flag for cell in first_cells for flag in re.findall(r"`(--[a-z-]+)", cell)}
    help_text = subprocess.run([str(BIN), "run", "--help"], capture_output=True, text=True, timeout=60).stdout
    actual = set(re.findall(r"^\s+(--[a-z][a-z-]+)", help_text, re.M)) - {"--help"}
    assert documented == actual, f"README only: {documented - actual}; --help only: {actual - documented}"


def test_the_quick_start_matches_the_defaults() -> None:
    settings = load({}, {})
    assert (settings.api_version, settings.budget, settings.timeout, settings.jobs) == (
        "v1",
        "standard",
        10.0,
        8,
    )
    assert "default `v1`" in README and "default `standard`" in README and "default 8" in README
    assert "(default 10 s)" in README


def test_the_toml_examples_load(tmp_path: Path) -> None:
    blocks = re.findall(r"\n((?:    .*\n)+)", README)
    config = next(b for b in blocks if 'api-version = "v2"' in b and "[targets." not in b)
    path = tmp_path / "conformance.toml"
    path.write_text("\n".join(line[4:] for line in config.splitlines()) + "\n")
    settings = load({"config": str(path)}, {})
    assert (settings.api_version, settings.single_topic, settings.strict) == ("v2", "conformance-p1", True)
    expected = next(b for b in blocks if "[[expected]]" in b)
    path.write_text("\n".join(line[4:] for line in expected.splitlines()) + "\n")
    assert set(load_expectations(path, [c.id for c in catalogue()])) == {"V2C-031"}


@pytest.mark.parametrize("phrase", ["is optional", "not\napplicable", "cannot be deleted", "could not test"])
def test_the_readme_says_what_the_tool_does(phrase: str) -> None:
    assert phrase.replace("\n", " ") in " ".join(README.split())


def test_the_matrix_example_loads(tmp_path: Path) -> None:
    """The vendor-comparison TOML is a valid targets file, and its command line parses."""
    from conformance.cli import build_parser
    from conformance.matrixfile import load_matrix

    # The example spans blank lines between its tables: an indented block with its empty lines.
    block = next(b for b in re.findall(r"\n((?:(?:    .*)?\n)+)", README) if "[targets." in b)
    path = tmp_path / "vendors.toml"
    path.write_text("\n".join(line[4:] for line in block.splitlines()).strip() + "\n")
    matrix = load_matrix(path, {"CONFLUENT_KEY": "k", "KARAPACE_TOKEN": "t"})
    assert [t.name for t in matrix.targets] == ["confluent", "karapace"] and matrix.seed == 42
    assert matrix.targets[1].credential == ("bearer", "KARAPACE_TOKEN")
    command = next(c for c in readme_commands() if c.startswith("kafka-rest-conformance matrix"))
    parser, _ = build_parser()
    args = parser.parse_args(shlex.split(command)[1:])
    assert (args.command, args.file, args.bundle) == ("matrix", "vendors.toml", "reports/vendors.tar.gz")
