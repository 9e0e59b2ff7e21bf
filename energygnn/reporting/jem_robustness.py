r"""The chapter ``book/jem_robustness``: what paper 2's energy view claims without measuring,
measured: robustness to edge attacks, detection of out-of-distribution nodes, and calibration
against a temperature-scaled GCN, from the runs of ``jem_robustness`` and ``jem_leave_out``
(:mod:`energygnn.experiments.jem_evaluation`).

Runs are grouped by ``(dataset, model)``; every claim is judged by the shared rule
(:func:`~energygnn.reporting.verdicts.judge`) on per-seed values. :func:`load` reads what the
chapter reads (:class:`RobustnessRuns`), :func:`paper_results` gives the claims of the energy view
(the same for the chapter and the introduction's summary), and :func:`chapter_numbers` the
numbers of its prose.
"""
from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..evaluation.ood import SCORES
from ..experiments.configs import load_config
from ..experiments.reported import GNNSAFE_CORA_AUROC
from ..experiments.results import load_experiment, mean_std, provenance_summary
from .claims import Claim, PaperResult, claims_of, counted_verdicts
from .figures import legend_below, reliability_panels
from .labels import ATTACK_LABELS, OOD_SCORE_LABELS, PAPER2_LABELS
from .prose import MarkdownText
from ..ebm.sgld import MIN_STEP_RATIO
from .runs import Groups, Run, finished_groups, per_seed, pool_bins, wall_hours
from .tables import markdown_table, mean_std_cell
from .verdicts import MARGINS, judge

CHAPTER = "jem_robustness"
SHIFTS = ("structure", "feature", "label")


def robustness_groups(stored: Sequence[dict[str, Any]]) -> Groups:
    """Runs of ``jem_robustness`` or ``jem_leave_out`` keyed ``(dataset, model)``, finished runs only."""
    return finished_groups(stored, "dataset", "model")


def _values(groups: Groups, key: tuple, read) -> list[float]:
    return [read(run["result"]) for run in groups.get(key, [])]


def attack_values(groups: Groups, dataset: str, model: str, attack: str, fraction: float) -> list[float]:
    """The seeds' test accuracy under ``attack`` (``"prbcd"`` or ``"random"``) at budget ``fraction``."""
    return _values(groups, (dataset, model), lambda r: next(
        entry["test_acc"] for entry in r["attacks"][attack] if entry["fraction"] == fraction))


def budgets(groups: Groups) -> list[float]:
    """The budget fractions the runs attacked with."""
    return sorted({entry["fraction"] for runs in groups.values() for run in runs
                   for entry in run["result"]["attacks"]["prbcd"]})


def attack_table(groups: Groups, datasets: Sequence[str], models: Sequence[str]) -> str:
    """Test accuracy (%, mean ± std over seeds) clean and under each attack and budget."""
    fractions = budgets(groups)
    rows = []
    for dataset in datasets:
        for model in models:
            clean = [100 * v for v in _values(groups, (dataset, model), lambda r: r["test_acc"])]
            cells = [mean_std_cell([100 * v for v in attack_values(groups, dataset, model, attack, f)], digits=1)
                     for attack in ATTACK_LABELS for f in fractions]
            rows.append([dataset, PAPER2_LABELS[model], mean_std_cell(clean, digits=1)] + cells)
    header = ["dataset", "model", "clean"] + [f"{label} {100 * f:g} %" for label in ATTACK_LABELS.values() for f in fractions]
    return markdown_table(header, rows)


