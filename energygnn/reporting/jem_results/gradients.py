r"""Which loss term drives GCN-JEM's first epochs? The parameter gradients of the cross-entropy
:math:`L_\text{clf}` and of the generative term :math:`L_\text{gen}`, recorded per epoch by the runs of
``jem_gradients`` (``energygnn.ebm.trainer.GRADIENT_DIAGNOSTICS``: the runs of ``jem_readings``
again, with the measurement on, which leaves their training unchanged).

A loss ratio :math:`L_\text{gen}/L_\text{clf}` says how large the terms are, not how hard each pulls
on the parameters; the *gradient share* :math:`\lVert\nabla_\theta L_\text{gen}\rVert /
\lVert\nabla_\theta L_\text{clf}\rVert` does, and the cosine of the two gradients says whether they
pull the same way.
"""
from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ...ebm.sampler import PARTITIONS
from ...experiments.results import load_experiment
from ..claims import Claim
from ..labels import READING_LABELS
from ..runs import Run
from ..tables import markdown_table, mean_std_cell
from ..verdicts import judge

EARLY_EPOCHS = 20
GRADIENTS_COMMAND = "python -m energygnn run jem_gradients"
# what a gradient run must repeat of its jem_readings run, epoch for epoch, to be the same training
RETRACED = ("clf_loss", "gen_loss", "train_loss", "test_acc", "sgld_step_ratio")


def _history(run: Run) -> dict[str, list]:
    return run["result"]["history"]


def gradient_share(run: Run, epochs: int = EARLY_EPOCHS) -> float:
    r"""The run's :math:`\lVert\nabla L_\text{gen}\rVert / \lVert\nabla L_\text{clf}\rVert`, per epoch,
    averaged over its first ``epochs`` epochs."""
    history = _history(run)
    return statistics.fmean(g / c for g, c in zip(history["grad_norm_gen"][:epochs], history["grad_norm_clf"][:epochs]))


def gen_longer_epochs(run: Run, epochs: int = EARLY_EPOCHS) -> int:
    """How many of the run's first ``epochs`` epochs have the generative gradient longer than the cross-entropy's."""
    history = _history(run)
    return sum(g > c for g, c in zip(history["grad_norm_gen"][:epochs], history["grad_norm_clf"][:epochs]))


def _early_mean(run: Run, key: str, epochs: int) -> float:
    return statistics.fmean(_history(run)[key][:epochs])


@dataclass(frozen=True)
class GradientRow:
    """One reading of :math:`Z` over its seeds: the gradients of its first ``epochs`` epochs."""

    reading: str
    runs: tuple[Run, ...]
    epochs: int
    shares: tuple[float, ...]  # ||grad L_gen|| / ||grad L_clf||, mean over the first epochs
    cosines: tuple[float, ...]
    clf_norms: tuple[float, ...]
    gen_norms: tuple[float, ...]
    loss_ratios: tuple[float, ...]  # L_gen / L_clf, means over the same epochs
    gen_longer: tuple[int, ...]  # epochs with the generative gradient longer

    @property
    def seeds(self) -> list[int]:
        return [run["config"]["seed"] for run in self.runs]


def gradient_rows(runs: Sequence[Run], epochs: int = EARLY_EPOCHS) -> list[GradientRow]:
    """One :class:`GradientRow` per reading present in ``runs`` (finished runs of ``jem_gradients``),
    in ``energygnn.ebm.sampler.PARTITIONS`` order, over each run's first ``epochs`` epochs.

    Raises:
        ValueError: no finished run, or a run without the gradients (made with the measurement off),
            or fewer recorded epochs than ``epochs``.
    """
    finished = [run for run in runs if run["result"]["status"] == "ok"]
    if not finished:
        raise ValueError(f"gradient_rows: no finished gradient runs: run `{GRADIENTS_COMMAND}`.")
    for run in finished:
        recorded = len(_history(run).get("grad_norm_clf", []))
        if recorded < epochs:
            raise ValueError(f"gradient_rows: run {run['key']!r} recorded the gradients of {recorded} epochs, "
                             f"not the {epochs} asked for.")
    rows = []
    for reading in PARTITIONS:
        group = tuple(sorted((run for run in finished if run["config"]["jem"]["partition"] == reading),
                             key=lambda run: run["config"]["seed"]))
        if not group:
            continue
        rows.append(GradientRow(
            reading, group, epochs, tuple(gradient_share(run, epochs) for run in group),
            tuple(_early_mean(run, "grad_cosine", epochs) for run in group),
            tuple(_early_mean(run, "grad_norm_clf", epochs) for run in group),
            tuple(_early_mean(run, "grad_norm_gen", epochs) for run in group),
            tuple(_early_mean(run, "gen_loss", epochs) / _early_mean(run, "clf_loss", epochs) for run in group),
            tuple(gen_longer_epochs(run, epochs) for run in group)))
    return rows


