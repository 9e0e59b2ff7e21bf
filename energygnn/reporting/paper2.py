r"""Paper 2's results, read back for its chapter (``book/jem_results.ipynb``): the runs of
``results/jem_table/`` and ``results/jem_ablation/``, tabulated, drawn, and judged claim by claim
with :func:`~energygnn.reporting.verdicts.judge`.

Tables, figures, numbers and claims take a :class:`Paper2Results` (:func:`load_results`); a
per-run number is named by a key of ``QUANTITIES`` and read seed by seed with
:func:`per_seed`. Tables are Markdown strings, figures are matplotlib Figures (closed, so that a
notebook shows each once), and the ``*_numbers`` functions return the numbers the chapter's
prose glues in (builtin ``int`` / ``float``, or ``str`` holding Markdown).
"""
from __future__ import annotations

import math
import re
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..config import results_root
from ..data import PLANETOID_CLASSES
from ..experiments import paper2 as experiments
from ..experiments.reported import PAPER2_ACCURACY, PAPER2_CLOSED_3_WALKS, PAPER2_ECE
from ..experiments.results import load_experiment, provenance_summary
from .labels import PAPER2_LABELS
from .tables import markdown_table, mean_std_cell, stopped_runs_text
from .verdicts import Judgement, judge

Run = dict[str, Any]

# What the ablation table calls each variant of configs/paper2.json's jem_ablation.
ABLATION_LABELS = {"tau0.01": r"$\tau = 0.01$", "tau1": r"$\tau = 1$", "no-generation": "no graph generation",
                   "jemo-raw-weight0.1": "GCN-JEMO, raw features, weight 0.1",
                   "jemo-raw-weight0.01": "GCN-JEMO, raw features, weight 0.01",
                   "jemo-raw-no-generation": "GCN-JEMO, raw features, weight 1, no graph generation",
                   "no-partition": "no renormalisation ($Z = 1$)",
                   "jem-loss-no-partition": r"JEM's $L_\text{gen}$, no renormalisation",
                   "jemo-weight0.1": "GCN-JEMO, weight 0.1", "jemo-weight0.01": "GCN-JEMO, weight 0.01",
                   "jemo-no-generation": "GCN-JEMO, weight 1, no graph generation"}
# Figures are drawn about 9 inches wide, so that these sizes stay readable at page width.
FIGURE_STYLE = {"font.size": 12, "axes.titlesize": 12, "axes.labelsize": 12, "xtick.labelsize": 11,
                "ytick.labelsize": 11, "legend.fontsize": 11}
COMMAND = "python -m energygnn run jem_table"


def _mean(values: Iterable[float]) -> float:
    return statistics.fmean(values)


def _late_loss_ratio(run: Run, epochs: int = 100) -> float:
    history = run["result"]["history"]
    return _mean(history["gen_loss"][-epochs:]) / _mean(history["clf_loss"][-epochs:])


# Per-run numbers by name: natural units (accuracies and confidences as fractions).
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


def _mean_or_nan(values: Sequence[float]) -> float:
    return float(statistics.fmean(values)) if values else math.nan


def _ok(runs: Iterable[Run]) -> list[Run]:
    return [run for run in runs if run["result"]["status"] == "ok"]


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

    def runs(self, dataset: str, model: str) -> list[Run]:
        """The finished table runs of ``model`` on ``dataset``."""
        return _ok(run for run in self.table if (run["config"]["dataset"], run["config"]["model"]) == (dataset, model))

    def raw_runs(self, dataset: str, model: str) -> list[Run]:
        """The finished runs of ``model`` on ``dataset`` with raw (not row-normalised) features."""
        return _ok(run for run in self.raw if (run["config"]["dataset"], run["config"]["model"]) == (dataset, model))

    def variant_runs(self, variant: str) -> list[Run]:
        """The finished ablation runs of ``variant``."""
        return _ok(run for run in self.ablation if run["config"].get("variant") == variant)

    def seed_run(self, dataset: str, model: str, seed: int = 0) -> Run:
        """The finished table run of ``model`` on ``dataset`` with ``seed``.

        Raises:
            LookupError: there is none; the message gives the command that makes it.
        """
        for run in self.runs(dataset, model):
            if run["config"]["seed"] == seed:
                return run
        raise LookupError(f"No finished jem_table run of {model} on {dataset} with seed {seed}: run `{COMMAND}`.")

    def has_seed_run(self, dataset: str, model: str, seed: int = 0) -> bool:
        """Whether :meth:`seed_run` has a run to return."""
        return any(run["config"]["seed"] == seed for run in self.runs(dataset, model))


