"""Named faults for the reference server: realistic deviations a vendor could ship.

A fault is data (`Fault`: id, area, description, API versions, the contract.md §8 rows it
breaks, the checks expected to catch it) plus small hook functions. Each area has one module,
listed in `AREA_MODULES`; a module exposes `FAULTS: tuple[Fault, ...]`. The registry imports
exactly those modules and refuses duplicate ids. Switch faults on with
`kafka-rest-conformance serve --fault ID` (repeatable) or `ReferenceConfig(faults=...)`;
`serve --list-faults` prints the catalogue.

Hook points (the app calls these and nothing else; see `model.HOOK_POINTS` for signatures):

- ``request``          async, first of all: rewrite the request, exempt it from auth, answer
                        early, or `await call.hang()` to never answer.
- ``produce_record``   per produced record, before partition choice and storage.
- ``produce_result``   the `offsets` entries of a produce answer.
- ``read_records``     records returned by v1 messages, v1 consumer reads and v2 records.
- ``commit_offset``    the next offset a commit stores for a group.
- ``consumer_created`` a new consumer instance and its {instance_id, base_uri} answer.
- ``response``         every response, last: status, headers, body.

Where no hook point reaches, a fault names a switch from `SWITCHES`; the handler that owns the
behaviour consults it (`hooks.switch(name)`). Add a switch only when a hook cannot do the job.

Faults must stay faults: a behaviour that contract.md §8 records as observed on a real
Confluent server is conformant, and reproducing it would teach the suite to fail Confluent.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Protocol

from conformance.reference.faults.model import (
    BOTH,
    HOOK_POINTS,
    V1,
    V2,
    Answer,
    Call,
    Fault,
    HookFn,
    ProduceItem,
)

__all__ = [
    "AREA_MODULES",
    "BOTH",
    "HOOK_POINTS",
    "SWITCHES",
    "V1",
    "V2",
    "Answer",
    "Call",
    "Fault",
    "Hooks",
    "ProduceItem",
    "UnknownFault",
    "registry",
    "resolve",
]

AREA_MODULES = (
    "produce",
    "consumers",
    "metadata",
    "negotiation",
    "auth",
    "robustness",
    "real_servers",
    "fuzz_targets",
)

SWITCHES: Mapping[str, str] = {
    "consumer-duplicate-name-accepted": "creating an instance whose name exists replaces it (no 409/40902)",
    "consumer-format-unchecked": "reads never compare the Accept embedded format with the consumer's (no 40601)",
    "v2-seek-unassigned-allowed": "positions on an unassigned partition answer 204 and do nothing (no 409)",
}
"""Named behaviours that handlers consult where no hook point can reach."""


class UnknownFault(KeyError):
    """A fault id that is not in the registry."""


@cache
def registry() -> Mapping[str, Fault]:
    """Every fault, by id, from the area modules in `AREA_MODULES` (duplicates refused)."""
    faults: dict[str, Fault] = {}
    for name in AREA_MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        for fault in module.FAULTS:
            if fault.id in faults:
                raise ValueError(f"duplicate fault id {fault.id!r} (in {name}.py)")
            if fault.area != name:
                raise ValueError(f"fault {fault.id!r} declares area {fault.area!r} but lives in {name}.py")
            unknown = fault.switches - set(SWITCHES)
            if unknown:
                raise ValueError(f"fault {fault.id!r}: unknown switch(es) {sorted(unknown)}")
            faults[fault.id] = fault
    return faults


def resolve(ids: Iterable[str]) -> tuple[Fault, ...]:
    """The faults for these ids, in registry order; UnknownFault names the first bad id."""
    known = registry()
    wanted = set(ids)
    for fault_id in sorted(wanted):
        if fault_id not in known:
            raise UnknownFault(fault_id)
    return tuple(f for f in known.values() if f.id in wanted)


class Hooked(Protocol):
    """What `Hooks.of` needs of a fault or a quirk (conformance.reference.quirks)."""

    @property
    def hooks(self) -> Mapping[str, HookFn]: ...

    @property
    def switches(self) -> frozenset[str]: ...


@dataclass
class Hooks:
    """The hook functions of the active faults, grouped by hook point, in registry order."""

    faults: tuple[Hooked, ...] = ()
    by_point: dict[str, tuple[HookFn, ...]] = field(default_factory=dict)
    switches: frozenset[str] = frozenset()
    memory: dict[str, Any] = field(default_factory=dict)  # per-server state of stateful faults

    @classmethod
    def of(cls, faults: Iterable[Hooked]) -> Hooks:
        active = tuple(faults)
        by_point = {point: tuple(f.hooks[point] for f in active if point in f.hooks) for point in HOOK_POINTS}
        switches = frozenset().union(*(f.switches for f in active)) if active else frozenset()
        return cls(active, by_point, switches)

    def at(self, point: str) -> tuple[HookFn, ...]:
        return self.by_point.get(point, ())

    def switch(self, name: str) -> bool:
        if name not in SWITCHES:
            raise KeyError(f"unknown switch {name!r}")
        return name in self.switches
