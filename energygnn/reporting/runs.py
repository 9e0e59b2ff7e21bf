r"""Committed runs, read for the chapters: grouped by the cell they belong to, a cell's values seed
by seed, and facts about the runs (seeds run, runs planned, wall time); paper 2's runs with the
plan they belong to (:class:`Paper2Results`).

Runs are the entries of :func:`~energygnn.experiments.results.load_experiment`; ``Groups`` are
those entries grouped by :func:`~energygnn.experiments.results.group_runs`, e.g. keyed
``(dataset, model, depth)`` for Table 1 and ``(model, depth)`` for Figure 2.
"""
from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..config import results_root
from ..experiments.configs import load_config
from ..experiments.results import group_runs, load_experiment
from .labels import ABLATION_LABELS

Run = dict[str, Any]
Groups = dict[tuple, list[Run]]
SCORE = "best_val_acc"  # paper 1's metric
# the runs of entropy_maps are keyed by their dataset and setting
MAP_FIELDS = ("dataset", "model_options.weight", "model_options.temperature", "model_options.normalize")


def load_optional(name: str, root: Path | None = None) -> list[Run]:
    """The stored runs of experiment ``name``, or none when it has not been run."""
    try:
        return load_experiment(name, root)
    except FileNotFoundError:
        return []


def finished(stored: Iterable[Run]) -> list[Run]:
    """The runs that finished (status ``ok``): a run stopped early has no values to judge."""
    return [run for run in stored if run["result"]["status"] == "ok"]


def finished_groups(stored: Iterable[Run], *fields: str) -> Groups:
    """:func:`finished` runs grouped by ``fields`` (as :func:`~energygnn.experiments.results.group_runs`)."""
    return group_runs(finished(stored), *fields)


def map_groups(stored: Sequence[Run]) -> Groups:
    """Runs of ``entropy_maps`` keyed ``(dataset, weight, temperature, normalize)`` (``MAP_FIELDS``)."""
    return group_runs(list(stored), *MAP_FIELDS)


def seed_values(groups: Groups, key: tuple, metric: str = SCORE, seeds: Collection[int] | None = None) -> list[float]:
    """``result[metric]`` of every run stored under ``key`` (none when the cell was not run), or
    only of the runs whose seed is in ``seeds``."""
    return [run["result"][metric] for run in groups.get(key, []) if seeds is None or run["config"]["seed"] in seeds]


def seed_pairs(groups_a: Groups, key_a: tuple, groups_b: Groups, key_b: tuple,
               metric: str = SCORE) -> list[tuple[float, float]]:
    """Per seed stored under both ``key_a`` (in ``groups_a``) and ``key_b`` (in ``groups_b``), the
    pair ``(a, b)`` of ``metric``, in ``groups_a``'s order: for claims on seed-by-seed pairs."""
    others = {run["config"]["seed"]: run["result"][metric] for run in groups_b.get(key_b, [])}
    return [(run["result"][metric], others[run["config"]["seed"]]) for run in groups_a.get(key_a, [])
            if run["config"]["seed"] in others]


def setting_of(options: dict[str, Any]) -> tuple[float, float, bool]:
    """``(weight, temperature, normalize)`` of an entropic model's options."""
    return options["weight"], options["temperature"], options["normalize"]


# -- facts about runs ------------------------------------------------------------------------------

def metrics_protocols(stored: Iterable[Run]) -> Counter:
    """How many runs took their metrics from which forward: ``"training_forward"`` or
    ``"after_step"`` (runs stored before the runner recorded it evaluated after the step)."""
    return Counter(entry["result"].get("metrics", "after_step") for entry in stored)


def seeds_run(stored: Iterable[Run]) -> str:
    """The seeds present in ``stored``, e.g. ``"0, 1, 2"``."""
    return ", ".join(str(seed) for seed in sorted({entry["config"]["seed"] for entry in stored}))