def plot_attacks(groups: Groups, datasets: Sequence[str], models: Sequence[str]):
    """Test accuracy against the budget (% of edges flipped), PRBCD solid and random flips
    dashed, one panel per dataset; mean over seeds with a ±std band. Returns the Figure."""
    import matplotlib.pyplot as plt

    fractions = [0.0] + budgets(groups)
    fig, axes = plt.subplots(1, len(datasets), figsize=(5.2 * len(datasets), 3.8), sharey=True, squeeze=False)
    for axis, dataset in zip(axes[0], datasets):
        for index, model in enumerate(models):
            clean = _values(groups, (dataset, model), lambda r: r["test_acc"])
            if not clean:
                continue
            for attack, style in (("prbcd", "-o"), ("random", "--s")):
                values = [clean] + [attack_values(groups, dataset, model, attack, f) for f in fractions[1:]]
                mean = np.array([statistics.fmean(v) for v in values]) * 100
                spread = np.array([statistics.stdev(v) if len(v) > 1 else 0.0 for v in values]) * 100
                x = [100 * f for f in fractions]
                axis.plot(x, mean, style, color=f"C{index}", ms=4,
                          label=f"{PAPER2_LABELS[model]}, {ATTACK_LABELS[attack]}")
                axis.fill_between(x, mean - spread, mean + spread, color=f"C{index}", alpha=0.12)
        axis.set_title(dataset)
        axis.set_xlabel("budget (% of edges flipped)")
    axes[0, 0].set_ylabel("test accuracy (%)")
    legend_below(fig, axes[0, 0], bottom=0.16, columns=3, fontsize=9)
    plt.close(fig)
    return fig


def auroc_values(groups: Groups, leave_groups: Groups, dataset: str, model: str, shift: str, score: str,
                 metric: str = "auroc") -> list[float]:
    """The seeds' ``metric`` (%, ``"auroc"``, ``"aupr"`` or ``"fpr95"``) of ``score`` under ``shift``
    (the label shift from ``leave_groups``)."""
    source = leave_groups if shift == "label" else groups
    return [100 * v for v in _values(source, (dataset, model), lambda r: r["ood"][shift][score][metric])]


def ood_table(groups: Groups, leave_groups: Groups, datasets: Sequence[str], models: Sequence[str],
              metric: str = "auroc") -> str:
    """Per dataset, model and score: ``metric`` (%, ``"auroc"``, ``"aupr"`` or ``"fpr95"``) under
    each shift, mean ± std over seeds; on Cora, GNNSafe's published AUROC of its GCN in italics."""
    rows = []
    for dataset in datasets:
        for model in models:
            for score in SCORES:
                cells = [mean_std_cell(auroc_values(groups, leave_groups, dataset, model, shift, score, metric), digits=1)
                         for shift in SHIFTS]
                rows.append([dataset, PAPER2_LABELS[model], OOD_SCORE_LABELS[score]] + cells)
        if dataset == "Cora" and metric == "auroc":
            for score in SCORES:
                rows.append([dataset, "*GCN, GNNSafe's paper*", f"*{OOD_SCORE_LABELS[score]}*"]
                            + [f"*{GNNSAFE_CORA_AUROC[score][shift]:.1f}*" for shift in SHIFTS])
    return markdown_table(["dataset", "model", "score"] + [f"{shift} shift" for shift in SHIFTS], rows)


def calibration_values(groups: Groups, dataset: str, model: str, scaling: str, quantity: str) -> list[float]:
    """The seeds' ``quantity`` (``"ece"``, ``"mean_confidence"``, ``"test_nll"``, ``"val_nll"``)
    with ``scaling`` ``"plain"`` or ``"scaled"`` (temperature-scaled)."""
    return _values(groups, (dataset, model), lambda r: r["calibration"][scaling][quantity])


def temperature_scaling_table(groups: Groups, datasets: Sequence[str], models: Sequence[str]) -> str:
    """Per dataset and model: the fitted temperature (median and range over seeds: flat outputs
    leave it unbounded), and test ECE, mean confidence and NLL without and with temperature
    scaling (mean ± std over seeds)."""
    rows = []
    for dataset in datasets:
        for model in models:
            temperature = _values(groups, (dataset, model), lambda r: r["calibration"]["temperature"])
            spread = (f"{statistics.median(temperature):.3g} ({min(temperature):.3g} to {max(temperature):.3g})"
                      if temperature else "not run")
            rows.append([dataset, PAPER2_LABELS[model], spread] + [
                mean_std_cell(calibration_values(groups, dataset, model, scaling, quantity))
                for quantity in ("ece", "mean_confidence", "test_nll") for scaling in ("plain", "scaled")])
    header = ["dataset", "model", "temperature (median, range)"] + [f"{q} ({s})" for q in ("ECE", "confidence", "NLL")
                                                    for s in ("plain", "scaled")]
    return markdown_table(header, rows)


