"""Table 1's entropic rows re-run at each dataset's chosen setting (``table1_chosen``), against
the basic GCN and Table 1's setting, on all seeds, on the seeds the choice did not see, and the
seeds that chose against the fresh ones.

``table1`` and ``chosen`` are runs grouped by ``(dataset, model, depth)``; every claim is judged
by the shared rule on the test accuracy at the epoch of best validation accuracy.
"""
from __future__ import annotations

from collections.abc import Collection, Sequence

from ..claims import Claim
from ..runs import Groups, seed_values
from ..verdicts import judge


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
                        seed_values(groups, (dataset, model, depth), "test_acc_at_best_val", choosing), "=", "accuracy"), "seed_split")
            for dataset in datasets for label, groups, model in lines]