def planned_runs(section: dict[str, Any], axes: Sequence[str] | None = None) -> int:
    """How many runs a config section plans: the product of the lengths of its ``axes`` (default:
    those of ``datasets``, ``models`` (or else named ``variants``), ``depths`` and ``seeds`` that
    the section has), e.g. datasets x models x depths x seeds for Table 1."""
    if axes is None:
        axes = [name for name in ("datasets", "models" if "models" in section else "variants", "depths", "seeds")
                if name in section]
    return math.prod(len(section[name]) for name in axes)


def wall_hours(stored: Iterable[Run]) -> float:
    """Wall time of the runs, summed, in hours."""
    return sum(entry["wall_seconds"] for entry in stored) / 3600


# -- energies the runs recorded --------------------------------------------------------------------

def layer_energy_profiles(groups: Groups, key: tuple, epoch: int | str = 50,
                          kind: str = "normalized") -> list[np.ndarray]:
    """Every stored run's profile under ``key`` (e.g. ``(dataset, model, depth)``): its mean node
    energy after each hidden layer at ``epoch`` (runs without that record are left out)."""
    return [np.asarray(run["result"]["layer_energies"][str(epoch)][kind], dtype=float)
            for run in groups.get(key, []) if str(epoch) in run["result"]["layer_energies"]]


def figure2_energies(groups: Groups, model: str, key: str = "survey_energy") -> tuple[list[int], np.ndarray]:
    """Depths run for ``model`` and the energies there, shape [depths, draws] (``key``:
    ``"survey_energy"`` or ``"authors_energy"``), from Figure 2's runs grouped by ``("model", "depth")``."""
    depths = sorted(depth for name, depth in groups if name == model)
    return depths, np.array([groups[model, depth][0]["result"][key] for depth in depths], dtype=float)


def decay_per_layer(depths: Sequence[int], values: np.ndarray) -> float:
    """The mean factor by which the draws' mean energy changes per layer between the smallest and
    the largest depth, ``(E_max / E_min) ** (1 / (L_max - L_min))``."""
    return float((values[-1].mean() / values[0].mean()) ** (1 / (depths[-1] - depths[0])))


# -- reliability bins ------------------------------------------------------------------------------

def pool_bins(bins: Sequence[dict[str, list[float]]]) -> dict[str, list[float]]:
    r"""Reliability bins of several runs pooled: counts add, and a bin's accuracy and mean
    confidence are the count-weighted means of the runs',
    :math:`\operatorname{acc}(B) = \sum_r n_r \operatorname{acc}_r(B) / \sum_r n_r` (0 for an empty bin).

    Args:
        bins: outputs of :func:`energygnn.calibration.reliability_bins` with the same bins.

    Returns:
        ``edges``, ``count``, ``accuracy`` and ``confidence`` as in ``reliability_bins``.

    Raises:
        ValueError: nothing to pool, or runs binned differently.
    """
    if not bins:
        raise ValueError("pool_bins: no runs to pool.")
    edges = bins[0]["edges"]
    if any(len(b["edges"]) != len(edges) or not np.allclose(b["edges"], edges) for b in bins):
        raise ValueError("pool_bins: the runs use different bin edges.")
    count = np.sum([b["count"] for b in bins], axis=0)
    weighted = {key: np.sum([np.asarray(b[key]) * b["count"] for b in bins], axis=0) / np.maximum(count, 1)
                for key in ("accuracy", "confidence")}
    return {"edges": list(edges), "count": count.tolist(), "accuracy": weighted["accuracy"].tolist(),
            "confidence": weighted["confidence"].tolist()}


def pooled_reliability(runs: Sequence[Run]) -> dict[str, list[float]]:
    """The runs' test reliability bins (``result["test_reliability"]``) pooled over seeds (:func:`pool_bins`).

    Raises:
        ValueError: no runs, or runs binned differently.
    """
    if not runs:
        raise ValueError("pooled_reliability: no runs to pool.")
    return pool_bins([run["result"]["test_reliability"] for run in runs])


# -- paper 2's runs, value by value ----------------------------------------------------------------

PAPER2_COMMAND = "python -m energygnn run jem_table"


def _mean(values: Iterable[float]) -> float:
    return statistics.fmean(values)