def load_results(root: Path | None = None) -> Paper2Results:
    """The stored runs of ``jem_table`` and (if run) ``jem_ablation``, with the plan of
    ``configs/paper2.json``.

    Raises:
        FileNotFoundError: no ``jem_table`` results; the message gives the command.
    """
    config = experiments.load_config(quick=False)
    try:
        table = load_experiment("jem_table", root)
    except FileNotFoundError:
        raise FileNotFoundError(f"No results in {Path(root or results_root()) / 'jem_table'}: run `{COMMAND}`.") from None
    optional = {}
    for name in ("jem_ablation", "jem_normalisation"):
        try:
            optional[name] = load_experiment(name, root)
        except FileNotFoundError:
            optional[name] = []
    section, variants = config["jem_table"], config["jem_ablation"]
    return Paper2Results(table, optional["jem_ablation"], optional["jem_normalisation"],
                         datasets=tuple(section["datasets"]), models=tuple(section["models"]),
                         variants=tuple(variants["variants"]), seeds=len(section["seeds"]),
                         ablation_seeds=len(variants["seeds"]), planned=len(experiments.jem_runs(config)),
                         variant_seeds={name: len(v["seeds"]) for name, v in variants["variants"].items() if "seeds" in v})


# ---------------------------------------------------------------- calibration


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


def underconfident_bins(runs: Iterable[Run]) -> tuple[int, int]:
    r"""How many non-empty test reliability bins, over all runs, have accuracy at least their
    mean confidence, and how many are non-empty. When all are, the ECE equals the overall
    accuracy minus the mean confidence: :math:`\sum_m \frac{|B_m|}{n}(\operatorname{acc}(B_m) -
    \operatorname{conf}(B_m)) = \operatorname{acc} - \overline{\operatorname{conf}}`."""
    under = total = 0
    for run in runs:
        bins = run["result"]["test_reliability"]
        for count, accuracy, confidence in zip(bins["count"], bins["accuracy"], bins["confidence"]):
            if count > 0:
                total += 1
                under += accuracy >= confidence - 1e-9
    return under, total


def calibration_table(results: Paper2Results, dataset: str = "Cora") -> str:
    """One row per model on ``dataset``'s test nodes: accuracy, mean confidence, their
    difference, the ECE (ours, and the paper's), how many bins are under-confident, and how far
    the pooled bins are under- or over-confident (:func:`bin_gap_range`); mean ± std over seeds,
    all as fractions."""
    bins = {run["result"].get("ece_bins") for model in results.models for run in results.runs(dataset, model)}
    bins_text = f"{bins.pop()} bins" if len(bins) == 1 else "bins"
    rows = []
    for model in results.models:
        runs = results.runs(dataset, model)
        under, total = underconfident_bins(runs)
        low, high = bin_gap_range(runs) if runs else (math.nan, math.nan)
        rows.append([PAPER2_LABELS[model]] + [mean_std_cell(per_seed(runs, q), expected=results.seeds)
                                              for q in ("accuracy", "test_confidence", "confidence_gap", "ece")]
                    + [f"{PAPER2_ECE[model]:.2f}" if model in PAPER2_ECE else "-", f"{under} of {total}",
                       f"{low:+.3f} to {high:+.3f}"])
    return markdown_table(["model", "test accuracy", "mean test confidence", "accuracy − mean confidence",
                           f"ECE ({bins_text}), ours", "ECE, paper", "bins with accuracy ≥ confidence",
                           "accuracy − confidence per bin, pooled (least to most)"], rows)


def bin_gap_range(runs: Sequence[Run]) -> tuple[float, float]:
    """The smallest and largest accuracy minus mean confidence over the non-empty bins of the
    runs' test nodes pooled over seeds (:func:`pooled_reliability`): negative is over-confident."""
    pooled = pooled_reliability(runs)
    gaps = [a - c for n, a, c in zip(pooled["count"], pooled["accuracy"], pooled["confidence"]) if n > 0]
    return min(gaps), max(gaps)


def paper_ece_numbers(results: Paper2Results, dataset: str = "Cora") -> dict[str, float]:
    r"""What the paper's ECE values (read as fractions) would need at its own accuracy
    (``paper_accuracy_<model>``, for the GCN and GCN-JEM). With bin weights :math:`w_b`,
    accuracies :math:`a_b` and confidences :math:`c_b`,

    .. math::
        \mathrm{ECE} = (\text{acc} - \overline{\text{conf}})
        + 2 \sum_{b:\, c_b > a_b} w_b (c_b - a_b), \qquad
        0 \le \sum_{b:\, c_b > a_b} w_b (c_b - a_b) \le 1 - \text{acc},

    so the mean confidence lies in :math:`[\text{acc} - \mathrm{ECE},\; 2 - \text{acc} -
    \mathrm{ECE}]` whatever the bins (``implied_confidence_<model>`` is the lower end, reached when
    every bin is under-confident; ``largest_confidence_<model>`` the upper). Beside them:
    :math:`1/k` (``uniform_confidence``, the smallest confidence there is: a flat softmax) and our
    mean test confidence (``our_confidence_<model>``)."""
    num_classes = PLANETOID_CLASSES[dataset]
    numbers: dict[str, float] = {"uniform_confidence": 1 / num_classes, "num_classes": num_classes}
    for model in ("gcn", "jem"):
        numbers[f"paper_accuracy_{model}"] = PAPER2_ACCURACY[model][dataset] / 100
        numbers[f"implied_confidence_{model}"] = PAPER2_ACCURACY[model][dataset] / 100 - PAPER2_ECE[model]
        numbers[f"largest_confidence_{model}"] = 2 - PAPER2_ACCURACY[model][dataset] / 100 - PAPER2_ECE[model]
        numbers[f"our_confidence_{model}"] = _mean_or_nan(per_seed(results.runs(dataset, model), "test_confidence"))
    return numbers


