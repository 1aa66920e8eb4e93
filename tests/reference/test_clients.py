"""Real third-party clients against a live `serve` subprocess on loopback (issue 3).

`kafka-rest` is Confluent's Node client for the v1 API; `message-hub-rest` 1.2.0 is IBM's
client for Message Hub's Kafka REST API, which sends X-Auth-Token and manages topics through
`/admin/topics`. Both are installed by scripts/setup-node-clients.sh (scripts/test.sh runs it);
the JS drivers beside package.json print what each step returned as JSON.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conformance.reference import serve_subprocess

pytestmark = pytest.mark.e2e
CLIENTS = Path(__file__).resolve().parent.parent / "clients"
NODE = shutil.which("node")
KEY = "mh-api-key-for-tests-42"


@pytest.fixture(scope="module", autouse=True)
def _installed() -> None:
    if NODE is None:
        pytest.skip("node is not installed: the real-client tests need it")
    for package in ("kafka-rest", "message-hub-rest"):
        if not (CLIENTS / "node_modules" / package / "package.json").is_file():
            pytest.fail(f"npm package {package} is missing: run scripts/setup-node-clients.sh")


def _drive(script: str, *args: str) -> dict[str, Any]:
    assert NODE is not None
    result = subprocess.run(
        [NODE, str(CLIENTS / script), *args], capture_output=True, text=True, timeout=60, cwd=CLIENTS
    )
    assert result.stdout.strip(), f"{script} printed nothing; stderr: {result.stderr[-2000:]}"
    out: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    assert result.returncode == 0 and "error" not in out, out
    return out


def test_confluent_kafka_rest_node_client_v1() -> None:
    with serve_subprocess(["--topic", "orders:3", "--topic", "audit:1"]) as served:
        out = _drive("kafka_rest_v1.js", served.url, "orders", "node-group")
    assert sorted(out["topics"]) == ["audit", "orders"] and out["partitions"] == 3
    assert [e["partition"] for e in out["produced"]] == [0, 0, 0]
    assert [e["offset"] for e in out["produced"]] == [0, 1, 2]
    assert out["read_by_offset"] == out["sent"]  # byte for byte, read by offset
    assert out["base_uri"] == f"{served.url}/consumers/node-group/instances/{out['instance_id']}"
    assert [c["value"] for c in out["consumed"]] == out["sent"]  # byte for byte, through a consumer
    assert {c["key"] for c in out["consumed"]} == {"0102"}
    assert out["commit"] == [{"topic": "orders", "partition": 0, "consumed": 2, "committed": 2}]
    assert out["deleted"] is True


def test_ibm_message_hub_rest_client_with_api_key() -> None:
    with serve_subprocess(["--api-key", KEY]) as served:
        out = _drive("message_hub_rest.js", served.url, KEY, "mh-topic", "mh-group", "mh-instance")
        served.process.terminate()
        stdout, stderr = served.process.communicate(timeout=10)
    assert "mh-topic" in out["admin_topics"] and "mh-topic" not in out["admin_topics_after"]
    assert out["create_again"]["errorCode"] == 42201  # ignored by the client, as on Message Hub
    assert [e["offset"] for e in out["produced"]] == [0, 1, 2]
    assert out["reconfigure_409_ignored"] is True
    assert [c["value"] for c in out["consumed"]] == out["sent"]  # byte for byte
    assert out["removed"] is True
    assert KEY not in json.dumps(out) and KEY not in stdout + stderr + served.ready_line


def test_ibm_client_is_refused_with_a_wrong_key() -> None:
    with serve_subprocess(["--api-key", KEY]) as served:
        assert NODE is not None
        result = subprocess.run(
            [NODE, str(CLIENTS / "message_hub_rest.js"), served.url, "not-the-key", "t", "g", "i"],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=CLIENTS,
        )
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert result.returncode == 1 and out["status"] == 401
