r"""Figure 2 of paper 1 under every setting of the entropy step (``figure2_settings``): the
untrained entropic GCN's output energy on the grid for each step direction, energy normalisation
and weight :math:`\lambda`, judged against a kept level, and the linearisation that predicts it
(:func:`~energygnn.linearised_step.energy_growth_per_layer`).

Runs are grouped by ``FIGURE2_FIELDS``, ``(variant, normalize, weight, depth)``; the settings'
runs of ``figure2_measures`` (every oversmoothing measure, on grids with one and with several input
features) by ``MEASURE_FIELDS``, ``(variant, normalize, weight, features, depth)``, the basic GCN's
of that experiment by ``(model, features, depth)``. :func:`dominant_modes` says which eigenvector
dominates each setting's linearised layer and how much energy it carries.
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
MEASURE_FIELDS = FIGURE2_FIELDS[:3] + ("features", "depth")
# the measures of energygnn.measures shown per setting (the raw energy is Figure 2's own, above)
SETTING_MEASURES = {"scale_free_energy": "E(X)/‖X‖²", "centred_scale_free_energy": "centred",
                    "numerical_rank": "numerical rank", "effective_rank": "effective rank"}
KEPT_ENERGY = 1e-2  # Figure 2: an energy at the largest depth at least this large is "kept"
SATURATION_LAYERS = 100  # P-bar is averaged over this many last layers (figure2_saturation)


def last_layers_p_bar(saturation: Groups, variant: str, normalize: bool, weight: float) -> float | None:
    r"""The mean :math:`\bar P_i` over the nodes, the last ``SATURATION_LAYERS`` layers and the draws
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
    r"""Named numbers for a chapter: ``settings``, ``kept`` (verdict holds), ``agree`` and
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


# -- every measure per setting (figure2_measures) --------------------------------------------------

def setting_measure_groups(stored: Sequence[dict[str, Any]]) -> tuple[Groups, Groups]:
    """``figure2_measures`` runs: the settings' (family ``"settings"``) by ``MEASURE_FIELDS``, and
    Figure 2's models (family ``"figure2"``) by ``(model, features, depth)``."""
    settings = [run for run in stored if run["config"]["family"] == "settings"]
    models = [run for run in stored if run["config"]["family"] == "figure2"]
    return group_runs(settings, *MEASURE_FIELDS), group_runs(models, "model", "features", "depth")


def _draws(groups: Groups, key: tuple, measure: str) -> list[float]:
    return [float(v) for v in groups[key][0]["result"][measure]] if key in groups else []


def setting_measure_table(settings: Groups, models: Groups, features: int, depth: int) -> str:
    """Every setting's scale-free energies and ranks at ``depth`` on the grid with ``features``
    input features (draws' means), below the basic GCN's (from :func:`setting_measure_groups`)."""
    rows = [["basic GCN", "", ""] + [f"{np.mean(_draws(models, ('basic', features, depth), m)):.3g}"
                                     for m in SETTING_MEASURES]]
    for variant, normalize, weight in sorted({key[:3] for key in settings}, key=lambda s: (s[0] != "exact", not s[1], s[2])):
        key = (variant, normalize, weight, features, depth)
        if key in settings:
            rows.append([SHORT_STEP_DIRECTION_LABELS[variant], normalisation_label(normalize), f"{weight:g}"]
                        + [f"{np.mean(_draws(settings, key, m)):.3g}" for m in SETTING_MEASURES])
    return markdown_table(["step", "energies", "λ", *SETTING_MEASURES.values()], rows)


def setting_measure_claims(settings: Groups, models: Groups, features: int, depth: int) -> list[Claim]:
    r"""Per setting (the book's questions), on the grid with ``features`` input features at
    ``depth``: the step raises the scale-free energy over the basic GCN (judged on the draws'
    :math:`\log_{10}`, ``>``), and it raises the effective rank (``>``)."""
    basic_energy = [math.log10(max(v, np.nextafter(0.0, 1.0)))
                    for v in _draws(models, ("basic", features, depth), "scale_free_energy")]
    basic_rank = _draws(models, ("basic", features, depth), "effective_rank")
    claims = []
    for variant, normalize, weight in sorted({key[:3] for key in settings}, key=lambda s: (s[0] != "exact", not s[1], s[2])):
        key = (variant, normalize, weight, features, depth)
        scope = f"{STEP_DIRECTION_LABELS[variant]}, {normalisation_label(normalize)}"
        energy = [math.log10(max(v, np.nextafter(0.0, 1.0))) for v in _draws(settings, key, "scale_free_energy")]
        claims.append(Claim(scope, rf"$\lambda = {weight:g}$ raises the scale-free energy over the basic GCN at depth "
                            f"{depth} (log10, {features} input features)", "", judge(energy, basic_energy, ">"),
                            asked_by="book"))
        claims.append(Claim(scope, rf"$\lambda = {weight:g}$ raises the effective rank over the basic GCN at depth "
                            f"{depth} ({features} input features)", "",
                            judge(_draws(settings, key, "effective_rank"), basic_rank, ">"), asked_by="book"))
    return claims