def feature_scale_numbers(results: Paper2Results) -> dict[str, float]:
    """How large the inputs are that GCN-JEMO's penalty meets, per dataset: ``row_sum_<dataset>``
    and ``row_norm_<dataset>``, the mean over nodes of the raw feature rows' sum and Euclidean
    norm; ``row_norm_normalised_<dataset>``, the norm once rows are divided by their sums (what
    bounds a logit when the weight columns have unit length); and ``majority_<dataset>``, the
    share of the test nodes in the most frequent class (the accuracy of a constant prediction)."""
    from ..data import load_planetoid  # the datasets, not the results: loaded only when asked

    numbers = {}
    for name in results.datasets:
        data = load_planetoid(name)
        sums = data.x.sum(dim=1)
        normalised = data.x[sums > 0] / sums[sums > 0, None]
        test_labels = data.y[data.test_mask]
        numbers.update({f"row_sum_{name}": float(sums.mean()), f"row_norm_{name}": float(data.x.norm(dim=1).mean()),
                        f"row_norm_normalised_{name}": float(normalised.norm(dim=1).mean()),
                        f"majority_{name}": float(test_labels.bincount().max() / test_labels.numel())})
    return numbers


# ---------------------------------------------------------------- tables


def accuracy_table(results: Paper2Results, quantity: str = "accuracy", raw_models: Sequence[str] = ("jemo",)) -> str:
    """Test accuracy (%) by model and dataset, mean ± std over seeds, with the paper's five-run
    mean under each cell (``quantity``: ``"accuracy"`` after the last epoch, or
    ``"accuracy_at_best_val"``); then, for ``raw_models`` with raw-feature runs, a row of those,
    labelled (the paper's features are row-normalised)."""
    rows = [[PAPER2_LABELS[model]] + [
        mean_std_cell(per_seed(results.runs(dataset, model), quantity, 100.0), digits=1, expected=results.seeds,
                      paper=PAPER2_ACCURACY.get(model, {}).get(dataset)) for dataset in results.datasets]
        for model in results.models]
    rows += [[f"{PAPER2_LABELS[model]}, raw features"] + [
        mean_std_cell(per_seed(results.raw_runs(dataset, model), quantity, 100.0), digits=1, expected=results.seeds)
        for dataset in results.datasets] for model in raw_models if any(results.raw_runs(d, model) for d in results.datasets)]
    return markdown_table(["model", *results.datasets], rows)


def normalisation_table(results: Paper2Results) -> str:
    """Test accuracy (%) of every model with row-normalised features (the table's runs) and with
    raw ones (``jem_normalisation``), mean ± std over seeds."""
    rows = [[PAPER2_LABELS[model], features] + [
        mean_std_cell(per_seed(runs(dataset, model), "accuracy", 100.0), digits=1, expected=results.seeds)
        for dataset in results.datasets]
        for model in results.models for features, runs in (("row-normalised", results.runs), ("raw", results.raw_runs))]
    return markdown_table(["model", "features", *results.datasets], rows)


def _eigenvalue_walks(run: Run) -> float:
    return float((np.asarray(run["result"]["spectra"]["adjacency_eigenvalues"]) ** 3).sum())


def closed_walks_table(results: Paper2Results, dataset: str = "Cora", seed: int = 0) -> str:
    r"""Closed 3-walks :math:`\operatorname{tr}(A^3)` of the original and generated graphs:
    exact counts over seeds, :math:`\sum_i \mu_i^3` from the ``seed`` run's eigenvalues, the
    paper's numbers, and the edges added."""
    header = ["graph", r"$\trace(A^3)$, ours", f"$\\sum_i \\mu_i^3$ (seed {seed})", "paper", "edges added"]
    paper = {"gcn": PAPER2_CLOSED_3_WALKS["original"], "jem": PAPER2_CLOSED_3_WALKS["generated"]}
    rows = []
    for model in results.models:
        runs = results.runs(dataset, model)
        from_eigenvalues = (f"{_eigenvalue_walks(results.seed_run(dataset, model, seed)):.1f}"
                            if results.has_seed_run(dataset, model, seed) else "-")
        if model == "gcn":  # the original graph, which the GCN never changes
            rows.append([f"original {dataset}", mean_std_cell(per_seed(runs, "closed_3_walks_original"), digits=0),
                         from_eigenvalues, paper["gcn"], "-"])
        else:
            rows.append([f"generated, {PAPER2_LABELS[model]}", mean_std_cell(per_seed(runs, "closed_3_walks"), digits=0),
                         from_eigenvalues, paper.get(model, "-"), mean_std_cell(per_seed(runs, "edges_added"), digits=0)])
    return markdown_table(header, rows)