def load_gradient_rows(root: Path | None = None, dataset: str = "Cora", epochs: int = EARLY_EPOCHS) -> list[GradientRow]:
    """:func:`gradient_rows` of the stored ``jem_gradients`` runs on ``dataset``."""
    return gradient_rows([run for run in load_experiment("jem_gradients", root) if run["config"]["dataset"] == dataset],
                         epochs)


def retraced_runs(rows: Sequence[GradientRow], readings: Sequence[Run]) -> tuple[int, int]:
    """How many of the gradient runs repeat, number for number in every epoch, the ``jem_readings``
    run of the same reading and seed (``RETRACED``: the losses, accuracy and step ratio), and how
    many have such a run to compare with: the measurement left the training unchanged when they
    all do."""
    by_cell = {(run["config"]["jem"]["partition"], run["config"]["seed"]): run for run in readings}
    same = compared = 0
    for row in rows:
        for run in row.runs:
            reference = by_cell.get((row.reading, run["config"]["seed"]))
            if reference is None:
                continue
            compared += 1
            same += all(_history(run)[key] == _history(reference)[key] for key in RETRACED)
    return same, compared


def gradient_table(rows: Sequence[GradientRow]) -> str:
    r"""Per reading, over its seeds' first epochs (mean ± std over seeds): the gradient share
    :math:`\lVert\nabla L_\text{gen}\rVert / \lVert\nabla L_\text{clf}\rVert`, each gradient's norm,
    their cosine, the loss ratio :math:`L_\text{gen}/L_\text{clf}`, and the epochs (over all seeds) in
    which the generative gradient is the longer."""
    body = [[f"`{row.reading}`", len(row.runs), mean_std_cell(row.shares, digits=3),
             mean_std_cell(row.clf_norms, digits=3), mean_std_cell(row.gen_norms, digits=3),
             mean_std_cell(row.cosines, digits=2), mean_std_cell(row.loss_ratios, digits=3),
             f"{sum(row.gen_longer)} of {row.epochs * len(row.runs)}"] for row in rows]
    return markdown_table(["$Z$", "seeds", rf"$\lVert\nabla L_\text{{gen}}\rVert / \lVert\nabla L_\text{{clf}}\rVert$",
                           r"$\lVert\nabla L_\text{clf}\rVert$", r"$\lVert\nabla L_\text{gen}\rVert$", "cosine",
                           r"$L_\text{gen} / L_\text{clf}$", "epochs with the generative gradient longer"], body)


