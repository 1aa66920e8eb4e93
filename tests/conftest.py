"""Session-wide set-up for the whole test suite."""

from __future__ import annotations

import signal

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # A shell without job control starts background commands (`cmd &`) with SIGINT ignored, and
    # an ignored signal stays ignored across exec: the Ctrl-C tests would signal children that
    # cannot hear it. A handled signal is reset to the default at exec, so children start as a
    # user's terminal would start them.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