def ablation_rows(results: Paper2Results, dataset: str = "Cora") -> list[tuple[str, str, list[Run], int]]:
    """``(key, label, finished runs, planned seeds)`` of the ablation table: the table's three
    models on ``dataset``, then every variant."""
    rows = [(model, f"{PAPER2_LABELS[model]}{label} (table)", results.runs(dataset, model), results.seeds)
            for model, label in (("gcn", ""), ("jem", ", defaults"), ("jemo", ", weight 1"))]
    return rows + [(variant, ABLATION_LABELS.get(variant, variant), results.variant_runs(variant),
                    results.variant_seeds.get(variant, results.ablation_seeds)) for variant in results.variants]


def ablation_table(results: Paper2Results) -> str:
    """Each ablation variant beside the table's runs: seeds (``k of n`` when fewer than planned
    finished), test accuracy (%), edges added, closed 3-walks, mean training-node and test-node
    confidence and test ECE, mean ± std over seeds."""
    columns = (("accuracy", 100.0, 1), ("edges_added", 1.0, 0), ("closed_3_walks", 1.0, 0),
               ("train_confidence", 1.0, 2), ("test_confidence", 1.0, 3), ("ece", 1.0, 3))
    rows = [[label, len(runs) if len(runs) == planned else f"{len(runs)} of {planned}"]
            + [mean_std_cell(per_seed(runs, q, scale), digits=digits) for q, scale, digits in columns]
            for _, label, runs, planned in ablation_rows(results)]
    return markdown_table(["variant", "seeds", "test accuracy (%)", "edges added", r"$\trace(A^3)$",
                           "mean train confidence", "mean test confidence", "test ECE"], rows)


# ---------------------------------------------------------------- numbers for the prose


def _key(name: str) -> str:
    return re.sub(r"\W", "_", name)


def status_numbers(results: Paper2Results) -> dict[str, object]:
    """``runs_in``, ``runs_planned``, ``runs_stopped`` (Markdown: how many stopped early and
    which), ``wall_hours``, ``cpu`` and ``provenance`` (Markdown) of the table's runs."""
    return {"runs_in": len(results.table), "runs_planned": results.planned,
            "runs_stopped": stopped_runs_text(results.table),
            "wall_hours": sum(run["wall_seconds"] for run in results.table) / 3600,
            "cpu": ", ".join(sorted({run["provenance"]["machine"]["cpu"] for run in results.table})),
            "provenance": provenance_summary(results.table, entropy_step=False)}


def marchenko_pastur_bounds(features: int, samples: int, variance: float) -> tuple[float, float]:
    r"""The support of the Marchenko-Pastur law: eigenvalues of the sample covariance of
    ``samples`` vectors of ``features`` i.i.d. entries of ``variance`` :math:`\sigma^2` lie, for
    large sizes, in :math:`\sigma^2 (1 \mp \sqrt{q})^2` with :math:`q = f / n`.

    Raises:
        ValueError: non-positive sizes.
    """
    if features < 1 or samples < 1:
        raise ValueError(f"marchenko_pastur_bounds: sizes must be positive, got {features} features, {samples} samples.")
    root = math.sqrt(features / samples)
    return variance * (1 - root) ** 2, variance * (1 + root) ** 2


def covariance_numbers(results: Paper2Results, dataset: str = "Cora", seed: int = 0) -> dict[str, object]:
    """The ``seed`` runs' feature covariance spectra: the original's largest eigenvalue
    (``cov_original_max``), the generated features' count, median, range and how many exceed it,
    the replay buffer's use, and the Marchenko-Pastur support (``mp_low``, ``mp_high``) for
    i.i.d. entries uniform on the buffer's initial interval."""
    real = np.asarray(results.seed_run(dataset, "gcn", seed)["result"]["spectra"]["covariance_eigenvalues"])
    generator = results.seed_run(dataset, "jem", seed)
    spectra, jem = generator["result"]["spectra"], generator["config"]["jem"]
    fake = np.asarray(spectra["covariance_eigenvalues"])
    variance = (jem["init_high"] - jem["init_low"]) ** 2 / 12
    low, high = marchenko_pastur_bounds(fake.size, spectra["feature_samples"], variance)
    return {"cov_original_max": float(real.max()), "cov_generated_above": int((fake > real.max()).sum()),
            "cov_generated_count": int(fake.size), "cov_generated_median": float(np.median(fake)),
            "cov_generated_min": float(fake.min()), "cov_generated_max": float(fake.max()),
            "cov_samples": int(spectra["feature_samples"]), "init_variance": float(variance),
            "buffer_updated": int(generator["result"]["buffer"]["updated_entries"]),
            "buffer_size": int(generator["result"]["buffer"]["size"]), "epochs": int(generator["config"]["epochs"]),
            "mp_low": low, "mp_high": high}