def _late_loss_ratio(run: Run, epochs: int = 100) -> float:
    history = run["result"]["history"]
    return _mean(history["gen_loss"][-epochs:]) / _mean(history["clf_loss"][-epochs:])


# Per-run numbers of paper 2's runs by name: natural units (accuracies and confidences as fractions).
QUANTITIES: dict[str, Callable[[Run], float]] = {
    "accuracy": lambda run: run["result"]["final_test_acc"],
    "accuracy_at_best_val": lambda run: run["result"]["test_acc_at_best_val"],
    "test_confidence": lambda run: _mean(run["result"]["test_confidence"]),
    "train_confidence": lambda run: _mean(run["result"]["train_confidence"]),
    "ece": lambda run: run["result"]["test_ece"],
    "confidence_gap": lambda run: run["result"]["final_test_acc"] - _mean(run["result"]["test_confidence"]),
    "edges_added": lambda run: len(run["result"]["added_edges"][0]),
    "closed_3_walks": lambda run: run["result"]["spectra"]["closed_3_walks"],
    "closed_3_walks_original": lambda run: run["result"]["spectra"]["closed_3_walks_original"],
    "largest_covariance_eigenvalue": lambda run: max(run["result"]["spectra"]["covariance_eigenvalues"]),
    "final_orthogonality": lambda run: run["result"]["history"]["orthogonality"][-1],
    "late_gen_over_clf": _late_loss_ratio,
}


def per_seed(runs: Iterable[Run], quantity: str, scale: float = 1.0) -> list[float]:
    """``quantity`` (a key of ``QUANTITIES``) of each run, times ``scale``.

    Raises:
        KeyError: unknown quantity.
    """
    if quantity not in QUANTITIES:
        raise KeyError(f"per_seed: unknown quantity {quantity!r}; known: {', '.join(QUANTITIES)}.")
    return [float(QUANTITIES[quantity](run)) * scale for run in runs]


def mean_or_nan(values: Sequence[float]) -> float:
    """The mean, or NaN for no values."""
    return float(statistics.fmean(values)) if values else math.nan


@dataclass(frozen=True)
class Paper2Results:
    """The stored runs of paper 2 with the plan they belong to.

    ``table`` and ``ablation`` hold every stored run (stopped ones included); the accessors
    return only the runs that finished (status ``ok``).
    """

    table: list[Run]
    ablation: list[Run]
    raw: list[Run] = field(default_factory=list)  # jem_normalisation: the table's runs on raw features
    datasets: tuple[str, ...] = ("Cora", "PubMed", "CiteSeer")
    models: tuple[str, ...] = ("gcn", "jem", "jemo")
    variants: tuple[str, ...] = tuple(ABLATION_LABELS)
    seeds: int = 5  # planned per table cell
    ablation_seeds: int = 3  # planned per variant
    variant_seeds: dict[str, int] = field(default_factory=dict)  # variants planned with other seeds
    planned: int = 45  # planned table runs
    more: list[Run] = field(default_factory=list)  # jem_more_seeds: table cells on more seeds

    def runs(self, dataset: str, model: str) -> list[Run]:
        """The finished table runs of ``model`` on ``dataset``."""
        return finished(run for run in self.table if (run["config"]["dataset"], run["config"]["model"]) == (dataset, model))

    def pooled_runs(self, dataset: str, model: str) -> list[Run]:
        """The finished table runs of ``model`` on ``dataset`` and those of ``jem_more_seeds``."""
        return self.runs(dataset, model) + finished(
            run for run in self.more if (run["config"]["dataset"], run["config"]["model"]) == (dataset, model))

    def raw_runs(self, dataset: str, model: str) -> list[Run]:
        """The finished runs of ``model`` on ``dataset`` with raw (not row-normalised) features."""
        return finished(run for run in self.raw if (run["config"]["dataset"], run["config"]["model"]) == (dataset, model))

    def variant_runs(self, variant: str) -> list[Run]:
        """The finished ablation runs of ``variant``."""
        return finished(run for run in self.ablation if run["config"].get("variant") == variant)

    def seed_run(self, dataset: str, model: str, seed: int = 0) -> Run:
        """The finished table run of ``model`` on ``dataset`` with ``seed``.

        Raises:
            LookupError: there is none; the message gives the command that makes it.
        """
        for run in self.runs(dataset, model):
            if run["config"]["seed"] == seed:
                return run
        raise LookupError(f"No finished jem_table run of {model} on {dataset} with seed {seed}: run `{PAPER2_COMMAND}`.")

    def has_seed_run(self, dataset: str, model: str, seed: int = 0) -> bool:
        """Whether :meth:`seed_run` has a run to return."""
        return any(run["config"]["seed"] == seed for run in self.runs(dataset, model))


