r"""Oversmoothing measures of trained depth-64 models, layer by layer, and which of them predicts
accuracy.

The runs are those that store every measure of :mod:`energygnn.measures` for every hidden layer
(``result["layer_measures"]``): ``fresh_seeds`` (the basic GCN, the entropic GCN at Table 1's
setting and at its map's three best settings, seeds 5-14) and ``trained_measures`` (G2 and
PairNorm on seeds 0-2, nine cells spanning each map on seed 0). Besides those measures each run
stores paper 1's own one, the mean node energy with :math:`a_i = 1/\sqrt{d_i c}`
(``result["layer_energies"]``), here called ``node_energy``.

A measure *predicts accuracy* over a set of runs when its Spearman rank correlation
:math:`\rho` with the best validation accuracy is positive beyond the shared rule's interval
(:func:`~energygnn.reporting.verdicts.judge_estimate`, with the standard error of a paired
bootstrap over runs). It is read at the last hidden layer and at its minimum over the layers.
"""
from __future__ import annotations

import math
import warnings

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from ..experiments.configs import load_config
from ..experiments.paper1 import chosen_entropy_options, table1_options
from ..measures import MEASURES
from .claims import Claim
from .figures import legend_below
from .labels import MODEL_COLOURS, setting_label
from .runs import SCORE, Run, load_optional, setting_of
from .tables import markdown_table
from .verdicts import judge, judge_estimate

EXPERIMENTS = ("fresh_seeds", "trained_measures")
#: Every measure a trained run stores per layer: paper 1's node energy, then :data:`energygnn.measures.MEASURES`.
PREDICTORS = ("node_energy",) + MEASURES
PREDICTOR_NAMES = {"node_energy": "paper 1's mean node energy", "raw_energy": "raw energy E(X)",
                   "scale_free_energy": "scale-free energy E(X)/‖X‖²",
                   "centred_scale_free_energy": "centred scale-free energy",
                   "numerical_rank": "numerical rank", "effective_rank": "effective rank"}
READINGS = {"last": "last hidden layer", "minimum": "minimum over the layers"}
#: The groups of runs, in the order they are drawn: Table 1's models and the map's other cells.
GROUPS = ("basic", "entropic", "chosen", "pairnorm", "g2", "map")
GROUP_LABELS = {"basic": "Basic GCN", "entropic": "Entropic GCN (Table 1's setting)",
                "chosen": "Entropic GCN (the map's chosen setting)", "pairnorm": "PairNorm", "g2": "G2",
                "map": "Entropic GCN (other map cells)"}
GROUP_COLOURS = {**{g: MODEL_COLOURS[g] for g in ("basic", "entropic", "pairnorm", "g2")}, "chosen": "C5",
                 "map": "0.6"}
#: The measures Figure 3 is drawn on (paper 1's, the field's scale-free energy and rank).
FIGURE3_MEASURES = ("raw_energy", "scale_free_energy", "effective_rank")
RESAMPLES = 2000


@dataclass(frozen=True)
class MeasuredRun:
    """One trained run with its measures: ``layers[measure]`` at each stored epoch, one value per
    hidden layer; ``group`` one of ``GROUPS``; ``setting`` ``(weight, temperature, normalize)``
    for the entropic GCN, else ``None``."""

    dataset: str
    group: str
    setting: tuple | None
    seed: int
    accuracy: float
    layers: Mapping[str, Mapping[str, np.ndarray]]  # epoch -> measure -> per layer

    def reading(self, measure: str, reading: str, epoch: int | str = 100) -> float:
        """``measure`` at the last hidden layer (``"last"``) or its minimum over layers (``"minimum"``)."""
        values = self.layers[str(epoch)][measure]
        if reading not in READINGS:
            raise ValueError(f"MeasuredRun.reading: reading must be one of {list(READINGS)}, got {reading!r}.")
        return float(values[-1]) if reading == "last" else float(np.nanmin(values))


def measured_run(run: Run, group_of: Callable[[str, str, tuple | None], str]) -> MeasuredRun:
    """A stored run with ``layer_measures`` as a :class:`MeasuredRun` (``group_of(dataset, model, setting)``
    names its group)."""
    config, result = run["config"], run["result"]
    setting = setting_of(config["model_options"]) if config["model"] == "entropic" else None
    layers = {epoch: {**{m: np.asarray(v, dtype=float) for m, v in measures.items()},
                      "node_energy": np.asarray(result["layer_energies"][epoch]["normalized"], dtype=float)}
              for epoch, measures in result["layer_measures"].items()}
    return MeasuredRun(config["dataset"], group_of(config["dataset"], config["model"], setting), setting,
                       config["seed"], result[SCORE], layers)