def ablation_numbers(results: Paper2Results) -> dict[str, float]:
    """Means over seeds of every ablation row (:func:`ablation_rows`; keys like
    ``jemo_weight0_1_accuracy``): accuracy and confidences (fractions), ECE, edges added and the
    last epoch's orthogonality penalty; ``raw_<model>_<dataset>_accuracy`` of the raw-feature
    runs; plus ``gen_over_clf_min`` / ``_max``, the generative over
    the classification loss over the last 100 epochs, across GCN-JEM's runs on every dataset."""
    quantities = ("accuracy", "test_confidence", "train_confidence", "ece", "edges_added", "final_orthogonality")
    numbers = {}
    for key, _, runs, _ in ablation_rows(results):
        for q in quantities:
            try:
                numbers[f"{_key(key)}_{q}"] = _mean_or_nan(per_seed(runs, q))
            except KeyError:  # not recorded for this model (the GCN has no orthogonality penalty)
                continue
    for dataset in results.datasets:
        for model in results.models:
            raw = per_seed(results.raw_runs(dataset, model), "accuracy")
            if raw:
                numbers[f"raw_{model}_{dataset}_accuracy"] = _mean_or_nan(raw)
    ratios = per_seed([run for dataset in results.datasets for run in results.runs(dataset, "jem")], "late_gen_over_clf")
    numbers.update(gen_over_clf_min=min(ratios, default=math.nan), gen_over_clf_max=max(ratios, default=math.nan))
    return numbers


# ---------------------------------------------------------------- claims


@dataclass(frozen=True)
class Claim:
    """A claim, what the paper reports for it, what we measured, and the verdict."""

    key: str
    text: str
    paper: str
    ours: str
    judgement: Judgement


def _versus(a: Sequence[float], b: Sequence[float], digits: int) -> str:
    return f"{_mean_or_nan(a):.{digits}f} vs {_mean_or_nan(b):.{digits}f}"


def paper_claims(results: Paper2Results, dataset: str = "Cora") -> list[Claim]:
    """Paper 2's claims, each judged on our per-seed values (the paper's single numbers, where a
    claim is about them, held fixed): accuracy kept (every dataset) and improved on ``dataset``,
    GCN-JEMO over GCN-JEM, the closed 3-walks, the generated features' covariance, confidence,
    calibration, and the ECE values."""
    runs = {model: results.runs(dataset, model) for model in results.models}
    accuracy = {model: per_seed(group, "accuracy", 100.0) for model, group in runs.items()}
    claims = []
    for name in results.datasets:
        jem, gcn = (per_seed(results.runs(name, m), "accuracy", 100.0) for m in ("jem", "gcn"))
        gap = PAPER2_ACCURACY["jem"][name] - PAPER2_ACCURACY["gcn"][name]
        claims.append(Claim(f"jem_as_accurate_{_key(name)}", f"GCN-JEM is as accurate as the GCN on {name}",
                            f"{gap:+.2f} points", f"{_versus(jem, gcn, 1)} %", judge(jem, gcn, "=")))
    paper = {model: PAPER2_ACCURACY[model][dataset] for model in ("gcn", "jem", "jemo")}
    claims.append(Claim("jem_beats_gcn", f"GCN-JEM is more accurate than the GCN on {dataset}",
                        f"{paper['jem']:.2f} vs {paper['gcn']:.2f} %", f"{_versus(accuracy['jem'], accuracy['gcn'], 1)} %",
                        judge(accuracy["jem"], accuracy["gcn"], ">")))
    claims.append(Claim("jemo_beats_jem", f"GCN-JEMO (weight 1) is more accurate than GCN-JEM on {dataset}",
                        f"{paper['jemo']:.2f} vs {paper['jem']:.2f} %", f"{_versus(accuracy['jemo'], accuracy['jem'], 1)} %",
                        judge(accuracy["jemo"], accuracy["jem"], ">")))
    original = per_seed([run for group in runs.values() for run in group], "closed_3_walks_original")
    claims.append(Claim("closed_walks_original", rf"$\trace(A^3)$ of {dataset} is {PAPER2_CLOSED_3_WALKS['original']}",
                        f"{PAPER2_CLOSED_3_WALKS['original']}", f"{_mean_or_nan(original):.0f}",
                        judge(original, float(PAPER2_CLOSED_3_WALKS["original"]), "=")))
    generated = per_seed(runs["jem"], "closed_3_walks")
    claims.append(Claim("more_closed_walks", "GCN-JEM's generated graph has more closed 3-walks than the original",
                        f"{PAPER2_CLOSED_3_WALKS['generated']} vs {PAPER2_CLOSED_3_WALKS['original']}",
                        _versus(generated, original, 0), judge(generated, original, ">")))
    largest = {m: per_seed(runs[m], "largest_covariance_eigenvalue") for m in ("jem", "gcn")}
    claims.append(Claim("high_covariance_eigenvalues",
                        "the generated features have larger covariance eigenvalues (largest, generated vs original)",
                        "many more high eigenvalues", f"{_mean_or_nan(largest['jem']):.3f} vs {_mean_or_nan(largest['gcn']):.2e}",
                        judge(largest["jem"], largest["gcn"], ">")))
    confidence = {m: per_seed(runs[m], "train_confidence") for m in ("jem", "gcn")}
    claims.append(Claim("less_confident", "GCN-JEM is less confident than the GCN (training nodes)", "yes (Figure 3)",
                        _versus(confidence["jem"], confidence["gcn"], 3), judge(confidence["jem"], confidence["gcn"], "<")))
    ece = {m: per_seed(runs[m], "ece") for m in ("jem", "gcn")}
    claims.append(Claim("better_calibrated", "GCN-JEM is better calibrated than the GCN (lower test ECE)",
                        f"{PAPER2_ECE['jem']:.2f} vs {PAPER2_ECE['gcn']:.2f}", _versus(ece["jem"], ece["gcn"], 3),
                        judge(ece["jem"], ece["gcn"], "<")))
    for model in ("jem", "gcn"):
        claims.append(Claim(f"ece_as_paper_{model}", f"{PAPER2_LABELS[model]}'s test ECE is the paper's",
                            f"{PAPER2_ECE[model]:.2f}", f"{_mean_or_nan(ece[model]):.3f}",
                            judge(ece[model], PAPER2_ECE[model], "=")))
    return claims


