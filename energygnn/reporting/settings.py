r"""When does paper 1's entropy step keep the energy, and which setting trains best? Figure 2
under every setting of the step, the trained :math:`\lambda \times T` maps at depth 64, and the
chosen setting's Table 1 rows, from stored runs.

Map runs are grouped by ``MAP_FIELDS``, ``(dataset, weight, temperature, normalize)``;
Figure 2's setting runs by ``FIGURE2_FIELDS``, ``(variant, normalize, weight, depth)``. The
setting chosen on a map is :func:`energygnn.experiments.paper1.choose_entropy_setting`'s, the
same rule that picks the runs of ``table1_chosen``.
"""
from __future__ import annotations

import math
import statistics
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..experiments.paper1 import choose_entropy_setting
from ..experiments.results import group_runs
from .labels import MODEL_COLOURS
from .paper1 import SCORE, Claim, Groups, decay_per_layer, figure2_energies, round_decade_ticks, seed_values
from .tables import markdown_table, mean_std_cell
from .verdicts import Verdict, judge

MAP_FIELDS = ("dataset", "model_options.weight", "model_options.temperature", "model_options.normalize")
FIGURE2_FIELDS = ("model_options.variant", "model_options.normalize", "model_options.weight", "depth")
KEPT_ENERGY = 1e-2  # Figure 2: an energy at the largest depth at least this large is "kept"
VARIANT_LABELS = {"exact": "exact step (Theorem 3.1)", "authors": "authors' direction (no 1/T)"}
SHORT_VARIANT_LABELS = {"exact": "exact", "authors": "authors'"}


def normalisation_label(normalize: bool) -> str:
    r"""``"a_i = 1/sqrt(d_i c)"`` or ``"a_i = 1"``, as math."""
    return r"$a_i = 1/\sqrt{d_i c}$" if normalize else r"$a_i = 1$"


def setting_label(weight: float, temperature: float, normalize: bool) -> str:
    """E.g. ``"λ = 10, T = 0.1, aᵢ = 1"``, in plain text (for prose, where math does not render)."""
    energies = "aᵢ = 1/√(dᵢc)" if normalize else "aᵢ = 1"
    return f"λ = {weight:g}, T = {temperature:g}, {energies}"


# -- Figure 2 under every setting ------------------------------------------------------------------

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
            axis.set_title(f"{VARIANT_LABELS[variant]}, {normalisation_label(normalize)}", fontsize=10)
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
        claims.append(Claim(f"{VARIANT_LABELS[variant]}, {normalisation_label(normalize)}",
                            rf"$\lambda = {weight:g}$ keeps the energy at depth {depths[-1]} above {KEPT_ENERGY:g} (log10)",
                            "kept (at $\\lambda = 1$)", judge(logs, math.log10(KEPT_ENERGY), ">")))
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

    @property
    def predicts_kept(self) -> bool:
        """Whether the linearisation predicts a kept energy (``rate > 1``)."""
        return self.rate > 1

    @property
    def agrees(self) -> bool | None:
        """Whether the prediction matches the verdict (None when the verdict is within noise)."""
        verdict = self.claim.judgement.verdict
        if verdict not in (Verdict.HOLDS, Verdict.FAILS):
            return None
        return self.predicts_kept == (verdict is Verdict.HOLDS)

    @property
    def label(self) -> str:
        """E.g. ``"authors' direction (no 1/T), aᵢ = 1, λ = 10"``, in plain text."""
        energies = "aᵢ = 1/√(dᵢc)" if self.normalize else "aᵢ = 1"
        return f"{VARIANT_LABELS[self.variant]}, {energies}, λ = {self.weight:g}"


def figure2_predictions(groups: Groups, basic: Groups, edge_index, num_nodes: int) -> list[Figure2Prediction]:
    r"""Per setting: the linearised step's energy growth per layer over a GCN layer
    (:func:`~energygnn.linearised_step.energy_growth_per_layer` on Figure 2's graph ``edge_index``,
    at the runs' temperature and hidden width), times the basic GCN's measured decay per layer
    (``basic``: Figure 2's runs by ``(model, depth)``), beside the draws' mean energy at the largest
    depth and its verdict (:func:`figure2_setting_claims`)."""
    from ..linearised_step import energy_growth_per_layer

    depths, values = figure2_energies(basic, "basic")
    decay = decay_per_layer(depths, values)
    predictions = []
    for (variant, normalize, weight), claim in zip(figure2_settings(groups), figure2_setting_claims(groups)):
        setting_depths, energies = figure2_setting_energies(groups, variant, normalize, weight)
        config = groups[variant, normalize, weight, setting_depths[-1]][0]["config"]
        growth = energy_growth_per_layer(edge_index, num_nodes, weight, config["model_options"]["temperature"],
                                         normalize, config["hidden_channels"], variant)
        predictions.append(Figure2Prediction(variant, normalize, weight, growth, growth * decay,
                                             float(energies[-1].mean()), claim))
    return predictions


