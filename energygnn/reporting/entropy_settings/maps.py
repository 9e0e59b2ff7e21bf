r"""The trained :math:`\lambda \times T` maps at depth 64 (``entropy_maps``): the entropic GCN's
accuracy over weights, temperatures and energy normalisations, the setting chosen on each map,
and whether it beats the basic GCN and the paper's setting.

Map runs are grouped by ``(dataset, weight, temperature, normalize)``
(:func:`~energygnn.reporting.runs.map_groups`); the setting chosen on a map is
:func:`energygnn.experiments.paper1.choose_entropy_setting`'s, the same rule that picks the runs
of ``table1_chosen``. ``table1`` is Table 1's runs grouped by ``(dataset, model, depth)``.
"""
from __future__ import annotations

import statistics
from typing import Any

import numpy as np

from ...experiments.paper1 import choose_entropy_setting
from ..claims import Claim
from ..labels import normalisation_label
from ..runs import SCORE, Groups, seed_values, setting_of
from ..tables import markdown_table, mean_std_cell
from ..verdicts import judge


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
    depth" (the shared rule, ``>``, on the validation accuracy, with the difference its seeds can
    detect; not judged on one seed)."""
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
                    judgement = judge(values, basic, ">")
                    verdict = (f"**{judgement.verdict}** (±{judgement.half_width:.3f})" if len(values) > 1
                               else "one seed: not judged")
                    cells.append(f"{mean_std_cell(values, expected=len(section['seeds']))} "
                                 f"<br>test {statistics.fmean(tests):.3f}"
                                 + (f" <br>{diverged} diverged" if diverged else "") + f" <br>{verdict}")
                rows.append([dataset, normalisation_label(normalize), f"{weight:g}"] + cells)
    return markdown_table(["dataset", "energies", "λ"] + [f"T = {t:g}" for t in section["temperatures"]], rows)


def shallow_claims(deep_values: dict[str, list[float]], table1: Groups, depth: int, shallow: int = 4) -> list[Claim]:
    """Per dataset of ``deep_values`` (the chosen setting's seeds at ``depth``): is it as accurate
    as Table 1's basic GCN at depth ``shallow`` (best validation accuracy, ``=``)? Keeping the
    energy is the paper's remedy for depth; this asks whether it gives back what depth took."""
    return [Claim(dataset, f"the chosen setting at depth {depth} (fresh seeds) is as accurate as the basic GCN at "
                           f"depth {shallow}", "",
                  judge(values, basic_values(table1, dataset, shallow), "=", "accuracy"), "shallow", asked_by="book")
            for dataset, values in deep_values.items()]