def ablation_claims(results: Paper2Results, dataset: str = "Cora") -> list[Claim]:
    """What our runs add (no paper numbers): GCN-JEMO's collapse with smaller weights and without
    graph generation, against the GCN's accuracy; GCN-JEMO on raw features (table-sized runs and
    ablation variants) against the GCN and the paper's GCN-JEMO; and the GCN's and GCN-JEM's
    under-confidence on the test nodes (accuracy above mean confidence)."""
    gcn = per_seed(results.runs(dataset, "gcn"), "accuracy", 100.0)
    claims = []
    for variant in ("jemo-weight0.1", "jemo-weight0.01", "jemo-no-generation"):
        if variant in results.variants:
            accuracy = per_seed(results.variant_runs(variant), "accuracy", 100.0)
            claims.append(Claim(f"{_key(variant)}_below_gcn", f"{ABLATION_LABELS.get(variant, variant)} is less "
                                f"accurate than the GCN on {dataset}", "-", f"{_versus(accuracy, gcn, 1)} %",
                                judge(accuracy, gcn, "<")))
    for variant in ("jemo-raw-weight0.1", "jemo-raw-weight0.01", "jemo-raw-no-generation"):
        accuracy = per_seed(results.variant_runs(variant), "accuracy", 100.0) if variant in results.variants else []
        if accuracy:
            label = ABLATION_LABELS.get(variant, variant)
            claims.append(Claim(f"{_key(variant)}_beats_gcn", f"{label} is more accurate than the GCN on {dataset}",
                                "-", f"{_versus(accuracy, gcn, 1)} %", judge(accuracy, gcn, ">")))
            claims.append(Claim(f"{_key(variant)}_as_paper", f"{label} reaches the paper's GCN-JEMO accuracy on {dataset}",
                                f"{PAPER2_ACCURACY['jemo'][dataset]:.2f} %", f"{_mean_or_nan(accuracy):.1f} %",
                                judge(accuracy, PAPER2_ACCURACY["jemo"][dataset], "=")))
    raw_jemo = per_seed(results.raw_runs(dataset, "jemo"), "accuracy", 100.0)
    if raw_jemo:
        jemo = per_seed(results.runs(dataset, "jemo"), "accuracy", 100.0)
        claims.append(Claim("jemo_raw_beats_normalised", f"GCN-JEMO on {dataset} is more accurate with raw features "
                            "than with row-normalised ones", "-", f"{_versus(raw_jemo, jemo, 1)} %",
                            judge(raw_jemo, jemo, ">")))
        claims.append(Claim("jemo_raw_as_accurate_as_gcn", f"GCN-JEMO on raw features is as accurate as the GCN "
                            f"(row-normalised) on {dataset}", "-", f"{_versus(raw_jemo, gcn, 1)} %",
                            judge(raw_jemo, gcn, "=")))
    for model in ("gcn", "jem"):
        runs = results.runs(dataset, model)
        accuracy, confidence = per_seed(runs, "accuracy"), per_seed(runs, "test_confidence")
        claims.append(Claim(f"{model}_underconfident", f"{PAPER2_LABELS[model]} is under-confident on {dataset}'s "
                            "test nodes (accuracy above mean confidence)", "-", _versus(accuracy, confidence, 3),
                            judge(accuracy, confidence, ">")))
    return claims


