"""What the generated layer sends: always a request of its operation, as the version view declares it.

The recordings test leaves out answers to requests outside the view (`request_outside_view`); this
shows the layer itself never sends one, so that rule hides nothing the layer could meet live.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from conformance import contract
from conformance.exchange import Exchange, Request
from conformance.fuzz.generate import Draft, Facts, Fitter, Unsafe, narrow
from conformance.fuzz.judge import operations, request_outside_view
from conformance.fuzz.operations import rule
from conformance.requirements import API_VERSIONS, ApiVersion

TOPICS = {"conformance-p3": 3, "conformance-p1": 1}
CASES = [(v, op.operation_id) for v in API_VERSIONS for op in operations(v) if rule(v, op.method, op.path)]


@pytest.mark.parametrize(("version", "op_id"), CASES)
def test_positive_requests_are_inside_the_view(version: ApiVersion, op_id: str) -> None:
    op = next(o for o in operations(version) if o.operation_id == op_id)
    r = rule(version, op.method, op.path)
    assert r is not None
    facts = Facts(
        version, dict(TOPICS), "grp", "inst", {(t, p): (0, 4) for t, n in TOPICS.items() for p in range(n)}
    )
    schema = schemathesis.openapi.from_dict(narrow(contract.version_view(version), facts))
    strategy = schema[op.path][op.method.lower()].as_strategy(generation_mode=GenerationMode.POSITIVE)
    fitter = Fitter(facts, r, op.method, op.path)

    @settings(max_examples=15, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def inside(case: object) -> None:
        try:
            prepared = fitter.fit(Draft.of(case))
        except Unsafe:
            return
        request = Request.build(
            prepared.method, "http://target" + prepared.path, prepared.headers, prepared.body
        )
        assert request_outside_view(version, Exchange(request, None)) is None, prepared.describe()

    inside()
