r"""What paper 1's results chapters show: Table 1 and its claims, the authors' step, Figure 3's
layer energies, Figure 2's collapse, and the CiteSeer temperature, from stored runs.

Every verdict goes through :func:`~energygnn.reporting.verdicts.judge` on per-seed (or per-draw)
values; a paper's single number enters as a fixed value. Runs are the entries of
:func:`~energygnn.experiments.results.load_experiment`; ``groups`` are those entries grouped by
:func:`~energygnn.experiments.results.group_runs`, keyed ``(dataset, model, depth)`` for Table 1
and ``(model, depth)`` for Figure 2.
"""
from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..experiments.reported import PAPER1_TABLE1
from .labels import MODEL_COLOURS, MODEL_LABELS
from .tables import markdown_table, mean_std_cell
from .verdicts import Judgement, Verdict, judge, overall_verdict, verdict_counts  # noqa: F401 (chapters call them here)

Groups = dict[tuple, list[dict[str, Any]]]
SCORE = "best_val_acc"  # the paper's metric
DOUBLE_CLAIM_DATASETS = ("Cora",)  # where the paper says "approximately double" (Section 5)


@dataclass(frozen=True)
class Claim:
    """A claim in words, where it was tested, what the paper reported, and its judgement."""

    scope: str  # e.g. the dataset
    text: str
    paper: str  # the paper's numbers, as shown ("" when it gives none)
    judgement: Judgement
    family: str = ""  # which kind of claim, where a chapter counts claims by kind
    cell: tuple = ()  # the cell judged, e.g. (dataset, variant, depth), where a chapter looks a claim up


def seed_values(groups: Groups, key: tuple, metric: str = SCORE, seeds: Collection[int] | None = None) -> list[float]:
    """``result[metric]`` of every run stored under ``key`` (none when the cell was not run), or
    only of the runs whose seed is in ``seeds``."""
    return [run["result"][metric] for run in groups.get(key, []) if seeds is None or run["config"]["seed"] in seeds]


def format_counts(counter: Counter) -> str:
    """``"a ×3, b ×1"``: most frequent first."""
    return ", ".join(f"{key} ×{count}" for key, count in sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0]))))


def metrics_protocols(stored: Iterable[dict[str, Any]]) -> Counter:
    """How many runs took their metrics from which forward: ``"training_forward"`` or
    ``"after_step"`` (runs stored before the runner recorded it evaluated after the step)."""
    return Counter(entry["result"].get("metrics", "after_step") for entry in stored)


def seeds_run(stored: Iterable[dict[str, Any]]) -> str:
    """The seeds present in ``stored``, e.g. ``"0, 1, 2"``."""
    return ", ".join(str(seed) for seed in sorted({entry["config"]["seed"] for entry in stored}))


def planned_runs(section: dict[str, Any]) -> int:
    """How many runs a Table 1 config section plans: datasets x models (or named variants) x depths x seeds."""
    models = "models" if "models" in section else "variants"
    return math.prod(len(section[field]) for field in ("datasets", models, "depths", "seeds"))


def wall_hours(stored: Iterable[dict[str, Any]]) -> float:
    """Wall time of the runs, summed, in hours."""
    return sum(entry["wall_seconds"] for entry in stored) / 3600


# -- CiteSeer's temperature ------------------------------------------------------------------------

@dataclass(frozen=True)
class TemperatureChoice:
    """The temperature with the best score, and how the others compare with the seed spread."""

    temperature: float
    score: float
    seed_std: float  # standard deviation over seeds of the chosen model (Table 1), nan if < 2 seeds
    seed_count: int
    close: tuple[float, ...]  # other temperatures within two seed standard deviations of the best

    @property
    def close_text(self) -> str:
        """The close temperatures, e.g. ``"0.1, 10"``, or ``"none"``."""
        return ", ".join(f"{t:g}" for t in self.close) or "none"


