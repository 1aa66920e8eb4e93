"""Requirement metadata: the rows of contract.md §8 as data, and the `Requirement` a check carries.

contract.md §8 sets, per row and API version, the level at which a check may fail a target
(MUST, SHOULD, INFO) and the outcomes it accepts. The rows are declared once, in
``data/contract-rows.json`` (extracted from contract.md; a test keeps the two in step), and a
check's level is derived from the row it implements, never typed in twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Literal

ApiVersion = Literal["v1", "v2"]
API_VERSIONS: tuple[ApiVersion, ...] = ("v1", "v2")


class Level(StrEnum):
    MUST = "MUST"
    SHOULD = "SHOULD"
    INFO = "INFO"

    @property
    def rank(self) -> int:
        return {"MUST": 3, "SHOULD": 2, "INFO": 1}[self.value]


@dataclass(frozen=True)
class Row:
    """One row of contract.md §8."""

    id: str
    area: str
    behaviour: str
    section: str
    v1: Level | None
    v2: Level | None
    accepts: str

    def level(self, version: ApiVersion) -> Level | None:
        return self.v1 if version == "v1" else self.v2


@cache
def rows() -> dict[str, Row]:
    """Every row of §8, by id, in contract order."""
    text = resources.files("conformance").joinpath("data/contract-rows.json").read_text("utf-8")
    out: dict[str, Row] = {}
    for raw in json.loads(text):
        out[raw["id"]] = Row(
            id=raw["id"],
            area=raw["area"],
            behaviour=raw["behaviour"],
            section=raw["section"],
            v1=Level(raw["v1"]) if raw["v1"] else None,
            v2=Level(raw["v2"]) if raw["v2"] else None,
            accepts=raw["accepts"],
        )
    return out


@dataclass(frozen=True)
class Requirement:
    """What a check asserts, and at which level, per API version.

    `rows` are the §8 row ids the check implements; the first is the one whose level the check
    takes. `levels` may lower (never raise) a row's level for a version, for example a check
    that implements only the INFO half of a row; a test enforces "never raise".
    """

    id: str  # stable, never reused: "PROD-004"
    title: str
    area: str  # "metadata", "produce", "v1-read", "v1-consumer", "v2-consumer", "negotiation", ...
    rows: tuple[str, ...]
    section: str  # contract.md section, e.g. "4.4"
    statement: str  # one sentence: the requirement
    versions: tuple[ApiVersion, ...] = API_VERSIONS
    levels: dict[ApiVersion, Level] = field(default_factory=dict)
    needs: frozenset[str] = frozenset()  # preconditions: "two-partitions", "credentials", ...

    def level(self, version: ApiVersion) -> Level | None:
        """The level for this API version, or None when the check does not apply to it."""
        if version not in self.versions:
            return None
        if version in self.levels:
            return self.levels[version]
        return rows()[self.rows[0]].level(version)

    def applies_to(self, version: ApiVersion) -> bool:
        return self.level(version) is not None
