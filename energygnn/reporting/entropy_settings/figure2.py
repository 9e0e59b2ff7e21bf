r"""Figure 2 of paper 1 under every setting of the entropy step (``figure2_settings``): the
untrained entropic GCN's output energy on the grid for each step direction, energy normalisation
and weight :math:`\lambda`, judged against a kept level, and the linearisation that predicts it
(:func:`~energygnn.linearised_step.energy_growth_per_layer`).

Runs are grouped by ``FIGURE2_FIELDS``, ``(variant, normalize, weight, depth)``.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...experiments.results import group_runs
from ..claims import Claim
from ..figures import round_decade_ticks
from ..labels import (MODEL_COLOURS, SHORT_STEP_DIRECTION_LABELS, STEP_DIRECTION_LABELS, energies_text,
                      normalisation_label)
from ..runs import Groups, decay_per_layer, figure2_energies
from ..prose import value_range
from ..tables import markdown_table
from ..verdicts import Verdict, judge

FIGURE2_FIELDS = ("model_options.variant", "model_options.normalize", "model_options.weight", "depth")
KEPT_ENERGY = 1e-2  # Figure 2: an energy at the largest depth at least this large is "kept"
SATURATION_LAYERS = 100  # P-bar is averaged over this many last layers (figure2_saturation)


def last_layers_p_bar(saturation: Groups, variant: str, normalize: bool, weight: float) -> float | None:
    """The mean :math:`\bar P_i` over the nodes, the last ``SATURATION_LAYERS`` layers and the draws
    of ``figure2_saturation`` (``saturation``: its runs by ``FIGURE2_FIELDS``) for one setting; None
    when it was not run."""
    runs = [run for key, group in saturation.items() if key[:3] == (variant, normalize, weight) for run in group]
    values = [value for run in runs for draw in run["result"]["mean_p_bar"] for value in draw[-SATURATION_LAYERS:]]
    return float(np.mean(values)) if values else None


def figure2_setting_groups(stored: Sequence[dict[str, Any]]) -> Groups:
    """Figure 2's setting runs keyed ``(variant, normalize, weight, depth)``."""
    return group_runs(list(stored), *FIGURE2_FIELDS)


def figure2_setting_energies(groups: Groups, variant: str, normalize: bool, weight: float,
                             key: str = "survey_energy") -> tuple[list[int], np.ndarray]:
    """Depths and the energies there, [depths, draws], of one setting."""
    depths = sorted(d for v, n, w, d in groups if (v, n, w) == (variant, normalize, weight))
    return depths, np.array([groups[variant, normalize, weight, d][0]["result"][key] for d in depths], dtype=float)


def figure2_settings(groups: Groups) -> list[tuple[str, bool, float]]:
    """The ``(variant, normalize, weight)`` settings present, in a stable order."""
    return sorted({key[:3] for key in groups}, key=lambda s: (s[0] != "exact", not s[1], s[2]))


def plot_figure2_settings(groups: Groups, basic: Groups | None = None):
    """Figure 2 under every setting: one panel per step direction and energy normalisation, one
    line per :math:`\\lambda` (min-max band over draws), the basic GCN of Figure 2 (``basic``:
    Figure 2's runs grouped by ``(model, depth)``) dashed, and the kept-energy level dotted. Returns the Figure."""
    import matplotlib.pyplot as plt

    settings = figure2_settings(groups)
    variants = list(dict.fromkeys(s[0] for s in settings))
    normalisations = list(dict.fromkeys(s[1] for s in settings))
    fig, axes = plt.subplots(len(variants), len(normalisations), figsize=(11, 3.6 * len(variants)),
                             sharex=True, sharey=True, squeeze=False)
    weights = sorted({s[2] for s in settings})
    colours = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, len(weights)))
    for row, variant in enumerate(variants):
        for col, normalize in enumerate(normalisations):
            axis = axes[row, col]
            if basic:
                depths, values = figure2_energies(basic, "basic")
                axis.plot(depths, values.mean(axis=1), "--", color=MODEL_COLOURS["basic"], label="basic GCN")
            for colour, weight in zip(colours, weights):
                if (variant, normalize, weight) not in settings:
                    continue
                depths, values = figure2_setting_energies(groups, variant, normalize, weight)
                floor = np.maximum(values, np.nextafter(0.0, 1.0))  # log axis: an exact 0 drawn as the smallest float
                axis.plot(depths, floor.mean(axis=1), "-o", ms=3, color=colour, label=rf"$\lambda = {weight:g}$")
                axis.fill_between(depths, floor.min(axis=1), floor.max(axis=1), color=colour, alpha=0.15)
            axis.axhline(KEPT_ENERGY, color="0.5", lw=0.8, ls=":")
            axis.set_yscale("log")
            if row == len(variants) - 1 and col == len(normalisations) - 1:
                round_decade_ticks(axis)  # the axes share y: once, after every panel is drawn
            axis.set_title(f"{STEP_DIRECTION_LABELS[variant]}, {normalisation_label(normalize)}", fontsize=10)
            if row == len(variants) - 1:
                axis.set_xlabel("depth $L$")
            if col == 0:
                axis.set_ylabel("energy of the output")
    axes[0, 0].legend(fontsize=9)
    fig.tight_layout()
    plt.close(fig)
    return fig