@dataclass(frozen=True)
class Correlation:
    """Spearman's :math:`\\rho` of a measure's reading with accuracy over ``count`` runs, its
    bootstrap standard error and percentile interval, and the shared rule's judgement of
    :math:`\\rho > 0`."""

    dataset: str
    measure: str
    reading: str
    rho: float
    standard_error: float
    interval: tuple[float, float]
    count: int

    @property
    def judgement(self):
        return judge_estimate(self.rho, self.standard_error, self.count, 0.0, ">")


def _ranks(x: np.ndarray) -> np.ndarray:
    return stats.rankdata(x, axis=-1)


def _spearman(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    """Spearman's rho along the last axis (vectorised: Pearson's r of the ranks; scipy's bootstrap
    always passes ``axis=-1``)."""
    rx, ry = _ranks(x), _ranks(y)
    rx = rx - rx.mean(axis=-1, keepdims=True)
    ry = ry - ry.mean(axis=-1, keepdims=True)
    return (rx * ry).sum(axis=-1) / np.sqrt((rx * rx).sum(axis=-1) * (ry * ry).sum(axis=-1))


def _bootstrap(data: tuple[np.ndarray, ...], statistic, seed: int) -> tuple[float, tuple[float, float]]:
    """The standard error and 95 % percentile interval of ``statistic`` over ``RESAMPLES`` paired
    resamples (scipy's bootstrap) from ``seed``; a resample whose statistic is undefined (a
    constant column) is left out."""
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        result = stats.bootstrap(data, statistic, paired=True, vectorized=True, n_resamples=RESAMPLES,
                                 method="percentile", rng=np.random.default_rng(seed))
    values = result.bootstrap_distribution
    values = values[np.isfinite(values)]
    if values.size < 2:  # the statistic is undefined (a constant column)
        return math.nan, (math.nan, math.nan)
    return float(np.std(values, ddof=1)), (float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5)))


def _finite(*columns: np.ndarray) -> np.ndarray:
    return np.all([np.isfinite(c) for c in columns], axis=0)


def rank_correlation(values: Sequence[float], accuracy: Sequence[float], seed: int = 0) -> tuple[float, float, tuple[float, float], int]:
    r"""Spearman's :math:`\rho` of ``values`` with ``accuracy`` (pairs with a NaN or infinite value
    left out), the standard error and 95 % percentile interval of a paired bootstrap over the
    pairs (``RESAMPLES`` resamples from ``seed``), and the pairs used.

    Raises:
        ValueError: fewer than 4 usable pairs.
    """
    x, y = np.asarray(values, dtype=float), np.asarray(accuracy, dtype=float)
    keep = _finite(x, y)
    x, y = x[keep], y[keep]
    if x.size < 4:
        raise ValueError(f"rank_correlation: needs at least 4 runs with finite values, got {x.size}.")
    error, interval = _bootstrap((x, y), _spearman, seed)
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(_spearman(x, y)), error, interval, int(x.size)


def stronger_predictor(values_a: Sequence[float], values_b: Sequence[float], accuracy: Sequence[float],
                       seed: int = 0) -> tuple[float, float, int]:
    r""":math:`|\rho_a| - |\rho_b|`: how much more strongly measure ``a`` ranks the runs by accuracy
    than ``b`` does, with its paired-bootstrap standard error, over the runs where both are finite."""
    a, b, y = (np.asarray(v, dtype=float) for v in (values_a, values_b, accuracy))
    keep = _finite(a, b, y)
    a, b, y = a[keep], b[keep], y[keep]
    if a.size < 4:
        raise ValueError(f"stronger_predictor: needs at least 4 runs with finite values, got {a.size}.")

    def difference(a, b, y, axis=-1):
        return np.abs(_spearman(a, y)) - np.abs(_spearman(b, y))

    error, _ = _bootstrap((a, b, y), difference, seed)
    return float(difference(a, b, y)), error, int(a.size)


