r"""Table 1 with one thing changed: the authors' step direction (``table1_authors_step``), the
authors' G2 with a ReLU on its logits (``table1_g2_relu``), and, with the same seeds, the metrics'
protocol and the thread count (``table1_after_step``, ``table1_threads``).

Every ``groups`` is keyed ``(dataset, model, depth)``; claims are judged by the shared rule on the
seeds' best validation accuracy.
"""
from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import Any

from ...experiments.reported import PAPER1_TABLE1
from ..claims import Claim, counted_verdicts
from ..labels import MODEL_LABELS
from ..runs import SCORE, Groups, seed_pairs, seed_values
from ..tables import comparison_table, markdown_table, mean_std_cell
from ..verdicts import judge


# -- the authors' step direction and G2 --------------------------------------------------------------

def authors_step_table(groups: Groups, authors_groups: Groups, section: dict[str, Any]) -> str:
    """Best validation accuracy of the basic GCN and the entropic GCN with the exact and with the
    authors' step, by dataset and depth, and the paper's entropic GCN (in italics)."""
    return comparison_table([("Basic GCN", "basic", groups), ("Entropic GCN, exact step", "entropic", groups),
                             ("Entropic GCN, authors' step", "entropic_authors", authors_groups)], section)


def authors_step_claims(groups: Groups, authors_groups: Groups, datasets: Sequence[str], depth: int) -> list[Claim]:
    r"""Does the authors' step direction explain the gap to the paper's entropic GCN at ``depth``?
    Per dataset, on the seeds' best validation accuracy:

    * the authors' step is closer to the paper's number than the exact step: the seeds'
      distances :math:`|v - v_\text{paper}|`, authors' ``<`` exact;
    * the authors' step beats the basic GCN (``>``);
    * the two steps are as accurate as each other (``=``).
    """
    claims = []
    for dataset in datasets:
        authors = seed_values(authors_groups, (dataset, "entropic_authors", depth))
        exact = seed_values(groups, (dataset, "entropic", depth))
        basic = seed_values(groups, (dataset, "basic", depth))
        paper = PAPER1_TABLE1[dataset, "entropic"][depth]
        claims += [
            Claim(dataset, f"at depth {depth} the authors' step is closer to the paper's number than the exact "
                           "step (mean distance to it)", f"{paper:.2f}",
                  judge([abs(v - paper) for v in authors], [abs(v - paper) for v in exact], "<"), asked_by="book"),
            Claim(dataset, f"at depth {depth} the authors' step beats the basic GCN",
                  f"{paper:.2f} vs {PAPER1_TABLE1[dataset, 'basic'][depth]:.2f}", judge(authors, basic, ">")),
            Claim(dataset, f"at depth {depth} the authors' step is as accurate as the exact step", "",
                  judge(authors, exact, "=", "accuracy"), asked_by="book"),
        ]
    return claims


def g2_relu_table(groups: Groups, relu_groups: Groups, section: dict[str, Any]) -> str:
    """Our G2 (linear logits) beside the authors' (a ReLU on the logits) at the depths of
    ``section``, best validation accuracy, and the paper's G2 in italics."""
    return comparison_table([("G2, linear logits (ours)", "g2", groups),
                             ("G2, ReLU on the logits (authors')", "g2_authors", relu_groups)], section, paper_model="g2")


def g2_relu_claims(groups: Groups, relu_groups: Groups, section: dict[str, Any]) -> list[Claim]:
    """Does the authors' ReLU on G2's logits explain the paper's G2? Per dataset and depth of
    ``section`` (the ``table1_g2_relu`` config), on the seeds' best validation accuracy: the
    authors' G2 (``g2_authors`` in ``relu_groups``) is as accurate as ours (``g2`` in ``groups``),
    and as accurate as the paper's single run (``=``, the paper's number fixed)."""
    claims = []
    for dataset in section["datasets"]:
        for depth in section["depths"]:
            relu = seed_values(relu_groups, (dataset, "g2_authors", depth))
            paper = PAPER1_TABLE1[dataset, "g2"][depth]
            claims += [
                Claim(dataset, f"at depth {depth} G2 with the ReLU on its logits is as accurate as without", "",
                      judge(relu, seed_values(groups, (dataset, "g2", depth)), "=", "accuracy"), asked_by="book"),
                Claim(dataset, f"at depth {depth} G2 with the ReLU on its logits is as accurate as the paper's G2",
                      f"{paper:.2f}", judge(relu, paper, "=", "accuracy against a paper's number"), asked_by="book"),
            ]
    return claims


