"""The property-based layer: schemathesis and hypothesis, driven by the per-version view of openapi.yaml.

- `operations`: what each operation of the contract is checked for, and at which §8 level (data).
- `judge`: `judge_response(version, exchange)`, the one response judge, live and on recordings.
- `generate`: schemathesis cases kept inside what real servers handle safely, as requests.
- `drive`: runs hypothesis over one operation (positive or negative), shrinks, keeps the evidence.
- `stateful`, `properties`: the Kafka-level properties (lifecycle, produce-then-read round trips).
- `checks`: the `CheckSet("fuzz")` the runner collects.
"""
