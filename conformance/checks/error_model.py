"""Checks of the errors area (contract.md §8). See model.py for what a check is."""

from __future__ import annotations

from conformance.checks.model import CheckSet

checks = CheckSet("errors")
