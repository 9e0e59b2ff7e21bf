r"""The chapter ``book/oversmoothing_grid``: paper 1's Figure 2, the output energy of untrained deep
models on a grid, from the runs of ``figure2`` grouped by ``(model, depth)``.

A model *collapses* when its survey energy falls by more than ``orders`` orders of magnitude from
the smallest depth to the largest, judged by the shared rule
(:func:`~energygnn.reporting.verdicts.judge`) on the draws.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..experiments.configs import load_config
from ..experiments.results import group_runs, load_experiment, provenance_summary
from .claims import Claim, PaperResult
from .figures import round_decade_ticks
from .labels import LINE_STYLES, MODEL_COLOURS, MODEL_LABELS
from .prose import MarkdownText
from .runs import Groups, Run, decay_per_layer, figure2_energies, wall_hours
from .tables import markdown_table
from .verdicts import Verdict, judge, overall_verdict

CHAPTER = "oversmoothing_grid"
COLLAPSE_ORDERS = 6.0  # orders of magnitude an energy must fall by to count as collapsed


@dataclass(frozen=True)
class Figure2Runs:
    """What the chapter reads: the ``figure2`` config section and its runs, grouped by ``(model, depth)``."""

    section: dict[str, Any]
    stored: list[Run]
    groups: Groups


def load(root: Path | None = None) -> Figure2Runs:
    """The runs of ``figure2`` under ``root`` (default: the results folder) with the section of
    ``configs/paper1.json`` that planned them."""
    stored = load_experiment("figure2", root)
    return Figure2Runs(load_config("paper1", quick=False)["figure2"], stored, group_runs(stored, "model", "depth"))


def paper_results(runs: Figure2Runs) -> dict[str, PaperResult]:
    """Paper 1's results this chapter tests, by name: ``figure2`` (:func:`collapse_claims`)."""
    return {"figure2": PaperResult("1", "Figure 2: only the basic GCN's energy collapses", CHAPTER,
                                   collapse_claims(runs.groups, runs.section["models"]))}


def plot_figure2(groups: Groups, models: Sequence[str]):
    """Figure 2: mean output energy against depth (min-max band over draws), the survey's energy
    (left) and the authors' normalised mean node energy (right), log scale. Returns the Figure."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharex=True)
    titles = {"survey_energy": "survey: $\\frac{1}{n}\\sum_i\\sum_j \\|x_i - x_j\\|^2$",
              "authors_energy": "authors: mean $E_i$, $a_i = 1/\\sqrt{d_i c}$"}
    for axis, (key, title) in zip(axes, titles.items()):
        for index, model in enumerate(models):
            depths, values = figure2_energies(groups, model, key)
            # curves that coincide (the three GCNs, G2 and PairNorm) stay visible: own dash and marker
            axis.plot(depths, values.mean(axis=1), linestyle=LINE_STYLES[index % len(LINE_STYLES)][0],
                      marker=LINE_STYLES[index % len(LINE_STYLES)][1], ms=6 - index, lw=2.6 - 0.4 * index,
                      color=MODEL_COLOURS[model], label=MODEL_LABELS[model])
            axis.fill_between(depths, values.min(axis=1), values.max(axis=1), color=MODEL_COLOURS[model], alpha=0.15)
        round_decade_ticks(axis)
        axis.set_xlabel("depth $L$")
        axis.set_title(title)
    axes[0].set_ylabel("energy of the output")
    axes[0].legend()
    fig.tight_layout()
    plt.close(fig)
    return fig


def collapse_claims(groups: Groups, models: Sequence[str], collapsing: Sequence[str] = ("basic",),
                    orders: float = COLLAPSE_ORDERS) -> list[Claim]:
    r"""Figure 2's claim, per model: the models in ``collapsing`` (the paper: the basic GCN)
    collapse, the others keep their energy away from zero. A model *collapses* when its survey
    energy falls by more than ``orders`` orders of magnitude from the smallest depth to the
    largest: judged on the draws' :math:`\log_{10}(E_{L_\max} / E_{L_\min})` (a draw shares its
    seed at every depth; an energy of exactly zero counts as the smallest positive float64)
    against :math:`-\text{orders}`, ``<`` for collapse, ``>`` for kept."""
    claims = []
    for model in models:
        _, values = figure2_energies(groups, model)
        logs = np.log10(np.maximum(values, np.nextafter(0.0, 1.0)))
        falls = [float(v) for v in logs[-1] - logs[0]] if len(logs) else []
        if model in collapsing:
            claims.append(Claim(MODEL_LABELS[model], f"collapses: energy falls by more than {orders:g} orders of "
                                "magnitude", "collapses", judge(falls, -orders, "<")))
        else:
            claims.append(Claim(MODEL_LABELS[model], f"keeps its energy within {orders:g} orders of magnitude",
                                "kept", judge(falls, -orders, ">")))
    return claims


def figure2_outcomes(groups: Groups, models: Sequence[str], orders: float = COLLAPSE_ORDERS) -> dict[str, str]:
    """Which models collapsed (by the rule of :func:`collapse_claims`), which kept their energy, and
    which are undecided (inconclusive or not run): ``{"collapsed": "Basic GCN, ...", "kept": ...,
    "undecided": ...}``, ``"none"`` for an empty list."""
    names: dict[str, list[str]] = {"collapsed": [], "kept": [], "undecided": []}
    for claim, model in zip(collapse_claims(groups, models, collapsing=models, orders=orders), models):
        verdict = claim.judgement.verdict
        names["collapsed" if verdict is Verdict.HOLDS else "kept" if verdict is Verdict.FAILS else "undecided"].append(
            MODEL_LABELS[model])
    return {outcome: ", ".join(found) or "none" for outcome, found in names.items()}


def figure2_table(groups: Groups, models: Sequence[str]) -> str:
    """Per model: mean survey energy at the smallest and the largest depth, their ratio and the
    mean decay per layer (:func:`~energygnn.reporting.runs.decay_per_layer`)."""
    rows = []
    for model in models:
        depths, values = figure2_energies(groups, model)
        first, last = values[0].mean(), values[-1].mean()
        rows.append([MODEL_LABELS[model], f"{first:.3g}", f"{last:.3g}", f"{last / first:.2g}",
                     f"{decay_per_layer(depths, values):.4f}"])
    smallest, largest = min(depth for _, depth in groups), max(depth for _, depth in groups)
    return markdown_table(["model", f"energy at depth {smallest}", f"at depth {largest}", "ratio", "decay per layer"], rows)


def chapter_numbers(runs: Figure2Runs) -> dict[str, Any]:
    """The numbers of the chapter's prose: ``figure2_runs``, ``figure2_minutes``,
    ``figure2_provenance``, ``largest_depth``, :func:`figure2_outcomes`, and ``paper_claim``, the
    verdict on the paper's claim, all its parts together
    (:func:`~energygnn.reporting.verdicts.overall_verdict`)."""
    return {"figure2_runs": len(runs.stored), "figure2_minutes": wall_hours(runs.stored) * 60,
            "figure2_provenance": MarkdownText(provenance_summary(runs.stored)),
            "largest_depth": max(runs.section["depths"]), **figure2_outcomes(runs.groups, runs.section["models"]),
            "paper_claim": str(overall_verdict(paper_results(runs)["figure2"].claims))}
