"""End to end: `kafka-rest-conformance serve` as a subprocess, over real HTTP on loopback."""

from __future__ import annotations

import signal
import subprocess
import time

import httpx
import pytest

from conformance.cli import main
from conformance.reference import READY_PREFIX, ReferenceConfig, serve_in_thread, serve_subprocess
from conformance.reference.server import serve_command
from reference.conftest import ContractRecorder

pytestmark = pytest.mark.e2e
KEY = "e2e-secret-key-0001"


def test_ready_line_and_a_v1_round_trip_over_http(recorder: ContractRecorder) -> None:
    with serve_subprocess(["--topic", "orders:2"]) as served:
        assert served.ready_line.startswith(READY_PREFIX + "http://127.0.0.1:")
        hooks = {"response": [recorder.hook("v1")]}  # validated against openapi.yaml at teardown
        with httpx.Client(base_url=served.url, timeout=5, event_hooks=hooks) as client:
            assert client.get("/topics", headers={"Accept": "application/vnd.kafka.v1+json"}).json() == [
                "orders"
            ]
            body = {"records": [{"key": "AAE=", "value": "/w=="}]}
            produced = client.post(
                "/topics/orders/partitions/1",
                json=body,
                headers={"Content-Type": "application/vnd.kafka.binary.v1+json"},
            )
            assert produced.json()["offsets"][0] == {
                "partition": 1,
                "offset": 0,
                "error_code": None,
                "error": None,
            }
            read = client.get(
                "/topics/orders/partitions/1/messages?offset=0",
                headers={"Accept": "application/vnd.kafka.binary.v1+json"},
            )
            assert [(r["key"], r["value"]) for r in read.json()] == [("AAE=", "/w==")]


def test_sigterm_stops_it_cleanly() -> None:
    with serve_subprocess(["--api-version", "v2"]) as served:
        started = time.monotonic()
        served.process.send_signal(signal.SIGTERM)
        assert served.process.wait(timeout=10) == 0
        assert time.monotonic() - started < 5


def test_api_key_from_the_environment_is_enforced_and_never_printed() -> None:
    with serve_subprocess([], env={"KAFKA_REST_API_KEY": KEY}) as served:
        assert KEY not in served.ready_line
        with httpx.Client(base_url=served.url, timeout=5) as client:
            refused = client.get("/topics")
            assert refused.status_code == 401 and refused.json()["error_code"] == 40101
            assert client.get("/topics", headers={"X-Auth-Token": KEY}).status_code == 200
        served.process.terminate()
        out, err = served.process.communicate(timeout=10)
        assert KEY not in out and KEY not in err


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--topic", "foo:x"], "partition count"),
        (["--topic", "bad name:1"], "topic name"),
        (["--topic", "noparts"], "NAME:PARTITIONS"),
        (["--api-version", "v3"], "--api-version"),
        (["--port", "99999"], "port"),
        (["--fault", "no-such-fault"], "--list-faults"),
        (["--max-records", "0"], "positive"),
    ],
)
def test_bad_flags_exit_2_with_one_line(
    args: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = main(["serve", *args])
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
    assert code == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], captured.err
    assert captured.out == ""


def test_bad_flag_exit_code_of_the_real_process() -> None:
    result = subprocess.run(serve_command(["--topic", "foo:x"]), capture_output=True, text=True, timeout=30)
    assert (result.returncode, result.stdout) == (2, "")
    assert len(result.stderr.strip().splitlines()) == 1


def test_list_faults() -> None:
    result = subprocess.run(serve_command(["--list-faults"]), capture_output=True, text=True, timeout=30)
    assert result.returncode == 0
    assert "robustness-hang-topic-get" in result.stdout


def test_hanging_fault_times_the_client_out_and_the_rest_still_answers() -> None:
    with serve_subprocess(["--fault", "robustness-hang-topic-get"]) as served:
        with httpx.Client(base_url=served.url, timeout=0.5) as client:
            with pytest.raises(httpx.ReadTimeout):
                client.get("/topics/conformance-p3")
            assert client.get("/topics").status_code == 200
        started = time.monotonic()
        served.process.terminate()
        assert served.process.wait(timeout=10) == 0
        assert time.monotonic() - started < 5


def test_serve_in_thread_starts_fast_and_stops() -> None:
    started = time.monotonic()
    with serve_in_thread(ReferenceConfig(api_version="v2")) as server:
        assert time.monotonic() - started < 1.0
        assert httpx.get(server.url + "/brokers", timeout=5).json() == {"brokers": [0]}
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.url + "/brokers", timeout=1)
