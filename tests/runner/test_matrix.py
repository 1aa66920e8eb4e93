"""`kafka-rest-conformance matrix` over real targets: two reference servers with different faults
(one of them needing an API key, one failure listed as a known deviation) and a dead port. The
matrix writes Markdown, HTML and JSON (valid against schemas/matrix.schema.json), the dead port is
a column that says it could not be tested, the HTML shows and filters the differing rows in
headless Chromium; a bad targets file is exit 2 in one line; Ctrl-C and the time bound still
write what finished."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from conformance.cli import main
from conformance.commands.compare import Column
from conformance.commands.matrix import child_argv, child_env, exit_code
from conformance.matrixfile import load_matrix
from conformance.reference.config import ReferenceConfig
from conformance.reference.server import serve_in_thread
from conformance.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "schemas" / "matrix.schema.json").read_text())
KEY = "matrix-key-8c1f2e"
FAULT_A = "metadata-unknown-topic-200"  # META-004 and META-005 fail
FAULT_B = "metadata-brokers-bare-list"  # META-008 fails; listed as a known deviation of B


def dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def matrix_cmd(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conformance", "matrix", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=dict(os.environ, **(env or {})),
    )


@pytest.fixture(scope="module")
def three_targets(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Path, subprocess.CompletedProcess[str]]]:
    work = tmp_path_factory.mktemp("matrix")
    (work / "known.toml").write_text('[[expected]]\ncheck = "META-008"\nreason = "answers a bare list"\n')
    a_config = ReferenceConfig(api_version="v1", faults=frozenset({FAULT_A}))
    b_config = ReferenceConfig(api_version="v1", faults=frozenset({FAULT_B}), api_key=KEY)
    with serve_in_thread(a_config) as a, serve_in_thread(b_config) as b:
        (work / "targets.toml").write_text(
            f"""
budget = "quick"
seed = 11
jobs = 2
timeout = 5
report-dir = "out"
only = ["metadata"]

[targets.alpha]
url = "{a.url}"
topic = "conformance-p3"
single-partition-topic = "conformance-p1"

[targets.beta]
url = "{b.url}"
topic = "conformance-p3"
single-partition-topic = "conformance-p1"
api-key-env = "BETA_KEY"
expectations = "known.toml"

