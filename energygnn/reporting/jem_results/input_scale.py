r"""GCN-JEMO's collapse tested by intervention (``results/jem_input_scale/``): the input rows
rescaled and nothing else. If the rows' size decides the collapse, GCN-JEMO on row-normalised
Cora with every row multiplied by one factor (bringing the rows' mean norm to the raw rows') should
train as it does on raw rows, and PubMed's raw rows (small TF-IDF rows) times 10 should train
where the raw rows collapse.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..claims import Claim
from ..runs import Paper2Results, Run, finished, load_optional, mean_or_nan, per_seed
from ..tables import markdown_table, mean_std_cell
from ..verdicts import MARGINS, judge

INPUT_SCALE_COMMAND = "python -m energygnn run jem_input_scale"
ACCURACY_POINTS = MARGINS["accuracy"].in_percent
# per intervention: its dataset, and the stored settings it is read against
SETTINGS = {"normalised-raw-norm": ("Cora", "row-normalised rows × one factor to the raw rows' mean norm"),
            "raw-x10": ("PubMed", "raw rows × 10")}


@dataclass(frozen=True)
class ScaleRow:
    """One input setting of GCN-JEMO (or the GCN) on one dataset: its runs' test accuracies (%) and
    the mean Euclidean norm of its input rows."""

    dataset: str
    setting: str
    accuracies: tuple[float, ...]
    row_norm: float


def _row_norm(config: dict) -> float:
    from ...experiments.jem_training import load_graph  # loads a dataset: only when asked

    return float(load_graph(config).x.norm(dim=1).mean())


def scale_rows(results: Paper2Results, runs: list[Run]) -> list[ScaleRow]:
    """Per intervention's dataset: GCN-JEMO on row-normalised rows (the table's), on raw rows
    (``jem_normalisation``), with the intervention (``runs``, finished runs of ``jem_input_scale``),
    and the table's GCN.

    Raises:
        ValueError: no finished intervention runs.
    """
    runs = finished(runs)
    if not runs:
        raise ValueError(f"scale_rows: no finished runs of jem_input_scale: run `{INPUT_SCALE_COMMAND}`.")
    rows = []
    for variant, (dataset, label) in SETTINGS.items():
        group = [run for run in runs if run["config"]["variant"] == variant]
        if not group:
            continue
        base = {**group[0]["config"], "feature_scale": None}
        for setting, stored, config in (
                ("GCN-JEMO, row-normalised rows", results.runs(dataset, "jemo"), {**base, "normalize_features": True}),
                ("GCN-JEMO, raw rows", results.raw_runs(dataset, "jemo"), {**base, "normalize_features": False}),
                (f"GCN-JEMO, {label}", group, group[0]["config"]),
                ("GCN, row-normalised rows", results.runs(dataset, "gcn"), {**base, "normalize_features": True})):
            rows.append(ScaleRow(dataset, setting, tuple(per_seed(stored, "accuracy", 100.0)), _row_norm(config)))
    return rows


def load_scale_rows(results: Paper2Results, root: Path | None = None) -> list[ScaleRow]:
    """:func:`scale_rows` of the stored ``jem_input_scale`` runs."""
    return scale_rows(results, load_optional("jem_input_scale", root))


def scale_table(rows: list[ScaleRow]) -> str:
    """Dataset, setting, the input rows' mean norm and test accuracy (mean ± std over seeds)."""
    return markdown_table(["dataset", "model and input rows", "mean row norm", "accuracy (%)"],
                          [[row.dataset, row.setting, f"{row.row_norm:.3g}", mean_std_cell(row.accuracies, digits=1)]
                           for row in rows])


def _find(rows: list[ScaleRow], dataset: str, start: str) -> ScaleRow:
    return next(row for row in rows if row.dataset == dataset and row.setting.startswith(start))


def _compared(rows: list[ScaleRow]):
    """Per intervention with runs: its dataset and label, and its rows: the intervention, the
    unscaled inputs and the reference it is compared with (Cora: raw rows; PubMed: the GCN)."""
    for dataset, label in SETTINGS.values():
        if not any(row.dataset == dataset for row in rows):
            continue
        yield (dataset, label, _find(rows, dataset, f"GCN-JEMO, {label}"),
               _find(rows, dataset, "GCN-JEMO, row-normalised" if dataset == "Cora" else "GCN-JEMO, raw rows"),
               _find(rows, dataset, "GCN-JEMO, raw rows" if dataset == "Cora" else "GCN, row-normalised"))


def scale_claims(rows: list[ScaleRow]) -> list[Claim]:
    """The book's questions (``asked_by="book"``): on Cora, GCN-JEMO with the rescaled
    row-normalised rows is more accurate than with the row-normalised rows and as accurate as with
    the raw rows; on PubMed, with the raw rows × 10 more accurate than with the raw rows and as
    accurate as the GCN. Keyed ``scale_<dataset>_beats_unscaled`` and ``scale_<dataset>_as_<reference>``."""
    claims = []
    for dataset, label, scaled, unscaled, reference in _compared(rows):
        versus = lambda a, b: f"{mean_or_nan(a.accuracies):.1f} vs {mean_or_nan(b.accuracies):.1f} %"  # noqa: E731
        claims.append(Claim(dataset, f"GCN-JEMO with {label} is more accurate than with {unscaled.setting[10:]}", "-",
                            judge(scaled.accuracies, unscaled.accuracies, ">"), key=f"scale_{dataset}_beats_unscaled",
                            ours=versus(scaled, unscaled), asked_by="book"))
        other = "raw" if dataset == "Cora" else "gcn"
        claims.append(Claim(dataset, f"GCN-JEMO with {label} is as accurate as {reference.setting}", "-",
                            judge(scaled.accuracies, reference.accuracies, "=", ACCURACY_POINTS),
                            key=f"scale_{dataset}_as_{other}", ours=versus(scaled, reference), asked_by="book"))
    return claims


def scale_numbers(rows: list[ScaleRow]) -> dict[str, float]:
    """For the prose, per dataset: ``scale_<dataset>_accuracy`` (the intervention's mean),
    ``scale_<dataset>_norm`` (its rows' mean norm), and ``_unscaled_accuracy``, ``_reference_accuracy``."""
    numbers = {}
    for dataset, label, scaled, unscaled, reference in _compared(rows):
        numbers.update({f"scale_{dataset}_accuracy": mean_or_nan(scaled.accuracies), f"scale_{dataset}_norm": scaled.row_norm,
                        f"scale_{dataset}_unscaled_accuracy": mean_or_nan(unscaled.accuracies),
                        f"scale_{dataset}_unscaled_norm": unscaled.row_norm,
                        f"scale_{dataset}_reference_accuracy": mean_or_nan(reference.accuracies)})
    return numbers