def figure2_prediction_table(predictions: Sequence[Figure2Prediction]) -> str:
    """:func:`figure2_predictions` as a Markdown table."""
    rows = [[SHORT_VARIANT_LABELS[p.variant], normalisation_label(p.normalize), f"{p.weight:g}", f"{p.growth:.3g}",
             f"{p.rate:.3g}", "kept" if p.predicts_kept else "collapses", f"{p.energy:.3g}",
             f"**{p.claim.judgement.verdict}**"] for p in predictions]
    return markdown_table(["step", "energies", "λ", "growth per layer", "× GCN's decay", "predicts",
                           "energy at the largest depth", f"kept above {KEPT_ENERGY:g}?"], rows)


def figure2_prediction_facts(predictions: Sequence[Figure2Prediction]) -> dict[str, Any]:
    """Named numbers for a chapter: ``settings``, ``kept`` (verdict holds), ``agree`` and
    ``disagree`` (prediction against verdict), ``kept_low``/``kept_high`` (the range of the kept
    settings' energies), and ``kept_list``/``collapsed_list``/``disagree_list`` (their labels)."""
    kept = [p for p in predictions if p.claim.judgement.verdict is Verdict.HOLDS]
    collapsed = [p for p in predictions if p.claim.judgement.verdict is Verdict.FAILS]
    disagree = [p for p in predictions if p.agrees is False]
    return {"settings": len(predictions), "kept": len(kept), "agree": sum(p.agrees is True for p in predictions),
            "disagree": len(disagree),
            "kept_low": min((p.energy for p in kept), default=math.nan),
            "kept_high": max((p.energy for p in kept), default=math.nan),
            "kept_list": "; ".join(p.label for p in kept) or "none",
            "collapsed_list": "; ".join(p.label for p in collapsed) or "none",
            "disagree_list": "; ".join(p.label for p in disagree) or "none"}


# -- The trained maps ------------------------------------------------------------------------------

def map_groups(stored: Sequence[dict[str, Any]]) -> Groups:
    """Map runs keyed ``(dataset, weight, temperature, normalize)``."""
    return group_runs(list(stored), *MAP_FIELDS)


def cell_values(groups: Groups, key: tuple, metric: str = SCORE) -> tuple[list[float], int]:
    """The seeds' ``metric`` in one map cell, and how many of its runs diverged (no metrics)."""
    values = seed_values(groups, key, metric)
    return [v for v in values if v is not None], sum(v is None for v in values)


def map_scores(groups: Groups, dataset: str) -> dict[tuple[float, float, bool], list[float | None]]:
    """Per setting of ``dataset``, the seeds' best validation accuracy (None: diverged)."""
    return {key[1:]: seed_values(groups, key) for key in groups if key[0] == dataset}


def map_progress(groups: Groups, section: dict[str, Any], dataset: str) -> tuple[int, int]:
    """``(complete, planned)``: how many of ``dataset``'s settings have every seed stored (a
    diverged run counts as stored), out of the section's grid."""
    planned = [(dataset, w, t, n) for w in section["weights"] for t in section["temperatures"] for n in section["normalize"]]
    return sum(len(groups.get(key, [])) >= len(section["seeds"]) for key in planned), len(planned)


def chosen_setting(groups: Groups, section: dict[str, Any], dataset: str) -> tuple[float, float, bool] | None:
    """The setting the experiments' rule (:func:`~energygnn.experiments.paper1.choose_entropy_setting`)
    picks, once every setting of ``dataset``'s map has all its seeds (None before: a choice among
    the settings finished so far would not be the map's)."""
    complete, planned = map_progress(groups, section, dataset)
    if complete < planned:
        return None
    return choose_entropy_setting(map_scores(groups, dataset), len(section["seeds"]))


def basic_values(table1: Groups, dataset: str, depth: int, metric: str = SCORE) -> list[float]:
    """The basic GCN's seeds at ``depth`` in Table 1 (``table1``: its runs grouped by ``(dataset, model, depth)``)."""
    return seed_values(table1, (dataset, "basic", depth), metric)


