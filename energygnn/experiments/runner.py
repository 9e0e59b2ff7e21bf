"""The sweep runner: runs executed one by one or in worker processes, each stored as one JSON
file (written atomically) and read back instead of re-run while its config matches."""
from __future__ import annotations

import datetime as _dt
import logging
import multiprocessing
import os
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from .. import native
from ..provenance import atomic_write_json, git_commit, provenance, read_json
from ..runtime import configure_threads, start_worker, torch_threads

log = logging.getLogger(__name__)
SWEEP_FOLDER = "_sweeps"  # one record per sweep invocation, beside the runs' files


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
    except OSError as error:
        raise CorruptResultError(f"Cannot read {path} ({error.strerror or error}); make it readable, or remove "
                                 "it to re-run.") from None
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
    steps_before = native.step_uses()
    start = time.perf_counter()
    result = work(dict(run.config))
    wall = time.perf_counter() - start
    used = sorted(kind for kind, count in native.step_uses().items() if count > steps_before.get(kind, 0))
    if used:  # recorded only for runs that took an entropy step
        origin["machine"]["entropy_step"] = "+".join(used)
    stored = {"experiment": run.experiment, "key": run.key, "config": run.config, "result": result,
              "wall_seconds": wall, "provenance": origin}
    atomic_write_json(run.path(results), stored)
    return stored


def _execute_in_worker(run: Run, work, results: Path, force: bool):
    """A worker's job: ``(stored result, error as text, whether it was computed)``; a failing run
    is reported, not raised, so that the sweep records it and goes on."""
    if isinstance(work, dict):  # a sweep over several experiments: one work function each
        work = work[run.experiment]
    try:
        cached = None if force else load_cached(run, results)
        if cached is not None:
            return cached, None, False
        return execute(run, work, results, force=True), None, True
    except Exception as error:  # noqa: BLE001 -- a failing run must not end the sweep
        return None, f"{type(error).__name__}: {error}\n{traceback.format_exc()}", False


def sweep(runs: Iterable[Run], work: Callable[[dict[str, Any]], dict[str, Any]] | dict[str, Callable], results: Path,
          description: str = "runs", force: bool = False, jobs: int = 1, threads: int | None = None,
          record: bool = True) -> list[dict[str, Any]]:
    """Execute every run (reading back those already stored) with one progress bar.

    Interrupted sweeps resume where they stopped because finished runs are read back from their
    files, which are written atomically (Ctrl-C leaves no half-written file). With ``jobs > 1``
    the runs go to that many worker processes (``work`` must then be a module-level function),
    each with ``threads`` torch threads (default 1); results are the same as a sequential sweep
    (``work`` may map experiment names to work functions, for runs of several experiments)
    with the same thread count. A run that raises is recorded and the sweep goes on; the stored
    results of the others are returned and :class:`SweepFailed` is raised at the end.

    With ``record``, the sweep writes ``_sweeps/<start time>.json`` in each experiment's folder:
    wall clock, jobs, threads, commit, how many runs were computed or read back, and failures.
    """
    runs = list(runs)
    jobs, threads = check_parallelism(jobs, threads)
    for folder in sorted({run.path(results).parent for run in runs}):
        check_writable(folder)
        remove_stale_parts(folder)
    started, start = _dt.datetime.now(_dt.timezone.utc), time.perf_counter()
    stored: dict[int, dict[str, Any]] = {}
    failures: dict[str, str] = {}
    computed = 0
    with tqdm(total=len(runs), desc=description, unit="run") as bar:
        def finished(index: int, result, error, was_computed: bool) -> None:
            nonlocal computed
            run = runs[index]
            if error is not None:
                failures[f"{run.experiment}/{run.key}"] = error
                log.error("run %s/%s failed: %s", run.experiment, run.key, error.splitlines()[0])
            else:
                stored[index] = result
                computed += was_computed
            bar.update(1)
            bar.set_postfix_str(run.key)

        try:
            if jobs == 1:
                with torch_threads(threads):
                    configure_threads(threads)
                    for index, run in enumerate(runs):
                        finished(index, *_execute_in_worker(run, work, results, force))
            else:
                context = multiprocessing.get_context("spawn")
                with ProcessPoolExecutor(jobs, mp_context=context, initializer=start_worker,
                                         initargs=(threads,)) as pool:
                    futures = {pool.submit(_execute_in_worker, run, work, results, force): index
                               for index, run in enumerate(runs)}
                    try:
                        for future in as_completed(futures):
                            finished(futures[future], *future.result())
                    except BaseException:
                        pool.shutdown(wait=False, cancel_futures=True)
                        raise
        finally:
            if record and (computed or failures):
                _record_sweep(runs, results, description, started, time.perf_counter() - start, jobs,
                              threads, computed, len(stored), failures)
    if failures:
        raise SweepFailed(failures, [stored[i] for i in sorted(stored)])
    return [stored[i] for i in range(len(runs))]


