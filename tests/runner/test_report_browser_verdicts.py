"""report.html of the three runs a gate meets, in a real browser (headless Chromium): a conformant
run with a SHOULD failure (green badge, the failure amber and marked not gating), a non-conformant
run (red badge, the MUST failure marked gating) and an exit-3 run (grey "could not test", the
preflight message once, no tables). An anchor opens its check even when filters hide it."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.reference.config import ReferenceConfig
from conformance.reference.server import serve_in_thread

from .test_report_browser import CHROMEDRIVER, CHROMIUM, browser, visible_checks

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER), reason="chromium/chromedriver not installed (scripts/setup-browser.sh)"
)
__all__ = ["browser"]  # the fixture, shared with test_report_browser

GREEN, RED, GREY, AMBER = (
    "rgba(42, 125, 46, 1)",
    "rgba(179, 38, 30, 1)",
    "rgba(85, 85, 85, 1)",
    "rgba(154, 91, 0, 1)",
)


def cli_run(out: Path, *args: str) -> int:
    done = subprocess.run(
        [sys.executable, "-m", "conformance", "run", "--budget", "quick", "--seed", "1", "--report-dir", str(out), *args],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    return done.returncode


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("verdicts")
    with serve_in_thread(ReferenceConfig(api_version="v1")) as server:
        # A real target (not the embedded one): PROD-026 fails at SHOULD, the run is conformant.
        assert cli_run(base / "should", "--target", server.url, "--topic", "conformance-p3") == 0
    with serve_in_thread(
        ReferenceConfig(api_version="v1", faults=frozenset({"metadata-unknown-topic-200"}))
    ) as server:
        assert cli_run(base / "fail", "--target", server.url, "--topic", "conformance-p3") == 1
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert cli_run(base / "exit3", "--target", f"http://127.0.0.1:{port}", "--topic", "t") == 3
    return {name: base / name / "report.html" for name in ("should", "fail", "exit3")}


def badge(driver: object) -> tuple[str, str]:
    from selenium.webdriver.common.by import By

    element = driver.find_element(By.ID, "verdict")  # type: ignore[attr-defined]
    return element.text, element.value_of_css_property("background-color")


def no_script_errors(driver: object) -> None:
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]  # type: ignore[attr-defined]
    assert errors == []


def test_conformant_run_with_a_should_failure(reports: dict[str, Path], browser: object) -> None:
    from selenium.webdriver.common.by import By

    driver = browser
    driver.get(reports["should"].as_uri())  # type: ignore[attr-defined]
    assert badge(driver) == ("conformant", GREEN)
    explanation = driver.find_element(By.ID, "explanation").text  # type: ignore[attr-defined]
    assert "PROD-026" in explanation and "does not gate without --strict" in explanation
    assert visible_checks(driver) == {"PROD-026": "fail"}
    row = driver.find_element(By.ID, "PROD-026")  # type: ignore[attr-defined]
    assert row.get_attribute("data-gating") == "false"
    mark = row.find_element(By.CSS_SELECTOR, ".nongating")
    assert mark.value_of_css_property("color") == AMBER, "a non-gating failure is not red"
    assert "not gating (SHOULD; fails the run only with --strict)" in row.text
    assert not row.find_elements(By.CSS_SELECTOR, ".gating")
    no_script_errors(driver)


def test_an_anchor_opens_its_check(reports: dict[str, Path], browser: object) -> None:
    from selenium.webdriver.common.by import By

    driver = browser
    driver.get(reports["should"].as_uri() + "#META-001")  # type: ignore[attr-defined]
    row = driver.find_element(By.ID, "META-001")  # type: ignore[attr-defined]
    assert row.is_displayed(), "a linked passing check shows although the filter hides passes"
    assert row.find_element(By.TAG_NAME, "details").get_attribute("open") is not None
    no_script_errors(driver)


def test_non_conformant_run(reports: dict[str, Path], browser: object) -> None:
    from selenium.webdriver.common.by import By

    driver = browser
    driver.get(reports["fail"].as_uri())  # type: ignore[attr-defined]
    assert badge(driver) == ("non-conformant", RED)
    row = driver.find_element(By.ID, "META-004")  # type: ignore[attr-defined]
    assert row.is_displayed() and row.get_attribute("data-gating") == "true"
    assert row.find_element(By.CSS_SELECTOR, ".gating").value_of_css_property("color") == RED
    assert row.find_element(By.CSS_SELECTOR, ".o-fail").value_of_css_property("color") == RED
    soft = driver.find_element(By.ID, "PROD-026")  # type: ignore[attr-defined]
    assert soft.find_element(By.CSS_SELECTOR, ".nongating").value_of_css_property("color") == AMBER
    no_script_errors(driver)


def test_exit_3_run(reports: dict[str, Path], browser: object) -> None:
    from selenium.webdriver.common.by import By

    driver = browser
    driver.get(reports["exit3"].as_uri())  # type: ignore[attr-defined]
    assert badge(driver) == ("could not test", GREY)
    body = driver.find_element(By.TAG_NAME, "body").text  # type: ignore[attr-defined]
    assert body.count("did not answer GET /topics") == 1
    assert "incomplete" not in body and "Could not test:" in body
    assert driver.find_elements(By.TAG_NAME, "table") == []  # type: ignore[attr-defined]
    assert driver.find_elements(By.CSS_SELECTOR, ".check") == []  # type: ignore[attr-defined]
    no_script_errors(driver)
