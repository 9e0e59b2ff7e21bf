"""Table 1's entropic rows re-run at each dataset's chosen setting (``table1_chosen``), against
the basic GCN and Table 1's setting.

``table1`` and ``chosen`` are runs grouped by ``(dataset, model, depth)``; every claim is judged
by the shared rule on the best validation accuracy (paper 1's).
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
    and beats the entropic GCN at Table 1's setting, on the best validation accuracy. At the
    map's depth the seeds the map ran repeat, bit for bit, the runs that chose the setting (runs
    are deterministic): judge the chosen setting there on ``fresh_seeds`` instead.
    ``seeds`` keeps only those seeds on both sides (the fresh ones for a check the choice did
    not see); None keeps every seed."""
    which = "" if seeds is None else f", seeds {', '.join(str(s) for s in sorted(seeds))}"
    claims = []
    for dataset in datasets:
        ours = seed_values(chosen, (dataset, "entropic", depth), seeds=seeds)
        for label, model in (("the basic GCN", "basic"), ("Table 1's setting", "entropic")):
            claims.append(Claim(dataset, f"at depth {depth} the chosen setting beats {label}{which}", "",
                                judge(ours, seed_values(table1, (dataset, model, depth), seeds=seeds), ">"),
                                asked_by="book"))
    return claims
