"""Reading committed results back for the chapters: load, group, summarise."""
from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from ..config import results_root
from .runner import CorruptResultError
from ..provenance import read_json


def result_files(name: str, root: Path | None = None) -> list[Path]:
    """The stored runs' files of experiment ``name`` (a folder under the results root), sorted by
    key, without reading them (empty when it has not been run)."""
    return sorted((Path(root or results_root()) / name).glob("*.json"))


def load_experiment(name: str, root: Path | None = None) -> list[dict[str, Any]]:
    """Every stored run of experiment ``name`` (a folder under the results root), sorted by key.

    Raises:
        FileNotFoundError: no results for ``name``; the message says which command makes them.
        CorruptResultError: a file is not a readable result.
    """
    folder = Path(root or results_root()) / name
    files = result_files(name, root)
    if not files:
        raise FileNotFoundError(f"No results in {folder}: run `python -m energygnn run {name}`.")
    stored = []
    for path in files:
        try:
            entry = read_json(path)
        except ValueError as error:
            raise CorruptResultError(str(error)) from None
        stored.append(entry)
    return stored


def mean_std(values: list[float]) -> tuple[float, float, int]:
    """Mean, sample standard deviation (0 for one value) and count."""
    values = [v for v in values if v is not None]
    if not values:
        return float("nan"), float("nan"), 0
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0), len(values)


def config_value(entry: dict[str, Any], field: str) -> Any:
    """``entry["config"][field]``; a dotted ``field`` reaches into nested settings
    (``"model_options.weight"``)."""
    value = entry["config"]
    for part in field.split("."):
        value = value[part]
    return value


def group_runs(stored: list[dict[str, Any]], *fields: str) -> dict[tuple, list[dict[str, Any]]]:
    """Runs grouped by the given config fields, e.g. ``("dataset", "model", "depth")``; dotted
    fields reach into nested settings (``"model_options.temperature"``)."""
    groups: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for entry in stored:
        groups[tuple(config_value(entry, field) for field in fields)].append(entry)
    return dict(groups)


def provenance_summary(stored: list[dict[str, Any]], entropy_step: bool = True) -> str:
    """Where the runs came from, in one Markdown sentence: the commits (and whether any run was
    made from a checkout with uncommitted changes), torch threads, CPUs, the numerics profile
    (:mod:`energygnn.numerics`) and, unless ``entropy_step`` is False (for models without the
    entropy step), which entropy step was in use."""
    def counted(counter: Counter) -> str:
        return ", ".join(f"{key} ×{count}" for key, count in sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0]))))

    commits = Counter(f"`{(entry['provenance']['git']['commit'] or 'unknown')[:7]}`" for entry in stored)
    dirty = sum(bool(entry["provenance"]["git"]["dirty"]) for entry in stored)
    threads = Counter(entry["provenance"]["machine"]["torch_threads"] for entry in stored)
    text = (f"{len(stored)} runs from {len(commits)} commit(s) ({counted(commits)}); "
            f"{'none' if dirty == 0 else dirty} made from a checkout with uncommitted changes; "
            f"torch threads per run: {counted(threads)}")
    machines = [entry["provenance"]["machine"] for entry in stored]
    cpus = Counter(" ".join(str(part) for part in (machine.get("cpu"), machine.get("cpu_family_model_stepping"))
                            if part) or "unknown" for machine in machines)
    profiles = Counter(machine["numerics"]["profile"] + ("" if machine["numerics"]["in_force"] else " (not in force)")
                       for machine in machines if "numerics" in machine)
    unrecorded = sum("numerics" not in machine for machine in machines)
    text += f"; CPU: {counted(cpus)}; numerics profile: {counted(profiles) or 'not recorded'}"
    if unrecorded and profiles:
        text += f" (not recorded for {unrecorded} run(s) made before runs recorded it)"
    elif unrecorded:
        text += " (runs made before runs recorded it)"
    if entropy_step:
        # runs record the step they took; runs without the field took none, or predate the field
        steps = Counter(entry["provenance"]["machine"]["entropy_step"] for entry in stored
                        if "entropy_step" in entry["provenance"]["machine"])
        # runs of entropic models without the field predate it; other models take no step
        missing = sum("entropy_step" not in entry["provenance"]["machine"]
                      and str(entry.get("config", {}).get("model", "")).startswith("entropic") for entry in stored)
        text += f"; entropy step: {counted(steps) or 'none recorded'}" + (
            f" (not recorded for {missing} entropic run(s) made before runs recorded it)" if missing and steps else "")
    return text + "."
