"""Provenance records. Uses PEP 701 f-strings (the same quotes nested), new in Python 3.12."""

RECORDS = []


def record(path):
    entry = {"path": path, "kind": "artifact"}
    RECORDS.append(f"{entry["kind"]}: {entry["path"]}")
