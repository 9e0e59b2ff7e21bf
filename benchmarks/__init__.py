"""Benchmarks: each measures speed or memory and writes one JSON file with provenance."""
from __future__ import annotations

from pathlib import Path

from energygnn.config import repo_root


def output_path(name: str, quick: bool, explicit: Path | None = None) -> Path:
    """Where benchmark ``name`` writes: ``explicit`` if given, else ``results/benchmarks/<name>.json``
    (full size) or ``_build/benchmarks/<name>.quick.json`` (quick mode, never committed)."""
    if explicit is not None:
        return explicit
    root = repo_root() or Path.cwd()
    return root / ("_build/benchmarks" if quick else "results/benchmarks") / (f"{name}.quick.json" if quick else f"{name}.json")
