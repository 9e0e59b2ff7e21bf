r"""Paper 2's Figure 3 and its calibration claims: confidence on the training nodes, the test
nodes' expected calibration error beside accuracy and mean confidence, reliability diagrams, and
what the paper's ECE values would need.

Every function takes a :class:`~energygnn.reporting.runs.Paper2Results`; quantities are fractions.
"""
from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ...data import PLANETOID_CLASSES
from ...experiments.reported import PAPER2_ACCURACY, PAPER2_ECE
from ..figures import panels, reliability_panels
from ..labels import FIGURE_STYLE, PAPER2_LABELS
from ..runs import PAPER2_COMMAND, Paper2Results, Run, mean_or_nan, per_seed, pooled_reliability
from ..tables import markdown_table, mean_std_cell


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
    runs' test nodes pooled over seeds (:func:`~energygnn.reporting.runs.pooled_reliability`): negative is over-confident."""
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
        numbers[f"our_confidence_{model}"] = mean_or_nan(per_seed(results.runs(dataset, model), "test_confidence"))
    return numbers


def confidence_figure(results: Paper2Results, dataset: str = "Cora", seed: int = 0) -> Figure:
    """Histograms (100 bins on [0, 1]) of the confidence on the training nodes after training,
    one panel per model, titled with the mean."""
    models = [m for m in results.models if results.has_seed_run(dataset, m, seed)]
    if not models:
        raise LookupError(f"No finished seed-{seed} run on {dataset}: run `{PAPER2_COMMAND}`.")
    fig, axes = panels(len(models), sharey=True)
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
    (:func:`~energygnn.reporting.runs.pooled_reliability`, drawn by
    :func:`~energygnn.reporting.figures.reliability_panels`)."""
    models = [m for m in results.models if results.runs(dataset, m)]
    if not models:
        raise LookupError(f"No finished runs on {dataset}: run `{PAPER2_COMMAND}`.")
    return reliability_panels([(PAPER2_LABELS[m], pooled_reliability(results.runs(dataset, m))) for m in models])
