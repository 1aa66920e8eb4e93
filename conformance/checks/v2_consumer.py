"""Checks of the v2-consumer area (contract.md §8). See model.py for what a check is."""

from __future__ import annotations

from conformance.checks.model import CheckSet

checks = CheckSet("v2-consumer")