def temperature_choice(sweep: Sequence[dict[str, Any]], seed_values: Sequence[float]) -> TemperatureChoice:
    r"""The temperature of the sweep's best validation accuracy (ties: the first in ``sweep``).

    The sweep has one seed per temperature, so :func:`~energygnn.reporting.verdicts.judge` would let every difference decide.
    This is a choice, not a verdict: it lists the temperatures :math:`T` whose score lies within
    :math:`2 s` of the best, :math:`s` the standard deviation over ``seed_values`` (the same
    model's seeds in Table 1).

    Args:
        sweep: the runs of ``citeseer_temperature``.
        seed_values: best validation accuracies of the chosen model over seeds.

    Raises:
        ValueError: the sweep is empty (run ``python -m energygnn run citeseer_temperature``).
    """
    if not sweep:
        raise ValueError("temperature_choice: no sweep runs; run `python -m energygnn run citeseer_temperature`.")
    scores = sorted((entry["config"]["model_options"]["temperature"], entry["result"][SCORE]) for entry in sweep)
    best, score = max(scores, key=lambda pair: pair[1])
    values = [v for v in seed_values if v is not None]
    std = statistics.stdev(values) if len(values) > 1 else math.nan
    close = tuple(t for t, s in scores if t != best and score - s <= 2 * std)
    return TemperatureChoice(best, score, std, len(values), close)


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
        metric: ``"best_val_acc"`` (the paper's) or ``"test_acc_at_best_val"``.
        with_paper: add the paper's number (only meaningful for ``"best_val_acc"``).
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
    handles, labels = axes[0, -1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=10, frameon=False)  # below both panels
    fig.tight_layout(rect=(0, 0.14, 1, 1))
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
        judged = [Claim(dataset, text, f"{paper[a]:.2f} vs {paper[b]:.2f}", judge(ours[a], ours[b], relation))
                  for text, a, b, relation in comparisons]
        g2 = Claim(dataset, f"G2 stays near the paper's low, flat value (judged at depth {deep}; the paper's mean over "
                            f"depths is {flat:.2f})", f"{paper['g2', deep]:.2f}", judge(ours["g2", deep], paper["g2", deep], "="))
        claims += judged[:4] + [g2] + judged[4:]
        if dataset in DOUBLE_CLAIM_DATASETS:
            ratios = [math.log2(e / b) for e, b in zip(ours["entropic", deep], ours["basic", deep]) if e > 0 and b > 0]
            claims.append(Claim(
                dataset, f"at depth {deep} the entropic GCN is about twice as accurate as the basic GCN "
                "(judged on log2 of the ratio, = 1)",
                f"ratio {paper['entropic', deep] / paper['basic', deep]:.2f}", judge(ratios, 1.0, "=")))
    return claims


def claims_table(claims: Sequence[Claim], ours_digits: int = 3) -> str:
    """Claims as a Markdown table: where, the claim, the paper's numbers, ours (mean of each side)
    and the verdict with its difference and two standard errors."""
    rows = []
    for claim in claims:
        j = claim.judgement
        ours = "not run" if j.verdict is Verdict.NOT_MEASURED else \
            f"{j.ours:.{ours_digits}f} vs {j.reference:.{ours_digits}f}"
        rows.append([claim.scope, f"*{claim.text}*", claim.paper, ours, j.markdown])
    return markdown_table(["", "claim", "paper", "ours", "verdict"], rows)


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


# -- The authors' step direction -------------------------------------------------------------------

def authors_step_table(groups: Groups, authors_groups: Groups, section: dict[str, Any]) -> str:
    """Best validation accuracy of the basic GCN and the entropic GCN with the exact and with the
    authors' step, by dataset and depth, and the paper's entropic GCN (in italics)."""
    return comparison_table([("Basic GCN", "basic", groups), ("Entropic GCN, exact step", "entropic", groups),
                             ("Entropic GCN, authors' step", "entropic_authors", authors_groups)], section)


def comparison_table(lines: Sequence[tuple[str, str, Groups]], section: dict[str, Any], metric: str = SCORE,
                     paper_model: str | None = "entropic") -> str:
    """Rows of Table 1 side by side, by dataset and depth: each line ``(label, model, groups)``
    gives ``metric`` (mean ± std over seeds) of ``model``'s runs in ``groups``; the paper's row of
    ``paper_model`` follows in italics (none when ``paper_model`` is None)."""
    rows = []
    for dataset in section["datasets"]:
        for label, model, source in lines:
            rows.append([dataset, label] + [mean_std_cell(seed_values(source, (dataset, model, d), metric),
                                                          expected=len(section["seeds"])) for d in section["depths"]])
        if paper_model is not None:
            rows.append([dataset, f"*{MODEL_LABELS[paper_model]}, paper*"] + [
                f"*{PAPER1_TABLE1[dataset, paper_model][d]:.2f}*" for d in section["depths"]])
    return markdown_table(["dataset", "model"] + [str(d) for d in section["depths"]], rows)


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
                  judge([abs(v - paper) for v in authors], [abs(v - paper) for v in exact], "<")),
            Claim(dataset, f"at depth {depth} the authors' step beats the basic GCN",
                  f"{paper:.2f} vs {PAPER1_TABLE1[dataset, 'basic'][depth]:.2f}", judge(authors, basic, ">")),
            Claim(dataset, f"at depth {depth} the authors' step is as accurate as the exact step", "",
                  judge(authors, exact, "=")),
        ]
    return claims


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
                      judge(relu, seed_values(groups, (dataset, "g2", depth)), "=")),
                Claim(dataset, f"at depth {depth} G2 with the ReLU on its logits is as accurate as the paper's G2",
                      f"{paper:.2f}", judge(relu, paper, "=")),
            ]
    return claims