def claims_table(claims: Iterable[Claim]) -> str:
    """Claim, paper, ours and the verdict (with the difference and two standard errors)."""
    return markdown_table(["claim", "paper", "ours", "verdict"],
                          [[c.text, c.paper, c.ours, c.judgement.markdown] for c in claims])


def verdict_numbers(claims: Iterable[Claim]) -> dict[str, str]:
    """``verdict_<key>``: each claim's verdict in bold Markdown, for the prose."""
    return {f"verdict_{c.key}": f"**{c.judgement.verdict}**" for c in claims}


# ---------------------------------------------------------------- figures


def _figure(columns: int, width: float = 3.1, height: float = 3.2, **kwargs) -> tuple[Figure, np.ndarray]:
    with plt.rc_context(FIGURE_STYLE):
        fig, axes = plt.subplots(1, columns, figsize=(min(width * columns, 10.0), height), layout="constrained",
                                 squeeze=False, **kwargs)
    plt.close(fig)  # returned, not shown by pyplot as well
    return fig, axes[0]


def losses_figure(results: Paper2Results, dataset: str = "Cora", seed: int = 0) -> Figure:
    """GCN-JEM's classification and generative losses per epoch (log scale), and the mean energy
    of the batch's real nodes and of its samples (``seed`` run on ``dataset``)."""
    history = results.seed_run(dataset, "jem", seed)["result"]["history"]
    fig, (left, right) = _figure(2, width=4.6)
    with plt.rc_context(FIGURE_STYLE):
        left.semilogy(history["clf_loss"], label=r"$L_\mathrm{clf}$")
        left.semilogy(np.maximum(history["gen_loss"], 1e-12), label=r"$L_\mathrm{gen}$")
        left.set_xlabel("epoch")
        left.set_ylabel("loss")
        left.legend()
        right.plot(history["data_energy"], label="real nodes of the batch")
        right.plot(history["sample_energy"], label="samples")
        right.set_xlabel("epoch")
        right.set_ylabel(r"mean energy $-\mathrm{LSE}$")
        right.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2, frameon=False)
    return fig


def _spectrum_panels(panels: Sequence[tuple[str, Sequence[float], str]], width: float,
                     band: tuple[int, float, float, str] | None = None) -> Figure:
    fig, axes = _figure(len(panels), width=width, sharey=True)
    with plt.rc_context(FIGURE_STYLE):
        if band is not None:  # (panel, low, high, label): a shaded interval behind one histogram
            axis = axes[band[0]]
            axis.axvspan(band[1], band[2], color="0.85", zorder=0, label=band[3])
            axis.set_xlim(0, 1.3 * max(band[2], max(panels[band[0]][1])))  # the band's edges in view
            axis.legend(loc="upper right", fontsize=9)
        for axis, (title, values, colour) in zip(axes, panels):
            axis.hist(values, bins=100, log=True, color=colour)
            axis.set_title(title)
            axis.set_xlabel("eigenvalue")
            axis.xaxis.set_major_locator(MaxNLocator(5))
            axis.ticklabel_format(axis="x", style="sci", scilimits=(-2, 3))
        axes[0].set_ylabel("count")
    return fig


def adjacency_spectrum_figure(results: Paper2Results, dataset: str = "Cora", seed: int = 0) -> Figure:
    """Histograms (100 bins, log counts) of the adjacency eigenvalues of the original graph (the
    GCN run's, never changed) and of each generative model's generated graph."""
    models = [m for m in results.models if results.has_seed_run(dataset, m, seed)]
    if not models:
        raise LookupError(f"No finished seed-{seed} run on {dataset}: run `{COMMAND}`.")
    return _spectrum_panels([("original" if m == "gcn" else f"generated ({PAPER2_LABELS[m]})",
                              results.seed_run(dataset, m, seed)["result"]["spectra"]["adjacency_eigenvalues"],
                              "C0" if m == "gcn" else "C1") for m in models], width=3.3)


