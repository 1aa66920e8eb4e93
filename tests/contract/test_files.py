"""openapi.yaml and schemas/ are sound: valid OpenAPI 3.1 and JSON Schema 2020-12, refs resolve,
examples validate, and the wheel really carries them."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi

from conformance import contract

ROOT = Path(__file__).resolve().parents[2]
SPEC_FILE = ROOT / "openapi.yaml"
SCHEMA_DIR = ROOT / "schemas"

# Stems other modules code against (issue 2); renaming one breaks them.
REQUIRED_STEMS = [
    "error",
    "topic-list",
    "topic",
    "partition",
    "partition-offsets",
    "brokers",
    "root",
    "produce-request-topic",
    "produce-request-partition",
    "produce-response",
    "produce-result",
    "consumer-record-v1",
    "consumer-record-v2",
    "consumer-create-request-v1",
    "consumer-create-request-v2",
    "consumer-create-response",
    "commit-response-v1",
    "commit-request-v2",
    "commit-response-v2",
    "subscription-request",
    "subscription",
    "assignments",
    "positions-request",
    "positions-partitions-request",
    "offsets-request",
    "offsets-response",
]

SCHEMA_FILES = sorted(SCHEMA_DIR.glob("*.json"))


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def _resolve(doc_file: Path, ref: str) -> Any:
    """Follow a $ref the way a file-based resolver does: relative file, then JSON pointer."""
    file_part, _, fragment = ref.partition("#")
    target = (doc_file.parent / file_part).resolve() if file_part else doc_file
    node: Any = (
        json.loads(target.read_text()) if target.suffix == ".json" else yaml.safe_load(target.read_text())
    )
    for token in [t for t in unquote(fragment).split("/") if t]:
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def test_the_package_data_links_to_the_top_level_files() -> None:
    data = ROOT / "conformance" / "data"
    assert (data / "openapi.yaml").resolve() == SPEC_FILE.resolve()
    assert (data / "schemas").resolve() == SCHEMA_DIR.resolve()


def test_openapi_yaml_is_valid_openapi_3_1() -> None:
    raw = yaml.safe_load(SPEC_FILE.read_text())
    assert raw["openapi"].startswith("3.1")
    validate_openapi(raw, base_uri=SPEC_FILE.as_uri())


@pytest.mark.parametrize("version", contract.VERSIONS)
def test_each_version_view_is_valid_openapi_3_1_and_self_contained(version: str) -> None:
    view = contract.version_view(version)
    validate_openapi(view)
    assert all(ref.startswith("#/") for ref in _refs(view)), "a view must not point at files"


def test_every_stem_the_other_modules_use_exists() -> None:
    assert set(REQUIRED_STEMS) <= set(contract.schema_names())


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_every_schema_is_valid_2020_12(path: Path) -> None:
    doc = json.loads(path.read_text())
    assert doc.get("$schema") == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(doc)


@pytest.mark.parametrize("path", [*SCHEMA_FILES, SPEC_FILE], ids=lambda p: p.name)
def test_every_ref_resolves(path: Path) -> None:
    doc = json.loads(path.read_text()) if path.suffix == ".json" else yaml.safe_load(path.read_text())
    refs = _refs(doc)
    for ref in refs:
        _resolve(path, ref)  # raises KeyError / FileNotFoundError on a dangling ref
    if path == SPEC_FILE:
        assert len(refs) > 50  # the spec references the schema files instead of restating them


def _schema_examples() -> list[tuple[str, int, Any]]:
    out = []
    for path in SCHEMA_FILES:
        for i, example in enumerate(json.loads(path.read_text()).get("examples") or []):
            out.append((path.stem, i, example))
    return out


@pytest.mark.parametrize(("name", "index", "example"), _schema_examples(), ids=lambda x: str(x)[:30])
def test_every_schema_example_validates(name: str, index: int, example: Any) -> None:
    assert contract.errors(name, example) == []


def test_every_spec_example_validates() -> None:
    found = list(contract._examples(contract.spec()["paths"], ("paths",)))
    assert len(found) > 20
    problems = contract.check_problems()
    assert problems == []


def test_a_broken_spec_example_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = json.loads(json.dumps(contract.spec()))
    entry = broken["paths"]["/topics/{topic}"]["post"]["responses"]["200"]["content"][
        "application/vnd.kafka.v1+json"
    ]
    entry["examples"]["success"]["value"]["offsets"][0]["offset"] = "0"
    monkeypatch.setattr(contract, "spec", lambda: broken)
    contract._registry.cache_clear()
    contract._spec_validator.cache_clear()
    try:
        problems = contract.check_problems()
    finally:
        contract._registry.cache_clear()
        contract._spec_validator.cache_clear()
    assert any("/offsets/0/offset" in p for p in problems), problems


def test_spec_references_the_schema_files_instead_of_restating_them() -> None:
    """One source of truth: no object schema with `properties` is written inline in openapi.yaml."""

    def inline_objects(node: Any) -> int:
        if isinstance(node, dict):
            here = 1 if "properties" in node else 0
            return here + sum(inline_objects(v) for v in node.values())
        if isinstance(node, list):
            return sum(inline_objects(v) for v in node)
        return 0

    assert inline_objects(contract.spec()["paths"]) == 0


def test_validate_command_prints_what_it_checked(capsys: pytest.CaptureFixture[str]) -> None:
    from conformance.cli import main

    assert main(["validate"]) == 0
    out = capsys.readouterr().out
    assert (
        "JSON Schema 2020-12" in out
        and "API v1 view: 13 operations" in out
        and "API v2 view: 22 operations" in out
    )


def test_validate_command_exits_2_on_a_broken_contract_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from conformance.cli import main

    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "error.json").write_text('{"type": "object", "required": 3}')
    (tmp_path / "openapi.yaml").write_text(SPEC_FILE.read_text())
    monkeypatch.setattr(contract, "_data", lambda: tmp_path)
    contract.clear_caches()
    try:
        assert main(["validate"]) == 2
    finally:
        monkeypatch.undo()
        contract.clear_caches()
    assert "error.json" in capsys.readouterr().err


def test_the_wheel_carries_the_contract_files(tmp_path: Path) -> None:
    """conformance/data/ holds symlinks; the built wheel must hold the real files."""
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "-w", str(tmp_path), "--no-deps", "-q"],
        capture_output=True,
        text=True,
    )
    # The isolated build fetches setuptools; without an index that is the machine, not the package.
    offline = ("No matching distribution", "Failed to establish a new connection", "Could not fetch URL")
    if built.returncode != 0 and any(marker in built.stderr for marker in offline):
        pytest.skip(f"cannot build a wheel without a package index: {built.stderr.strip()[-200:]}")
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as z:
        assert z.read("conformance/data/openapi.yaml") == SPEC_FILE.read_bytes()
        for path in SCHEMA_FILES:
            assert z.read(f"conformance/data/schemas/{path.name}") == path.read_bytes()