@dataclass(frozen=True)
class TrainedMeasures:
    """The trained runs with measures (:func:`load`), per dataset, at ``epoch``."""

    runs: tuple[MeasuredRun, ...]
    epoch: int = 100

    @property
    def datasets(self) -> list[str]:
        return list(dict.fromkeys(run.dataset for run in self.runs))

    def of(self, dataset: str, groups: Sequence[str] = GROUPS) -> list[MeasuredRun]:
        return [run for run in self.runs if run.dataset == dataset and run.group in groups]

    def group_counts(self, dataset: str) -> dict[str, int]:
        return {group: len(self.of(dataset, [group])) for group in GROUPS if self.of(dataset, [group])}

    # -- per layer --------------------------------------------------------------------------------
    def layer_curves(self, measure: str, epoch: int | str = 50) -> dict[tuple[str, str], tuple[np.ndarray, int]]:
        """Per ``(dataset, group)`` of Table 1's models (not the other map cells): the mean over
        runs of ``measure`` after each hidden layer at ``epoch`` (geometric for energies), and the runs averaged."""
        curves = {}
        for dataset in self.datasets:
            for group in GROUPS[:-1]:
                profiles = np.array([run.layers[str(epoch)][measure] for run in self.of(dataset, [group])])
                if len(profiles):
                    mean = (np.exp(np.log(profiles).mean(axis=0)) if measure in ENERGIES else profiles.mean(axis=0))
                    curves[dataset, group] = (mean, len(profiles))
        return curves

    # -- what predicts accuracy ---------------------------------------------------------------------
    @cached_property
    def correlations(self) -> list[Correlation]:
        """:func:`rank_correlation` of every predictor and reading with accuracy, per dataset, over all its runs."""
        rows = []
        for dataset in self.datasets:
            runs = self.of(dataset)
            accuracy = [run.accuracy for run in runs]
            for measure in PREDICTORS:
                for reading in READINGS:
                    rho, error, interval, count = rank_correlation(
                        [run.reading(measure, reading, self.epoch) for run in runs], accuracy)
                    rows.append(Correlation(dataset, measure, reading, rho, error, interval, count))
        return rows

    def correlation(self, dataset: str, measure: str, reading: str) -> Correlation:
        return next(c for c in self.correlations
                    if (c.dataset, c.measure, c.reading) == (dataset, measure, reading))

    def comparison(self, dataset: str, measure_a: str, measure_b: str, reading: str = "last"):
        """The judgement of ":math:`|\\rho|` of ``measure_a`` exceeds that of ``measure_b``" on ``dataset``."""
        runs = self.of(dataset)
        difference, error, count = stronger_predictor(
            [run.reading(measure_a, reading, self.epoch) for run in runs],
            [run.reading(measure_b, reading, self.epoch) for run in runs], [run.accuracy for run in runs])
        return judge_estimate(difference, error, count, 0.0, ">")

    def predictor_claims(self) -> list[Claim]:
        """Per dataset: every predictor and reading predicts accuracy (:math:`\\rho > 0`); and the
        field's measures at the last hidden layer predict it more strongly than the raw energy
        (:math:`|\\rho|` larger). The book's own questions."""
        claims = []
        for correlation in self.correlations:
            claims.append(Claim(correlation.dataset,
                                f"higher {PREDICTOR_NAMES[correlation.measure]} at the "
                                f"{READINGS[correlation.reading]} goes with higher accuracy (Spearman ρ > 0)",
                                "", correlation.judgement, asked_by="book"))
        for dataset in self.datasets:
            for measure in ("effective_rank", "scale_free_energy"):
                claims.append(Claim(dataset, f"the {PREDICTOR_NAMES[measure]} of the last hidden layer predicts "
                                    "accuracy more strongly than its raw energy (|ρ| larger)", "",
                                    self.comparison(dataset, measure, "raw_energy"), asked_by="book"))
        return claims

    # -- does the step keep what matters? ------------------------------------------------------------
    def kept_values(self, dataset: str, group: str, measure: str, reading: str = "last") -> list[float]:
        """Per run of ``group``: ``measure``'s reading, in decades (log10) for energies, whose scale
        spans tens of orders of magnitude."""
        values = [run.reading(measure, reading, self.epoch) for run in self.of(dataset, [group])]
        return [float(np.log10(v)) if v > 0 else float("nan") for v in values] if measure in ENERGIES else values

    def step_claims(self, measures: Sequence[str] = FIGURE3_MEASURES, groups: Sequence[str] = ("entropic", "chosen"),
                    reading: str = "last") -> list[Claim]:
        """Per dataset, measure and entropic group: the entropic GCN keeps more of ``measure`` at the
        last hidden layer than the basic GCN (energies in decades). The book's own questions."""
        claims = []
        for dataset in self.datasets:
            basic = [run.seed for run in self.of(dataset, ["basic"])]
            for group in groups:
                for measure in measures:
                    unit = " (log10)" if measure in ENERGIES else ""
                    claims.append(Claim(dataset, f"{GROUP_LABELS[group]} keeps more {PREDICTOR_NAMES[measure]} at the "
                                        f"{READINGS[reading]} than the basic GCN{unit}", "",
                                        judge(self.kept_values(dataset, group, measure, reading),
                                              self.kept_values(dataset, "basic", measure, reading), ">"),
                                        asked_by="book"))
            del basic
        return claims


