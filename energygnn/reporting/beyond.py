r"""Beyond paper 1: its future work (a per-layer schedule, the undetached step), its generality
claim (the step in GAT, GraphSAGE, GIN) and the deep models that work (GCNII, APPNP, GRAND-l), from
the runs of ``beyond_schedule``, ``beyond_architectures`` and ``beyond_deep``
(:func:`energygnn.experiments.paper1.variant_runs`).

Runs are grouped by ``(dataset, variant, depth)``. Every claim is judged by the shared rule
(:func:`~energygnn.reporting.verdicts.judge`) on the seeds' best validation accuracy, Table 1's
score; the GCNII anchor on test accuracy at the best validation epoch, as GCNII reports it.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..experiments.reported import GCNII_CORA_64
from ..experiments.results import group_runs, mean_std
from .paper1 import SCORE, Claim, Groups, comparison_table, layer_energy_profiles, seed_values
from .verdicts import judge

VARIANT_LABELS = {"gat": "GAT", "sage": "GraphSAGE", "gin": "GIN", "gcnii": "GCNII", "appnp": "APPNP",
                  "grand": "GRAND-l", "middle_schedule": "middle schedule (peak 10)",
                  "not_detached": "undetached step",
                  "grand_entropic_fine": "GRAND-l + entropy step, 4 RK4 steps per unit time"}
STEP_SUFFIX = "_entropic"


def variant_label(variant: str) -> str:
    """``"gat_entropic"`` -> ``"GAT + entropy step"``."""
    if variant.endswith(STEP_SUFFIX):
        return f"{variant_label(variant[: -len(STEP_SUFFIX)])} + entropy step"
    return VARIANT_LABELS.get(variant, variant)


def beyond_groups(stored: Sequence[dict[str, Any]]) -> Groups:
    """Runs keyed ``(dataset, variant, depth)``, finished runs only."""
    return group_runs([run for run in stored if run["result"]["status"] == "ok"], "dataset", "variant", "depth")


def step_pairs(section: dict[str, Any]) -> list[tuple[str, str]]:
    """``(model, model + step)`` variant pairs of a section: ``"gat"`` and ``"gat_entropic"``, ..."""
    return [(variant, variant + STEP_SUFFIX) for variant in section["variants"]
            if variant + STEP_SUFFIX in section["variants"]]


def variant_table(groups: Groups, section: dict[str, Any],
                  extra: Sequence[tuple[str, str, Groups]] = ()) -> str:
    """The section's variants (and ``extra`` lines, ``(label, model, groups)``) by dataset and
    depth, best validation accuracy (mean ± std over seeds)."""
    lines = [(variant_label(variant), variant, groups) for variant in section["variants"]] + list(extra)
    return comparison_table(lines, section, paper_model=None)


def pair_claims(groups: Groups, section: dict[str, Any], pairs: Sequence[tuple[str, str]],
                family: str = "step") -> list[Claim]:
    """Per dataset, pair ``(base, stepped)`` and depth: "``stepped`` is more accurate than
    ``base``"; each claim's ``family`` is ``f"{family}:{base}"`` and its ``cell`` is
    ``(dataset, stepped, depth)``."""
    return [Claim(f"{dataset}, depth {depth}", f"{variant_label(stepped)} more accurate than {variant_label(base)}", "",
                  judge(seed_values(groups, (dataset, stepped, depth)), seed_values(groups, (dataset, base, depth)), ">"),
                  family=f"{family}:{base}", cell=(dataset, stepped, depth))
            for dataset in section["datasets"] for base, stepped in pairs for depth in section["depths"]]


def step_claims(groups: Groups, section: dict[str, Any]) -> list[Claim]:
    """Per dataset, model and depth: "the model with the entropy step is more accurate than
    without" (:func:`pair_claims` over :func:`step_pairs`, family ``step:<model>``)."""
    return pair_claims(groups, section, step_pairs(section))


def table1_variant_claims(groups: Groups, table1_groups: Groups, section: dict[str, Any]) -> list[Claim]:
    """Per dataset, variant and depth: "the variant is more accurate than Table 1's entropic GCN"
    (constant lambda, detached step), on the seeds the section runs; each claim's ``cell`` is
    ``(dataset, variant, depth)``."""
    seeds = set(section["seeds"])
    claims = []
    for dataset in section["datasets"]:
        for variant in section["variants"]:
            for depth in section["depths"]:
                table1 = [run["result"][SCORE] for run in table1_groups.get((dataset, "entropic", depth), [])
                          if run["config"]["seed"] in seeds]
                claims.append(Claim(f"{dataset}, depth {depth}",
                                    f"{variant_label(variant)} more accurate than the paper's step (Table 1, same seeds)",
                                    "", judge(seed_values(groups, (dataset, variant, depth)), table1, ">"),
                                    family=f"against_table1:{variant}", cell=(dataset, variant, depth)))
    return claims