# -- which eigenvector dominates the linearised layer -----------------------------------------------

def dominant_modes(settings: Sequence[tuple[str, bool, float]], edge_index, num_nodes: int, temperature: float,
                   width: int) -> list[tuple[tuple[str, bool, float], Any]]:
    r"""Per setting ``(variant, normalize, weight)``: :func:`~energygnn.linearised_step.dominant_mode`
    of its linearised layer :math:`(I + \lambda L_a)\tilde A` on the graph, led by
    :math:`\tilde A` itself (the setting ``("none", True, 0.0)``: no step)."""
    from ...linearised_step import dominant_mode

    rows = [(("none", True, 0.0), dominant_mode(edge_index, num_nodes, 0.0, temperature, True, width))]
    return rows + [(setting, dominant_mode(edge_index, num_nodes, setting[2], temperature, setting[1], width, setting[0]))
                   for setting in settings]


def dominant_mode_table(modes) -> str:
    r""":func:`dominant_modes` as a Markdown table: the dominant eigenvalue, the Rayleigh quotient
    :math:`v^\top L v / v^\top v` of its eigenvector (against :math:`\lambda_{\max}(L)`), its
    scale-free energy, its cosine with :math:`\hat D^{1/2}\mathbf 1`, its energy over that of
    :math:`\hat D^{1/2}\mathbf 1` and the kind of mode (``DominantMode.kind``)."""
    rows = []
    for (variant, normalize, weight), mode in modes:
        step = "none (Ã)" if variant == "none" else SHORT_STEP_DIRECTION_LABELS[variant]
        rows.append([step, "" if variant == "none" else normalisation_label(normalize),
                     "" if variant == "none" else f"{weight:g}", f"{mode.eigenvalue:.4g}",
                     f"{mode.rayleigh:.3g} of {mode.laplacian_top:.3g}", f"{mode.scale_free_energy:.3g}",
                     f"{mode.cosine:.3f}", f"{mode.energy_ratio:.3g}", mode.kind])
    return markdown_table(["step", "energies", "λ", "dominant eigenvalue", "its Rayleigh quotient",
                           "its scale-free energy", "cos with D̂^½1", "energy over D̂^½1's", "mode"], rows)


def dominant_mode_facts(modes, settings: Groups, features: int, depth: int, rank_one: float = 1.5) -> dict[str, Any]:
    r"""How the dominant modes (:func:`dominant_modes`) line up with the runs: ``mode_smooth`` and
    ``mode_rough`` (settings by the kind of their dominant eigenvector), ``smooth_rank_one`` (of
    the smooth ones, those whose draws' mean effective rank at ``depth`` on the grid with ``features``
    input features is below ``rank_one``), ``rough_ranked`` (of the rough ones, those above it),
    ``smooth_sf`` (the range of the smooth settings' mean scale-free energy there) and
    ``smooth_mode_sf`` (the range of their dominant eigenvectors' scale-free energy)."""
    smooth = [(s, m) for s, m in modes if s[0] != "none" and m.kind == "smooth"]
    rough = [(s, m) for s, m in modes if s[0] != "none" and m.kind == "rough"]

    def mean(setting, measure):
        values = _draws(settings, (*setting, features, depth), measure)
        return float(np.mean(values)) if values else math.nan

    return {"mode_smooth": len(smooth), "mode_rough": len(rough),
            "smooth_rank_one": sum(mean(s, "effective_rank") < rank_one for s, _ in smooth),
            "rough_ranked": sum(mean(s, "effective_rank") > rank_one for s, _ in rough),
            "smooth_sf": value_range([mean(s, "scale_free_energy") for s, _ in smooth], "{:.3g}"),
            "smooth_mode_sf": value_range([m.scale_free_energy for _, m in smooth], "{:.3g}")}