def plot_maps(groups: Groups, section: dict[str, Any], table1: Groups, metric: str = SCORE):
    r"""Heat maps of the mean ``metric`` over seeds: one row per dataset, one panel per energy
    normalisation, :math:`\lambda` down and :math:`T` across; each cell gives its mean, standard
    deviation and, if not all seeds are in or some diverged, how many. Colours diverge from the
    basic GCN's mean at the same depth in Table 1 (``table1``), white at that level;
    the chosen setting is framed. Returns the Figure."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import CenteredNorm
    from matplotlib.patches import Rectangle

    weights, temperatures, normalisations = section["weights"], section["temperatures"], section["normalize"]
    datasets = [d for d in section["datasets"] if any(key[0] == d for key in groups)]
    fig, axes = plt.subplots(len(datasets), len(normalisations), figsize=(4.2 * len(normalisations) + 1, 3.6 * len(datasets)),
                             squeeze=False, gridspec_kw={"hspace": 0.45})  # room for each row's titles
    for row, dataset in enumerate(datasets):
        basic = basic_values(table1, dataset, section["depth"], metric)
        level = statistics.fmean(basic) if basic else 0.5
        choice = chosen_setting(groups, section, dataset)
        means = {key: cell_values(groups, key, metric) for key in groups if key[0] == dataset}
        finite = [statistics.fmean(v) for v, _ in means.values() if v]
        low, high = min(finite + [level - 0.01]), max(finite + [level + 0.01])
        # symmetric about the basic GCN's level: equal colour distances are equal accuracy differences
        norm = CenteredNorm(vcenter=level, halfrange=max(abs(high - level), abs(low - level), 1e-3))
        for col, normalize in enumerate(normalisations):
            axis = axes[row, col]
            grid = np.full((len(weights), len(temperatures)), np.nan)
            for i, weight in enumerate(weights):
                for j, temperature in enumerate(temperatures):
                    values, diverged = means.get((dataset, weight, temperature, normalize), ([], 0))
                    if values:
                        grid[i, j] = statistics.fmean(values)
                    text = (f"{statistics.fmean(values):.3f}\n±{statistics.stdev(values) if len(values) > 1 else 0:.3f}"
                            if values else "not run")
                    if values and len(values) < len(section["seeds"]):
                        text += f"\nn={len(values)}"
                    if diverged:
                        text += f"\n{diverged} diverged"
                    dark = bool(values) and abs(norm(statistics.fmean(values)) - 0.5) > 0.3
                    axis.text(j, i, text, ha="center", va="center", fontsize=9, color="white" if dark else "black")
            image = axis.imshow(grid, cmap="RdBu", norm=norm)
            if choice is not None and choice[2] == normalize:
                i, j = weights.index(choice[0]), temperatures.index(choice[1])
                axis.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, lw=2.5, color="black"))
            axis.set_xticks(range(len(temperatures)), [f"{t:g}" for t in temperatures])
            axis.set_yticks(range(len(weights)), [f"{w:g}" for w in weights])
            axis.set_xlabel("temperature $T$")
            axis.set_ylabel(r"$\lambda$")
            axis.set_title(f"{dataset}, {normalisation_label(normalize)}", fontsize=10)
        fig.colorbar(image, ax=axes[row].tolist(), shrink=0.85,
                     label=f"mean {metric.replace('_', ' ')}\n(white: basic GCN, {level:.3f})")
    plt.close(fig)
    return fig


def map_table(groups: Groups, section: dict[str, Any], table1: Groups) -> str:
    """The maps as a table: a row per dataset, energy normalisation and :math:`\\lambda`, a column
    per :math:`T`; each cell gives the best validation accuracy (mean ± std over seeds), the test
    accuracy at it, diverged runs, and the verdict on "beats Table 1's basic GCN at the same
    depth" (the shared rule, ``>``, on the validation accuracy; not judged on one seed)."""
    rows = []
    for dataset in section["datasets"]:
        basic = basic_values(table1, dataset, section["depth"])
        for normalize in section["normalize"]:
            for weight in section["weights"]:
                cells = []
                for temperature in section["temperatures"]:
                    key = (dataset, weight, temperature, normalize)
                    values, diverged = cell_values(groups, key)
                    tests, _ = cell_values(groups, key, "test_acc_at_best_val")
                    if not values:
                        cells.append("not run" + (f" ({diverged} diverged)" if diverged else ""))
                        continue
                    verdict = f"**{judge(values, basic, '>').verdict}**" if len(values) > 1 else "one seed: not judged"
                    cells.append(f"{mean_std_cell(values, expected=len(section['seeds']))} "
                                 f"<br>test {statistics.fmean(tests):.3f}"
                                 + (f" <br>{diverged} diverged" if diverged else "") + f" <br>{verdict}")
                rows.append([dataset, normalisation_label(normalize), f"{weight:g}"] + cells)
    return markdown_table(["dataset", "energies", "λ"] + [f"T = {t:g}" for t in section["temperatures"]], rows)


def setting_of(options: dict[str, Any]) -> tuple[float, float, bool]:
    """``(weight, temperature, normalize)`` of an entropic model's options."""
    return options["weight"], options["temperature"], options["normalize"]


