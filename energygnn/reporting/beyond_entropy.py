r"""The chapter ``book/beyond_entropy``: beyond paper 1. Its future work (a per-layer schedule, the
undetached step), its generality claim (the step in GAT, GraphSAGE, GIN) and the deep models that
work (GCNII, APPNP, GRAND-l), from the runs of ``beyond_schedule``, ``beyond_architectures`` and
``beyond_deep`` (:func:`energygnn.experiments.paper1.variant_runs`).

Runs are grouped by ``(dataset, variant, depth)``. Every claim is judged by the shared rule
(:func:`~energygnn.reporting.verdicts.judge`) on the seeds' best validation accuracy, Table 1's
score; the GCNII anchor on test accuracy at the best validation epoch, as GCNII reports it.
:func:`load` reads what the chapter reads (:class:`BeyondRuns`), :func:`paper_results` gives the
paper's claims it tests (the same for the chapter and the introduction's summary), and
:func:`chapter_numbers` the numbers of its prose.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..config import results_root
from ..experiments.configs import load_config
from ..experiments.paper1 import step_options
from ..experiments.reported import GCNII_CORA_64
from ..experiments.results import group_runs, load_experiment, mean_std, provenance_summary
from ..models import layer_weights
from .claims import Claim, PaperResult, claim_numbers, counted_verdicts
from .labels import STEP_SUFFIX, setting_label, variant_label
from .prose import MarkdownText
from .runs import SCORE, Groups, Run, finished_groups, layer_energy_profiles, map_groups, planned_runs, seed_values, \
    setting_of, wall_hours
from .tables import comparison_table, stopped_runs_text
from .verdicts import MARGINS, judge

CHAPTER = "beyond_entropy"
EXPERIMENTS = ("beyond_deep", "beyond_schedule", "beyond_architectures")


def beyond_groups(stored: Sequence[dict[str, Any]]) -> Groups:
    """Runs keyed ``(dataset, variant, depth)``, finished runs only."""
    return finished_groups(stored, "dataset", "variant", "depth")


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


def gcnii_anchor_claim(groups: Groups) -> Claim:
    """GCNII at depth 64 on Cora under Table 1's protocol against GCNII's published accuracy
    (under its own protocol): test accuracy at the best validation epoch, ``=``."""
    values = [100 * value for value in seed_values(groups, ("Cora", "gcnii", 64), "test_acc_at_best_val")]
    return Claim("Cora, depth 64", "GCNII as accurate as GCNII's paper reports", f"{GCNII_CORA_64} % (GCNII's protocol)",
                 judge(values, GCNII_CORA_64, "=", MARGINS["accuracy against a paper's number"].in_percent), family="gcnii_anchor")


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


# -- the chapter -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class BeyondRuns:
    """What the chapter reads: ``configs/paper1.json``, the runs of each ``beyond_*`` experiment
    (``stored``, and ``groups`` of the finished ones by :func:`beyond_groups`), Table 1 and the
    maps by their cells, and the step options chosen on each dataset's map."""

    config: dict[str, Any]
    stored: dict[str, list[Run]]
    groups: dict[str, Groups]
    table1: Groups  # table1, by (dataset, model, depth)
    maps: Groups  # entropy_maps, by (dataset, weight, temperature, normalize)
    chosen_options: dict[str, dict[str, Any]]  # dataset -> the entropy step chosen on its map

    def section(self, name: str) -> dict[str, Any]:
        """The config section of experiment ``name``."""
        return self.config[name]


def load(root: Path | None = None) -> BeyondRuns:
    """The runs of ``EXPERIMENTS``, ``table1`` and ``entropy_maps`` under ``root`` (default: the
    results folder), with the step options :func:`~energygnn.experiments.paper1.step_options`
    chooses on each dataset's map."""
    config = load_config("paper1", quick=False)
    stored = {name: load_experiment(name, root) for name in EXPERIMENTS}
    chosen = {dataset: step_options(config, Path(root or results_root()), dataset, "chosen")
              for dataset in config["entropy_maps"]["datasets"]}
    return BeyondRuns(config, stored, {name: beyond_groups(runs) for name, runs in stored.items()},
                      group_runs(load_experiment("table1", root), "dataset", "model", "depth"),
                      map_groups(load_experiment("entropy_maps", root)), chosen)


