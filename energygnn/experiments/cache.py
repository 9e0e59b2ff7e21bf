"""The results cache: one JSON file per run, written atomically, reused only when its config matches."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from ..provenance import atomic_write_json, provenance, read_json

log = logging.getLogger(__name__)


class CorruptResultError(ValueError):
    """A results file exists but cannot be read; the message names it and says what to do."""


@dataclass(frozen=True)
class Run:
    """One unit of work: ``experiment/key.json`` under the results folder holds its result."""

    experiment: str
    key: str
    config: dict[str, Any]

    def path(self, results: Path) -> Path:
        return Path(results) / self.experiment / f"{self.key}.json"


def load_cached(run: Run, results: Path) -> dict[str, Any] | None:
    """The stored result of ``run`` if one exists with the same config, else ``None``.

    Raises:
        CorruptResultError: the file exists but is not a readable result.
    """
    path = run.path(results)
    if not path.is_file():
        return None
    try:
        stored = read_json(path)
    except ValueError as error:
        raise CorruptResultError(f"{error} (remove {path} to re-run it)") from None
    if not isinstance(stored, dict) or "config" not in stored or "result" not in stored:
        raise CorruptResultError(f"{path} is not a results file (no 'config'/'result'); remove it to re-run.")
    if stored["config"] != run.config:
        log.warning("config of %s changed; re-running it", path)
        return None
    return stored


def execute(run: Run, work: Callable[[dict[str, Any]], dict[str, Any]], results: Path,
            force: bool = False) -> dict[str, Any]:
    """Return the cached result of ``run`` or compute it with ``work(config)`` and store it,
    with provenance and wall time, atomically."""
    if not force:
        cached = load_cached(run, results)
        if cached is not None:
            return cached
    origin = provenance()  # taken before the work: the commit and state the run started from
    start = time.perf_counter()
    result = work(dict(run.config))
    stored = {"experiment": run.experiment, "key": run.key, "config": run.config, "result": result,
              "wall_seconds": time.perf_counter() - start, "provenance": origin}
    atomic_write_json(run.path(results), stored)
    return stored


def sweep(runs: Iterable[Run], work: Callable[[dict[str, Any]], dict[str, Any]], results: Path,
          description: str = "runs", force: bool = False) -> list[dict[str, Any]]:
    """Execute every run in order with a progress bar; interrupted sweeps resume where they stopped
    because finished runs are read back from their files."""
    runs = list(runs)
    stored = []
    with tqdm(runs, desc=description, unit="run") as bar:
        for run in bar:
            bar.set_postfix_str(run.key)
            stored.append(execute(run, work, results, force))
    return stored