def claim_numbers(claims: Sequence[Claim], digits: int = 3) -> dict[str, str]:
    """What prose quotes from claims, keyed by the claim's cell joined with ``_``: for cell
    ``("Cora", "gat", 16)``, ``Cora_gat_16_ours`` and ``..._reference`` (the two means),
    ``..._difference`` (signed) and ``..._verdict``."""
    numbers = {}
    for claim in claims:
        key, judgement = "_".join(map(str, claim.cell)), claim.judgement
        numbers.update({f"{key}_ours": f"{judgement.ours:.{digits}f}", f"{key}_reference": f"{judgement.reference:.{digits}f}",
                        f"{key}_difference": f"{judgement.difference:+.{digits}f}", f"{key}_verdict": str(judgement)})
    return numbers


def gcnii_anchor_claim(groups: Groups) -> Claim:
    """GCNII at depth 64 on Cora under Table 1's protocol against GCNII's published accuracy
    (under its own protocol): test accuracy at the best validation epoch, ``=``."""
    values = [100 * value for value in seed_values(groups, ("Cora", "gcnii", 64), "test_acc_at_best_val")]
    return Claim("Cora, depth 64", "GCNII as accurate as GCNII's paper reports", f"{GCNII_CORA_64} % (GCNII's protocol)",
                 judge(values, GCNII_CORA_64, "="), family="gcnii_anchor")


def plot_step_pairs(groups: Groups, section: dict[str, Any], panels: Sequence[tuple[str, str]],
                    xlabel: str = "depth", also: Sequence[str] = ()):
    """Best validation accuracy against depth, one panel per ``(dataset, base)``: ``base`` and
    ``base`` with the step (and the variants ``also``, where stored), the seeds' mean (line) and
    the seeds (dots). For GRAND-l the depth is the integration time."""
    import matplotlib.pyplot as plt

    depths = section["depths"]
    figure, axes = plt.subplots(1, len(panels), figsize=(3.6 * len(panels), 3.2), squeeze=False, sharey=True)
    for axis, (dataset, base) in zip(axes[0], panels):
        lines = [(base, "without"), (base + STEP_SUFFIX, "with the step")]
        lines += [(variant, variant_label(variant)) for variant in also if (dataset, variant, depths[0]) in groups]
        for (variant, label), colour in zip(lines, ("C0", "C1", "C2", "C3")):
            means = []
            for depth in depths:
                values = seed_values(groups, (dataset, variant, depth))
                axis.scatter([depth] * len(values), values, s=12, alpha=0.5, color=colour)
                means.append(mean_std(values)[0] if values else float("nan"))
            axis.plot(depths, means, marker="o", color=colour, label=label)
        axis.set_xscale("log", base=2)
        axis.set_xlim(min(depths) / 1.5, max(depths) * 1.5)  # also when nothing is stored yet
        axis.set_xticks(depths, [str(d) for d in depths])
        axis.set_xlabel(xlabel)
        axis.set_title(f"{variant_label(base)}, {dataset}")
    axes[0][0].set_ylabel("best validation accuracy")
    axes[0][-1].legend(frameon=False)
    figure.tight_layout()
    plt.close(figure)
    return figure


def trained_energy_curves(groups: Groups, dataset: str, variants: Sequence[str], depth: int,
                          epoch: int | str = 100, kind: str = "plain") -> dict[str, np.ndarray]:
    """Per variant with stored runs: the runs' mean node energy after every hidden layer (for
    GRAND-l: every unit of integration time) at ``epoch``, one row per run."""
    return {variant_label(variant): np.array(profiles) for variant in variants
            if (profiles := layer_energy_profiles(groups, (dataset, variant, depth), epoch, kind))}


def plot_diffusion_energies(curves: dict[str, Any], step_size: float, ylabel: str | None = None,
                            title: str | None = None, xlabel: str | None = None):
    """Energy against integration time, one line per setting: the mean of each entry's rows (draws
    of ``energygnn.experiments.paper1.diffusion_energies``, or runs of
    :func:`trained_energy_curves`), log scale; the axes say integration time and survey energy
    unless ``xlabel`` and ``ylabel`` say otherwise."""
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6.4, 3.6))
    for label, energies in curves.items():
        mean = np.asarray(energies, dtype=float).mean(axis=0)
        axis.plot([step_size * (k + 1) for k in range(len(mean))], mean, label=label)
    if curves:
        axis.set_yscale("log")
        axis.legend(frameon=False, fontsize="small")
    else:
        axis.text(0.5, 0.5, "no stored runs with these energies", ha="center", va="center", transform=axis.transAxes)
    axis.set_xlabel(xlabel or "integration time $t$")
    axis.set_ylabel(ylabel or "survey energy of $X(t)$")
    if title:
        axis.set_title(title)
    figure.tight_layout()
    plt.close(figure)
    return figure
