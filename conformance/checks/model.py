"""What a check is: `Requirement` metadata, a probe that talks to the target, and a pure judgement.

A check module (one per contract area) declares its checks with a `CheckSet`:

    checks = CheckSet("produce")

    @checks.add(Requirement(id="PROD-001", rows=("P1",), ...))
    def produce_succeeds(ctx: CheckContext) -> Judgement:
        exchange = ctx.api.produce(ctx.topic, [{"value": "aGk="}])
        return judge_produce_succeeds(exchange, sent=1)

The probe (the decorated function) only sends requests. Whether the target passes is decided by
a judge function that takes `Exchange` values and returns a `Judgement`, so the very same code
is run on the recordings of real servers (``tests/test_recorded_judgements.py``).

The registry (`conformance.checks.registry`) collects the `CheckSet`s of the area modules it
names, keyed by explicit id; a duplicate id is refused at import.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from conformance.checks.api import KafkaRest
from conformance.client import RecordingClient
from conformance.errors import CheckSkipped
from conformance.exchange import Exchange
from conformance.requirements import API_VERSIONS, ApiVersion, Requirement


@dataclass(frozen=True)
class Finding:
    """One way the target did not meet the requirement: what was expected, what came, why it matters."""

    expected: str
    got: str
    why: str = ""
    exchange: Exchange | None = None  # the exchange that shows it, if one does

    def message(self) -> str:
        text = f"expected {self.expected}; got {self.got}"
        return f"{text}. {self.why}" if self.why else text


@dataclass
class Judgement:
    """The verdict on one check's exchanges. No findings means the requirement held.

    `observations` record what an INFO row asks to record (e.g. "answered 404/40401 at once"),
    and warnings such as silent base64 truncation (contract.md §4.1); they never fail a check.
    """

    findings: list[Finding] = field(default_factory=list)
    observations: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.findings

    def fail(self, expected: str, got: str, why: str = "", exchange: Exchange | None = None) -> None:
        self.findings.append(Finding(expected, got, why, exchange))

    def observe(self, text: str) -> None:
        self.observations.append(text)

    def require(
        self, condition: bool, expected: str, got: str, why: str = "", exchange: Exchange | None = None
    ) -> bool:
        """Record a finding unless `condition` holds; returns `condition` for early exits."""
        if not condition:
            self.fail(expected, got, why, exchange)
        return condition

    def extend(self, other: Judgement) -> Judgement:
        self.findings.extend(other.findings)
        self.observations.extend(other.observations)
        return self


@dataclass(frozen=True)
class Seen:
    """An exchange some check of the run made, as a sweep check sees it (§8 E1, E4 hold everywhere)."""

    check_id: str
    area: str
    exchange: Exchange


class CheckContext(Protocol):
    """What a probe gets from the runner. Implemented by `conformance.engine`."""

    version: ApiVersion
    topic: str  # the multi-partition test topic (the check may need >= 2 partitions: see `partitions`)
    single_topic: str | None  # a topic with exactly one partition, when the user gave one
    partitions: dict[str, int]  # partition count per test topic, read at preflight
    run_id: str  # per-run prefix for consumer groups and instance names
    rng: random.Random  # seeded from --seed and the check id
    budget: str  # "quick" | "standard" | "deep"

    client: RecordingClient  # records every exchange of this check as its evidence
    api: KafkaRest  # typed calls with this version's media types, over `client`

    def group(self, suffix: str) -> str:
        """A consumer group name unique to this run and check: `<run_id>-<check>-<suffix>`."""
        ...

    def cleanup(self, base_uri_or_path: str) -> None:
        """Register a consumer instance to delete at the end of the run, whatever happens."""
        ...

    def seen_elsewhere(self) -> list[Seen]:
        """The exchanges the run's other checks made so far: all of them for a check that needs
        "sweep" (it runs after every other check)."""
        ...


def skip(reason: str) -> CheckSkipped:
    """`raise skip("needs a topic with at least 2 partitions")` inside a probe."""
    return CheckSkipped(reason)


Probe = Callable[[CheckContext], Judgement]


@dataclass(frozen=True)
class Check:
    requirement: Requirement
    probe: Probe

    @property
    def id(self) -> str:
        return self.requirement.id


class CheckSet:
    """The checks of one area module, in declaration order."""

    def __init__(self, area: str, versions: tuple[ApiVersion, ...] = API_VERSIONS) -> None:
        self.area = area
        self.versions = versions  # the API versions a requirement of this module applies to by default
        self._checks: dict[str, Check] = {}

    def requirement(
        self,
        id: str,
        title: str,
        rows: tuple[str, ...],
        section: str,
        statement: str,
        needs: frozenset[str] = frozenset(),
    ) -> Requirement:
        """A requirement of this module's area and API versions."""
        return Requirement(
            id=id, title=title, area=self.area, rows=rows, section=section, statement=statement,
            versions=self.versions, needs=needs,
        )  # fmt: skip

    def add(self, requirement: Requirement) -> Callable[[Probe], Probe]:
        if requirement.area != self.area:
            raise ValueError(
                f"{requirement.id}: area {requirement.area!r} declared in the {self.area!r} module"
            )

        def decorate(probe: Probe) -> Probe:
            if requirement.id in self._checks:
                raise ValueError(f"duplicate check id {requirement.id}")
            self._checks[requirement.id] = Check(requirement, probe)
            return probe

        return decorate

    def __iter__(self) -> Iterator[Check]:
        return iter(self._checks.values())

    def __len__(self) -> int:
        return len(self._checks)
