"""Re-running committed runs: does this machine, under the numerics profile in force, give the
committed numbers bit for bit?

:func:`rerun_committed` picks committed runs of an experiment, runs each config again in a fresh
worker process on the torch threads the run recorded, and compares every stored number.
``python -m energygnn rerun <experiment> ...`` does it from the command line;
``python -m benchmarks.reproduction`` does it for every experiment and stores the report.
"""
from __future__ import annotations

import json
import math
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..provenance import read_json
from ..runtime import start_worker
from .runner import SWEEP_FOLDER


@dataclass(frozen=True)
class Comparison:
    """How a re-run's result compares with the committed one: how many numbers the result holds,
    how many differ (NaN equals NaN), and the first that differs (a path into the result)."""

    numbers: int
    differing: int
    first_difference: str | None

    @property
    def identical(self) -> bool:
        return self.differing == 0 and self.first_difference is None


# What a run measures of the machine rather than computes: times and memory, never compared.
MEASURED_KEYS = frozenset({"epoch_seconds", "mean_epoch_seconds", "train_epoch_seconds", "train_seconds",
                           "wall_seconds", "nodes_per_second", "peak_memory_bytes"})


def compare_results(committed: Any, again: Any) -> Comparison:
    """Compare two results leaf by leaf, exactly, after a JSON round trip of ``again`` (the
    committed one went through JSON), leaving out what measures the machine (``MEASURED_KEYS``).
    A different structure counts as a difference at its path."""
    again = json.loads(json.dumps(again))
    numbers = differing = 0
    first: list[str] = []

    def differ(path: str) -> None:
        nonlocal differing
        differing += 1
        if not first:
            first.append(path or "/")

    def walk(a: Any, b: Any, path: str) -> None:
        nonlocal numbers
        if isinstance(a, dict) and isinstance(b, dict):
            if a.keys() != b.keys():
                differ(f"{path or '/'} (keys)")
            for key in sorted(a.keys() & b.keys() - MEASURED_KEYS):
                walk(a[key], b[key], f"{path}/{key}")
        elif isinstance(a, list) and isinstance(b, list):
            if len(a) != len(b):
                differ(f"{path or '/'} (length)")
            for index, (x, y) in enumerate(zip(a, b)):
                walk(x, y, f"{path}/{index}")
        elif isinstance(a, (int, float)) and not isinstance(a, bool) and isinstance(b, (int, float)):
            numbers += 1
            both_nan = isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)
            if a != b and not both_nan:
                differ(path)
        elif a != b:
            differ(path)

    walk(committed, again, "")
    return Comparison(numbers, differing, first[0] if first else None)


def committed_runs(experiment: str, results: Path) -> list[dict[str, Any]]:
    """The committed runs of ``experiment`` (files with a config and a result), cheapest first."""
    folder = Path(results) / experiment
    if not folder.is_dir():
        raise FileNotFoundError(f"No committed runs of {experiment!r} in {folder}; run "
                                f"`python -m energygnn run {experiment}` first, or give --results.")
    stored = [read_json(path) for path in sorted(folder.glob("*.json")) if path.parent.name != SWEEP_FOLDER]
    stored = [entry for entry in stored if isinstance(entry, dict) and "config" in entry and "result" in entry]
    return sorted(stored, key=lambda entry: (entry.get("wall_seconds", 0.0), entry["key"]))


def choose_runs(stored: list[dict[str, Any]], count: int = 1) -> list[dict[str, Any]]:
    """The ``count`` cheapest runs that finished, and the cheapest that took an entropy step (it
    exercises the compiled kernels) if none of those did."""
    finished = [entry for entry in stored if not str(entry["result"].get("status", "ok")).startswith("stopped")]
    chosen = finished[:count]
    stepped = [entry for entry in finished if "entropy_step" in entry["provenance"]["machine"]]
    if stepped and not any(entry in chosen for entry in stepped):
        chosen.append(stepped[0])
    return chosen


def _rerun_in_worker(experiment: str, config: dict[str, Any]) -> tuple[dict[str, Any], float, dict[str, Any]]:
    from ..numerics import describe
    from .registry import get_experiment

    start = time.perf_counter()
    result = get_experiment(experiment).work(dict(config))
    return result, time.perf_counter() - start, describe()


@dataclass(frozen=True)
class Rerun:
    """One committed run run again: where it is, on how many threads, what it cost then and now,
    the numerics profile it re-ran under, and how its numbers compare."""

    experiment: str
    key: str
    threads: int
    committed_seconds: float
    seconds: float
    profile: str
    numbers: int
    differing: int
    first_difference: str | None
    identical: bool

    @classmethod
    def of(cls, experiment: str, key: str, threads: int, committed_seconds: float, seconds: float,
           numerics: dict[str, Any], comparison: Comparison) -> "Rerun":
        """A re-run from the numerics it ran under (:func:`energygnn.numerics.describe` of its
        process) and the comparison of its numbers."""
        profile = numerics["profile"] if numerics["in_force"] else f"{numerics['profile']} (not in force)"
        return cls(experiment, key, threads, committed_seconds, seconds, profile, comparison.numbers,
                   comparison.differing, comparison.first_difference, comparison.identical)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def rerun(entry: dict[str, Any]) -> Rerun:
    """Run a stored run's config again in a fresh process with its recorded torch threads."""
    threads = int(entry["provenance"]["machine"]["torch_threads"])
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), initializer=start_worker,
                             initargs=(threads,)) as pool:
        result, seconds, numerics = pool.submit(_rerun_in_worker, entry["experiment"], entry["config"]).result()
    return Rerun.of(entry["experiment"], entry["key"], threads, float(entry.get("wall_seconds", math.nan)), seconds,
                    numerics, compare_results(entry["result"], result))


def rerun_committed(experiment: str, results: Path, count: int = 1) -> list[Rerun]:
    """Re-run the cheapest committed runs of ``experiment`` (see :func:`choose_runs`)."""
    return [rerun(entry) for entry in choose_runs(committed_runs(experiment, results), count)]
