"""`run --bundle`: the evidence archive, opened and checked part by part, against a reference that
requires a known secret and carries a fault so something fails. No member may hold the secret,
its base64, or an HTTP Basic encoding of it; an interrupted run still writes its bundle."""

from __future__ import annotations

import base64
import hashlib
import json
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from conformance.commands.run import openapi_digest
from conformance.exchange import Exchange, Request, Response
from conformance.reference.server import serve_subprocess
from conformance.report.about import describe_target
from conformance.report.bundle import secret_forms

SECRET = "bundle-Secret-7f3a91"
FAULT = "metadata-unknown-topic-200"  # META-004 fails at MUST, row M4


def conformance(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conformance", *args], capture_output=True, text=True, timeout=timeout
    )


def members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path) as archive:
        out = {}
        for m in archive.getmembers():
            assert m.isfile() and not m.name.startswith("/") and ".." not in m.name, m.name
            out[m.name.split("/", 1)[1]] = archive.extractfile(m).read()  # type: ignore[union-attr]
    return out


def leaks(parts: dict[str, bytes], secret: str, user: str = "") -> list[str]:
    forms = {
        secret,
        base64.b64encode(secret.encode()).decode(),
        base64.b64encode(f"{user}:{secret}".encode()).decode(),
        base64.b64encode(f":{secret}".encode()).decode(),
        quote(secret, safe=""),
    }
    return [f"{name}: {form}" for name, data in parts.items() for form in forms if form.encode() in data]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = tmp_path_factory.mktemp("bundle")
    with serve_subprocess(["--port", "0", "--api-key", SECRET, "--fault", FAULT]) as server:
        done = conformance(
            "run", "--target", server.url, "--topic", "conformance-p3", "--single-partition-topic",
            "conformance-p1", "--api-key", SECRET, "--only", "metadata", "--only", "auth", "--budget", "quick",
            "--seed", "5", "--report-dir", str(out / "reports"), "--bundle", str(out / "evidence.tar.gz"),
        )  # fmt: skip
    return out / "evidence.tar.gz", done


def test_the_bundle_holds_each_part(bundle: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    path, done = bundle
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"bundle: {path}" in done.stdout
    parts = members(path)
    label = json.loads(parts[next(n for n in parts if n.endswith("reports/results.json"))])["target"]["label"]
    run = f"runs/{label}"
    assert {f"{run}/reports/{f}" for f in ("results.json", "junit.xml", "summary.md", "report.html")} <= set(
        parts
    )

    manifest = json.loads(parts["MANIFEST.json"])
    assert manifest["suite_version"] == json.loads(parts[f"{run}/reports/results.json"])["suite_version"]
    assert manifest["openapi_digest"] == openapi_digest()
    assert manifest["created_at"].endswith("Z") and manifest["kind"] == "run"
    assert manifest["runs"][0]["seed"] == 5 and manifest["runs"][0]["verdict"] == "non-conformant"
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    assert set(listed) == set(parts) - {"MANIFEST.json"}
    assert all(hashlib.sha256(parts[name]).hexdigest() == digest for name, digest in listed.items())

    settings = json.loads(parts[f"{run}/settings.json"])
    assert settings["api_key"] == "[REDACTED]" and settings["seed"] == 5
    assert settings["credentials_from_env"] == {"api_key": "KAFKA_REST_API_KEY"}

    about = json.loads(parts[f"{run}/target.json"])["about"]
    assert about["headers"]["server"] == ["uvicorn"], "taken from the answers the run already had"
    assert about["broker_ids"] == [0]

    readme = parts["README.md"].decode()
    assert "### META-004 [MUST] M4" in readme
    assert "--only META-004" in readme and "--seed 5" in readme and "--budget quick" in readme
    assert f"kafka-rest-conformance run --rerun-failed evidence/{run}/reports/results.json" in readme
    assert "curl -sS -i -X GET" in readme and "set `KAFKA_REST_API_KEY` before replaying" in readme


def test_no_member_holds_the_secret(bundle: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    path, done = bundle
    assert leaks(members(path), SECRET) == []
    assert SECRET not in done.stdout + done.stderr


def test_basic_credentials_stay_out_of_the_bundle(tmp_path: Path) -> None:
    """HTTP Basic goes on the wire as base64(user:pass): neither form may reach the archive."""
    with serve_subprocess(["--port", "0"]) as server:
        done = conformance(
            "run", "--target", server.url, "--topic", "conformance-p3", "--basic", f"alice:{SECRET}",
            "--only", "metadata", "--budget", "quick", "--report-dir", str(tmp_path / "r"),
            "--bundle", str(tmp_path / "b.tar.gz"),
        )  # fmt: skip
    assert (tmp_path / "b.tar.gz").is_file(), done.stdout + done.stderr
    assert leaks(members(tmp_path / "b.tar.gz"), SECRET, user="alice") == []


def test_an_interrupted_run_still_writes_its_bundle(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "conformance", "run", "--budget", "quick", "--report-dir", str(tmp_path / "r"),
         "--bundle", str(tmp_path / "b.tar.gz")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    while not process.stdout.readline().startswith("no --target: testing"):
        pass
    time.sleep(2)
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 1, output
    parts = members(tmp_path / "b.tar.gz")
    results = next(data for name, data in parts.items() if name.endswith("reports/results.json"))
    assert json.loads(results)["interrupted"] is True


def test_the_target_description_comes_from_the_answers() -> None:
    def ex(path: str, status: int, body: object, headers: dict[str, str]) -> Exchange:
        return Exchange(
            Request.build("GET", f"http://t{path}"),
            Response.build(status, headers, json.dumps(body).encode()),
        )

    about = describe_target(
        [
            ex(
                "/brokers",
                200,
                {"brokers": [2, 1, True]},
                {"Server": "Jetty(9.4)", "X-Kafka-Rest-Version": "5.5"},
            ),
            ex(
                "/topics/t",
                200,
                {"name": "t", "cluster_id": "abc"},
                {"server": "Jetty(9.4)", "Via": "1.1 gw"},
            ),
            ex("/brokers", 500, {"brokers": [9]}, {"Content-Type": "application/json"}),
        ]
    )
    assert about == {
        "headers": {"server": ["Jetty(9.4)"], "via": ["1.1 gw"], "x-kafka-rest-version": ["5.5"]},
        "broker_ids": [1, 2],
        "cluster_ids": ["abc"],
    }


def test_every_form_of_a_secret_is_masked() -> None:
    forms = secret_forms(["u:p@ss"])
    assert {"u:p@ss", base64.b64encode(b"u:p@ss").decode(), quote("u:p@ss", safe="")} <= set(forms)
    assert forms == sorted(forms, key=len, reverse=True)
