r"""Table 1 of paper 1: best validation accuracy of deep GCNs by dataset, model and depth, its
claims, and the CiteSeer temperature the paper lost, from the runs of ``table1`` and
``citeseer_temperature``.

``groups`` are Table 1's runs keyed ``(dataset, model, depth)``; every verdict goes through
:func:`~energygnn.reporting.verdicts.judge` on per-seed values, a paper's single number held fixed.
"""
from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import Any

import numpy as np

from ...experiments.reported import PAPER1_DOUBLE_DATASETS, PAPER1_TABLE1
from ..claims import Claim
from ..figures import legend_below
from ..labels import MODEL_COLOURS, MODEL_LABELS
from ..runs import SCORE, Groups, seed_pairs, seed_values
from ..tables import markdown_table, mean_std_cell
from ..verdicts import judge, verdict_counts

DOUBLE_CLAIM_DATASETS = PAPER1_DOUBLE_DATASETS  # where the paper says "approximately double"


# -- CiteSeer's temperature ------------------------------------------------------------------------

def temperature_table(sweep: Sequence[dict[str, Any]]) -> str:
    """The sweep as a one-row Markdown table: best validation accuracy by temperature."""
    scores = sorted((entry["config"]["model_options"]["temperature"], entry["result"][SCORE]) for entry in sweep)
    return markdown_table(["$T$"] + [f"{t:g}" for t, _ in scores], [["best val. acc."] + [f"{a:.3f}" for _, a in scores]])


# -- Table 1 ---------------------------------------------------------------------------------------

def table1_table(groups: Groups, section: dict[str, Any], metric: str = SCORE, with_paper: bool = True) -> str:
    """Table 1 in Markdown: a row per dataset and model, a column per depth, each cell mean ± std
    over seeds (``(n=k)`` when fewer than the section's seeds ran), the paper's value under it.

    Args:
        groups: Table 1's runs grouped by ``("dataset", "model", "depth")``.
        section: the ``table1`` config section (datasets, models, depths, seeds).
        metric: ``"best_val_acc"`` (the paper's, default) or ``"test_acc_at_best_val"``.
        with_paper: add the paper's number (only meaningful for ``"best_val_acc"``; default True).
    """
    rows = [[dataset, MODEL_LABELS[model]] + [
        mean_std_cell(seed_values(groups, (dataset, model, depth), metric), expected=len(section["seeds"]),
                      paper=PAPER1_TABLE1[dataset, model][depth] if with_paper else None)
        for depth in section["depths"]] for dataset in section["datasets"] for model in section["models"]]
    return markdown_table(["dataset", "model"] + [str(d) for d in section["depths"]], rows)