def g2_relu_numbers(groups: Groups, relu_groups: Groups, claims: Sequence[Claim]) -> dict[str, Any]:
    """For the prose about the authors' G2: ``g2_relu_<dataset>_<depth>`` (its mean best
    validation accuracy, 3 decimals), ``g2_relu_runs``, ``g2_relu_short`` and ``g2_linear_short``
    (how many runs end with a training accuracy below 1, with and without the ReLU, at the same
    cells: some class is never predicted on the training nodes), and ``g2_relu_vs_ours`` and
    ``g2_relu_vs_paper``, the verdicts of :func:`g2_relu_claims` against our G2 and against the
    paper's, counted."""
    numbers: dict[str, Any] = {}
    for dataset, _, depth in relu_groups:
        values = seed_values(relu_groups, (dataset, "g2_authors", depth))
        numbers[f"g2_relu_{dataset}_{depth}"] = f"{sum(values) / len(values):.3f}"
    numbers["g2_relu_runs"] = sum(len(runs) for runs in relu_groups.values())
    for name, model, runs_of in (("relu", "g2_authors", relu_groups), ("linear", "g2", groups)):
        finals = [run["result"]["history"]["train_acc"][-1] for (dataset, _, depth) in relu_groups
                  for run in runs_of.get((dataset, model, depth), [])]
        numbers[f"g2_{name}_short"] = f"{sum(final < 1 for final in finals)} of {len(finals)}"
    for name, against_paper in (("ours", False), ("paper", True)):
        numbers[f"g2_relu_vs_{name}"] = counted_verdicts(claim for claim in claims if bool(claim.paper) == against_paper)
    return numbers


# -- one thing changed, same seeds: the metrics' protocol, the thread count -------------------------

def variant_cells(section: dict[str, Any]) -> list[tuple[str, str, int]]:
    """The ``(dataset, model, depth)`` cells a variant experiment's config section re-runs."""
    return [(dataset, model, depth) for dataset in section["datasets"] for model in section["models"]
            for depth in section["depths"]]


def same_seed_pairs(groups: Groups, variant_groups: Groups, cell: tuple) -> list[tuple[float, float]]:
    """Per seed present in both, ``(variant, base)`` best validation accuracy, in the variant's order."""
    return seed_pairs(variant_groups, cell, groups, cell)


def same_seed_differences(groups: Groups, variant_groups: Groups, cell: tuple) -> list[float]:
    """Per seed present in both, the variant's best validation accuracy minus the base run's."""
    return [variant - base for variant, base in same_seed_pairs(groups, variant_groups, cell)]


def same_seed_table(groups: Groups, variant_groups: Groups, cells: Sequence[tuple], base: str, variant: str) -> str:
    """Per cell: the base runs and the variant runs on the variant's seeds (mean ± std over those
    seeds, the runs the claims compare), the largest change of one seed's best validation
    accuracy, and the base's seed standard deviation on those seeds to compare it with."""
    rows = []
    for cell in cells:
        differences = same_seed_differences(groups, variant_groups, cell)
        seeds = {run["config"]["seed"] for run in variant_groups.get(cell, [])}
        base_values = seed_values(groups, cell, seeds=seeds)
        spread = statistics.stdev(base_values) if len(base_values) > 1 else math.nan
        largest = max((abs(d) for d in differences), default=math.nan)
        rows.append([cell[0], MODEL_LABELS[cell[1]], cell[2], mean_std_cell(base_values),
                     mean_std_cell(seed_values(variant_groups, cell)), f"{largest:.3f} ({len(differences)} seeds)",
                     f"{spread:.3f}"])
    return markdown_table(["dataset", "model", "depth", f"{base}, same seeds", variant, "largest same-seed change",
                           "seed std"], rows)


def same_seed_claims(groups: Groups, variant_groups: Groups, cells: Sequence[tuple], change: str) -> list[Claim]:
    """Per cell, the claim that ``change`` leaves the cell's accuracy where it was: the variant's
    runs as accurate as the base's with the same seeds (``=``, by the shared rule)."""
    claims = []
    for cell in cells:
        pairs = same_seed_pairs(groups, variant_groups, cell)
        claims.append(Claim(f"{cell[0]}, {MODEL_LABELS[cell[1]]}, depth {cell[2]}",
                            f"{change} leaves the accuracy where it was (within ±δ)", "",
                            judge([variant for variant, _ in pairs], [base for _, base in pairs], "=", "accuracy"),
                            asked_by="book"))
    return claims