class SweepFailed(RuntimeError):
    """Some runs of a sweep raised; ``failures`` maps each to its error, ``stored`` holds the rest.
    The message is one line: each failed run with the first line of its error."""

    def __init__(self, failures: dict[str, str], stored: list[dict[str, Any]]):
        self.failures, self.stored = failures, stored
        runs = "; ".join(f"{key}: {error.splitlines()[0]}" for key, error in failures.items())
        super().__init__(f"{len(failures)} run(s) failed (the others are stored): {runs}")


class ResultsNotWritable(OSError):
    """The results folder cannot be written; the message names it and says what to do."""


def check_writable(folder: Path) -> None:
    """Create ``folder`` if needed and write (then remove) a scratch file in it, so that a sweep
    stops before computing anything it could not store.

    Raises:
        ResultsNotWritable: naming the folder and the operating system's reason.
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-check-", suffix=".part"):
            pass
    except OSError as error:
        raise ResultsNotWritable(
            f"Cannot write results to {folder} ({error.strerror or error}); make it writable, free "
            "space there, or choose another folder with --results.") from None


STALE_PART_SECONDS = 600  # a result file is written in well under a second


def remove_stale_parts(folder: Path) -> list[Path]:
    """Remove the temporary ``.*.part`` files that writers killed mid-write (SIGKILL, power loss)
    left in ``folder``; only those older than ``STALE_PART_SECONDS``, so that a concurrent sweep's
    file being written is never touched. Returns what was removed."""
    removed = []
    for path in Path(folder).glob(".*.part"):
        try:
            if time.time() - path.stat().st_mtime > STALE_PART_SECONDS:
                path.unlink()
                removed.append(path)
        except FileNotFoundError:  # its writer finished meanwhile
            pass
    return removed


def check_parallelism(jobs: int, threads: int | None) -> tuple[int, int]:
    """``(jobs, threads)`` validated: positive, and ``jobs x threads`` at most the CPU count."""
    threads = 1 if threads is None else threads
    cores = os.cpu_count() or 1
    if not (isinstance(jobs, int) and jobs >= 1 and isinstance(threads, int) and threads >= 1):
        raise ValueError(f"jobs and threads must be positive integers, got jobs={jobs!r}, threads={threads!r}.")
    if jobs * threads > cores:
        raise ValueError(f"jobs x threads = {jobs} x {threads} exceeds the {cores} CPU cores here; "
                         "oversubscribed cores slow every run down. Lower --jobs or --threads.")
    return jobs, threads


def _record_sweep(runs, results, description, started, wall, jobs, threads, computed, finished, failures) -> None:
    origin = git_commit()
    payload = {"description": description, "started": started.isoformat(timespec="seconds"),
               "wall_seconds": wall, "jobs": jobs, "threads": threads, "git": origin,
               "runs": len(runs), "finished": finished, "computed": computed,
               "read_back": finished - computed, "failures": failures}
    stamp = started.strftime("%Y%m%dT%H%M%S")
    for experiment in sorted({run.experiment for run in runs}):
        atomic_write_json(Path(results) / experiment / SWEEP_FOLDER / f"{stamp}-{description}.json",
                          {**payload, "experiment": experiment})