[targets.dead]
url = "http://127.0.0.1:{dead_port()}"
topic = "conformance-p3"
"""
        )
        # A key left in the matrix's own environment must not reach any target.
        env = {"BETA_KEY": KEY, "KAFKA_REST_API_KEY": "wrong-key-for-everyone"}
        done = matrix_cmd(str(work / "targets.toml"), "--bundle", str(work / "evidence.tar.gz"), env=env)
    yield work, done


def test_matrix_writes_three_formats_with_the_dead_port_as_a_column(
    three_targets: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    work, done = three_targets
    assert done.returncode == 1, done.stdout + done.stderr  # a tested target is not conformant
    out = work / "out"
    doc = json.loads((out / "matrix.json").read_text())
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    assert doc["exit_code"] == 1 and doc["seed"] == 11 and doc["interrupted"] is False
    targets = {t["name"]: t for t in doc["targets"]}
    assert targets["alpha"]["status"] == targets["beta"]["status"] == "tested"
    assert targets["dead"]["status"] == "could-not-test"
    assert "did not answer GET /topics" in targets["dead"]["reason"]
    rows = {c["id"]: c for c in doc["checks"]}
    names = [t["name"] for t in doc["targets"]]
    cell = {c["id"]: dict(zip(names, c["cells"], strict=True)) for c in doc["checks"]}
    assert cell["META-004"]["alpha"]["outcome"] == "fail" and cell["META-004"]["beta"]["outcome"] == "pass"
    assert cell["META-008"]["beta"] == {
        "outcome": "xfail",
        "level": "MUST",
        "gating": True,
        "message": cell["META-008"]["beta"]["message"],
        "known_deviation": "answers a bare list",
    }
    assert cell["META-004"]["dead"] is None
    assert rows["META-004"]["differs"] and rows["META-008"]["differs"] and rows["META-008"]["known_deviation"]
    assert not rows["META-001"]["differs"], "an untested column does not make a row differ"
    assert rows["META-004"]["rows"] == ["M4"] and rows["META-008"]["rows"] == ["M7"]
    assert doc["summary"]["differing"] == sum(r["differs"] for r in doc["checks"]) >= 2

    md = (out / "matrix.md").read_text()
    assert "| | alpha | beta | dead |" in md
    assert "| ◆ `META-004` | M4 | **fail (MUST)** | **pass (MUST)** | not tested |" in md
    assert "| ◆ `META-008` | M7 | **pass (MUST)** | **xfail (MUST) ⚑** | not tested |" in md
    assert "| `META-008` | beta | answers a bare list |" in md
    assert "**could not test: http://127.0.0.1:" in md

    for name in ("alpha", "beta", "dead"):  # each child wrote its own reports under the matrix
        assert (out / name / "results.json").is_file() and (out / name / "report.html").is_file()
    beta = json.loads((out / "beta" / "results.json").read_text())
    assert beta["preflight_error"] is None, "beta's key came from BETA_KEY, not the matrix's environment"
    assert beta["settings"]["api_key"] == "[REDACTED]"
    assert "wrong-key-for-everyone" not in done.stdout + (out / "alpha" / "console.txt").read_text()
    assert json.loads((out / "alpha" / "results.json").read_text())["settings"]["api_key"] is None


def test_the_matrix_bundle_holds_every_target_and_no_secret(
    three_targets: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    work, _ = three_targets
    with tarfile.open(work / "evidence.tar.gz") as archive:
        members = {m.name: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}  # type: ignore[union-attr]
    names = set(members)
    for part in (
        "MANIFEST.json",
        "README.md",
        "matrix/matrix.json",
        "matrix/matrix.html",
        "matrix/settings.json",
    ):
        assert f"evidence/{part}" in names, sorted(names)
    for target in ("alpha", "beta", "dead"):
        assert f"evidence/runs/{target}/reports/results.json" in names
        assert f"evidence/runs/{target}/target.json" in names
    settings = json.loads(members["evidence/matrix/settings.json"])
    beta = next(t for t in settings["targets"] if t["name"] == "beta")
    assert beta["credential"] == {"kind": "api_key", "env": "BETA_KEY"}
    readme = members["evidence/README.md"].decode()
    assert "set `BETA_KEY` before replaying" in readme, "credentials are named, never stored"
    assert "### META-004 [MUST] M4" in readme and "--only META-004" in readme and "--seed 11" in readme
    for name, data in members.items():
        assert KEY.encode() not in data, name


@pytest.mark.skipif(
    not (shutil.which("chromium") and shutil.which("chromedriver")),
    reason="chromium/chromedriver not installed (scripts/setup-browser.sh)",
)
def test_matrix_html_shows_the_differing_rows_in_a_real_browser(
    three_targets: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    work, _ = three_targets
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or ""
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(
        service=Service(executable_path=shutil.which("chromedriver") or ""), options=options
    )
    try:
        driver.get((work / "out" / "matrix.html").as_uri())

        def shown() -> dict[str, str]:
            rows = driver.find_elements(By.CSS_SELECTOR, "tr.check")
            return {r.get_attribute("id"): r.get_attribute("class") for r in rows if r.is_displayed()}

        everything = shown()
        assert (
            "META-001" in everything
            and "diff" in everything["META-004"]
            and "diff" not in everything["META-001"]
        )
        highlighted = driver.find_element(By.ID, "META-004").value_of_css_property("background-color")
        plain = driver.find_element(By.ID, "META-001").value_of_css_property("background-color")
        assert highlighted != plain, "differing rows are highlighted"
        dead = driver.find_element(By.CSS_SELECTOR, "td.status[data-status=could-not-test]").text
        assert dead.startswith("could not test: http://127.0.0.1:")

        driver.find_element(By.ID, "only").click()
        differing = shown()
        assert {"META-004", "META-008"} <= set(differing) and "META-001" not in differing
        assert all("diff" in cls for cls in differing.values())
        driver.find_element(By.ID, "known").click()
        assert set(shown()) == {"META-008"}
        known_cell = driver.find_element(By.CSS_SELECTOR, "#META-008 td[data-outcome=xfail]")
        assert "answers a bare list" in (known_cell.get_attribute("title") or "")
        assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []
    finally:
        driver.quit()


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "targets.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("budget = 'quick'\n", "no targets"),
        ("[targets.a]\nurl = 'http://x:1'\ntopic = 't'\ncolour = 'red'\n", "unknown key 'colour'"),
        (
            "[targets.a]\nurl = 'http://x:1'\ntopic = 't'\napi-key-env = 'NOT_SET_ANYWHERE'\n",
            "names NOT_SET_ANYWHERE, which is not set",
        ),
        ("[targets.a]\nurl = 'ftp://x'\ntopic = 't'\n", "is not an http(s) URL"),
        ("[targets.a]\nurl = 'http://x:1'\n", "topic is required"),
        ("[targets.a]\nurl = 'http://x:1'\ntopic = 't'\napi-version = 'v3'\n", "not an API version"),
        (
            "jobs = 0\n[targets.a]\nurl = 'http://x:1'\ntopic = 't'\n",
            "jobs must be a whole number of at least 1",
        ),
        ("[targets.'a b']\nurl = 'http://x:1'\ntopic = 't'\n", "target name 'a b'"),
        ("[targets.a\n", "is not valid TOML"),
    ],
)
def test_a_bad_targets_file_is_exit_2_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    code = main(["matrix", str(_write(tmp_path, text)), "--report-dir", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1, err
    assert not (tmp_path / "out").exists(), "nothing runs before the file is valid"


def test_a_credential_reaches_only_its_target(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "[targets.a]\nurl = 'http://x:1'\ntopic = 't'\nbearer-env = 'A_TOKEN'\n"
        "[targets.b]\nurl = 'http://y:1'\ntopic = 't'\n",
    )
    environ = {
        "A_TOKEN": "tok",
        "KAFKA_REST_API_KEY": "stray",
        "KAFKA_REST_URL": "http://z:1",
        "PATH": "/bin",
    }
    a, b = load_matrix(path, environ).targets
    assert child_env(a, environ)["KAFKA_REST_BEARER"] == "tok"
    assert not {k for k in child_env(a, environ) if k.startswith("KAFKA_REST_")} - {"KAFKA_REST_BEARER"}
    assert not {k for k in child_env(b, environ) if k.startswith("KAFKA_REST_")}


def _column(verdict: str | None) -> Column:
    if verdict is None:
        return Column("x", None, "the run exited -9 and wrote no results.json")
    return Column("x", {"summary": {"verdict": verdict}, "checks": [], "target": {}})


@pytest.mark.parametrize(
    ("verdicts", "interrupted", "code"),
    [
        (["conformant", "conformant"], False, 0),
        (["conformant", "could-not-test"], False, 3),
        (["could-not-test", "could-not-test"], False, 3),
        (["non-conformant", "could-not-test"], False, 1),
        (["incomplete", "conformant"], False, 1),
        (["conformant", None], False, 1),
        (["conformant", "conformant"], True, 1),
    ],
)
def test_the_matrix_exit_code(verdicts: list[str | None], interrupted: bool, code: int) -> None:
    assert exit_code([_column(v) for v in verdicts], interrupted) == code


def test_only_unreachable_targets_is_exit_3(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        f"timeout = 2\n[targets.one]\nurl = 'http://127.0.0.1:{dead_port()}'\ntopic = 't'\n"
        f"[targets.two]\nurl = 'http://127.0.0.1:{dead_port()}'\ntopic = 't'\n",
    )
    done = matrix_cmd(str(path), "--report-dir", str(tmp_path / "out"), timeout=120)
    assert done.returncode == 3, done.stdout + done.stderr
    doc = json.loads((tmp_path / "out" / "matrix.json").read_text())
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    assert [t["status"] for t in doc["targets"]] == ["could-not-test", "could-not-test"]


@pytest.mark.parametrize("stop", ["ctrl-c", "time-bound"])
def test_a_stopped_matrix_still_writes_what_it_has(tmp_path: Path, stop: str) -> None:
    """The child is stopped once with SIGINT while it waits on a request the server never answers
    (a 30 s timeout: on a fast machine the whole quick suite would otherwise finish before the
    stop), writes its interrupted results, and the matrix writes its three files with the target
    in them."""
    hanging = ReferenceConfig(api_version="v1", faults=frozenset({"robustness-hang-topic-get"}))
    with serve_in_thread(hanging) as server:
        path = _write(
            tmp_path,
            f"budget = 'quick'\nseed = 3\ntimeout = 30\n"
            f"[targets.slow]\nurl = '{server.url}'\ntopic = 'conformance-p3'\n"
            f"[targets.never]\nurl = '{server.url}'\ntopic = 'conformance-p3'\n",
        )
        args = [sys.executable, "-m", "conformance", "matrix", str(path), "--jobs", "1"]
        args += ["--report-dir", str(tmp_path / "out")]
        if stop == "time-bound":
            args += ["--time-bound", "4"]
        process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if stop == "ctrl-c":
            assert process.stdout is not None
            while "start slow" not in process.stdout.readline():
                pass
            time.sleep(3)
            process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=120)
    assert process.returncode == 1, output
    doc = json.loads((tmp_path / "out" / "matrix.json").read_text())
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    assert doc["interrupted"] is True
    slow, never = doc["targets"]
    assert slow["status"] == "tested" and slow["verdict"] == "incomplete", slow
    why = "interrupted (Ctrl-C)" if stop == "ctrl-c" else "stopped at the matrix's time bound of 4 s"
    assert f"| **incomplete ({why})** |" in (tmp_path / "out" / "matrix.md").read_text()
    assert json.loads((tmp_path / "out" / "slow" / "results.json").read_text())["interrupted"] is True
    assert never["status"] == "error" and never["reason"].startswith("not run"), never
    assert (tmp_path / "out" / "matrix.md").is_file() and (tmp_path / "out" / "matrix.html").is_file()


@pytest.mark.skipif(
    "profile" not in {f.name for f in dataclasses.fields(Settings)}, reason="run has no --profile yet"
)
def test_a_profile_is_checked_at_once_and_passed_to_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "[targets.k]\nurl = 'http://x:1'\ntopic = 't'\nprofile = 'karapace-3.16'\n")
    (target,) = load_matrix(path, {}).targets
    argv = child_argv(target, 1, tmp_path / "k")
    assert argv[argv.index("--profile") + 1] == "karapace-3.16"
    path = _write(tmp_path, "[targets.k]\nurl = 'http://x:1'\ntopic = 't'\nprofile = 'no-such-vendor'\n")
    assert main(["matrix", str(path), "--report-dir", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "[targets.k]: unknown profile 'no-such-vendor'" in err and err.count("\n") == 1, err