ENERGIES = ("node_energy", "raw_energy", "scale_free_energy", "centred_scale_free_energy")


def group_names(config: dict[str, Any], results: Path) -> Callable[[str, str, tuple | None], str]:
    """``group_of(dataset, model, setting)``: Table 1's models by name; the entropic GCN as
    ``"entropic"`` at Table 1's setting, ``"chosen"`` at its map's chosen setting, else ``"map"``."""
    table1 = {d: setting_of(table1_options(config, results, d)) for d in ("Cora", "CiteSeer")}
    chosen = {d: setting_of(chosen_entropy_options(config, results, d)) for d in ("Cora", "CiteSeer")}

    def group_of(dataset: str, model: str, setting: tuple | None) -> str:
        if model != "entropic":
            return model
        return "entropic" if setting == table1[dataset] else "chosen" if setting == chosen[dataset] else "map"

    return group_of


def trained_measures(stored: Iterable[Run], config: dict[str, Any], results: Path, epoch: int = 100) -> TrainedMeasures:
    """The runs of ``stored`` that finished and store ``layer_measures``, as :class:`MeasuredRun` s
    grouped by :func:`group_names` (``results``: where Table 1's and the maps' choices are read)."""
    group_of = group_names(config, results)
    return TrainedMeasures(tuple(measured_run(run, group_of) for run in stored
                                 if run["result"]["status"] == "ok" and run["result"].get("layer_measures")), epoch)


def load(root: Path | None = None, epoch: int = 100) -> TrainedMeasures:
    """:func:`trained_measures` of every stored run of ``EXPERIMENTS`` under ``root`` (default: the results folder)."""
    from ..config import results_root

    results = Path(root or results_root())
    stored = [run for name in EXPERIMENTS for run in load_optional(name, results)]
    return trained_measures(stored, load_config("paper1", quick=False), results, epoch)


def map_energy_correlations(map_stored: Iterable[Run], epoch: int = 100) -> list[Correlation]:
    """Per dataset and reading: :func:`rank_correlation` of paper 1's mean node energy (the only
    measure ``entropy_maps`` stores per layer) with accuracy over the map's runs alone, every
    setting of the step with the same weight (its seeds)."""
    rows = []
    runs = [run for run in map_stored if run["result"]["status"] == "ok"]
    for dataset in dict.fromkeys(run["config"]["dataset"] for run in runs):
        of = [run for run in runs if run["config"]["dataset"] == dataset]
        for reading in READINGS:
            values = [np.asarray(run["result"]["layer_energies"][str(epoch)]["normalized"], dtype=float) for run in of]
            values = [float(v[-1]) if reading == "last" else float(np.nanmin(v)) for v in values]
            rho, error, interval, count = rank_correlation(values, [run["result"][SCORE] for run in of])
            rows.append(Correlation(dataset, "node_energy", reading, rho, error, interval, count))
    return rows


def map_energy_claims(correlations: Sequence[Correlation]) -> list[Claim]:
    """Per :func:`map_energy_correlations` row: across the map's settings, higher paper-1 energy goes
    with higher accuracy (:math:`\\rho > 0`). The book's own questions."""
    return [Claim(c.dataset, f"across the map's settings, higher {PREDICTOR_NAMES[c.measure]} at the "
                  f"{READINGS[c.reading]} goes with higher accuracy (Spearman ρ > 0)", "", c.judgement, asked_by="book")
            for c in correlations]


#: Result fields a re-run may change: timings, and the records ``trained_measures`` adds.
RERUN_FREE = ("mean_epoch_seconds", "epoch_seconds", "layer_measures", "layer_energies")


def original_experiment(key: str) -> str:
    """Where the committed run that a ``trained_measures`` run re-runs is stored: ``entropy_maps``
    for the entropic GCN, ``table1`` for Table 1's other models."""
    return "entropy_maps" if "-entropic-" in key else "table1"


def rerun_differences(rerun: Run, original: Run) -> list[str]:
    """The result fields (history columns as ``history.<name>``) in which ``rerun`` differs from
    ``original``, timings and added records (``RERUN_FREE``) aside; the layer energies both
    record (at epoch 50) must agree too. Empty when the re-run reproduced its original."""
    new, old = rerun["result"], original["result"]
    fields = [f"history.{name}" for name in sorted(set(new["history"]) | set(old["history"]))
              if name not in RERUN_FREE and new["history"].get(name) != old["history"].get(name)]
    fields += [name for name in sorted(set(new) | set(old))
               if name not in RERUN_FREE + ("history",) and new.get(name) != old.get(name)]
    shared = set(new.get("layer_energies", {})) & set(old.get("layer_energies", {}))
    fields += [f"layer_energies.{epoch}" for epoch in sorted(shared)
               if new["layer_energies"][epoch] != old["layer_energies"][epoch]]
    return fields