def plot_table1(groups: Groups, section: dict[str, Any]):
    """Table 1 as curves, one panel per dataset: our best validation accuracy against depth (mean,
    min-max band over seeds, solid) and the paper's single run (dashed). Returns the Figure."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(section["datasets"]), figsize=(11, 4), sharey=True, squeeze=False)
    for axis, dataset in zip(axes[0], section["datasets"]):
        for model in section["models"]:
            colour = MODEL_COLOURS[model]
            depths = [d for d in section["depths"] if groups.get((dataset, model, d))]
            values = [seed_values(groups, (dataset, model, d)) for d in depths]
            if depths:
                axis.plot(depths, [np.mean(v) for v in values], "o-", color=colour, label=f"{MODEL_LABELS[model]} (ours)")
                axis.fill_between(depths, [min(v) for v in values], [max(v) for v in values], color=colour, alpha=0.15)
            axis.plot(section["depths"], [PAPER1_TABLE1[dataset, model][d] for d in section["depths"]], "x--",
                      color=colour, alpha=0.7, label=f"{MODEL_LABELS[model]} (paper)")
        axis.set_xscale("log", base=2)
        axis.set_xticks(section["depths"], [str(d) for d in section["depths"]])
        axis.set_xlabel("depth $L$")
        axis.set_title(dataset)
    axes[0, 0].set_ylabel("best validation accuracy")
    legend_below(fig, axes[0, -1], bottom=0.14)
    plt.close(fig)  # shown once, by whoever displays the returned Figure
    return fig


def table1_claims(groups: Groups, datasets: Sequence[str], shallow: int, deep: int) -> list[Claim]:
    r"""Paper 1's claims about Table 1, per dataset, judged on the seeds' best validation accuracy:

    * the entropic GCN beats the basic GCN at depth ``deep`` (``>``);
    * at depth ``shallow`` it is as accurate as the basic GCN (``=``);
    * it still degrades with depth: more accurate at ``shallow`` than at ``deep`` (``>``);
    * PairNorm is more accurate than the entropic GCN at ``deep`` (``>``);
    * G2 stays near the paper's low, flat value: as accurate at ``deep`` as the paper's single
      run (``=``, the paper's number fixed);
    * at ``shallow`` the entropic GCN beats PairNorm and beats G2 (``>``, two claims);
    * on the datasets of ``DOUBLE_CLAIM_DATASETS`` (the paper: Cora) the entropic GCN's accuracy
      at ``deep`` is about double the basic GCN's: the seeds' :math:`\log_2` ratios (seed ``s`` of
      one model over seed ``s`` of the other, independent draws) are ``=`` 1.
    """
    claims = []
    for dataset in datasets:
        ours = {(model, depth): seed_values(groups, (dataset, model, depth))
                for model in ("basic", "entropic", "g2", "pairnorm") for depth in (shallow, deep)}
        paper = {key: PAPER1_TABLE1[dataset, key[0]][key[1]] for key in ours}
        flat = statistics.fmean(PAPER1_TABLE1[dataset, "g2"].values())
        comparisons = [  # (claim, a, b, relation) on (model, depth) cells
            (f"the entropic GCN beats the basic GCN at depth {deep}", ("entropic", deep), ("basic", deep), ">"),
            (f"at depth {shallow} the entropic GCN is as accurate as the basic GCN", ("entropic", shallow),
             ("basic", shallow), "="),
            (f"the entropic GCN still degrades with depth (depth {shallow} vs {deep})", ("entropic", shallow),
             ("entropic", deep), ">"),
            (f"PairNorm stays more accurate than the entropic GCN at depth {deep}", ("pairnorm", deep),
             ("entropic", deep), ">"),
            (f"at depth {shallow} the entropic GCN beats PairNorm", ("entropic", shallow), ("pairnorm", shallow), ">"),
            (f"at depth {shallow} the entropic GCN beats G2", ("entropic", shallow), ("g2", shallow), ">"),
        ]
        judged = [Claim(dataset, text, f"{paper[a]:.2f} vs {paper[b]:.2f}", judge(ours[a], ours[b], relation,
                                                                                        "accuracy" if relation == "=" else None))
                  for text, a, b, relation in comparisons]
        g2 = Claim(dataset, f"G2 stays near the paper's low, flat value (judged at depth {deep}; the paper's mean over "
                            f"depths is {flat:.2f})", f"{paper['g2', deep]:.2f}", judge(ours["g2", deep], paper["g2", deep], "=", "accuracy against a paper's number"))
        claims += judged[:4] + [g2] + judged[4:]
        if dataset in DOUBLE_CLAIM_DATASETS:
            pairs = seed_pairs(groups, (dataset, "entropic", deep), groups, (dataset, "basic", deep))
            ratios = [math.log2(e / b) for e, b in pairs if e > 0 and b > 0]
            claims.append(Claim(
                dataset, f"at depth {deep} the entropic GCN is about twice as accurate as the basic GCN "
                "(judged on log2 of the ratio, = 1)",
                f"ratio {paper['entropic', deep] / paper['basic', deep]:.2f}", judge(ratios, 1.0, "=", "accuracy ratio")))
    return claims


def headline_claims(groups: Groups, fresh: Groups, datasets: Sequence[str], deep: int) -> list[Claim]:
    """Table 1's headline, "the entropic GCN beats the basic GCN at depth ``deep``", per dataset on
    Table 1's seeds and again with the seeds of ``fresh`` (runs of the same two models and
    settings on other seeds, grouped like ``groups``) added: how many seeds decide it."""
    claims = []
    for dataset in datasets:
        cell = {model: (dataset, model, deep) for model in ("entropic", "basic")}
        table1 = {model: seed_values(groups, key) for model, key in cell.items()}
        more = {model: table1[model] + seed_values(fresh, key) for model, key in cell.items()}
        for values, where in ((table1, "Table 1's seeds"), (more, "Table 1's seeds with the fresh seeds added")):
            claims.append(Claim(dataset, f"the entropic GCN beats the basic GCN at depth {deep} ({where})",
                                f"{PAPER1_TABLE1[dataset, 'entropic'][deep]:.2f} vs {PAPER1_TABLE1[dataset, 'basic'][deep]:.2f}",
                                judge(values["entropic"], values["basic"], ">"), "headline", (dataset, where),
                                headline=values is more))
    return claims


def paper_gap(groups: Groups, section: dict[str, Any]) -> dict[str, float]:
    """Per model, the mean over datasets and depths of ``|our mean - paper|`` in best validation
    accuracy (cells not run left out; nan if none ran)."""
    gaps = {}
    for model in section["models"]:
        cells = [abs(statistics.fmean(v) - PAPER1_TABLE1[dataset, model][depth])
                 for dataset in section["datasets"] for depth in section["depths"]
                 if (v := seed_values(groups, (dataset, model, depth)))]
        gaps[model] = statistics.fmean(cells) if cells else math.nan
    return gaps


def gain_over_basic(groups: Groups, dataset: str, depth: int) -> tuple[float, float]:
    """``(ours, paper)``: the entropic GCN's best validation accuracy minus the basic GCN's at
    ``depth`` (ours: difference of the seed means; nan when either was not run)."""
    entropic, basic = seed_values(groups, (dataset, "entropic", depth)), seed_values(groups, (dataset, "basic", depth))
    ours = statistics.fmean(entropic) - statistics.fmean(basic) if entropic and basic else math.nan
    return ours, PAPER1_TABLE1[dataset, "entropic"][depth] - PAPER1_TABLE1[dataset, "basic"][depth]


def table1_summary_facts(groups: Groups, section: dict[str, Any], claims: Sequence[Claim],
                         authors_claims: Sequence[Claim]) -> dict[str, Any]:
    """The numbers of Table 1's summary, named: ``claims_<verdict>`` and ``claims_total`` (see
    :func:`~energygnn.reporting.verdicts.verdict_counts`), the same as ``authors_*`` for the
    authors' step, ``gap_<model>`` (:func:`paper_gap`), and at the deepest depth
    ``gain_<dataset>`` and ``paper_gain_<dataset>`` (:func:`gain_over_basic`)."""
    facts: dict[str, Any] = {}
    for prefix, chosen in (("claims", claims), ("authors", authors_claims)):
        facts.update({f"{prefix}_{verdict}": count for verdict, count in verdict_counts(chosen).items()})
        facts[f"{prefix}_total"] = len(chosen)
    facts.update({f"gap_{model}": gap for model, gap in paper_gap(groups, section).items()})
    for dataset in section["datasets"]:
        facts[f"gain_{dataset}"], facts[f"paper_gain_{dataset}"] = gain_over_basic(groups, dataset, max(section["depths"]))
    return facts