# -- One thing changed, same seeds: the metrics' protocol, the thread count -------------------------

def variant_cells(section: dict[str, Any]) -> list[tuple[str, str, int]]:
    """The ``(dataset, model, depth)`` cells a variant experiment's config section re-runs."""
    return [(dataset, model, depth) for dataset in section["datasets"] for model in section["models"]
            for depth in section["depths"]]


def same_seed_pairs(groups: Groups, variant_groups: Groups, cell: tuple) -> list[tuple[float, float]]:
    """Per seed present in both, ``(variant, base)`` best validation accuracy, in the variant's order."""
    base = {run["config"]["seed"]: run["result"][SCORE] for run in groups.get(cell, [])}
    return [(run["result"][SCORE], base[run["config"]["seed"]]) for run in variant_groups.get(cell, [])
            if run["config"]["seed"] in base]


def same_seed_differences(groups: Groups, variant_groups: Groups, cell: tuple) -> list[float]:
    """Per seed present in both, the variant's best validation accuracy minus the base run's."""
    return [variant - base for variant, base in same_seed_pairs(groups, variant_groups, cell)]


def same_seed_table(groups: Groups, variant_groups: Groups, cells: Sequence[tuple], base: str, variant: str) -> str:
    """Per cell: the base runs and the variant runs (mean ± std over seeds), the largest change of
    one seed's best validation accuracy, and the base's seed standard deviation to compare it with."""
    rows = []
    for cell in cells:
        differences = same_seed_differences(groups, variant_groups, cell)
        base_values = seed_values(groups, cell)
        spread = statistics.stdev(base_values) if len(base_values) > 1 else math.nan
        largest = max((abs(d) for d in differences), default=math.nan)
        rows.append([cell[0], MODEL_LABELS[cell[1]], cell[2], mean_std_cell(base_values),
                     mean_std_cell(seed_values(variant_groups, cell)), f"{largest:.3f} ({len(differences)} seeds)",
                     f"{spread:.3f}"])
    return markdown_table(["dataset", "model", "depth", base, variant, "largest same-seed change", "seed std"], rows)