def paper_results(runs: BeyondRuns) -> dict[str, PaperResult]:
    """Paper 1's claims this chapter tests, by name: ``architectures`` (:func:`step_claims`: the step
    helps GAT, GraphSAGE and GIN) and ``future_work`` (:func:`table1_variant_claims`: the
    middle schedule and the undetached step against Table 1's entropic GCN)."""
    schedule = "beyond_schedule"
    return {
        "architectures": PaperResult(
            "1", "Claimed, not shown: the step helps other architectures (GAT, GraphSAGE, GIN)", CHAPTER,
            step_claims(runs.groups["beyond_architectures"], runs.section("beyond_architectures"))),
        "future_work": PaperResult(
            "1", "Future work: a larger weight in the middle layers; the undetached step", CHAPTER,
            table1_variant_claims(runs.groups[schedule], runs.table1, runs.section(schedule))),
    }


def grand_claims(runs: BeyondRuns) -> dict[str, list[Claim]]:
    """GRAND-l with the entropy term against without, per dataset and integration time, by name:
    ``coarse`` (RK4 steps of size 1) and ``fine`` (4 steps per unit of time, family ``ode``)."""
    groups, section = runs.groups["beyond_deep"], runs.section("beyond_deep")
    return {"coarse": pair_claims(groups, section, [("grand", "grand_entropic")]),
            "fine": pair_claims(groups, section, [("grand", "grand_entropic_fine")], family="ode")}


def deep_model_claims(runs: BeyondRuns) -> list[Claim]:
    """GCNII and APPNP with the entropy step against without (:func:`pair_claims`)."""
    return pair_claims(runs.groups["beyond_deep"], runs.section("beyond_deep"),
                       [("gcnii", "gcnii_entropic"), ("appnp", "appnp_entropic")])


def energy_depth(runs: BeyondRuns) -> tuple[int, int]:
    """``(depth, epoch)``: the deepest depth of ``beyond_deep`` and its last epoch with recorded layer energies."""
    section = runs.section("beyond_deep")
    deep = max(section["depths"])
    return deep, section["energy_epochs"][str(deep)][-1]


def layer_energy_curves(runs: BeyondRuns, variants: Sequence[str]) -> dict[tuple[str, str, str], np.ndarray]:
    """Per ``(dataset, variant, label)`` with stored energies: :func:`trained_energy_curves` of
    ``beyond_deep``'s deepest runs at :func:`energy_depth`'s epoch."""
    deep, epoch = energy_depth(runs)
    return {(dataset, variant, label): rows for dataset in runs.section("beyond_deep")["datasets"]
            for variant in variants
            for label, rows in trained_energy_curves(runs.groups["beyond_deep"], dataset, [variant], deep, epoch).items()}


GRAND_VARIANTS = {"grand": "plain", "grand_entropic": "entropic", "grand_entropic_fine": "fine"}  # variant: name in the prose
DEEP_VARIANTS = ("gcnii", "gcnii_entropic", "appnp", "appnp_entropic")


def plot_trained_energies(runs: BeyondRuns, variants: Sequence[str], xlabel: str | None = None):
    """:func:`layer_energy_curves` of ``variants`` drawn by :func:`plot_diffusion_energies`, one
    line per ``"<dataset>, <label>"``: the mean node energy (:math:`a_i = 1`) against integration
    time, or against ``xlabel`` (e.g. the hidden layer). Returns the Figure."""
    curves = {f"{dataset}, {label}": rows for (dataset, _, label), rows in layer_energy_curves(runs, variants).items()}
    return plot_diffusion_energies(curves, 1.0, ylabel="mean node energy ($a_i = 1$)", xlabel=xlabel)


