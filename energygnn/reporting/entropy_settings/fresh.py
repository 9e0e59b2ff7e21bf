r"""The chosen settings judged on seeds that no choice saw (``fresh_seeds``), and what choosing
the best of the map's settings bought.

The map (``entropy_maps``) ranks 18 settings of the depth-64 entropic GCN by their mean best
validation accuracy over seeds 0-2; ``fresh_seeds`` re-runs the basic GCN, the entropic GCN at
Table 1's setting and at the map's best settings on seeds 5-14. Every claim here is the book's
question, judged by the shared rule on the best validation accuracy (paper 1's).

What selection buys is measured two ways. On the map, the *expected best of k* settings
(Dodge et al. 2019): for the N settings' means :math:`v_{(1)} \le \dots \le v_{(N)}`, the
expected maximum of k drawn without replacement is

.. math::
    \mathbb{E}\big[\max_k\big] = \sum_{i=k}^{N} v_{(i)} \binom{i-1}{k-1} \Big/ \binom{N}{k}.

On fresh seeds, the chosen setting against its own choosing seeds (the winner's curse: a best
of many is flattered by the noise of the seeds that chose it) and against Table 1's setting.
"""
from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from ...experiments.results import group_runs
from ..claims import Claim
from ..labels import setting_label
from ..runs import Groups, Run, seed_pairs, seed_values, setting_of
from ..verdicts import judge

Setting = tuple[float, float, bool]
BASIC, TABLE1 = "basic", "table1"


def fresh_groups(stored: Sequence[Run], table1_settings: Mapping[str, Setting]) -> Groups:
    """``fresh_seeds`` runs keyed ``(dataset, which)``: ``which`` is ``"basic"``, ``"table1"``
    (the entropic GCN at ``table1_settings[dataset]``) or the entropic GCN's setting
    ``(weight, temperature, normalize)``."""
    labelled = []
    for run in stored:
        config = run["config"]
        if config["model"] == "basic":
            which: Any = BASIC
        else:
            setting = setting_of(config["model_options"])
            which = TABLE1 if setting == table1_settings[config["dataset"]] else setting
        labelled.append({**run, "config": {**config, "which": which}})
    return group_runs(labelled, "dataset", "which")


def expected_best_of(values: Sequence[float], k: int) -> float:
    """The expected maximum of ``k`` of ``values`` drawn without replacement (all subsets equally
    likely).

    Raises:
        ValueError: ``k`` outside 1..len(values).
    """
    ordered, n = sorted(values), len(values)
    if not 1 <= k <= n:
        raise ValueError(f"expected_best_of: k must be between 1 and {n}, got {k}.")
    return sum(v * math.comb(i, k - 1) for i, v in enumerate(ordered)) / math.comb(n, k)


def best_of_curve(means: Sequence[float]) -> list[float]:
    """:func:`expected_best_of` for k = 1 .. len(means): what choosing among k settings buys on
    the seeds that choose (k = 1: the mean setting; k = N: the best)."""
    return [expected_best_of(means, k) for k in range(1, len(means) + 1)]


def _label(which: Any) -> str:
    return {BASIC: "the basic GCN", TABLE1: "Table 1's setting"}.get(which) or setting_label(*which)


def fresh_claims(fresh: Groups, ranked: Mapping[str, Sequence[Setting]], table1_settings: Mapping[str, Setting],
                 depth: int) -> list[Claim]:
    """Per dataset and per setting of ``ranked`` (the map's best first; Table 1's own setting, if
    among them, skipped): on the fresh seeds, the setting beats the basic GCN and beats Table 1's
    setting (``>``); the best setting's two claims are headlines."""
    claims = []
    for dataset, settings in ranked.items():
        basic, paper = seed_values(fresh, (dataset, BASIC)), seed_values(fresh, (dataset, TABLE1))
        for rank, setting in enumerate(settings, start=1):
            if setting == table1_settings[dataset]:
                continue
            ours = seed_values(fresh, (dataset, setting))
            name = f"the map's no. {rank} ({setting_label(*setting)})"
            claims += [Claim(dataset, f"{name} beats the basic GCN at depth {depth}, fresh seeds", "",
                             judge(ours, basic, ">"), "fresh", (dataset, rank, "basic"), asked_by="book",
                             headline=rank == 1),
                       Claim(dataset, f"{name} beats Table 1's setting at depth {depth}, fresh seeds", "",
                             judge(ours, paper, ">"), "fresh", (dataset, rank, "table1"), asked_by="book",
                             headline=rank == 1)]
    return claims