def same_seed_claims(groups: Groups, variant_groups: Groups, cells: Sequence[tuple], change: str) -> list[Claim]:
    """Per cell, the claim that ``change`` leaves the cell's accuracy where it was: the variant's
    runs as accurate as the base's with the same seeds (``=``, by the shared rule)."""
    claims = []
    for cell in cells:
        pairs = same_seed_pairs(groups, variant_groups, cell)
        claims.append(Claim(f"{cell[0]}, {MODEL_LABELS[cell[1]]}, depth {cell[2]}",
                            f"{change} leaves the accuracy within noise", "",
                            judge([variant for variant, _ in pairs], [base for _, base in pairs], "=")))
    return claims


# -- Figure 3: energies inside trained deep models -------------------------------------------------

def layer_energy_curves(groups: Groups, section: dict[str, Any], depth: int, epoch: int | str = 50,
                        kind: str = "normalized") -> dict[tuple[str, str], tuple[np.ndarray, int]]:
    r"""Per ``(dataset, model)``: the mean over seeds of the mean node energy after each hidden
    layer at ``epoch`` (``kind`` ``"normalized"``: :math:`a_i = 1/\sqrt{d_i c}`, or ``"plain"``),
    and the number of runs averaged. Cells without that record are left out."""
    curves = {}
    for dataset in section["datasets"]:
        for model in section["models"]:
            runs = [run for run in groups.get((dataset, model, depth), []) if str(epoch) in run["result"]["layer_energies"]]
            if runs:
                curves[dataset, model] = (np.mean([run["result"]["layer_energies"][str(epoch)][kind] for run in runs],
                                                  axis=0), len(runs))
    return curves


def curve_shape(energy: Sequence[float]) -> str:
    r"""The shape of a layer-energy profile :math:`e_1..e_L`, by the rule of Figure 3:

    * ``"U-shaped"``: the minimum :math:`e_k` lies inside (:math:`1 < k < L`) and is below half of
      both ends, :math:`e_k < e_1 / 2` and :math:`e_k < e_L / 2`;
    * ``"increasing"``: otherwise, if no step goes down (up to rounding, :math:`10^{-12}` relative);
    * ``"flat or other"``: anything else.

    Raises:
        ValueError: an empty profile.
    """
    energy = np.asarray(energy, dtype=float)
    if energy.size == 0:
        raise ValueError("curve_shape: the energy profile is empty; pass one value per hidden layer.")
    low = int(np.argmin(energy))
    if 0 < low < len(energy) - 1 and energy[low] < 0.5 * energy[0] and energy[low] < 0.5 * energy[-1]:
        return "U-shaped"
    if np.all(np.diff(energy) >= -1e-12 * np.abs(energy[:-1])):
        return "increasing"
    return "flat or other"


