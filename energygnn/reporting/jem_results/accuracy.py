r"""Paper 2's accuracy table, the same models on raw features, and the ablation of the choices the
paper leaves open, with the numbers the chapter's prose quotes of them.

Every function takes a :class:`~energygnn.reporting.runs.Paper2Results`; accuracies in tables are
percentages, in the ``*_numbers`` functions fractions.
"""
from __future__ import annotations

import math
import re
from collections.abc import Sequence

from ...experiments.reported import PAPER2_ACCURACY
from ...experiments.results import provenance_summary
from ..labels import ABLATION_LABELS, PAPER2_LABELS
from ..runs import Paper2Results, Run, mean_or_nan, per_seed
from ..tables import markdown_table, mean_std_cell, stopped_runs_text


def name_key(name: str) -> str:
    """``name`` with every non-word character as ``_``: a variant's name in the prose's keys."""
    return re.sub(r"\W", "_", name)


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


def status_numbers(results: Paper2Results) -> dict[str, object]:
    """``runs_in``, ``runs_planned``, ``runs_stopped`` (Markdown: how many stopped early and
    which), ``wall_hours``, ``cpu`` and ``provenance`` (Markdown) of the table's runs."""
    return {"runs_in": len(results.table), "runs_planned": results.planned,
            "runs_stopped": stopped_runs_text(results.table),
            "wall_hours": sum(run["wall_seconds"] for run in results.table) / 3600,
            "cpu": ", ".join(sorted({run["provenance"]["machine"]["cpu"] for run in results.table})),
            "provenance": provenance_summary(results.table, entropy_step=False)}


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
                numbers[f"{name_key(key)}_{q}"] = mean_or_nan(per_seed(runs, q))
            except KeyError:  # not recorded for this model (the GCN has no orthogonality penalty)
                continue
    for dataset in results.datasets:
        for model in results.models:
            raw = per_seed(results.raw_runs(dataset, model), "accuracy")
            if raw:
                numbers[f"raw_{model}_{dataset}_accuracy"] = mean_or_nan(raw)
    ratios = per_seed([run for dataset in results.datasets for run in results.runs(dataset, "jem")], "late_gen_over_clf")
    numbers.update(gen_over_clf_min=min(ratios, default=math.nan), gen_over_clf_max=max(ratios, default=math.nan))
    return numbers


def feature_scale_numbers(results: Paper2Results) -> dict[str, float]:
    """How large the inputs are that GCN-JEMO's penalty meets, per dataset: ``row_sum_<dataset>``
    and ``row_norm_<dataset>``, the mean over nodes of the raw feature rows' sum and Euclidean
    norm; ``row_norm_normalised_<dataset>``, the norm once rows are divided by their sums (what
    bounds a logit when the weight columns have unit length); and ``majority_<dataset>``, the
    share of the test nodes in the most frequent class (the accuracy of a constant prediction)."""
    from ...data import load_planetoid  # the datasets, not the results: loaded only when asked

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