def scaled_reliability_figure(groups: Groups, dataset: str, models: Sequence[str]):
    """Reliability diagrams of the test nodes pooled over seeds, each model without and with
    temperature scaling."""
    panels = []
    for model in models:
        for scaling, label in (("plain", ""), ("scaled", ", temperature-scaled")):
            bins = _values(groups, (dataset, model), lambda r: r["calibration"]["reliability"][scaling])
            if bins:
                panels.append((f"{PAPER2_LABELS[model]}{label}", pool_bins(bins)))
    return reliability_panels(panels)


def robustness_claims(groups: Groups, leave_groups: Groups, datasets: Sequence[str]) -> list[Claim]:
    """The claims of the energy view that paper 2 makes without measuring, per dataset:

    * robustness: GCN-JEM keeps more accuracy than the GCN under PRBCD at each budget (the
      seeds' accuracy drop from clean, ``<``);
    * out-of-distribution detection: GCN-JEM's energy separates in- from out-of-distribution
      nodes better than the GCN's under each shift (AUROC, ``>``), and the same for the
      propagated energy;
    * calibration: GCN-JEM is better calibrated than a temperature-scaled GCN (test ECE,
      ``<``), and temperature scaling lowers GCN-JEM's ECE too (scaled ``<`` plain).

    Only robustness is paper 2's claim; detection, the scaled baseline and the control are the
    book's questions (``asked_by="book"``).
    """
    claims = []
    for dataset in datasets:
        def drop(model: str, fraction: float) -> list[float]:
            clean = _values(groups, (dataset, model), lambda r: r["test_acc"])
            return [100 * (c - a) for c, a in zip(clean, attack_values(groups, dataset, model, "prbcd", fraction))]

        for fraction in budgets(groups):
            claims.append(Claim(dataset, f"GCN-JEM loses less accuracy than the GCN under PRBCD at {100 * fraction:g} % "
                                "(points lost)", "more robust (abstract)", judge(drop("jem", fraction), drop("gcn", fraction), "<"),
                                "robustness"))
        for shift in SHIFTS:
            for score in ("energy", "propagated_energy"):
                claims.append(Claim(dataset, f"GCN-JEM's {OOD_SCORE_LABELS[score]} detects the {shift} shift better than the "
                                    "GCN's (AUROC %)", "",
                                    judge(auroc_values(groups, leave_groups, dataset, "jem", shift, score),
                                          auroc_values(groups, leave_groups, dataset, "gcn", shift, score), ">"),
                                    "detection", asked_by="book"))
        claims.append(Claim(dataset, "GCN-JEM (unscaled) is better calibrated than the temperature-scaled GCN (test ECE)",
                            "better calibrated (vs an unscaled GCN)",
                            judge(calibration_values(groups, dataset, "jem", "plain", "ece"),
                                  calibration_values(groups, dataset, "gcn", "scaled", "ece"), "<"),
                            "calibration against a scaled GCN", asked_by="book"))
        claims.append(Claim(dataset, "temperature scaling lowers GCN-JEM's test ECE too", "",
                            judge(calibration_values(groups, dataset, "jem", "scaled", "ece"),
                                  calibration_values(groups, dataset, "jem", "plain", "ece"), "<"),
                            "control: scaling helps GCN-JEM", asked_by="book"))
    return claims


def gnnsafe_claims(groups: Groups, leave_groups: Groups) -> list[Claim]:
    """Does our Cora GCN detect as GNNSafe's did? Per shift and score, our seeds' AUROC as equal
    to the published number (held fixed)."""
    return [Claim("Cora", f"our GCN's {OOD_SCORE_LABELS[score]} AUROC under the {shift} shift is GNNSafe's",
                  f"{GNNSAFE_CORA_AUROC[score][shift]:.1f}",
                  judge(auroc_values(groups, leave_groups, "Cora", "gcn", shift, score), GNNSAFE_CORA_AUROC[score][shift], "=",
                        MARGINS["detection"].in_percent), asked_by="book")
            for shift in SHIFTS for score in SCORES]