def double_claims(fresh: Groups, chosen: Mapping[str, Setting], datasets: Sequence[str], depth: int) -> list[Claim]:
    """Table 1's "approximately double" at the chosen setting, on fresh seeds: per dataset, log2 of
    the chosen setting's over the basic GCN's accuracy, seed by seed, equal to 1 (margin
    ``"accuracy ratio"``)."""
    claims = []
    for dataset in datasets:
        pairs = seed_pairs(fresh, (dataset, chosen[dataset]), fresh, (dataset, BASIC))
        ratios = [math.log2(a / b) for a, b in pairs if a > 0 and b > 0]
        claims.append(Claim(dataset, f"at depth {depth} the chosen setting is about twice as accurate as the basic GCN "
                                     "(log2 of the ratio = 1), fresh seeds", "", judge(ratios, 1.0, "=", "accuracy ratio"),
                            "double", (dataset, "double"), asked_by="book"))
    return claims


def selection_claims(fresh: Groups, maps: Groups, table1: Groups, chosen: Mapping[str, Setting],
                     map_seeds: Sequence[int], depth: int) -> list[Claim]:
    """Per dataset, did the choice flatter its seeds? The chosen setting's fresh seeds as accurate
    as the map's seeds that chose it (``=``); and, as controls nobody chose, the basic GCN's and
    Table 1's setting's fresh seeds as accurate as Table 1's seeds."""
    claims = []
    for dataset, setting in chosen.items():
        choosing = seed_values(maps, (dataset, *setting), seeds=map_seeds)
        lines = [("the chosen setting", seed_values(fresh, (dataset, setting)), choosing, "chosen"),
                 ("the basic GCN", seed_values(fresh, (dataset, BASIC)),
                  seed_values(table1, (dataset, "basic", depth)), "basic"),
                 ("Table 1's setting", seed_values(fresh, (dataset, TABLE1)),
                  seed_values(table1, (dataset, "entropic", depth)), "table1")]
        claims += [Claim(dataset, f"{label}: fresh seeds as accurate as the seeds "
                                  f"{'that chose it' if which == 'chosen' else 'of Table 1'}", "",
                         judge(new, old, "=", "accuracy"), "selection", (dataset, "split", which), asked_by="book")
                   for label, new, old, which in lines]
    return claims


def fresh_table(fresh: Groups, ranked: Mapping[str, Sequence[Setting]], maps: Groups, map_seeds: Sequence[int]) -> str:
    """The fresh seeds' best validation accuracy (mean ± std) and test accuracy at it, per dataset:
    the basic GCN, Table 1's setting and the map's best settings, beside each setting's mean on
    the map's seeds that ranked it."""
    from ..tables import markdown_table, mean_std_cell

    rows = []
    for dataset, settings in ranked.items():
        for which in (BASIC, TABLE1, *settings):
            values = seed_values(fresh, (dataset, which))
            if not values:
                continue
            tests = seed_values(fresh, (dataset, which), "test_acc_at_best_val")
            on_map = seed_values(maps, (dataset, *which), seeds=map_seeds) if isinstance(which, tuple) else []
            rank = f"no. {list(settings).index(which) + 1} " if which in settings else ""
            rows.append([dataset, rank + _label(which), len(values), mean_std_cell(values),
                         f"{statistics.fmean(tests):.3f}", f"{statistics.fmean(on_map):.3f}" if on_map else ""])
    return markdown_table(["dataset", "model", "fresh seeds", "best validation accuracy", "test accuracy at it",
                           "on the map's seeds"], rows)


def plot_selection(map_means: Mapping[str, Sequence[float]], fresh: Groups, chosen: Mapping[str, Setting]):
    """What best-of-k selection buys: per dataset, the map's expected best of k settings
    (:func:`best_of_curve`) against k, with the fresh seeds' means of the chosen setting, Table 1's
    setting and the basic GCN as levels. Returns the Figure."""
    import matplotlib.pyplot as plt

    from ..labels import MODEL_COLOURS

    figure, axes = plt.subplots(1, len(map_means), figsize=(4.6 * len(map_means), 3.4), squeeze=False, sharey=True)
    for axis, (dataset, means) in zip(axes[0], map_means.items()):
        curve = best_of_curve(means)
        axis.plot(range(1, len(curve) + 1), curve, marker="o", ms=3, color="black",
                  label="map: expected best of k (seeds that choose)")
        levels = (("chosen setting, fresh seeds", chosen[dataset], MODEL_COLOURS["entropic"], "-"),
                  ("Table 1's setting, fresh seeds", TABLE1, MODEL_COLOURS["entropic"], ":"),
                  ("basic GCN, fresh seeds", BASIC, MODEL_COLOURS["basic"], "--"))
        for label, which, colour, style in levels:
            values = seed_values(fresh, (dataset, which))
            if values:
                axis.axhline(statistics.fmean(values), color=colour, linestyle=style, label=label)
        axis.set_xlabel("settings chosen among, k")
        axis.set_title(dataset)
    axes[0][0].set_ylabel("best validation accuracy")
    axes[0][-1].legend(frameon=False, fontsize=8)
    figure.tight_layout()
    plt.close(figure)
    return figure
