"""The operations table and the version views stay in step; the check catalogue is well formed."""

from __future__ import annotations

import pytest

from conformance.fuzz.judge import operations
from conformance.fuzz.operations import GENERIC_CHECKS, RULES, rule, template
from conformance.requirements import API_VERSIONS, ApiVersion, rows


@pytest.mark.parametrize("version", API_VERSIONS)
def test_every_operation_of_the_view_has_a_rule(version: ApiVersion) -> None:
    missing = [op.label for op in operations(version) if rule(version, op.method, op.path) is None]
    assert missing == []


@pytest.mark.parametrize("version", API_VERSIONS)
def test_no_rule_without_an_operation(version: ApiVersion) -> None:
    present = {(op.method, template(op.path)) for op in operations(version)}
    assert sorted(set(RULES[version]) - present) == []


@pytest.mark.parametrize("version", API_VERSIONS)
def test_first_row_of_each_rule_applies_to_its_version(version: ApiVersion) -> None:
    for key, r in RULES[version].items():
        assert rows()[r.rows[0]].level(version) is not None, key


def test_every_schemathesis_check_is_in_the_one_table() -> None:
    import schemathesis.specs.openapi.checks  # noqa: F401  (registers the OpenAPI checks)
    from schemathesis.checks import CHECKS

    names = set(CHECKS.get_all_names()) if hasattr(CHECKS, "get_all_names") else set()
    assert names <= set(GENERIC_CHECKS), sorted(names - set(GENERIC_CHECKS))
    assert all(reason.startswith(("off:", "replaced:")) for reason in GENERIC_CHECKS.values())


def test_fuzz_checks_are_registered_with_stable_ids() -> None:
    from conformance.checks.registry import AREAS
    from conformance.fuzz.checks import checks

    assert checks in AREAS
    ids = [c.id for c in checks]
    assert len(ids) == len(set(ids))
    assert all(i.startswith("FUZZ-") for i in ids)
    assert {"FUZZ-STATEFUL", "FUZZ-ROUNDTRIP"} <= set(ids)
    for check in checks:
        req = check.requirement
        assert req.area == "fuzz"
        for version in req.versions:
            base = rows()[req.rows[0]].level(version)
            assert base is not None, (req.id, version)
            level = req.level(version)
            assert level is not None and level.rank <= base.rank, (req.id, version)
    # every operation of both views is covered by a positive check
    for version in API_VERSIONS:
        for op in operations(version):
            assert any(i in (f"FUZZ-{op.operation_id}", f"FUZZ-{op.operation_id}-{version}") for i in ids), (
                op.label
            )