def diffusion_numbers(curves: dict[str, Any], time: float, step_size: float) -> dict[str, str]:
    """For the prose about the live continuous Figure 2 (``curves``: the energies of the four
    settings, in the order no term, Table 1's setting, :math:`a_i = 1` at :math:`\\lambda = 1` and
    at :math:`\\lambda = 10`): ``diffusion_start_<setting>`` and ``diffusion_end_<setting>`` (the
    draws' mean survey energy after the first step and at the end; settings ``plain``, ``paper``,
    ``one``, ``ten``), ``diffusion_time``, ``diffusion_step`` and ``diffusion_rest_node_energy``
    (the mean node energy where the :math:`\\lambda = 10` state comes to rest: half the survey energy)."""
    numbers = {}
    for key, energies in zip(("plain", "paper", "one", "ten"), curves.values()):
        numbers[f"diffusion_end_{key}"] = f"{float(energies[:, -1].mean()):.3g}"
        numbers[f"diffusion_start_{key}"] = f"{float(energies[:, 0].mean()):.3g}"
    ten = list(curves.values())[3]
    return {**numbers, "diffusion_time": f"{time:g}", "diffusion_rest_node_energy": f"{float(ten[:, -1].mean()) / 2:.3g}",
            "diffusion_step": f"{step_size:g}"}


def stiffness_numbers(energies: dict[str, tuple[Any, Any]]) -> dict[str, str]:
    """For the prose about the solver's step size: per setting ``key``, the survey energy at the
    end with RK4 steps of size 1 (``stiff_coarse_<key>``) and of the small step
    (``stiff_fine_<key>``), from ``energies[key] = (coarse, fine)``, one draw's energies each."""
    return {f"stiff_{size}_{key}": f"{float(values[-1]):.3g}"
            for key, pair in energies.items() for size, values in zip(("coarse", "fine"), pair)}


def cora_check_numbers(time: float, energies: dict[float, Any]) -> dict[str, str]:
    """For the prose about the same check on Cora: ``cora_time`` and the survey energy at the end
    with steps of 1 (``cora_check_coarse``) and of 1/4 (``cora_check_fine``), ``energies`` keyed
    by the step size."""
    return {"cora_time": f"{time:g}", "cora_check_coarse": f"{float(energies[1.0][-1]):.3g}",
            "cora_check_fine": f"{float(energies[0.25][-1]):.3g}"}


def _stopped_and_planned(runs: BeyondRuns) -> dict[str, Any]:
    numbers: dict[str, Any] = {}
    for name in EXPERIMENTS:
        numbers[f"{name}_runs"] = len(runs.stored[name])
        numbers[f"{name}_planned"] = planned_runs(runs.section(name))
        numbers[f"{name}_hours"] = f"{wall_hours(runs.stored[name]):.1f}"
        numbers[f"{name}_stopped"] = MarkdownText(stopped_runs_text(runs.stored[name]))
    for dataset, options in runs.chosen_options.items():
        numbers[f"chosen_{dataset}"] = setting_label(*setting_of(options))
    return numbers


def _schedule_numbers(runs: BeyondRuns) -> dict[str, Any]:
    section, groups = runs.section("beyond_schedule"), runs.groups["beyond_schedule"]
    claims = paper_results(runs)["future_work"].claims
    numbers: dict[str, Any] = {"schedule_verdicts": counted_verdicts(claims), **claim_numbers(claims)}
    for variant in section["variants"]:
        numbers[f"schedule_verdicts_{variant}"] = counted_verdicts(
            claim for claim in claims if claim.family == f"against_table1:{variant}")
    for dataset in section["datasets"]:
        for depth in section["depths"]:
            seconds = {variant: mean_std(seed_values(groups, (dataset, variant, depth), "mean_epoch_seconds"))[0]
                       for variant in section["variants"]}
            numbers[f"undetached_cost_{dataset}_{depth}"] = f"{seconds['not_detached'] / seconds['middle_schedule']:.1f}"
    peak = section["variants"]["middle_schedule"]["step"]["peak"]
    for depth in (16, 64):
        numbers[f"schedule_mean_weight_{depth}"] = f"{sum(layer_weights(1.0, depth, 'middle', peak=peak)) / depth:.1f}"
    numbers["schedule_end_weight_64"] = f"{layer_weights(1.0, 64, 'middle', peak=peak)[0]:.2f}"
    # the same weight without the schedule: the constant lambda = 10 cell of Cora's map (same seeds and depth)
    constant = seed_values(runs.maps, ("Cora", 10.0, 10.0, True))
    middle = seed_values(groups, ("Cora", "middle_schedule", max(section["depths"])))
    against_constant = judge(middle, constant, ">")
    numbers["constant_ten_Cora"] = f"{against_constant.reference:.3f}"
    numbers["middle_against_constant"] = MarkdownText(against_constant.markdown)
    return numbers


