r"""The chapter ``book/beyond_entropy``: beyond paper 1. Its future work (a per-layer schedule, the
undetached step), its generality claim (the step in GAT, GraphSAGE, GIN) and the deep models that
work (GCNII, APPNP, GRAND-l), from the runs of ``beyond_schedule``, ``beyond_architectures`` and
``beyond_deep`` (:func:`energygnn.experiments.paper1.variant_runs`), and three checks of the
chapter's own readings: GCNII under its own protocol (``gcnii_protocol``), GRAND-l's entropic ODE
in RK4 steps of 1/8 (``grand_ode_check``) and a constant weight at the schedule's mean
(``schedule_constant``).

Runs are grouped by ``(dataset, variant, depth)``. Every claim is judged by the shared rule
(:func:`~energygnn.reporting.verdicts.judge`) on the seeds' best validation accuracy, Table 1's
score; the GCNII anchor on test accuracy at the best validation epoch, as GCNII reports it.
:func:`load` reads what the chapter reads (:class:`BeyondRuns`), :func:`paper_results` gives the
paper's claims it tests (the same for the chapter and the introduction's summary), and
:func:`chapter_numbers` the numbers of its prose.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
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
from .runs import (CLOSE_DEVIATIONS, SCORE, Groups, Run, finished_groups, layer_energy_profiles, map_groups, planned_runs,
                   seed_values, setting_of, temperature_choice, wall_hours)
from .tables import comparison_table, stopped_runs_text
from .verdicts import MARGINS, Margin, judge

CHAPTER = "beyond_entropy"
EXPERIMENTS = ("beyond_deep", "beyond_schedule", "beyond_architectures", "gcnii_protocol", "grand_ode_check",
               "schedule_constant")
#: The checks of the chapter's own readings, whose runs may not all be stored yet (with none stored, no claim is measured).
CHECKS = ("gcnii_protocol", "grand_ode_check", "schedule_constant")
#: How the checks' variants appear in the chapter's tables and claims.
CHECK_LABELS = {"gcnii_own_protocol": "GCNII, GCNII's protocol",
                "grand_entropic_finer": "GRAND-l + entropy step, 8 RK4 steps per unit time",
                "schedule_mean_constant": "constant λ at the schedule's mean weight"}
#: Equivalence margin of the solver check on energies, on the natural log of the ratio of a seed's
#: last-layer energy with RK4 steps of 1/8 to the same seed's with steps of 1/4.
SOLVER_ENERGY_MARGIN = Margin(
    "solver energy", 0.1, "natural log of a ratio of energies",
    "0.1 (about 10 %): a step that follows the ODE must change the trained model's energy by much less than the "
    "step of 1 does against 1/4, and less than the seeds spread")


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
    lines = [(check_label(variant), variant, groups) for variant in section["variants"]] + list(extra)
    return comparison_table(lines, section, paper_model=None)


def pair_claims(groups: Groups, section: dict[str, Any], pairs: Sequence[tuple[str, str]],
                family: str = "step", asked_by: str = "paper") -> list[Claim]:
    """Per dataset, pair ``(base, stepped)`` and depth: "``stepped`` is more accurate than
    ``base``"; each claim's ``family`` is ``f"{family}:{base}"``, its ``cell`` is
    ``(dataset, stepped, depth)`` and ``asked_by`` says whose claim it is (default the paper's)."""
    return [Claim(f"{dataset}, depth {depth}", f"{variant_label(stepped)} more accurate than {variant_label(base)}", "",
                  judge(seed_values(groups, (dataset, stepped, depth)), seed_values(groups, (dataset, base, depth)), ">"),
                  family=f"{family}:{base}", cell=(dataset, stepped, depth), asked_by=asked_by)
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


def check_label(variant: str) -> str:
    """A variant's label: the checks' own (``CHECK_LABELS``), else :func:`~energygnn.reporting.labels.variant_label`'s."""
    return CHECK_LABELS.get(variant, variant_label(variant))


def percent_test_accuracy(groups: Groups, key: tuple) -> list[float]:
    """Test accuracy at the best validation epoch, in percent, of every run under ``key``."""
    return [100 * value for value in seed_values(groups, key, "test_acc_at_best_val")]


def gcnii_anchor_claim(groups: Groups) -> Claim:
    """GCNII at depth 64 on Cora under Table 1's protocol against GCNII's published accuracy
    (under its own protocol): test accuracy at the best validation epoch, ``=`` (the book's question)."""
    return Claim("Cora, depth 64", "GCNII as accurate as GCNII's paper reports", f"{GCNII_CORA_64} % (GCNII's protocol)",
                 judge(percent_test_accuracy(groups, ("Cora", "gcnii", 64)), GCNII_CORA_64, "=",
                       MARGINS["accuracy against a paper's number"].in_percent),
                 family="gcnii_anchor", cell=("Cora", "gcnii", 64), asked_by="book")


def gcnii_protocol_claims(table1_protocol: Groups, own_protocol: Groups) -> list[Claim]:
    """The GCNII anchor measured under GCNII's own protocol (``gcnii_protocol``), test accuracy at
    the best validation epoch in percent, both the book's questions: "as accurate as GCNII's paper
    reports" (``=``, the margin for a paper's number; cell ``("Cora", "gcnii_own_protocol", 64)``)
    and "more accurate under its own protocol than under Table 1's" (``>`` against ``beyond_deep``'s
    GCNII; cell ``("Cora", "gcnii_protocol_gain", 64)``)."""
    own = percent_test_accuracy(own_protocol, ("Cora", "gcnii_own_protocol", 64))
    table1 = percent_test_accuracy(table1_protocol, ("Cora", "gcnii", 64))
    return [Claim("Cora, depth 64", "GCNII under GCNII's protocol as accurate as GCNII's paper reports",
                  f"{GCNII_CORA_64} % (GCNII's protocol)",
                  judge(own, GCNII_CORA_64, "=", MARGINS["accuracy against a paper's number"].in_percent),
                  family="gcnii_anchor", cell=("Cora", "gcnii_own_protocol", 64), asked_by="book"),
            Claim("Cora, depth 64", "GCNII more accurate under GCNII's protocol than under Table 1's", "",
                  judge(own, table1, ">"), family="gcnii_protocol", cell=("Cora", "gcnii_protocol_gain", 64),
                  asked_by="book")]


def paired_differences(groups: Groups, key: tuple, reference_groups: Groups, reference_key: tuple,
                       value) -> list[float]:
    """``value(run) - value(reference run)`` for every seed stored under both keys, by seed."""
    ours = {run["config"]["seed"]: run for run in groups.get(key, [])}
    theirs = {run["config"]["seed"]: run for run in reference_groups.get(reference_key, [])}
    return [value(ours[seed]) - value(theirs[seed]) for seed in sorted(set(ours) & set(theirs))]


def last_energy(run: Run, epoch: int | str, kind: str = "plain") -> float:
    """A run's mean node energy after its last layer (for GRAND-l: at the end of integration) at ``epoch``."""
    return float(run["result"]["layer_energies"][str(epoch)][kind][-1])


def ode_check_claims(fine: Groups, finer: Groups, section: dict[str, Any], energy_epoch: int) -> list[Claim]:
    """Does RK4 in steps of 1/4 follow GRAND-l's entropic ODE on Cora? Steps of 1/8
    (``grand_ode_check``'s ``grand_entropic_finer``, ``finer``) against 1/4 (``beyond_deep``'s
    ``grand_entropic_fine``, ``fine``), paired by seed (same initialisation and data): per dataset and
    integration time, the best validation accuracy "as accurate" (``=`` on the per-seed differences,
    the margin for accuracy; cell ``(dataset, "grand_entropic_finer", depth)``), and where energies
    are recorded (``section["energy_epochs"]``) the last-layer energy "the same" (``=`` on the
    per-seed log ratios, ``SOLVER_ENERGY_MARGIN``; cell ``(dataset, "grand_entropic_finer_energy", depth)``).
    All the book's questions, family ``ode_check``."""
    claims = []
    for dataset in section["datasets"]:
        for depth in section["depths"]:
            key, reference = (dataset, "grand_entropic_finer", depth), (dataset, "grand_entropic_fine", depth)
            accuracy = paired_differences(finer, key, fine, reference, lambda run: run["result"][SCORE])
            claims.append(Claim(f"{dataset}, t = {depth}", "steps of 1/8 as accurate as steps of 1/4 (per seed)", "",
                                judge(accuracy, 0.0, "=", "accuracy"), family="ode_check", cell=key, asked_by="book"))
            if str(energy_epoch) in {str(e) for e in section.get("energy_epochs", {}).get(str(depth), [])}:
                ratios = paired_differences(finer, key, fine, reference,
                                            lambda run: float(np.log(last_energy(run, energy_epoch))))
                claims.append(Claim(f"{dataset}, t = {depth}",
                                    "steps of 1/8 give the same last-layer energy as steps of 1/4 (log ratio per seed)",
                                    "", judge(ratios, 0.0, "=", SOLVER_ENERGY_MARGIN), family="ode_check",
                                    cell=(dataset, "grand_entropic_finer_energy", depth), asked_by="book"))
    return claims


def schedule_shape_claims(schedule: Groups, constant: Groups, table1: Groups, section: dict[str, Any]) -> list[Claim]:
    """The middle schedule's shape against its total weight, per dataset and depth of
    ``schedule_constant``'s ``section`` (on its seeds), the book's questions: "the middle schedule is
    more accurate than a constant weight at its mean" (family ``shape``, cell ``(dataset, "shape",
    depth)``) and "the constant weight at the schedule's mean is more accurate than Table 1's
    entropic GCN" (family ``weight``, cell ``(dataset, "schedule_mean_constant", depth)``)."""
    seeds = set(section["seeds"])
    claims = []
    for dataset in section["datasets"]:
        for depth in section["depths"]:
            middle = seed_values(schedule, (dataset, "middle_schedule", depth), seeds=seeds)
            mean = seed_values(constant, (dataset, "schedule_mean_constant", depth), seeds=seeds)
            paper = seed_values(table1, (dataset, "entropic", depth), seeds=seeds)
            claims.append(Claim(f"{dataset}, depth {depth}", "middle schedule more accurate than a constant λ at its "
                                "mean weight", "", judge(middle, mean, ">"), family="shape",
                                cell=(dataset, "shape", depth), asked_by="book"))
            claims.append(Claim(f"{dataset}, depth {depth}", "constant λ at the schedule's mean weight more accurate "
                                "than Table 1's entropic GCN (same seeds)", "", judge(mean, paper, ">"),
                                family="weight", cell=(dataset, "schedule_mean_constant", depth), asked_by="book"))
    return claims


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
    """What the chapter reads: ``configs/paper1.json``, the runs of each experiment of ``EXPERIMENTS``
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


def _stored(name: str, root: Path | None) -> list[Run]:
    """The runs of experiment ``name``; none yet for a check (``CHECKS``) that has not run."""
    try:
        return load_experiment(name, root)
    except FileNotFoundError:
        if name in CHECKS:
            return []
        raise


def load(root: Path | None = None) -> BeyondRuns:
    """The runs of ``EXPERIMENTS``, ``table1`` and ``entropy_maps`` under ``root`` (default: the
    results folder), with the step options :func:`~energygnn.experiments.paper1.step_options`
    chooses on each dataset's map."""
    config = load_config("paper1", quick=False)
    stored = {name: _stored(name, root) for name in EXPERIMENTS}
    chosen = {dataset: step_options(config, Path(root or results_root()), dataset, "chosen")
              for dataset in config["entropy_maps"]["datasets"]}
    return BeyondRuns(config, stored, {name: beyond_groups(runs) for name, runs in stored.items()},
                      group_runs(load_experiment("table1", root), "dataset", "model", "depth"),
                      map_groups(load_experiment("entropy_maps", root)), chosen)


def paper_results(runs: BeyondRuns) -> dict[str, PaperResult]:
    """The claims this chapter tests, by name. Paper 1's: ``architectures`` (:func:`step_claims`:
    the step helps GAT, GraphSAGE and GIN) and ``future_work`` (:func:`table1_variant_claims`: the
    middle schedule and the undetached step against Table 1's entropic GCN). The book's questions
    (``asked_by="book"``): ``diffusion`` and ``diffusion_coarse`` (:func:`grand_claims`: GRAND-l with
    the term in RK4 steps of 1/4 and of 1), ``deep_models`` (:func:`deep_model_claims`) and
    ``checks`` (:func:`check_claims`, with :func:`gcnii_anchor_claim`)."""
    schedule, grand, checks = "beyond_schedule", grand_claims(runs), check_claims(runs)
    book = lambda claims: [replace(claim, asked_by="book") for claim in claims]  # noqa: E731
    return {
        "architectures": PaperResult(
            "1", "Claimed, not shown: the step helps other architectures (GAT, GraphSAGE, GIN)", CHAPTER,
            step_claims(runs.groups["beyond_architectures"], runs.section("beyond_architectures"))),
        "future_work": PaperResult(
            "1", "Future work: a larger weight in the middle layers; the undetached step", CHAPTER,
            table1_variant_claims(runs.groups[schedule], runs.table1, runs.section(schedule))),
        "diffusion": PaperResult(
            "1", "Appendix B's entropic diffusion: GRAND-l more accurate with the term (RK4 steps of 1/4)", CHAPTER,
            book(grand["fine"])),
        "diffusion_coarse": PaperResult(
            "1", "GRAND-l more accurate with the term in RK4 steps of 1 (a 64-step network, not the ODE)", CHAPTER,
            book(grand["coarse"])),
        "deep_models": PaperResult(
            "1", "Deep models that do not oversmooth (GCNII, APPNP) more accurate with the step", CHAPTER,
            deep_model_claims(runs)),
        "checks": PaperResult(
            "1", "The chapter's checks: steps of 1/8, the schedule's shape and weight, GCNII's protocol", CHAPTER,
            book(checks["ode_check"] + checks["shape"] + [gcnii_anchor_claim(runs.groups["beyond_deep"])]
                 + checks["gcnii_protocol"])),
    }


def grand_claims(runs: BeyondRuns) -> dict[str, list[Claim]]:
    """GRAND-l with the entropy term against without, per dataset and integration time, by name:
    ``coarse`` (RK4 steps of size 1) and ``fine`` (4 steps per unit of time, family ``ode``)."""
    groups, section = runs.groups["beyond_deep"], runs.section("beyond_deep")
    return {"coarse": pair_claims(groups, section, [("grand", "grand_entropic")]),
            "fine": pair_claims(groups, section, [("grand", "grand_entropic_fine")], family="ode")}


def deep_model_claims(runs: BeyondRuns) -> list[Claim]:
    """GCNII and APPNP with the entropy step against without (:func:`pair_claims`): the book's
    question (paper 1 does not compare with them)."""
    return pair_claims(runs.groups["beyond_deep"], runs.section("beyond_deep"),
                       [("gcnii", "gcnii_entropic"), ("appnp", "appnp_entropic")], asked_by="book")


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


def rk4_factor(z: complex) -> complex:
    r"""RK4's one-step factor on :math:`dx/dt = \mu x` for :math:`z = h\mu`: :math:`1 + z + z^2/2 + z^3/6 + z^4/24`."""
    return 1 + z + z ** 2 / 2 + z ** 3 / 6 + z ** 4 / 24


def rk4_stability_limit() -> float:
    r"""The largest :math:`h|\mu|` for which RK4 is stable on the negative real axis (about 2.785):
    the positive root of :math:`R(-x) = 1`, i.e. of :math:`x^3/24 - x^2/6 + x/2 - 1 = 0`."""
    roots = np.roots([1 / 24, -1 / 6, 1 / 2, -1])
    return float(min(root.real for root in roots if abs(root.imag) < 1e-9 and root.real > 0))


def field_spectrum(step: dict[str, Any], graph, time: float = 4.0, step_size: float = 0.25,
                   hidden_channels: int = 64, count: int = 3, seed: int = 0) -> dict[str, np.ndarray]:
    r"""The eigenvalues of largest magnitude of the Jacobian of each part of untrained GRAND-l's
    field on ``graph`` (a PyG ``Data``, its own features), float64, the draw ``seed`` of
    ``energygnn.experiments.paper1.diffusion_energies``: ``"entropy_start"`` and
    ``"entropy_later"``, the entropy term :math:`\lambda \nabla S` at the encoded state
    :math:`X(0)` and at :math:`X(\text{time})` (integrated in steps of ``step_size``), and
    ``"diffusion"``, :math:`\mathcal{A} - I` (linear: the same at every state). ``count``
    eigenvalues each (ARPACK, ``which="LM"``), largest magnitude last; the Jacobian-vector
    products are central differences."""
    import torch
    from scipy.sparse.linalg import LinearOperator, eigs

    from ..entropy import entropy_gradient
    from ..models import build_model
    from ..nn import StepOptions

    options = StepOptions.coerce(step, "field_spectrum")
    steps = round(time / step_size)
    torch.manual_seed(seed)
    model = build_model("grand", graph.num_features, hidden_channels, steps, hidden_channels=hidden_channels,
                        step_size=step_size, step=step).double().eval()
    with torch.no_grad():
        x0 = model.encoder(graph.x.double())
        field = model.field(x0, graph.edge_index)
        _, states = model(graph.x.double(), graph.edge_index, return_hidden=True)

    def entropy_term(x):
        return options.weight * entropy_gradient(x, field.graph, options.temperature, options.normalize)

    def largest(function, x) -> np.ndarray:
        def product(vector):
            v = torch.from_numpy(np.ascontiguousarray(np.real(vector), dtype=np.float64)).reshape(x.shape)
            epsilon = 1e-6 * float(x.norm()) / max(float(v.norm()), 1e-300)
            with torch.no_grad():
                return ((function(x + epsilon * v) - function(x - epsilon * v)) / (2 * epsilon)).reshape(-1).numpy()

        operator = LinearOperator((x.numel(), x.numel()), matvec=product, dtype=np.float64)
        values = eigs(operator, k=count, which="LM", return_eigenvectors=False, tol=1e-4, maxiter=5000,
                      v0=np.ones(x.numel()))
        return values[np.argsort(np.abs(values))]

    return {"entropy_start": largest(entropy_term, x0), "entropy_later": largest(entropy_term, states[-1]),
            "diffusion": largest(field.diffusion, x0)}


def spectrum_numbers(spectrum: dict[str, np.ndarray], time: float, step_sizes=(1.0, 0.25, 0.125)) -> dict[str, str]:
    r"""For the prose about which part of the field is stiff (``spectrum`` of :func:`field_spectrum`):
    the eigenvalue of largest magnitude of each part (``spectrum_<part>``, its real part; they are
    real here) and ``spectrum_time``; ``rk4_limit`` (:func:`rk4_stability_limit`); and per step size
    ``h`` (``1``, ``0.25`` as ``quarter``, ``0.125`` as ``eighth``): ``rk4_growth_<h>``, RK4's
    factor as a share of :math:`e^{h\mu}` on the entropy term's largest growth rate at the start,
    in percent (100: exact), and ``rk4_later_<h>``, :math:`|R(h\mu)|` on its largest eigenvalue later (above 1:
    the step is unstable there); ``h_stable_later``, the largest step stable on that eigenvalue."""
    names = {1.0: "one", 0.25: "quarter", 0.125: "eighth"}
    largest = {part: values[-1] for part, values in spectrum.items()}
    numbers = {f"spectrum_{part}": f"{value.real:.3g}" for part, value in largest.items()}
    numbers.update({"spectrum_time": f"{time:g}", "rk4_limit": f"{rk4_stability_limit():.2f}",
                    "spectrum_imaginary": f"{max(abs(v.imag) for values in spectrum.values() for v in values):.1g}"})
    growth, later = largest["entropy_start"].real, largest["entropy_later"].real
    numbers["h_stable_later"] = f"{rk4_stability_limit() / abs(later):.2f}" if later < 0 else "any"
    for h in step_sizes:
        numbers[f"rk4_growth_{names[h]}"] = f"{100 * abs(rk4_factor(h * growth)) / np.exp(h * growth):.2g}"
        numbers[f"rk4_later_{names[h]}"] = f"{abs(rk4_factor(h * later)):.2f}"
        numbers[f"h_mu_later_{names[h]}"] = f"{h * later:.2f}"
        numbers[f"h_mu_start_{names[h]}"] = f"{h * growth:.2f}"
    return numbers


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


def check_claims(runs: BeyondRuns) -> dict[str, list[Claim]]:
    """The checks of the chapter's readings, by name: ``gcnii_protocol`` (:func:`gcnii_protocol_claims`),
    ``ode_check`` (:func:`ode_check_claims`, at :func:`energy_depth`'s epoch) and ``shape``
    (:func:`schedule_shape_claims`: both families)."""
    _, epoch = energy_depth(runs)
    return {"gcnii_protocol": gcnii_protocol_claims(runs.groups["beyond_deep"], runs.groups["gcnii_protocol"]),
            "ode_check": ode_check_claims(runs.groups["beyond_deep"], runs.groups["grand_ode_check"],
                                          runs.section("grand_ode_check"), epoch),
            "shape": schedule_shape_claims(runs.groups["beyond_schedule"], runs.groups["schedule_constant"], runs.table1,
                                           runs.section("schedule_constant"))}


def _percent(values: Sequence[float]) -> str:
    return ", ".join(f"{value:.1f}" for value in values) if values else "none stored"


def _gcnii_protocol_numbers(runs: BeyondRuns, claims: Sequence[Claim]) -> dict[str, Any]:
    own_groups = runs.groups["gcnii_protocol"]
    key = ("Cora", "gcnii_own_protocol", 64)
    by_seed = sorted(own_groups.get(key, []), key=lambda run: run["config"]["seed"])
    own = [100 * run["result"]["test_acc_at_best_val"] for run in by_seed]
    table1 = percent_test_accuracy(runs.groups["beyond_deep"], ("Cora", "gcnii", 64))
    anchor, gain = claims
    mean, std, count = mean_std(own) if own else (float("nan"), float("nan"), 0)
    gap = GCNII_CORA_64 - mean_std(table1)[0]
    return {"gcnii_protocol_seeds": ", ".join(str(run["config"]["seed"]) for run in by_seed) or "none",
            "gcnii_protocol_tests": _percent(own), "gcnii_protocol_mean": f"{mean:.1f}", "gcnii_protocol_std": f"{std:.1f}",
            "gcnii_protocol_count": count,
            "gcnii_protocol_best_epochs": ", ".join(str(run["result"]["best_epoch"]) for run in by_seed) or "none",
            "gcnii_protocol_epochs": runs.section("gcnii_protocol")["epochs"],
            "gcnii_protocol_anchor": MarkdownText(anchor.judgement.markdown),
            "gcnii_protocol_gain": MarkdownText(gain.judgement.markdown),
            "gcnii_protocol_gap": f"{gap:.1f}",
            "gcnii_protocol_closed": f"{100 * (mean - (GCNII_CORA_64 - gap)) / gap:.0f}" if count else "nan"}


def _ode_check_numbers(runs: BeyondRuns, claims: Sequence[Claim]) -> dict[str, Any]:
    deep, epoch = energy_depth(runs)
    numbers: dict[str, Any] = {"ode_check_verdicts": counted_verdicts(claims), "ode_check_runs": len(runs.stored["grand_ode_check"])}
    for claim in claims:
        key = "_".join(map(str, claim.cell))
        numbers[f"{key}_check"] = MarkdownText(claim.judgement.markdown)
        numbers[f"{key}_check_count"] = claim.judgement.counts[0]
    for dataset in runs.section("grand_ode_check")["datasets"]:
        for depth in runs.section("grand_ode_check")["depths"]:
            for variant, name in (("grand_entropic_finer", "eighth"), ("grand_entropic_fine", "quarter")):
                groups = runs.groups["grand_ode_check" if name == "eighth" else "beyond_deep"]
                values = seed_values(groups, (dataset, variant, depth))
                numbers[f"ode_{name}_{dataset}_{depth}"] = f"{mean_std(values)[0]:.3f}" if values else "not run"
        finer = layer_energy_profiles(runs.groups["grand_ode_check"], (dataset, "grand_entropic_finer", deep), epoch, "plain")
        fine = layer_energy_profiles(runs.groups["beyond_deep"], (dataset, "grand_entropic_fine", deep), epoch, "plain")
        if finer and fine:
            finer_mean, fine_mean = np.mean(finer, axis=0), np.mean(fine, axis=0)
            numbers[f"ode_energy_eighth_{dataset}"] = f"{finer_mean[-1]:.3g}"
            numbers[f"ode_energy_quarter_{dataset}"] = f"{fine_mean[-1]:.3g}"
            # the largest gap between the two mean curves over integration time, relative to steps of 1/4
            numbers[f"ode_energy_gap_{dataset}"] = f"{100 * np.max(np.abs(finer_mean / fine_mean - 1)):.0f}"
        else:
            numbers.update({f"ode_energy_eighth_{dataset}": "not run", f"ode_energy_quarter_{dataset}": "not run",
                            f"ode_energy_gap_{dataset}": "not run"})
    return numbers


def _shape_numbers(runs: BeyondRuns, claims: Sequence[Claim]) -> dict[str, Any]:
    shape = [claim for claim in claims if claim.family == "shape"]
    weight = [claim for claim in claims if claim.family == "weight"]
    numbers: dict[str, Any] = {"shape_verdicts": counted_verdicts(shape), "weight_verdicts": counted_verdicts(weight),
                               "schedule_constant_weights": ", ".join(
                                   f"{weight_of(runs, depth):.2f} at depth {depth}"
                                   for depth in runs.section("schedule_constant")["depths"])}
    for claim in claims:
        key = "_".join(map(str, claim.cell))
        numbers.update({f"{key}_ours": f"{claim.judgement.ours:.3f}", f"{key}_reference": f"{claim.judgement.reference:.3f}",
                        f"{key}_verdict": str(claim.judgement), f"{key}_judged": MarkdownText(claim.judgement.markdown)})
    return numbers


def weight_of(runs: BeyondRuns, depth: int) -> float:
    """The constant weight ``schedule_constant`` runs at ``depth``: the middle schedule's mean
    (:func:`~energygnn.experiments.paper1.schedule_mean_step` of ``beyond_schedule``'s schedule)."""
    from ..experiments.paper1 import schedule_mean_step

    step = runs.section("beyond_schedule")["variants"]["middle_schedule"]["step"]
    return schedule_mean_step({"weight": 1.0, **step}, depth)["weight"]


def _grand_plain_numbers(runs: BeyondRuns) -> dict[str, str]:
    """Plain GRAND-l's trained energy at ``t = 1``, half-way and at the end of the deepest runs
    (Cora), for the reading of its accuracy loss."""
    deep, epoch = energy_depth(runs)
    profiles = layer_energy_profiles(runs.groups["beyond_deep"], ("Cora", "grand", deep), epoch, "plain")
    if not profiles:
        return {key: "not run" for key in ("grand_plain_energy_first", "grand_plain_energy_half", "grand_plain_energy_last")}
    mean = np.mean(profiles, axis=0)
    return {"grand_plain_energy_first": f"{mean[0]:.3g}", "grand_plain_energy_half": f"{mean[len(mean) // 2 - 1]:.3g}",
            "grand_plain_energy_half_time": str(len(mean) // 2), "grand_plain_energy_last": f"{mean[-1]:.3g}"}


def _architecture_numbers(claims: Sequence[Claim]) -> dict[str, Any]:
    measured = [claim for claim in claims if str(claim.judgement) != "not measured"]
    return {"architecture_measured": len(measured),
            "architecture_holds": sum(str(claim.judgement) == "holds" for claim in measured),
            "architecture_fails": sum(str(claim.judgement) == "fails" for claim in measured)}


def _verdicts(claims: Sequence[Claim]) -> set[str]:
    return {str(claim.judgement) for claim in claims}


def gcnii_reading(claims: Sequence[Claim], gap: float) -> MarkdownText:
    """The reading of the GCNII anchor under GCNII's own protocol (:func:`gcnii_protocol_claims`),
    in words chosen by the verdicts; ``gap``: GCNII's reported accuracy less ours under Table 1's
    protocol, in points."""
    anchor, gain = claims
    if anchor.judgement.verdict.value == "not measured":
        return MarkdownText("The runs under GCNII's protocol are not stored yet (`python -m energygnn run "
                            "gcnii_protocol`): whether the protocol explains the gap is not measured.")
    own, closed = anchor.judgement.ours, gain.judgement.difference
    share = f"{100 * closed / gap:.0f} %" if gap > 0 else "none"
    text = (f"The protocol moves GCNII's test accuracy by {closed:+.1f} points ({gain.judgement.markdown} for "
            f"“more accurate under GCNII's protocol”), {share} of the {gap:.1f}-point gap. ")
    verdict = str(anchor.judgement)
    if verdict == "holds":
        text += (f"Under it our GCNII is as accurate as GCNII's paper reports ({own:.1f} % against "
                 f"{anchor.judgement.reference:.1f} %, {anchor.judgement.markdown}): the gap was the protocol's.")
    elif verdict == "fails":
        text += (f"Under it our GCNII still falls short of GCNII's paper ({own:.1f} % against "
                 f"{anchor.judgement.reference:.1f} %, {anchor.judgement.markdown}): the protocol explains part of "
                 "the gap, not all of it.")
    else:
        text += (f"Whether what remains ({own:.1f} % against {anchor.judgement.reference:.1f} %) is within the "
                 f"margin for a paper's number is not decided by these seeds ({anchor.judgement.markdown}).")
    return MarkdownText(text)


def ode_check_reading(claims: Sequence[Claim]) -> MarkdownText:
    """The reading of the solver check (:func:`ode_check_claims`), in words chosen by its verdicts."""
    measured = [claim for claim in claims if claim.judgement.verdict.value != "not measured"]
    if not measured:
        return MarkdownText("The runs in steps of 1/8 are not stored yet (`python -m energygnn run grand_ode_check`): "
                            "whether steps of 1/4 follow the ODE on Cora is not measured.")
    cells = "; ".join(f"{claim.scope}, {'energy' if 'energy' in claim.cell[1] else 'accuracy'}: "
                      f"{claim.judgement.markdown}" for claim in measured)
    verdicts = _verdicts(measured)
    missing = len(claims) - len(measured)
    tail = f" ({missing} of {len(claims)} comparisons not run yet)" if missing else ""
    if verdicts == {"holds"}:
        conclusion = ("Halving the step changes neither accuracy nor energy beyond the margins: as far as these "
                      "runs can tell, steps of 1/4 follow the ODE on Cora")
    elif "fails" in verdicts:
        conclusion = ("Halving the step changes the trained model beyond the margin in at least one comparison: steps "
                      "of 1/4 are not converged on Cora, and the verdicts of the entropic diffusion are those of RK4 in "
                      "steps of 1/4, not of the ODE itself")
    else:
        conclusion = ("No difference between steps of 1/8 and 1/4 is shown, but the seeds cannot confirm equality "
                      "within the margins everywhere: whether steps of 1/4 follow the ODE is not settled by these runs")
    return MarkdownText(f"Per seed, steps of 1/8 against 1/4: {cells}{tail}. {conclusion}.")


def shape_reading(claims: Sequence[Claim]) -> MarkdownText:
    """The reading of the schedule against a constant weight at its mean (:func:`schedule_shape_claims`)."""
    shape = [claim for claim in claims if claim.family == "shape"]
    measured = [claim for claim in shape if claim.judgement.verdict.value != "not measured"]
    if not measured:
        return MarkdownText("The runs at a constant weight are not stored yet (`python -m energygnn run "
                            "schedule_constant`): shape and total weight are not separated.")
    verdicts = _verdicts(measured)
    if verdicts == {"holds"}:
        conclusion = "the middle placement itself helps, beyond its total weight, in every cell"
    elif verdicts == {"fails"}:
        conclusion = "the middle placement costs accuracy against the same total weight spread evenly, in every cell"
    elif "holds" in verdicts or "fails" in verdicts:
        conclusion = ("the shape matters in some cells and not in others: "
                      + "; ".join(f"{claim.scope} {claim.judgement}" for claim in measured))
    else:
        conclusion = ("no cell shows the shape mattering: what the schedule changes, these seeds attribute to its total "
                      "weight no less than to its shape")
    return MarkdownText(f"Against a constant λ at its mean weight, {conclusion}.")


def chapter_numbers(runs: BeyondRuns) -> dict[str, Any]:
    """The numbers of the chapter's prose from its runs (the live demonstrations add their own,
    :func:`diffusion_numbers`):

    * per experiment ``<name>_runs``, ``_planned``, ``_hours`` and ``_stopped``, and the settings
      chosen on the maps, ``chosen_<dataset>``;
    * GRAND-l: ``grand_energy_<dataset>_<plain|entropic|fine>`` (the trained models' mean node
      energy at the last layer), ``grand_energy_epoch`` and ``_depth``, the verdicts of
      :func:`grand_claims` counted (``grand_coarse_verdicts``, ``grand_fine_verdicts``,
      ``grand_verdicts``) and their :func:`~energygnn.reporting.claims.claim_numbers`; plain
      GRAND-l's energy over time (``grand_plain_energy_first``, ``_half``, ``_last``) and the
      term's energy against it (``grand_energy_ratio_Cora``); the solver check
      (:func:`ode_check_claims`): ``ode_check_verdicts``, per claim ``<cell>_check``, the means
      (``ode_eighth_<dataset>_<depth>``, ``ode_quarter_...``, ``ode_energy_...``, ``ode_check_means``)
      and ``ode_check_reading`` (:func:`ode_check_reading`);
    * shape against weight (:func:`schedule_shape_claims`): ``shape_verdicts``, ``weight_verdicts``,
      the constant weights (``schedule_constant_weights``), per claim ``<cell>_ours``,
      ``_reference``, ``_verdict`` and ``_judged``, and ``shape_reading``;
    * the schedule: ``schedule_verdicts`` (and per variant), claim numbers, the undetached step's
      epoch cost against the schedule's (``undetached_cost_<dataset>_<depth>``), the schedule's
      mean and end weights, and the middle schedule against the constant :math:`\\lambda = 10`
      cell of Cora's map (``constant_ten_Cora``, ``middle_against_constant``);
    * other architectures: ``architecture_verdicts``, ``architecture_measured``, ``_holds``,
      ``_fails`` and claim numbers;
    * GCNII and APPNP: ``deep_verdicts``, claim numbers, the GCNII anchor (``gcnii_ours``,
      ``gcnii_theirs``, ``gcnii_verdict``), Table 1's basic GCN at depth 64 on Cora, and the
      layer energies' peaks and last layers (``layer_energy_peak_<dataset>_<variant>``, ``..._last_...``);
      GCNII under its own protocol (:func:`gcnii_protocol_claims`): ``gcnii_protocol_<seeds|tests|mean|std|count|
      best_epochs|epochs|anchor|gain|gap|closed>`` and ``gcnii_reading`` (:func:`gcnii_reading`).
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
                    **_architecture_numbers(architectures), **_deep_model_numbers(runs), **_grand_plain_numbers(runs)})
    checks = check_claims(runs)
    numbers.update({**_gcnii_protocol_numbers(runs, checks["gcnii_protocol"]),
                    **_ode_check_numbers(runs, checks["ode_check"]), **_shape_numbers(runs, checks["shape"])})
    gap = GCNII_CORA_64 - mean_std(percent_test_accuracy(runs.groups["beyond_deep"], ("Cora", "gcnii", 64)))[0]
    result = ""
    if numbers["gcnii_protocol_count"]:
        result = (f"Its {numbers['gcnii_protocol_count']} seeds ({numbers['gcnii_protocol_seeds']}) reach "
                  f"{numbers['gcnii_protocol_tests']} % test accuracy (mean {numbers['gcnii_protocol_mean']} %, best "
                  f"validation epochs {numbers['gcnii_protocol_best_epochs']}). ")
    means = "(No runs in steps of 1/8 are stored yet.)"
    if numbers["ode_check_runs"]:
        depths = runs.section("grand_ode_check")["depths"]
        means = ("Mean best validation accuracy in steps of 1/8 against 1/4: "
                 + ", ".join(f"{numbers[f'ode_eighth_Cora_{d}']} against {numbers[f'ode_quarter_Cora_{d}']} at t = {d}"
                             for d in depths)
                 + f"; mean last-layer energy at t = {deep} {numbers['ode_energy_eighth_Cora']} against "
                 f"{numbers['ode_energy_quarter_Cora']}, the two mean curves at most {numbers['ode_energy_gap_Cora']} % "
                 "apart over the integration time. ")
    plain = layer_energy_profiles(runs.groups["beyond_deep"], ("Cora", "grand", deep), epoch, "plain")
    fine = layer_energy_profiles(runs.groups["beyond_deep"], ("Cora", "grand_entropic_fine", deep), epoch, "plain")
    if plain and fine:
        numbers["grand_energy_ratio_Cora"] = f"{np.mean(fine, axis=0)[-1] / np.mean(plain, axis=0)[-1]:.0f}"
    numbers.update({"gcnii_reading": MarkdownText(result + gcnii_reading(checks["gcnii_protocol"], gap)),
                    "ode_check_means": MarkdownText(means),
                    "ode_check_reading": ode_check_reading(checks["ode_check"]),
                    "shape_reading": shape_reading(checks["shape"])})
    return numbers


def provenance_lines(runs: BeyondRuns) -> list[str]:
    """Per experiment, a Markdown line: where its runs came from and their run time in all."""
    return [f"`{name}`: {provenance_summary(runs.stored[name])} Run time {wall_hours(runs.stored[name]):.1f} h in all."
            if runs.stored[name] else f"`{name}`: no runs stored yet (`python -m energygnn run {name}`)."
            for name in EXPERIMENTS]


def edge_push_pull(points: int = 200_001, u_max: float = 20.0) -> dict[str, tuple[float, float]]:
    r"""Where the entropy step pushes and pulls hardest along one edge, as a function of
    :math:`u = E/T`.

    On a single edge :math:`(i, j)` with :math:`a_i = a_j = 1`, both nodes have the energy
    :math:`E = \lVert x_i - x_j \rVert^2 / 2` and :math:`\partial S / \partial x_i = (2 \bar P / T)(x_i - x_j)`
    with :math:`\bar P = e^{-u}(1 - u)` (Theorem 3.1). So a step of size :math:`\lambda` moves each
    node along the edge by :math:`\propto e^{-u}(1 - u)\sqrt{u}` and changes the edge's energy at the rate
    :math:`dE/d\lambda = 8\,u e^{-u}(1 - u)` (at :math:`T = 1`): a push (positive) below :math:`T`,
    a pull above it.

    Args:
        points: grid points on :math:`0 \le u \le` ``u_max`` (default 200,001).
        u_max: the grid's end (default 20).

    Returns:
        ``{"move_push", "move_pull", "rate_push", "rate_pull"}``, each ``(u, value)`` at the
        extreme of :math:`e^{-u}(1 - u)\sqrt{u}` (move) or :math:`u e^{-u}(1 - u)` (rate).
    """
    u = np.linspace(0.0, u_max, points)
    profiles = {"move": np.exp(-u) * (1 - u) * np.sqrt(u), "rate": u * np.exp(-u) * (1 - u)}
    extremes = {}
    for name, values in profiles.items():
        extremes[f"{name}_push"] = (float(u[values.argmax()]), float(values.max()))
        extremes[f"{name}_pull"] = (float(u[values.argmin()]), float(values.min()))
    return extremes


def push_pull_numbers() -> dict[str, str]:
    """:func:`edge_push_pull` for the prose: ``rate_push_u`` and ``rate_pull_u`` (where the edge's
    energy grows and falls fastest, in units of :math:`T`), ``rate_ratio`` (the fastest fall over
    the fastest growth) and ``move_ratio`` (the largest move towards each other over the largest
    move apart)."""
    extremes = edge_push_pull()
    return {"rate_push_u": f"{extremes['rate_push'][0]:.2f}", "rate_pull_u": f"{extremes['rate_pull'][0]:.2f}",
            "rate_ratio": f"{-extremes['rate_pull'][1] / extremes['rate_push'][1]:.1f}",
            "move_ratio": f"{-extremes['move_pull'][1] / extremes['move_push'][1]:.2f}"}


def citeseer_temperature_numbers(runs: BeyondRuns, root: Path | None = None) -> dict[str, str]:
    """Table 1's temperature on CiteSeer and how sure its choice is: the single-seed sweep
    ``citeseer_temperature`` picks the temperature of the best validation accuracy. Numbers:
    ``citeseer_T`` (the pick), ``citeseer_T_score`` (its score), ``citeseer_T10_score`` (the score at
    :math:`T = 10`, Cora's), ``citeseer_two_sd`` (two standard deviations over Table 1's seeds of the
    entropic GCN on CiteSeer at the sweep's depth) and ``citeseer_close`` (the other temperatures
    within them).

    Args:
        runs: the chapter's runs (Table 1's, for the seeds' spread).
        root: the results folder (default: ``$ENERGYGNN_RESULTS`` or ``results/``).
    """
    sweep = [run for run in load_experiment("citeseer_temperature", root) if run["result"]["status"] == "ok"]
    scores = {run["config"]["model_options"]["temperature"]: run["result"][SCORE] for run in sweep}
    depth = runs.config["citeseer_temperature"]["depth"]
    choice = temperature_choice(sweep, seed_values(runs.table1, ("CiteSeer", "entropic", depth)))
    return {"citeseer_T": f"{choice.temperature:g}", "citeseer_T_score": f"{choice.score:.3f}",
            "citeseer_T10_score": f"{scores.get(10.0, float('nan')):.3f}",
            "citeseer_two_sd": f"{CLOSE_DEVIATIONS * choice.seed_std:.3f}",
            "citeseer_sweep_depth": str(depth), "citeseer_close": choice.close_text}


def glance_items(runs: BeyondRuns) -> list:
    """The rows of the chapter's "Claims at a glance" (:func:`~energygnn.reporting.summary.claims_at_a_glance`):
    each question in one row, its claims judged together; the GCNII anchor under GCNII's own
    protocol as one claim."""
    results, checks = paper_results(runs), check_claims(runs)
    future = results["future_work"].claims
    return [("The step helps GAT, GraphSAGE and GIN (paper: it integrates with them)", results["architectures"].claims),
            ("A larger weight in the middle layers beats Table 1's step",
             [c for c in future if c.family == "against_table1:middle_schedule"]),
            ("The undetached step beats the detached one", [c for c in future if c.family == "against_table1:not_detached"]),
            ("Appendix B's entropic diffusion beats plain GRAND-l (RK4 steps of 1/4)", results["diffusion"].claims),
            ("The same in RK4 steps of 1 (a 64-step network, not the ODE)", results["diffusion_coarse"].claims),
            ("The step helps GCNII and APPNP, which do not oversmooth", results["deep_models"].claims),
            ("Check: RK4 steps of 1/4 follow the ODE (against 1/8)", checks["ode_check"]),
            ("Check: the schedule's shape matters (against a constant at its mean)",
             [c for c in checks["shape"] if c.family == "shape"]),
            checks["gcnii_protocol"][0]]