def gradient_figure(rows: Sequence[GradientRow], epochs: int = 100) -> Figure:
    r"""Per epoch (first ``epochs``), the gradient share (log scale; median over seeds, the seeds'
    range shaded) beside the loss ratio :math:`L_\text{gen}/L_\text{clf}` (dotted), and the cosine of the
    two gradients (median over seeds), one colour per reading."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10.0, 3.6), layout="constrained")
    plt.close(fig)
    for index, row in enumerate(rows):
        colour, label = f"C{index}", READING_LABELS.get(row.reading, row.reading)
        length = min(epochs, *(len(_history(run)["grad_norm_clf"]) for run in row.runs))
        x = np.arange(1, length + 1)
        shares = np.array([np.asarray(_history(run)["grad_norm_gen"][:length]) / np.asarray(_history(run)["grad_norm_clf"][:length])
                           for run in row.runs])
        losses = np.array([np.asarray(_history(run)["gen_loss"][:length]) / np.asarray(_history(run)["clf_loss"][:length])
                           for run in row.runs])
        cosines = np.array([_history(run)["grad_cosine"][:length] for run in row.runs])
        left.semilogy(x, np.median(shares, axis=0), color=colour, label=label)
        left.fill_between(x, shares.min(axis=0), shares.max(axis=0), color=colour, alpha=0.15)
        left.semilogy(x, np.maximum(np.median(losses, axis=0), 1e-8), color=colour, ls=":", lw=1)
        right.plot(x, np.median(cosines, axis=0), color=colour, label=label)
    left.axhline(1.0, color="k", ls="--", lw=1)
    left.axvline(rows[0].epochs if rows else EARLY_EPOCHS, color="0.5", lw=0.8)
    right.axvline(rows[0].epochs if rows else EARLY_EPOCHS, color="0.5", lw=0.8)
    right.axhline(0.0, color="k", lw=0.8)
    left.set(xlabel="epoch", ylabel=r"$\|\nabla L_\mathrm{gen}\| / \|\nabla L_\mathrm{clf}\|$" "\n(dotted: $L_\\mathrm{gen}/L_\\mathrm{clf}$)")
    right.set(xlabel="epoch", ylabel="cosine of the two gradients", ylim=(-1.05, 1.05))
    fig.legend(*left.get_legend_handles_labels(), loc="outside lower center", ncols=max(len(rows), 1), frameon=False)
    return fig


def gradient_claims(rows: Sequence[GradientRow]) -> list[Claim]:
    """The book's question of the readings (not paper 2's): in the first epochs, does the generative
    term's gradient dominate the cross-entropy's (share ``>`` 1) under ``lse``, ``mean`` and
    ``none``, and does the cross-entropy's dominate (share ``<`` 1) under ``sum``? Each judged on the
    seeds' mean shares against 1 (held fixed). Keyed ``<reading>_gen_gradient_dominates`` /
    ``sum_clf_gradient_dominates``."""
    claims = []
    for row in rows:
        epochs = f"the first {row.epochs} epochs"
        if row.reading == "sum":
            claims.append(Claim("", f"under `sum` the cross-entropy's gradient is longer than the generative term's in "
                                f"{epochs}", "-", judge(row.shares, 1.0, "<"), key="sum_clf_gradient_dominates",
                                ours=f"{statistics.fmean(row.shares):.3g}", asked_by="book"))
        else:
            claims.append(Claim("", f"under `{row.reading}` the generative term's gradient is longer than the "
                                f"cross-entropy's in {epochs}", "-", judge(row.shares, 1.0, ">"),
                                key=f"{row.reading}_gen_gradient_dominates", ours=f"{statistics.fmean(row.shares):.3g}",
                                asked_by="book"))
    return claims


def gradient_numbers(rows: Sequence[GradientRow], readings: Sequence[Run] = ()) -> dict[str, object]:
    """For the prose: ``grad_epochs`` and, per reading, ``grad_<reading>_share``, ``_share_min``,
    ``_share_max`` (over seeds), ``_cosine``, ``_clf_norm``, ``_gen_norm``, ``_loss_ratio`` and
    ``_gen_longer`` (epochs over all seeds) with ``_epochs`` (their count); with ``readings`` (the
    ``jem_readings`` runs), ``grad_retraced`` and ``grad_compared`` (:func:`retraced_runs`)."""
    numbers: dict[str, object] = {"grad_epochs": rows[0].epochs if rows else EARLY_EPOCHS}
    for row in rows:
        prefix = f"grad_{row.reading}"
        numbers.update({f"{prefix}_share": statistics.fmean(row.shares), f"{prefix}_share_min": min(row.shares),
                        f"{prefix}_share_max": max(row.shares), f"{prefix}_cosine": statistics.fmean(row.cosines),
                        f"{prefix}_clf_norm": statistics.fmean(row.clf_norms),
                        f"{prefix}_gen_norm": statistics.fmean(row.gen_norms),
                        f"{prefix}_loss_ratio": statistics.fmean(row.loss_ratios),
                        f"{prefix}_gen_longer": sum(row.gen_longer), f"{prefix}_epochs": row.epochs * len(row.runs)})
    if readings:
        numbers["grad_retraced"], numbers["grad_compared"] = retraced_runs(rows, readings)
    return numbers