def map_claims(groups: Groups, section: dict[str, Any], table1: Groups, paper_setting: dict[str, Any]) -> list[Claim]:
    """Per dataset at the map's depth: the chosen setting (the map's seeds) beats Table 1's basic GCN
    (Table 1's seeds), and beats the paper's setting in the map (``paper_setting``: the entropic
    model's options; the map's seeds), each on
    the best validation accuracy (which chose it, so biased upwards) and on the test accuracy at
    that epoch."""
    claims = []
    paper_key = setting_of(paper_setting)
    for dataset in section["datasets"]:
        choice = chosen_setting(groups, section, dataset)
        chosen = (dataset, *choice) if choice else None
        for metric, label in ((SCORE, "validation"), ("test_acc_at_best_val", "test")):
            ours = cell_values(groups, chosen, metric)[0] if chosen else []
            claims += [
                Claim(dataset, f"the chosen setting beats the basic GCN at depth {section['depth']} ({label})", "",
                      judge(ours, basic_values(table1, dataset, section["depth"], metric), ">")),
                Claim(dataset, f"the chosen setting beats λ = {paper_key[0]:g}, T = {paper_key[1]:g} with the paper's aᵢ "
                               f"at depth {section['depth']} ({label})", "",
                      judge(ours, cell_values(groups, (dataset, *paper_key), metric)[0], ">")),
            ]
    return claims


def shallow_claims(groups: Groups, section: dict[str, Any], table1: Groups, shallow: int = 4) -> list[Claim]:
    """Per dataset: is the chosen setting at the map's depth as accurate as Table 1's basic GCN at
    depth ``shallow`` (test accuracy at the best validation epoch, ``=``)? Keeping the energy is
    the paper's remedy for depth; this asks whether it gives back what depth took."""
    claims = []
    for dataset in section["datasets"]:
        choice = chosen_setting(groups, section, dataset)
        ours = cell_values(groups, (dataset, *choice), "test_acc_at_best_val")[0] if choice else []
        claims.append(Claim(dataset, f"the chosen setting at depth {section['depth']} is as accurate as the basic GCN "
                                     f"at depth {shallow} (test)", "",
                            judge(ours, basic_values(table1, dataset, shallow, "test_acc_at_best_val"), "=")))
    return claims


def chosen_row_claims(table1: Groups, chosen: Groups, datasets: Sequence[str], depth: int,
                      seeds: Collection[int] | None = None) -> list[Claim]:
    """Per dataset at ``depth``, Table 1's seeds against the ``table1_chosen`` seeds (both grouped
    by ``(dataset, model, depth)``): the entropic GCN at the chosen setting beats the basic GCN
    and beats the entropic GCN at Table 1's setting, on the test accuracy at the epoch of best
    validation accuracy. At the map's depth the seeds the map ran repeat, bit for bit, the runs
    that chose the setting (runs are deterministic); only the other seeds are fresh there.
    ``seeds`` keeps only those seeds on both sides (the fresh ones for a check the choice did
    not see); None keeps every seed."""
    which = "" if seeds is None else f", seeds {', '.join(str(s) for s in sorted(seeds))}"
    claims = []
    for dataset in datasets:
        ours = seed_values(chosen, (dataset, "entropic", depth), "test_acc_at_best_val", seeds)
        for label, model in (("the basic GCN", "basic"), ("Table 1's setting", "entropic")):
            claims.append(Claim(dataset, f"at depth {depth} the chosen setting beats {label} (test accuracy{which})", "",
                                judge(ours, seed_values(table1, (dataset, model, depth), "test_acc_at_best_val", seeds), ">")))
    return claims


def seed_split_claims(table1: Groups, chosen: Groups, datasets: Sequence[str], depth: int,
                      fresh: Collection[int], choosing: Collection[int]) -> list[Claim]:
    """Per dataset at ``depth``, for the basic GCN, the entropic GCN at Table 1's setting and at the
    chosen setting: the ``fresh`` seeds are as accurate as the ``choosing`` seeds (``=``, test
    accuracy at the epoch of best validation accuracy), in that order per dataset. If only the
    chosen setting fails, downwards, its choosing seeds were flattered by the choice (the
    winner's curse of picking the best of many settings), not harder or easier seeds."""
    lines = (("basic GCN", table1, "basic"), ("Table 1's setting", table1, "entropic"),
             ("chosen setting", chosen, "entropic"))
    fresh_text, choosing_text = (", ".join(str(seed) for seed in sorted(seeds)) for seeds in (fresh, choosing))
    return [Claim(dataset, f"{label}: seeds {fresh_text} as accurate as seeds {choosing_text} at depth {depth} "
                           f"(test accuracy)", "",
                  judge(seed_values(groups, (dataset, model, depth), "test_acc_at_best_val", fresh),
                        seed_values(groups, (dataset, model, depth), "test_acc_at_best_val", choosing), "="), "seed_split")
            for dataset in datasets for label, groups, model in lines]