def figure2_setting_claims(groups: Groups) -> list[Claim]:
    r"""Per setting: "keeps the energy at the largest depth at or above ``KEPT_ENERGY``",
    judged on the draws' :math:`\log_{10}` of the survey energy there (an exact 0 counts as the
    smallest positive float64) against :math:`\log_{10}` of the level, ``>``."""
    claims = []
    for variant, normalize, weight in figure2_settings(groups):
        depths, values = figure2_setting_energies(groups, variant, normalize, weight)
        logs = [math.log10(max(v, np.nextafter(0.0, 1.0))) for v in values[-1]]
        claims.append(Claim(f"{STEP_DIRECTION_LABELS[variant]}, {normalisation_label(normalize)}",
                            rf"$\lambda = {weight:g}$ keeps the energy at depth {depths[-1]} above {KEPT_ENERGY:g} (log10)",
                            "kept (at $\\lambda = 1$)", judge(logs, math.log10(KEPT_ENERGY), ">"), asked_by="book"))
    return claims


@dataclass(frozen=True)
class Figure2Prediction:
    """One setting of Figure 2's entropic GCN: the linearisation's prediction and the outcome."""

    variant: str
    normalize: bool
    weight: float
    growth: float  # energy_growth_per_layer on Figure 2's graph
    rate: float  # growth x the basic GCN's measured decay per layer
    energy: float  # the draws' mean energy at the largest depth
    claim: Claim  # kept above KEPT_ENERGY, judged on the draws
    p_bar: float | None = None  # last_layers_p_bar: 1 where the step is linear, near 0 where it saturates

    @property
    def predicts_kept(self) -> bool:
        """Whether the linearisation predicts a kept energy (``rate > 1``)."""
        return self.rate > 1

    @property
    def agrees(self) -> bool | None:
        """Whether the prediction matches the verdict (None when the verdict is inconclusive)."""
        verdict = self.claim.judgement.verdict
        if verdict not in (Verdict.HOLDS, Verdict.FAILS):
            return None
        return self.predicts_kept == (verdict is Verdict.HOLDS)

    @property
    def label(self) -> str:
        """E.g. ``"authors' direction (no 1/T), aᵢ = 1, λ = 10"``, in plain text."""
        return f"{STEP_DIRECTION_LABELS[self.variant]}, {energies_text(self.normalize)}, λ = {self.weight:g}"


def figure2_predictions(groups: Groups, basic: Groups, edge_index, num_nodes: int,
                        saturation: Groups | None = None) -> list[Figure2Prediction]:
    r"""Per setting: the linearised step's energy growth per layer over a GCN layer
    (:func:`~energygnn.linearised_step.energy_growth_per_layer` on Figure 2's graph ``edge_index``,
    at the runs' temperature and hidden width), times the basic GCN's measured decay per layer
    (``basic``: Figure 2's runs by ``(model, depth)``), beside the draws' mean energy at the largest
    depth and its verdict (:func:`figure2_setting_claims`), and how saturated the step is in the
    last layers (:func:`last_layers_p_bar` of ``saturation``, where given)."""
    from ...linearised_step import energy_growth_per_layer

    depths, values = figure2_energies(basic, "basic")
    decay = decay_per_layer(depths, values)
    predictions = []
    for (variant, normalize, weight), claim in zip(figure2_settings(groups), figure2_setting_claims(groups)):
        setting_depths, energies = figure2_setting_energies(groups, variant, normalize, weight)
        config = groups[variant, normalize, weight, setting_depths[-1]][0]["config"]
        growth = energy_growth_per_layer(edge_index, num_nodes, weight, config["model_options"]["temperature"],
                                         normalize, config["hidden_channels"], variant)
        p_bar = last_layers_p_bar(saturation, variant, normalize, weight) if saturation else None
        predictions.append(Figure2Prediction(variant, normalize, weight, growth, growth * decay,
                                             float(energies[-1].mean()), claim, p_bar))
    return predictions


def figure2_prediction_table(predictions: Sequence[Figure2Prediction]) -> str:
    """:func:`figure2_predictions` as a Markdown table."""
    rows = [[SHORT_STEP_DIRECTION_LABELS[p.variant], normalisation_label(p.normalize), f"{p.weight:g}", f"{p.growth:.3g}",
             f"{p.rate:.3g}", "kept" if p.predicts_kept else "collapses", f"{p.energy:.3g}",
             f"**{p.claim.judgement.verdict}**", "not run" if p.p_bar is None else f"{p.p_bar:.3f}"] for p in predictions]
    return markdown_table(["step", "energies", "λ", "growth per layer", "× GCN's decay", "predicts",
                           "energy at the largest depth", f"kept above {KEPT_ENERGY:g}?",
                           f"mean P̄ᵢ, last {SATURATION_LAYERS} layers"], rows)


def figure2_prediction_facts(predictions: Sequence[Figure2Prediction]) -> dict[str, Any]:
    """Named numbers for a chapter: ``settings``, ``kept`` (verdict holds), ``agree`` and
    ``disagree`` (prediction against verdict), ``kept_low``/``kept_high`` (the range of the kept
    settings' energies), ``kept_p_bar``/``collapsed_p_bar`` (the range of their last layers' mean
    :math:`\bar P_i`, where measured), and ``kept_list``/``collapsed_list``/``disagree_list`` (their labels)."""
    kept = [p for p in predictions if p.claim.judgement.verdict is Verdict.HOLDS]
    collapsed = [p for p in predictions if p.claim.judgement.verdict is Verdict.FAILS]
    disagree = [p for p in predictions if p.agrees is False]
    return {"settings": len(predictions), "kept": len(kept), "agree": sum(p.agrees is True for p in predictions),
            "disagree": len(disagree),
            "kept_low": min((p.energy for p in kept), default=math.nan),
            "kept_high": max((p.energy for p in kept), default=math.nan),
            "kept_p_bar": value_range([p.p_bar for p in kept]),
            "collapsed_p_bar": value_range([p.p_bar for p in collapsed]),
            "kept_list": "; ".join(p.label for p in kept) or "none",
            "collapsed_list": "; ".join(p.label for p in collapsed) or "none",
            "disagree_list": "; ".join(p.label for p in disagree) or "none"}