def headline_numbers(groups: Groups, leave_groups: Groups, dataset: str, fraction: float = 0.05) -> dict[str, float]:
    """Means over seeds for a chapter's prose, named ``<model>_<quantity>``: ``clean`` and
    ``prbcd``/``random`` test accuracy (%) at ``fraction``, ``ece`` and ``ece_scaled``,
    ``temperature``, and ``energy_auroc_<shift>`` (%); NaN where nothing ran."""
    def mean(values: list[float]) -> float:
        return mean_std(values)[0]

    numbers = {}
    for model in ("gcn", "jem", "jemo"):
        numbers[f"{model}_clean"] = mean([100 * v for v in _values(groups, (dataset, model), lambda r: r["test_acc"])])
        for attack in ATTACK_LABELS:
            numbers[f"{model}_{attack}"] = mean([100 * v for v in attack_values(groups, dataset, model, attack, fraction)])
        numbers[f"{model}_ece"] = mean(calibration_values(groups, dataset, model, "plain", "ece"))
        numbers[f"{model}_ece_scaled"] = mean(calibration_values(groups, dataset, model, "scaled", "ece"))
        numbers[f"{model}_temperature"] = mean(_values(groups, (dataset, model), lambda r: r["calibration"]["temperature"]))
        for shift in SHIFTS:
            numbers[f"{model}_energy_auroc_{shift}"] = mean(auroc_values(groups, leave_groups, dataset, model, shift, "energy"))
    return numbers


FAMILIES = ("robustness", "detection", "calibration against a scaled GCN", "control: scaling helps GCN-JEM")


def family_table(claims: Sequence[Claim]) -> str:
    """:func:`robustness_claims` counted per family of claim (``FAMILIES``: robustness,
    detection, calibration against a temperature-scaled GCN, and the control that temperature
    scaling helps GCN-JEM too): how many hold, are inconclusive, fail."""
    rows = []
    for family in FAMILIES:
        verdicts = [str(c.judgement.verdict) for c in claims if c.family == family]
        rows.append([family, len(verdicts)] + [verdicts.count(v) for v in ("holds", "inconclusive", "fails")])
    return markdown_table(["claims", "judged", "hold", "inconclusive", "fail"], rows)


def family_counts(claims: Sequence[Claim]) -> dict[str, str]:
    """Per family, keyed by its first word (``"robustness"``, ``"detection"``, ``"calibration"``,
    ``"control"``), the verdicts counted as text, e.g. ``"inconclusive ×6"``."""
    return {family.split()[0].strip(":"): counted_verdicts(c for c in claims if c.family == family)
            for family in FAMILIES}


def leave_out_table(leave_groups: Groups, datasets: Sequence[str], models: Sequence[str]) -> str:
    """The label shift's setting per dataset and model: in-distribution test nodes, OOD nodes,
    and the test accuracy on the kept classes (%, mean ± std over seeds)."""
    rows = []
    for dataset in datasets:
        for model in models:
            runs = leave_groups.get((dataset, model), [])
            sizes = {(r["result"]["in_distribution_test_nodes"], r["result"]["out_of_distribution_nodes"]) for r in runs}
            size = ", ".join(f"{i} / {o}" for i, o in sorted(sizes)) or "not run"
            rows.append([dataset, PAPER2_LABELS[model], size,
                         mean_std_cell([100 * r["result"]["test_acc"] for r in runs], digits=1)])
    return markdown_table(["dataset", "model", "in-distribution test nodes / OOD nodes", "accuracy on the kept classes"], rows)


def budget_sizes(groups: Groups, dataset: str) -> str:
    """The budgets in flips on ``dataset``, from its GCN runs (the dataset's own graph), e.g.
    ``"1 % = 53, 5 % = 264 and 10 % = 528 of its 5278 undirected edges"``."""
    runs = groups.get((dataset, "gcn"), [])
    if not runs:
        return "not run"
    result = runs[0]["result"]
    budgets = [f"{100 * e['fraction']:g} % = {e['budget']}" for e in result["attacks"]["prbcd"]]
    return f"{', '.join(budgets[:-1])} and {budgets[-1]} of its {result['edges']} undirected edges"


def label_shift_drop(leave_groups: Groups, dataset: str, model: str = "gcn") -> tuple[float, float]:
    """``model``'s mean label-shift AUROC (%) with the energy, and with the propagated energy."""
    return tuple(mean_std(auroc_values({}, leave_groups, dataset, model, "label", score))[0]
                 for score in ("energy", "propagated_energy"))


