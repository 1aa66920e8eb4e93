"""Every response recorded from the real Confluent servers passes the layer's response judge.

The judge is `conformance.fuzz.judge.judge_response`, the very function the generated checks
run live, at full strictness (every aspect a failure). So the layer cannot fail real Confluent
on a response it has already seen. There is no list of excused probes: an answer is left out only
when its request is one the layer can never send (`request_outside_view`, and
tests/fuzz/test_generate.py shows the layer's own requests never are).
"""

from __future__ import annotations

from collections import Counter

import pytest

from conformance import recordings
from conformance.fuzz.judge import find_operation, judge_response, request_outside_view
from conformance.requirements import ApiVersion

pytestmark = pytest.mark.skipif(recordings.observed_dir() is None, reason="shared/observed/ not available")


@pytest.mark.parametrize("key", recordings.CONFLUENT)
def test_every_recorded_confluent_response_passes_the_judge(key: str) -> None:
    rec = recordings.load(key)
    version: ApiVersion = "v1" if rec.api_version == "v1" else "v2"
    judged: Counter[str] = Counter()
    failures: list[str] = []
    for probe in rec.probes:
        for exchange in probe.exchanges:
            if exchange.response is None:
                judged["no response (client timeout)"] += 1
                continue
            op = find_operation(version, exchange.request.method, exchange.request.path)
            if op is None:
                # outside the view (unknown paths; v1-only paths, which 5.5 still serves on v2, §5.1):
                # the generated layer never sends these, so nothing is judged
                judged["outside the view"] += 1
                continue
            outside = request_outside_view(version, exchange)
            if outside is not None:
                # a body type the operation does not declare, a Content-Type on a GET (N8): the
                # layer never sends these, and their answers are not its to judge
                judged["request outside the view"] += 1
                continue
            judgement = judge_response(version, exchange)
            judged[op.operation_id] += 1
            if not judgement.passed:
                failures.append(f"{probe.name}: {exchange.describe()}: {judgement.findings[0].message()}")
    assert failures == []
    assert (
        sum(v for k, v in judged.items() if k not in ("outside the view", "request outside the view")) > 100
    ), judged


def test_the_judge_catches_a_broken_recorded_response() -> None:
    """The same judge fails a Confluent produce answer once an offset is a string."""
    import json
    from dataclasses import replace

    rec = recordings.load("confluent-7.5.0-v2")
    produce = next(
        ex
        for p in rec.probes
        for ex in p.exchanges
        if ex.request.method == "POST"
        and ex.status == 200
        and b'"offsets"' in (ex.response.body if ex.response else b"")
    )
    assert produce.response is not None
    body = json.loads(produce.response.body)
    body["offsets"][0]["offset"] = str(body["offsets"][0]["offset"])
    broken = replace(produce, response=replace(produce.response, body=json.dumps(body).encode()))
    assert judge_response("v2", produce).passed
    verdict = judge_response("v2", broken)
    assert not verdict.passed and "offset" in verdict.findings[0].message()
    relabelled = replace(
        produce,
        response=replace(produce.response, headers=(("Content-Type", "text/plain"),)),
    )
    assert not judge_response("v2", relabelled).passed
