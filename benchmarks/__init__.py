"""Benchmarks: each measures speed or memory and writes one JSON file with provenance."""
from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from energygnn.config import quick_mode, repo_root


def argument_parser(doc: str, quick_help: str) -> argparse.ArgumentParser:
    """The options every benchmark takes, ``--quick`` / ``--no-quick`` and ``--output``; add your own."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action=argparse.BooleanOptionalAction, default=None,
                        help=f"{quick_help} (default: $ENERGYGNN_QUICK / $CI)")
    parser.add_argument("--output", type=Path, help="JSON file to write")
    return parser


def quick_from(args: argparse.Namespace) -> bool:
    """``--quick`` / ``--no-quick`` if given, else quick mode from the environment."""
    return quick_mode() if args.quick is None else args.quick


def output_path(name: str, quick: bool, explicit: Path | None = None) -> Path:
    """Where benchmark ``name`` writes: ``explicit`` if given, else ``results/benchmarks/<name>.json``
    (full size) or ``_build/benchmarks/<name>.quick.json`` (quick mode, never committed)."""
    if explicit is not None:
        return explicit
    root = repo_root() or Path.cwd()
    return root / ("_build/benchmarks" if quick else "results/benchmarks") / (f"{name}.quick.json" if quick else f"{name}.json")


def write_result(output: Path, payload: dict[str, Any], start: float, origin: dict[str, Any], line: str) -> Path:
    """Add the wall time since ``start`` (a ``time.perf_counter()``) and the provenance taken at
    the start to ``payload``, write it atomically to ``output`` and say so with ``line``."""
    from energygnn.provenance import atomic_write_json

    atomic_write_json(output, {**payload, "wall_seconds": time.perf_counter() - start, "provenance": origin})
    print(f"wrote {output}: {line}")
    return output