def load_results(root: Path | None = None) -> Paper2Results:
    """The stored runs of ``jem_table`` and (if run) ``jem_ablation``, ``jem_normalisation`` and
    ``jem_more_seeds``, with the plan of ``configs/paper2.json``.

    Raises:
        FileNotFoundError: no ``jem_table`` results; the message gives the command.
    """
    config = load_config("paper2", quick=False)
    try:
        table = load_experiment("jem_table", root)
    except FileNotFoundError:
        raise FileNotFoundError(f"No results in {Path(root or results_root()) / 'jem_table'}: run `{PAPER2_COMMAND}`.") from None
    section, variants = config["jem_table"], config["jem_ablation"]
    return Paper2Results(table, load_optional("jem_ablation", root), load_optional("jem_normalisation", root),
                         datasets=tuple(section["datasets"]), models=tuple(section["models"]),
                         variants=tuple(variants["variants"]), seeds=len(section["seeds"]),
                         ablation_seeds=len(variants["seeds"]), planned=planned_runs(section),
                         variant_seeds={name: len(v["seeds"]) for name, v in variants["variants"].items() if "seeds" in v},
                         more=load_optional("jem_more_seeds", root))


# -- CiteSeer's temperature ------------------------------------------------------------------------

CLOSE_DEVIATIONS = 2  # a temperature within this many seed deviations of the best is "close"


@dataclass(frozen=True)
class TemperatureChoice:
    """The temperature with the best score, and how the others compare with the seed spread."""

    temperature: float
    score: float
    seed_std: float  # standard deviation over seeds of the chosen model (Table 1), nan if < 2 seeds
    seed_count: int
    close: tuple[float, ...]  # other temperatures within CLOSE_DEVIATIONS seed deviations of the best

    @property
    def close_text(self) -> str:
        """The close temperatures, e.g. ``"0.1, 10"``, or ``"none"``."""
        return ", ".join(f"{t:g}" for t in self.close) or "none"


def temperature_choice(sweep: Sequence[dict[str, Any]], seed_values: Sequence[float]) -> TemperatureChoice:
    r"""The temperature of the sweep's best validation accuracy (ties: the first in ``sweep``).

    The sweep has one seed per temperature, so :func:`~energygnn.reporting.verdicts.judge` would let every difference decide.
    This is a choice, not a verdict: it lists the temperatures :math:`T` whose score lies within
    :math:`2 s` (``CLOSE_DEVIATIONS``) of the best, :math:`s` the standard deviation over
    ``seed_values`` (the same model's seeds in Table 1).

    Args:
        sweep: the runs of ``citeseer_temperature``.
        seed_values: best validation accuracies of the chosen model over seeds.

    Raises:
        ValueError: the sweep is empty (run ``python -m energygnn run citeseer_temperature``).
    """
    if not sweep:
        raise ValueError("temperature_choice: no sweep runs; run `python -m energygnn run citeseer_temperature`.")
    scores = sorted((entry["config"]["model_options"]["temperature"], entry["result"][SCORE]) for entry in sweep)
    best, score = max(scores, key=lambda pair: pair[1])
    values = [v for v in seed_values if v is not None]
    std = statistics.stdev(values) if len(values) > 1 else math.nan
    close = tuple(t for t, s in scores if t != best and score - s <= CLOSE_DEVIATIONS * std)
    return TemperatureChoice(best, score, std, len(values), close)