def plot_layer_energies(curves: dict[tuple[str, str], tuple[np.ndarray, int]], datasets: Sequence[str]):
    """Figure 3: mean node energy against hidden layer, one panel per dataset, log scale. Returns the Figure."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(datasets), figsize=(11, 4), sharey=True, squeeze=False)
    for axis, dataset in zip(axes[0], datasets):
        for (name, model), (energy, count) in curves.items():
            if name == dataset:
                axis.plot(range(1, len(energy) + 1), energy, color=MODEL_COLOURS[model],
                          label=f"{MODEL_LABELS[model]} (n={count})")
        axis.set_yscale("log")
        axis.set_xlabel("hidden layer")
        axis.set_title(dataset)
    axes[0, 0].set_ylabel("mean node energy")
    handles, labels = axes[0, -1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=10, frameon=False)  # off the curves
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    plt.close(fig)
    return fig


def layer_energy_profiles(groups: Groups, key: tuple, epoch: int | str = 50,
                          kind: str = "normalized") -> list[np.ndarray]:
    """Every stored run's profile under ``key`` (e.g. ``(dataset, model, depth)``): its mean node
    energy after each hidden layer at ``epoch`` (runs without that record are left out)."""
    return [np.asarray(run["result"]["layer_energies"][str(epoch)][kind], dtype=float)
            for run in groups.get(key, []) if str(epoch) in run["result"]["layer_energies"]]


def profile_statistics(energy: Sequence[float], tail: int | None = None) -> dict[str, float]:
    r"""What Figure 3's claims read from one profile :math:`e_1..e_L`, in decades (:math:`\log_{10}`):

    * ``dip``: :math:`\log_{10}(\min_k e_k / \min(e_1, e_L))`, zero when the minimum is at an end;
      the profile is U-shaped (as in :func:`curve_shape`) when it is below :math:`\log_{10}(1/2)`;
    * ``minimum``: :math:`\log_{10} \min_k e_k`;
    * ``smallest_step``: :math:`\min_k \log_{10}(e_{k+1} / e_k)`, the smallest layer-to-layer change, positive when every layer raises the energy;
    * ``recovery``: the growth per layer over the last ``tail`` layers (default :math:`L/4`),
      :math:`\log_{10}(e_L / e_{L - \text{tail}}) / \text{tail}`.

    Raises:
        ValueError: fewer than two layers, or a non-positive energy.
    """
    energy = np.asarray(energy, dtype=float)
    if energy.size < 2 or not np.all(energy > 0):
        raise ValueError("profile_statistics: pass at least two positive energies, one per hidden layer.")
    tail = max(1, len(energy) // 4) if tail is None else tail
    if not 0 < tail < len(energy):
        raise ValueError(f"profile_statistics: tail must be between 1 and {len(energy) - 1}, got {tail}.")
    logs = np.log10(energy)
    return {"dip": float(logs.min() - min(logs[0], logs[-1])), "minimum": float(logs.min()),
            "smallest_step": float(np.diff(logs).min()), "recovery": float((logs[-1] - logs[-1 - tail]) / tail)}


def figure3_claims(groups: Groups, datasets: Sequence[str], depth: int, epoch: int | str = 50,
                   kind: str = "normalized") -> list[Claim]:
    r"""Paper 1's claims about Figure 3, per dataset, judged on the seeds' layer profiles at
    ``epoch`` (statistics of :func:`profile_statistics`; the paper's numbers were lost from its
    text, so the paper column says what it describes):

    * the basic GCN's and the entropic GCN's profiles are U-shaped: ``dip`` ``<`` :math:`\log_{10}(1/2)`;
    * PairNorm's U is flatter than the basic GCN's and than the entropic GCN's: ``dip`` ``>``;
    * G2's energy increases monotonically: ``smallest_step`` ``>`` 0;
    * the entropic GCN's minimum energy stays above the basic GCN's: ``minimum`` ``>``;
    * the entropic GCN recovers its energy faster in the last layers: ``recovery`` ``>``.
    """
    claims = []
    half = math.log10(0.5)
    for dataset in datasets:
        stats = {model: [profile_statistics(e, tail=depth // 4)
                         for e in layer_energy_profiles(groups, (dataset, model, depth), epoch, kind)]
                 for model in ("basic", "entropic", "g2", "pairnorm")}

        def values(model: str, name: str) -> list[float]:
            return [s[name] for s in stats[model]]

        claims += [
            Claim(dataset, "the basic GCN's layer energies are U-shaped (dip below half of both ends)", "U-curve",
                  judge(values("basic", "dip"), half, "<")),
            Claim(dataset, "the entropic GCN's layer energies are U-shaped", "U-curve",
                  judge(values("entropic", "dip"), half, "<")),
            Claim(dataset, "PairNorm's U is flatter than the basic GCN's (dip, decades)", "flatter",
                  judge(values("pairnorm", "dip"), values("basic", "dip"), ">")),
            Claim(dataset, "PairNorm's U is flatter than the entropic GCN's (dip, decades)", "flatter",
                  judge(values("pairnorm", "dip"), values("entropic", "dip"), ">")),
            Claim(dataset, "G2's energy increases monotonically (smallest layer-to-layer change, decades, > 0)",
                  "increasing", judge(values("g2", "smallest_step"), 0.0, ">")),
            Claim(dataset, "the entropic GCN's minimum energy stays above the basic GCN's (log10)",
                  "above", judge(values("entropic", "minimum"), values("basic", "minimum"), ">")),
            Claim(dataset, f"the entropic GCN recovers energy faster in the last layers (decades per layer over the last {depth // 4})",
                  "faster", judge(values("entropic", "recovery"), values("basic", "recovery"), ">")),
        ]
    return claims


def layer_energy_table(curves: dict[tuple[str, str], tuple[np.ndarray, int]]) -> str:
    """Per curve: energy after the first layer, the minimum (and its layer), after the last
    layer, and :func:`curve_shape`."""
    rows = []
    for (dataset, model), (energy, _) in curves.items():
        low = int(np.argmin(energy))
        rows.append([dataset, MODEL_LABELS[model], f"{energy[0]:.3g}", f"{energy[low]:.3g} ({low + 1})",
                     f"{energy[-1]:.3g}", curve_shape(energy)])
    return markdown_table(["dataset", "model", "first layer", "minimum (layer)", "last layer", "shape"], rows)


def curves_of_shape(curves: dict[tuple[str, str], tuple[np.ndarray, int]], shape: str) -> str:
    """The curves of one :func:`curve_shape`, named ``"Cora Basic GCN, ..."`` (``"none"`` if none)."""
    names = [f"{dataset} {MODEL_LABELS[model]}" for (dataset, model), (energy, _) in curves.items()
             if curve_shape(energy) == shape]
    return ", ".join(names) or "none"


# -- Figure 2: energy of untrained deep models ------------------------------------------------------

def figure2_energies(groups: Groups, model: str, key: str = "survey_energy") -> tuple[list[int], np.ndarray]:
    """Depths run for ``model`` and the energies there, shape [depths, draws] (``key``:
    ``"survey_energy"`` or ``"authors_energy"``), from Figure 2's runs grouped by ``("model", "depth")``."""
    depths = sorted(depth for name, depth in groups if name == model)
    return depths, np.array([groups[model, depth][0]["result"][key] for depth in depths], dtype=float)


