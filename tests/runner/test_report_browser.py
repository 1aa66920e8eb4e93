"""report.html in a real browser (Debian's headless Chromium through ChromeDriver): the page a
user opens after a failing run. Verdict first, failures shown with their evidence, passing checks
hidden until asked for, the outcome and area filters work, and the page logs no script error."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.reference.config import ReferenceConfig
from conformance.reference.server import serve_in_thread

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER), reason="chromium/chromedriver not installed (scripts/setup-browser.sh)"
)

FAULT = "metadata-unknown-topic-200"  # META-004 fails; the other metadata and error checks pass


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    config = ReferenceConfig(api_version="v1", faults=frozenset({FAULT}))
    with serve_in_thread(config) as server:
        done = subprocess.run(
            [sys.executable, "-m", "conformance", "run", "--target", server.url, "--topic", "conformance-p3",
             "--single-partition-topic", "conformance-p1", "--only", "metadata", "--only", "errors",
             "--budget", "quick", "--seed", "1", "--report-dir", str(out)],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    return out / "report.html"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM or ""
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER or ""), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def visible_checks(driver: object) -> dict[str, str]:
    from selenium.webdriver.common.by import By

    rows = driver.find_elements(By.CSS_SELECTOR, ".check")  # type: ignore[attr-defined]
    return {r.text.split()[0]: r.get_attribute("data-outcome") for r in rows if r.is_displayed()}


def test_report_in_a_real_browser(report: Path, browser: object) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver = browser
    driver.get(report.as_uri())  # type: ignore[attr-defined]
    body = driver.find_element(By.TAG_NAME, "body").text  # type: ignore[attr-defined]
    assert body.index("non-conformant") < body.index("Checks"), "the verdict comes before the checks"

    shown = visible_checks(driver)
    assert "META-004" in shown and shown["META-004"] == "fail"
    assert "pass" not in shown.values(), "passing checks are hidden until asked for"
    failing = driver.find_element(By.CSS_SELECTOR, ".check[data-outcome=fail]")  # type: ignore[attr-defined]
    assert "curl" in failing.text, "a failure shows its replay line without a click"

    driver.find_element(By.CSS_SELECTOR, "input[name=outcome][value=pass]").click()  # type: ignore[attr-defined]
    shown = visible_checks(driver)
    assert "pass" in shown.values() and "META-004" in shown

    Select(driver.find_element(By.ID, "area")).select_by_visible_text("errors")  # type: ignore[attr-defined]
    shown = visible_checks(driver)
    assert shown and all(check.startswith("ERR-") for check in shown), shown

    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]  # type: ignore[attr-defined]
    assert errors == []