# -- what GCN-JEM is here: nearly a GCN ------------------------------------------------------------

EVALUATION_KEYS = ("spectra", "evaluation")  # what a robustness run's config adds to its training's


def training_pairs(groups: Groups, table: Sequence[Run], dataset: str, model: str = "jem") -> list[tuple[Run, Run]]:
    """The finished robustness runs of ``model`` on ``dataset``, each with the ``jem_table`` run
    trained from the same config (equal outside ``EVALUATION_KEYS``): the same training, whose
    history the robustness run does not store. A run without such a partner is left out."""
    def training(run: Run) -> dict[str, Any]:
        return {key: value for key, value in run["config"].items() if key not in EVALUATION_KEYS}

    partners = {}
    for run in table:
        if run["result"]["status"] == "ok":
            partners.setdefault(repr(sorted(training(run).items())), run)
    pairs = []
    for run in groups.get((dataset, model), []):
        partner = partners.get(repr(sorted(training(run).items())))
        if partner is not None:
            pairs.append((run, partner))
    return pairs


def nearly_a_gcn_numbers(runs: RobustnessRuns, model: str = "jem") -> dict[str, Any]:
    r"""How far this chapter's GCN-JEM is from a GCN, over the datasets of its runs, read from the
    ``jem_table`` runs of the same trainings (:func:`training_pairs`), named ``gcnlike_<name>``:

    * ``pairs``, and ``same_accuracy``: how many of them end at the robustness run's test accuracy
      exactly (a check that they are the same training);
    * ``gen_over_clf_min`` / ``_max``: :math:`L_\text{gen}/L_\text{clf}` over the last 100 epochs,
      the smallest and largest run;
    * ``step_ratio_median`` / ``_max``: SGLD's step ratio :math:`\lVert\alpha\nabla E\rVert /
      \lVert\sigma\varepsilon\rVert` over every epoch of those runs, against ``step_threshold``
      (the readings' rule, ``MIN_STEP_RATIO``).
    """
    pairs = [pair for dataset in runs.section["datasets"] for pair in training_pairs(runs.groups, runs.table, dataset, model)]
    table = [partner for _, partner in pairs]
    ratios = per_seed(table, "late_gen_over_clf")
    steps = [value for run in table for value in run["result"]["history"]["sgld_step_ratio"]]
    return {"gcnlike_pairs": len(pairs),
            "gcnlike_same_accuracy": sum(run["result"]["test_acc"] == partner["result"]["final_test_acc"]
                                         for run, partner in pairs),
            "gcnlike_gen_over_clf_min": min(ratios, default=float("nan")),
            "gcnlike_gen_over_clf_max": max(ratios, default=float("nan")),
            "gcnlike_step_ratio_median": float(np.median(steps)) if steps else float("nan"),
            "gcnlike_step_ratio_max": max(steps, default=float("nan")), "gcnlike_step_threshold": MIN_STEP_RATIO}


def gcn_likeness_claims(groups: Groups, datasets: Sequence[str]) -> list[Claim]:
    """The book's check of what the chapter tests (``asked_by="book"``, family ``"nearly a GCN"``):
    per dataset, GCN-JEM's test accuracy (%) and its unscaled test ECE are the GCN's, each an
    equivalence claim within its family's margin (``MARGINS``)."""
    claims = []
    for dataset in datasets:
        accuracy = {m: [100 * v for v in _values(groups, (dataset, m), lambda r: r["test_acc"])] for m in ("jem", "gcn")}
        claims.append(Claim(dataset, "GCN-JEM's test accuracy is the GCN's (%)", "", judge(
            accuracy["jem"], accuracy["gcn"], "=", MARGINS["accuracy"].in_percent), "nearly a GCN", asked_by="book"))
        claims.append(Claim(dataset, "GCN-JEM's test ECE (unscaled) is the GCN's", "", judge(
            calibration_values(groups, dataset, "jem", "plain", "ece"), calibration_values(groups, dataset, "gcn", "plain", "ece"),
            "=", "calibration error"), "nearly a GCN", asked_by="book"))
    return claims