FIGURE2_STYLES = (("-", "o"), ("--", "s"), (":", "^"), ("-", "D"), ("--", "v"))


def round_decade_ticks(axis) -> None:
    """Log-scale y ticks at round decades (1e0, 1e-50, ...) when the axis spans many of them."""
    from matplotlib.ticker import LogLocator, NullLocator

    axis.set_yscale("log")
    low, high = axis.get_ylim()
    decades = np.log10(high) - np.log10(low)
    step = max(1, int(round(decades / 6 / 10)) * 10) if decades > 12 else 1
    axis.yaxis.set_major_locator(LogLocator(base=10.0 ** step, numticks=12))
    axis.yaxis.set_minor_locator(NullLocator())


def plot_figure2(groups: Groups, models: Sequence[str]):
    """Figure 2: mean output energy against depth (min-max band over draws), the survey's energy
    (left) and the authors' normalised mean node energy (right), log scale. Returns the Figure."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharex=True)
    titles = {"survey_energy": "survey: $\\frac{1}{n}\\sum_i\\sum_j \\|x_i - x_j\\|^2$",
              "authors_energy": "authors: mean $E_i$, $a_i = 1/\\sqrt{d_i c}$"}
    for axis, (key, title) in zip(axes, titles.items()):
        for index, model in enumerate(models):
            depths, values = figure2_energies(groups, model, key)
            # curves that coincide (the three GCNs, G2 and PairNorm) stay visible: own dash and marker
            axis.plot(depths, values.mean(axis=1), linestyle=FIGURE2_STYLES[index % len(FIGURE2_STYLES)][0],
                      marker=FIGURE2_STYLES[index % len(FIGURE2_STYLES)][1], ms=6 - index, lw=2.6 - 0.4 * index,
                      color=MODEL_COLOURS[model], label=MODEL_LABELS[model])
            axis.fill_between(depths, values.min(axis=1), values.max(axis=1), color=MODEL_COLOURS[model], alpha=0.15)
        round_decade_ticks(axis)
        axis.set_xlabel("depth $L$")
        axis.set_title(title)
    axes[0].set_ylabel("energy of the output")
    axes[0].legend()
    fig.tight_layout()
    plt.close(fig)
    return fig


def collapse_claims(groups: Groups, models: Sequence[str], collapsing: Sequence[str] = ("basic",),
                    orders: float = 6.0) -> list[Claim]:
    r"""Figure 2's claim, per model: the models in ``collapsing`` (the paper: the basic GCN)
    collapse, the others keep their energy away from zero. A model *collapses* when its survey
    energy falls by more than ``orders`` orders of magnitude from the smallest depth to the
    largest: judged on the draws' :math:`\log_{10}(E_{L_\max} / E_{L_\min})` (a draw shares its
    seed at every depth; an energy of exactly zero counts as the smallest positive float64)
    against :math:`-\text{orders}`, ``<`` for collapse, ``>`` for kept."""
    claims = []
    for model in models:
        _, values = figure2_energies(groups, model)
        logs = np.log10(np.maximum(values, np.nextafter(0.0, 1.0)))
        falls = [float(v) for v in logs[-1] - logs[0]] if len(logs) else []
        if model in collapsing:
            claims.append(Claim(MODEL_LABELS[model], f"collapses: energy falls by more than {orders:g} orders of "
                                "magnitude", "collapses", judge(falls, -orders, "<")))
        else:
            claims.append(Claim(MODEL_LABELS[model], f"keeps its energy within {orders:g} orders of magnitude",
                                "kept", judge(falls, -orders, ">")))
    return claims


def figure2_outcomes(groups: Groups, models: Sequence[str], orders: float = 6.0) -> dict[str, str]:
    """Which models collapsed (by the rule of :func:`collapse_claims`), which kept their energy, and
    which are undecided (within noise or not run): ``{"collapsed": "Basic GCN, ...", "kept": ...,
    "undecided": ...}``, ``"none"`` for an empty list."""
    names: dict[str, list[str]] = {"collapsed": [], "kept": [], "undecided": []}
    for claim, model in zip(collapse_claims(groups, models, collapsing=models, orders=orders), models):
        verdict = claim.judgement.verdict
        names["collapsed" if verdict is Verdict.HOLDS else "kept" if verdict is Verdict.FAILS else "undecided"].append(
            MODEL_LABELS[model])
    return {outcome: ", ".join(found) or "none" for outcome, found in names.items()}


def decay_per_layer(depths: Sequence[int], values: np.ndarray) -> float:
    """The mean factor by which the draws' mean energy changes per layer between the smallest and
    the largest depth, ``(E_max / E_min) ** (1 / (L_max - L_min))``."""
    return float((values[-1].mean() / values[0].mean()) ** (1 / (depths[-1] - depths[0])))


def figure2_table(groups: Groups, models: Sequence[str]) -> str:
    """Per model: mean survey energy at the smallest and the largest depth, their ratio and the
    mean decay per layer (:func:`decay_per_layer`)."""
    rows = []
    for model in models:
        depths, values = figure2_energies(groups, model)
        first, last = values[0].mean(), values[-1].mean()
        rows.append([MODEL_LABELS[model], f"{first:.3g}", f"{last:.3g}", f"{last / first:.2g}",
                     f"{decay_per_layer(depths, values):.4f}"])
    smallest, largest = min(depth for _, depth in groups), max(depth for _, depth in groups)
    return markdown_table(["model", f"energy at depth {smallest}", f"at depth {largest}", "ratio", "decay per layer"], rows)