# -- tables and figures ---------------------------------------------------------------------------

def correlation_table(measured: TrainedMeasures) -> str:
    """Per predictor and reading: :math:`\\rho` ± 2 SE and the verdict of :math:`\\rho > 0`, one column pair per dataset."""
    header = ["measure", "read at"]
    for dataset in measured.datasets:
        header += [f"{dataset}: ρ ± 2 SE (runs)", f"{dataset}: ρ > 0"]
    rows = []
    for measure in PREDICTORS:
        for reading in READINGS:
            row = [PREDICTOR_NAMES[measure], READINGS[reading]]
            for dataset in measured.datasets:
                c = measured.correlation(dataset, measure, reading)
                row += [f"{c.rho:+.2f} ± {2 * c.standard_error:.2f} ({c.count})", str(c.judgement.verdict)]
            rows.append(row)
    return markdown_table(header, rows)


def plot_correlations(measured: TrainedMeasures):
    """Each predictor's :math:`\\rho` with accuracy and its bootstrap interval, per dataset and
    reading: one panel per dataset. Returns the Figure."""
    import matplotlib.pyplot as plt

    datasets = measured.datasets
    fig, axes = plt.subplots(1, len(datasets), figsize=(5.2 * len(datasets), 3.6), sharey=True, squeeze=False)
    for axis, dataset in zip(axes[0], datasets):
        for offset, (reading, marker) in zip((-0.15, 0.15), zip(READINGS, ("o", "s"))):
            for row, measure in enumerate(PREDICTORS):
                c = measured.correlation(dataset, measure, reading)
                axis.errorbar(c.rho, row + offset, xerr=[[c.rho - c.interval[0]], [c.interval[1] - c.rho]],
                              fmt=marker, color="C0" if reading == "last" else "C1",
                              label=READINGS[reading] if row == 0 else None)
        axis.axvline(0, color="0.5", lw=0.8)
        axis.set_xlim(-1, 1)
        axis.set_title(f"{dataset} ({measured.correlation(dataset, 'raw_energy', 'last').count} runs)")
        axis.set_xlabel("Spearman ρ with validation accuracy")
    axes[0, 0].set_yticks(range(len(PREDICTORS)), [PREDICTOR_NAMES[m] for m in PREDICTORS])
    axes[0, 0].invert_yaxis()
    legend_below(fig, axes[0, -1], bottom=0.1, columns=2)
    plt.close(fig)
    return fig


def plot_layer_measures(measured: TrainedMeasures, measures: Sequence[str] = FIGURE3_MEASURES, epoch: int = 50):
    """Figure 3 on every measure: per dataset (rows) and measure (columns), the mean of each of
    Table 1's models after each hidden layer at ``epoch`` (energies on a log scale). Returns the Figure."""
    import matplotlib.pyplot as plt

    datasets = measured.datasets
    fig, axes = plt.subplots(len(datasets), len(measures), figsize=(4.1 * len(measures), 3.3 * len(datasets)),
                             squeeze=False, sharex=True)
    for column, measure in enumerate(measures):
        curves = measured.layer_curves(measure, epoch)
        for row, dataset in enumerate(datasets):
            axis = axes[row, column]
            for group in GROUPS[:-1]:
                if (dataset, group) in curves:
                    values, count = curves[dataset, group]
                    axis.plot(range(1, len(values) + 1), values, color=GROUP_COLOURS[group],
                              label=f"{GROUP_LABELS[group]}")
            if measure in ENERGIES:
                axis.set_yscale("log")
            axis.set_title(f"{dataset}: {PREDICTOR_NAMES[measure]}", fontsize=11)
            if row == len(datasets) - 1:
                axis.set_xlabel("hidden layer")
    legend_below(fig, max(axes.flat, key=lambda a: len(a.get_lines())), bottom=0.12, columns=3)
    plt.close(fig)
    return fig


def setting_names(measured: TrainedMeasures, dataset: str, group: str) -> str:
    """The settings of a group's runs on ``dataset``, e.g. ``"λ = 1, T = 10, normalised"``."""
    settings = dict.fromkeys(run.setting for run in measured.of(dataset, [group]) if run.setting)
    return "; ".join(setting_label(*s) for s in settings)