# -- the chapter -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class RobustnessRuns:
    """What the chapter reads: ``configs/paper2.json`` and the runs of ``jem_robustness`` and
    ``jem_leave_out``, the finished ones grouped by ``(dataset, model)``."""

    config: dict[str, Any]
    stored: list[Run]
    leave_stored: list[Run]
    groups: Groups
    leave_groups: Groups
    table: list[Run] = field(default_factory=list)  # jem_table's runs: the same trainings, with their histories

    @property
    def section(self) -> dict[str, Any]:
        """The ``jem_robustness`` config section (datasets, models)."""
        return self.config["jem_robustness"]


def load(root: Path | None = None) -> RobustnessRuns:
    """The runs of ``jem_robustness`` and ``jem_leave_out`` under ``root`` (default: the results folder),
    and those of ``jem_table``, whose histories record the same trainings (:func:`training_pairs`)."""
    stored, leave_stored = load_experiment("jem_robustness", root), load_experiment("jem_leave_out", root)
    return RobustnessRuns(load_config("paper2", quick=False), stored, leave_stored, robustness_groups(stored),
                          robustness_groups(leave_stored), load_experiment("jem_table", root))


def paper_results(runs: RobustnessRuns) -> dict[str, PaperResult]:
    """What this chapter judges, by name: ``robustness`` (paper 2's claim, made in its abstract and
    not measured there, that GCN-JEM is more robust) and ``questions`` (the book's: calibration
    against a temperature-scaled GCN, its control, and the detection of OOD nodes), both from
    :func:`robustness_claims`, split by who asks them."""
    claims = robustness_claims(runs.groups, runs.leave_groups, runs.section["datasets"])
    return {"robustness": PaperResult("2", "Robustness to edge attacks (claimed in the abstract, not measured there)",
                                      CHAPTER, [c for c in claims if c.asked_by == "paper"]),
            "questions": PaperResult("2", "Calibration against a temperature-scaled GCN; detection of OOD nodes",
                                     CHAPTER, [c for c in claims if c.asked_by == "book"])}


def chapter_numbers(runs: RobustnessRuns) -> dict[str, Any]:
    """The numbers of the chapter's prose: ``runs``, ``leave_runs``, ``unfinished`` (runs stopped
    early, left out), ``hours``, ``provenance``, the attack budgets (``cora_budgets``,
    ``citeseer_budgets``, :func:`budget_sizes`), Cora's label-shift AUROC with the energy and
    propagated (``cora_label_energy``, ``cora_label_propagated``), :func:`headline_numbers` of
    Cora and CiteSeer (``cora_<name>``, ``citeseer_<name>``), ``gnnsafe_verdicts``
    (:func:`gnnsafe_claims`, counted) with ``detection_margin`` (its δ, AUROC points), ``family_<family>`` (:func:`family_counts`), and how near
    GCN-JEM is to a GCN: :func:`nearly_a_gcn_numbers` (``gcnlike_<name>``) and ``gcnlike_verdicts``
    (:func:`gcn_likeness_claims`, counted)."""
    stored, groups, leave = runs.stored + runs.leave_stored, runs.groups, runs.leave_groups
    finished = sum(len(v) for v in groups.values()) + sum(len(v) for v in leave.values())
    return {"runs": len(runs.stored), "leave_runs": len(runs.leave_stored), "unfinished": len(stored) - finished,
            "hours": wall_hours(stored), "provenance": MarkdownText(provenance_summary(stored, entropy_step=False)),
            "cora_budgets": budget_sizes(groups, "Cora"), "citeseer_budgets": budget_sizes(groups, "CiteSeer"),
            **dict(zip(("cora_label_energy", "cora_label_propagated"), label_shift_drop(leave, "Cora"))),
            **{f"cora_{k}": v for k, v in headline_numbers(groups, leave, "Cora").items()},
            **{f"citeseer_{k}": v for k, v in headline_numbers(groups, leave, "CiteSeer").items()},
            "gnnsafe_verdicts": counted_verdicts(gnnsafe_claims(groups, leave)),
            "detection_margin": MARGINS["detection"].in_percent.delta,
            **nearly_a_gcn_numbers(runs),
            "gcnlike_verdicts": counted_verdicts(gcn_likeness_claims(groups, runs.section["datasets"])),
            **{f"family_{family}": counts for family, counts in family_counts(claims_of(paper_results(runs))).items()}}