def _deep_model_numbers(runs: BeyondRuns) -> dict[str, Any]:
    claims, anchor = deep_model_claims(runs), gcnii_anchor_claim(runs.groups["beyond_deep"])
    numbers: dict[str, Any] = {
        "table1_basic_Cora_64": f"{mean_std(seed_values(runs.table1, ('Cora', 'basic', 64)))[0]:.2f}",
        "deep_verdicts": counted_verdicts(claims), **claim_numbers(claims),
        "gcnii_ours": f"{anchor.judgement.ours:.1f}", "gcnii_theirs": f"{anchor.judgement.reference:.1f}",
        "gcnii_verdict": str(anchor.judgement)}
    for (dataset, variant, _), rows in layer_energy_curves(runs, DEEP_VARIANTS).items():
        numbers[f"layer_energy_peak_{dataset}_{variant}"] = f"{rows.mean(axis=0).max():.3g}"
        numbers[f"layer_energy_last_{dataset}_{variant}"] = f"{rows.mean(axis=0)[-1]:.3g}"
    return numbers


def chapter_numbers(runs: BeyondRuns) -> dict[str, Any]:
    """The numbers of the chapter's prose from its runs (the live demonstrations add their own,
    :func:`diffusion_numbers`):

    * per experiment ``<name>_runs``, ``_planned``, ``_hours`` and ``_stopped``, and the settings
      chosen on the maps, ``chosen_<dataset>``;
    * GRAND-l: ``grand_energy_<dataset>_<plain|entropic|fine>`` (the trained models' mean node
      energy at the last layer), ``grand_energy_epoch`` and ``_depth``, the verdicts of
      :func:`grand_claims` counted (``grand_coarse_verdicts``, ``grand_fine_verdicts``,
      ``grand_verdicts``) and their :func:`~energygnn.reporting.claims.claim_numbers`;
    * the schedule: ``schedule_verdicts`` (and per variant), claim numbers, the undetached step's
      epoch cost against the schedule's (``undetached_cost_<dataset>_<depth>``), the schedule's
      mean and end weights, and the middle schedule against the constant :math:`\\lambda = 10`
      cell of Cora's map (``constant_ten_Cora``, ``middle_against_constant``);
    * other architectures: ``architecture_verdicts`` and claim numbers;
    * GCNII and APPNP: ``deep_verdicts``, claim numbers, the GCNII anchor (``gcnii_ours``,
      ``gcnii_theirs``, ``gcnii_verdict``), Table 1's basic GCN at depth 64 on Cora, and the
      layer energies' peaks and last layers (``layer_energy_peak_<dataset>_<variant>``, ``..._last_...``).
    """
    deep, epoch = energy_depth(runs)
    grand = grand_claims(runs)
    architectures = paper_results(runs)["architectures"].claims
    numbers: dict[str, Any] = {**_stopped_and_planned(runs), "grand_energy_epoch": epoch, "grand_energy_depth": deep}
    for (dataset, variant, _), rows in layer_energy_curves(runs, list(GRAND_VARIANTS)).items():
        numbers[f"grand_energy_{dataset}_{GRAND_VARIANTS[variant]}"] = f"{rows[:, -1].mean():.3g}"
    numbers.update({"grand_coarse_verdicts": counted_verdicts(grand["coarse"]),
                    "grand_fine_verdicts": counted_verdicts(grand["fine"]),
                    "grand_verdicts": counted_verdicts(grand["coarse"] + grand["fine"]),
                    **claim_numbers(grand["coarse"] + grand["fine"]), **_schedule_numbers(runs),
                    "architecture_verdicts": counted_verdicts(architectures), **claim_numbers(architectures),
                    **_deep_model_numbers(runs)})
    return numbers


def provenance_lines(runs: BeyondRuns) -> list[str]:
    """Per experiment, a Markdown line: where its runs came from and their run time in all."""
    return [f"`{name}`: {provenance_summary(runs.stored[name])} Run time {wall_hours(runs.stored[name]):.1f} h in all."
            for name in EXPERIMENTS]