def covariance_spectrum_figure(results: Paper2Results, dataset: str = "Cora", seed: int = 0) -> Figure:
    """Histograms (100 bins, log counts, shared axis) of the covariance eigenvalues of the
    original features (the GCN run's) and of GCN-JEM's generated features, the latter over the
    Marchenko-Pastur band of the chains' initial distribution (:func:`covariance_numbers`)."""
    panels = []
    for model, label, colour in (("gcn", "original features", "C0"), ("jem", "generated (GCN-JEM)", "C1")):
        spectra = results.seed_run(dataset, model, seed)["result"]["spectra"]
        panels.append((f"{label},\n{spectra['feature_samples']} samples", spectra["covariance_eigenvalues"], colour))
    numbers = covariance_numbers(results, dataset, seed)
    return _spectrum_panels(panels, width=4.6, band=(1, numbers["mp_low"], numbers["mp_high"],
                                                     "Marchenko-Pastur band\nof the start"))


def generation_events_figure(results: Paper2Results, dataset: str = "Cora", seed: int = 0) -> Figure:
    """GCN-JEM's graph generation: the samples' energies at each generation event, and the
    number of edges it added above them."""
    events = results.seed_run(dataset, "jem", seed)["result"]["generation_events"]
    fig, (axis,) = _figure(1, width=9.0, height=3.4)
    with plt.rc_context(FIGURE_STYLE):
        for event in events:
            axis.plot([event["epoch"]] * len(event["energies"]), event["energies"], "_", color="C1", markersize=12)
            axis.annotate(str(len(event["added"][0])), (event["epoch"], max(event["energies"])),
                          textcoords="offset points", xytext=(0, 5), ha="center")
        axis.margins(y=0.12)
        axis.set_xlabel("epoch")
        axis.set_ylabel("sample energy")
    return fig


def confidence_figure(results: Paper2Results, dataset: str = "Cora", seed: int = 0) -> Figure:
    """Histograms (100 bins on [0, 1]) of the confidence on the training nodes after training,
    one panel per model, titled with the mean."""
    models = [m for m in results.models if results.has_seed_run(dataset, m, seed)]
    if not models:
        raise LookupError(f"No finished seed-{seed} run on {dataset}: run `{COMMAND}`.")
    fig, axes = _figure(len(models), sharey=True)
    with plt.rc_context(FIGURE_STYLE):
        for axis, model in zip(axes, models):
            values = results.seed_run(dataset, model, seed)["result"]["train_confidence"]
            axis.hist(values, bins=100, range=(0, 1), color=f"C{results.models.index(model)}")
            axis.set_title(f"{PAPER2_LABELS[model]}: mean {statistics.fmean(values):.2f}")
            axis.set_xlabel("confidence")
            axis.xaxis.set_major_locator(MaxNLocator(5))
        axes[0].set_ylabel("count")
    return fig


def reliability_figure(results: Paper2Results, dataset: str = "Cora") -> Figure:
    """Reliability diagrams of each model's test nodes pooled over seeds
    (:func:`pooled_reliability`, drawn by :func:`reliability_panels`)."""
    models = [m for m in results.models if results.runs(dataset, m)]
    if not models:
        raise LookupError(f"No finished runs on {dataset}: run `{COMMAND}`.")
    return reliability_panels([(PAPER2_LABELS[m], pooled_reliability(results.runs(dataset, m))) for m in models])


def reliability_panels(panels: Sequence[tuple[str, dict[str, list[float]]]]) -> Figure:
    """One reliability diagram per ``(title, pooled bins)``: accuracy per confidence bin (bars),
    the bin's mean confidence (dots; the diagonal is perfect calibration), and below, the number
    of nodes per bin."""
    with plt.rc_context(FIGURE_STYLE):
        fig, axes = plt.subplots(2, len(panels), figsize=(min(3.2 * len(panels), 12.0), 5.2), sharex=True,
                                 sharey="row", height_ratios=(3, 1.3), layout="constrained", squeeze=False)
        plt.close(fig)
        for (top, bottom), (title, pooled) in zip(axes.T, panels):
            edges, count = np.asarray(pooled["edges"]), np.asarray(pooled["count"])
            used = count > 0
            left, width = edges[:-1][used], np.diff(edges)[used]
            accuracy, confidence = np.asarray(pooled["accuracy"])[used], np.asarray(pooled["confidence"])[used]
            top.bar(left, accuracy, width=width, align="edge", alpha=0.7, edgecolor="k", label="accuracy of the bin")
            top.plot(confidence, accuracy, "o", color="C3", label="(mean confidence, accuracy)")
            top.plot([0, 1], [0, 1], "k--", lw=1, label="perfect calibration")
            top.set_title(title)
            bottom.bar(left, count[used], width=width, align="edge", color="0.5", edgecolor="k", log=True)
            bottom.set_xlabel("confidence")
            bottom.set_xlim(0, 1)
            bottom.xaxis.set_major_locator(MaxNLocator(5))
        axes[0, 0].set_ylabel("accuracy")
        axes[1, 0].set_ylabel("nodes")
        fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="outside upper center", ncols=3)
    return fig
