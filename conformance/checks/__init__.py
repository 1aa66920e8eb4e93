"""Hand-written conformance checks, one module per contract area (see `model.py`)."""
