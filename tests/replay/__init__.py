"""Fidelity of the reference server to the recorded Confluent servers (issue 11)."""
