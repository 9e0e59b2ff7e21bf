r"""The chapter ``book/oversmoothing_grid``: paper 1's Figure 2, the output energy of untrained deep
models on a grid, from the runs of ``figure2`` grouped by ``(model, depth)``.

A model *collapses* when its survey energy falls by more than ``orders`` orders of magnitude from
the smallest depth to the largest, judged by the shared rule
(:func:`~energygnn.reporting.verdicts.judge`) on the draws.

Figure 2 on every measure (``figure2_measures``, :mod:`energygnn.measures`): the raw energy the
paper reads, the scale-free energies and the two ranks with which the field now reads
oversmoothing, on the grid with one input feature and with several, for Figure 2's models, every
setting of ``figure2_settings`` and the basic GCN with He's init. Those runs are grouped by
``(label, features, depth)``, the label being the run key's part before ``-features``
(``basic``, ``basic-inithe``, ``entropic-exact-lambda1-T10-normalized``, ...).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..data import grid_graph
from ..experiments.configs import load_config
from ..experiments.results import group_runs, load_experiment, provenance_summary
from ..linearised_step import propagation_eigenvector
from ..measures import MEASURES, all_measures
from .claims import Claim, PaperResult
from .figures import round_decade_ticks
from .labels import LINE_STYLES, MODEL_COLOURS, MODEL_LABELS
from .prose import MarkdownText
from .runs import Groups, Run, decay_per_layer, figure2_energies, wall_hours
from .tables import markdown_table
from .verdicts import MARGINS, Verdict, judge, overall_verdict

CHAPTER = "oversmoothing_grid"
COLLAPSE_ORDERS = 6.0  # orders of magnitude an energy must fall by to count as collapsed


RANK_COLLAPSED = 1.5  # an effective rank below this is nearer rank one than rank two: collapsed
HE_LABEL = "basic-inithe"  # the init control: the basic GCN with He's scale (figure2_measures' init_control)
PAPER_SETTING = "entropic"  # Figure 2's entropic GCN: the paper's setting (exact step, a_i = 1/sqrt(d_i c), lambda 1)
#: The run labels the chapter draws and tabulates (Figure 2's models and the init control).
CHAPTER_LABELS = ("basic", HE_LABEL, "entropic", "entropic_authors", "g2", "pairnorm")

# How the chapter names each measure of energygnn.measures.MEASURES (Markdown math; not documented on the
# API page, where its TeX would be typeset out of context).
MEASURE_LABELS = {"raw_energy": "raw energy $E(X)$", "scale_free_energy": r"$E(X)/\lVert X \rVert_F^2$",
                  "centred_scale_free_energy": r"$E(X)/\lVert X - \mathbf 1 \bar x^\top \rVert_F^2$",
                  "numerical_rank": "numerical rank", "effective_rank": "effective rank"}
# the same in matplotlib's mathtext (no \lVert there)
_PLOT_TITLES = {"raw_energy": "raw energy $E(X)$", "scale_free_energy": r"$E(X)/\|X\|_F^2$",
                "centred_scale_free_energy": r"$E(X)/\|X - \mathbf{1}\bar x^\top\|_F^2$",
                "numerical_rank": "numerical rank", "effective_rank": "effective rank"}


@dataclass(frozen=True)
class MeasureRuns:
    """Figure 2 on every measure: the ``figure2_measures`` config section and its runs, grouped by
    ``(label, features, depth)`` (:func:`measure_groups`)."""

    section: dict[str, Any]
    stored: list[Run]
    groups: Groups


@dataclass(frozen=True)
class Figure2Runs:
    """What the chapter reads: the ``figure2`` config section and its runs, grouped by ``(model,
    depth)``, and Figure 2 on every measure (None where ``figure2_measures`` has no runs)."""

    section: dict[str, Any]
    stored: list[Run]
    groups: Groups
    measures: MeasureRuns | None = None


def run_label(entry: Run) -> str:
    """A ``figure2_measures`` run's label: its key before ``-features`` (``"basic-inithe"``)."""
    return entry["key"].rsplit("-features", 1)[0]


def measure_groups(stored: Sequence[Run]) -> Groups:
    """``figure2_measures`` runs keyed ``(label, features, depth)`` (:func:`run_label`)."""
    groups: dict[tuple, list[Run]] = {}
    for entry in stored:
        groups.setdefault((run_label(entry), entry["config"]["features"], entry["config"]["depth"]), []).append(entry)
    return groups


def load(root: Path | None = None) -> Figure2Runs:
    """The runs of ``figure2`` and of ``figure2_measures`` under ``root`` (default: the results
    folder) with the sections of ``configs/paper1.json`` that planned them."""
    config = load_config("paper1", quick=False)
    stored = load_experiment("figure2", root)
    try:
        measured = load_experiment("figure2_measures", root)
    except FileNotFoundError:
        measures = None
    else:
        measures = MeasureRuns(config["figure2_measures"], measured, measure_groups(measured))
    return Figure2Runs(config["figure2"], stored, group_runs(stored, "model", "depth"), measures)


def paper_results(runs: Figure2Runs) -> dict[str, PaperResult]:
    """Paper 1's results this chapter tests, by name: ``figure2`` (:func:`collapse_claims`, the
    paper's reading: the raw energy) and, where ``figure2_measures`` ran, ``figure2_field`` (the
    same claim on the field's readings, :func:`field_reading_claims`) and ``figure2_measures`` (the
    book's questions of those runs, :func:`measure_claims`)."""
    results = {"figure2": PaperResult("1", "Figure 2: only the basic GCN's energy collapses", CHAPTER,
                                      collapse_claims(runs.groups, runs.section["models"]))}
    if runs.measures is not None:
        results["figure2_field"] = PaperResult(
            "1", "Figure 2 read as the field reads oversmoothing: only the basic GCN collapses in scale-free "
            "energy and in rank", CHAPTER, field_reading_claims(runs.measures.groups, runs.section["models"]))
        results["figure2_measures"] = PaperResult(
            "1", "Figure 2 on every measure: a shrink, the init that keeps the raw energy, the step's effect on "
            "scale-free energy and rank", CHAPTER,
            measure_claims(runs.measures.groups, runs.measures.section["features"]))
    return results


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
            axis.plot(depths, values.mean(axis=1), linestyle=LINE_STYLES[index % len(LINE_STYLES)][0],
                      marker=LINE_STYLES[index % len(LINE_STYLES)][1], ms=6 - index, lw=2.6 - 0.4 * index,
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
                    orders: float = COLLAPSE_ORDERS) -> list[Claim]:
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


def figure2_outcomes(groups: Groups, models: Sequence[str], orders: float = COLLAPSE_ORDERS) -> dict[str, str]:
    """Which models collapsed (by the rule of :func:`collapse_claims`), which kept their energy, and
    which are undecided (inconclusive or not run): ``{"collapsed": "Basic GCN, ...", "kept": ...,
    "undecided": ...}``, ``"none"`` for an empty list."""
    names: dict[str, list[str]] = {"collapsed": [], "kept": [], "undecided": []}
    for claim, model in zip(collapse_claims(groups, models, collapsing=models, orders=orders), models):
        verdict = claim.judgement.verdict
        names["collapsed" if verdict is Verdict.HOLDS else "kept" if verdict is Verdict.FAILS else "undecided"].append(
            MODEL_LABELS[model])
    return {outcome: ", ".join(found) or "none" for outcome, found in names.items()}


def figure2_table(groups: Groups, models: Sequence[str]) -> str:
    """Per model: mean survey energy at the smallest and the largest depth, their ratio and the
    mean decay per layer (:func:`~energygnn.reporting.runs.decay_per_layer`)."""
    rows = []
    for model in models:
        depths, values = figure2_energies(groups, model)
        first, last = values[0].mean(), values[-1].mean()
        rows.append([MODEL_LABELS[model], f"{first:.3g}", f"{last:.3g}", f"{last / first:.2g}",
                     f"{decay_per_layer(depths, values):.4f}"])
    smallest, largest = min(depth for _, depth in groups), max(depth for _, depth in groups)
    return markdown_table(["model", f"energy at depth {smallest}", f"at depth {largest}", "ratio", "decay per layer"], rows)


def chapter_numbers(runs: Figure2Runs) -> dict[str, Any]:
    """The numbers of the chapter's prose: ``figure2_runs``, ``figure2_minutes``,
    ``figure2_provenance``, ``largest_depth``, :func:`figure2_outcomes`, and ``paper_claim``, the
    verdict on the paper's claim, all its parts together
    (:func:`~energygnn.reporting.verdicts.overall_verdict`); with ``figure2_measures``, also
    :func:`field_numbers`."""
    return {"figure2_runs": len(runs.stored), "figure2_minutes": wall_hours(runs.stored) * 60,
            "figure2_provenance": MarkdownText(provenance_summary(runs.stored)),
            "largest_depth": max(runs.section["depths"]), **figure2_outcomes(runs.groups, runs.section["models"]),
            "paper_claim": str(overall_verdict(paper_results(runs)["figure2"].claims)),
            **(field_numbers(runs) if runs.measures is not None else {})}


def field_numbers(runs: Figure2Runs) -> dict[str, Any]:
    r"""The measures section's numbers (:func:`measure_numbers`), ``propagation_sf`` and
    ``propagation_csf`` (the scale-free energy and its centred form of :math:`\hat D^{1/2}\mathbf 1`
    on Figure 2's grid, the dominant eigenvector of :math:`\tilde A`:
    :func:`~energygnn.linearised_step.propagation_eigenvector`) and ``field_claim``, the
    verdict on Figure 2's claim read as the field reads it (:func:`field_reading_claims`, all parts
    together)."""
    grid = grid_graph(runs.section["grid"]["rows"], runs.section["grid"]["cols"])
    floor = all_measures(propagation_eigenvector(grid.edge_index, grid.num_nodes), grid.edge_index)
    return {**measure_numbers(runs.measures), "propagation_sf": floor["scale_free_energy"],
            "propagation_csf": floor["centred_scale_free_energy"],
            "field_claim": str(overall_verdict(paper_results(runs)["figure2_field"].claims))}


# -- Figure 2 on every measure (figure2_measures) -----------------------------------------------------

def measure_values(groups: Groups, label: str, features: int, measure: str) -> tuple[list[int], np.ndarray]:
    """Depths run for ``label`` on the grid with ``features`` input features, and ``measure`` there,
    shape [depths, draws], from :func:`measure_groups`."""
    depths = sorted(d for name, f, d in groups if (name, f) == (label, features))
    return depths, np.array([groups[label, features, d][0]["result"][measure] for d in depths], dtype=float)


def measure_at(groups: Groups, label: str, features: int, measure: str, depth: int) -> list[float]:
    """The draws' values of ``measure`` for ``label`` at ``depth`` (empty when not run)."""
    group = groups.get((label, features, depth))
    return [float(v) for v in group[0]["result"][measure]] if group else []


def label_text(label: str) -> str:
    """A run label as a reader sees it: ``"basic"`` -> ``"Basic GCN"``, ``"basic-inithe"`` ->
    ``"Basic GCN, He init"``, a setting as ``"Entropic GCN, exact-lambda10-T10-plain"``."""
    if label.endswith("-inithe"):
        return f"{label_text(label[: -len('-inithe')])}, He init"
    if label in MODEL_LABELS:
        return MODEL_LABELS[label]
    model, _, setting = label.partition("-")
    return f"{MODEL_LABELS.get(model, model)}, {setting}"


def _log10(values: Sequence[float] | np.ndarray) -> np.ndarray:
    return np.log10(np.maximum(np.asarray(values, dtype=float), np.nextafter(0.0, 1.0)))


def plot_measures(groups: Groups, labels: Sequence[str], features: Sequence[int]):
    """Every measure against depth (mean over draws, min-max band): one row per input width in
    ``features``, one column per measure (energies on a log scale, ranks on a linear one), one line
    per run label. Returns the Figure."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(features), len(MEASURES), figsize=(3.3 * len(MEASURES), 3.1 * len(features)),
                             sharex=True, squeeze=False)
    for row, width in enumerate(features):
        for col, measure in enumerate(MEASURES):
            axis = axes[row, col]
            for index, label in enumerate(labels):
                depths, values = measure_values(groups, label, width, measure)
                if not depths:
                    continue
                base = label.removesuffix("-inithe")
                colour = MODEL_COLOURS.get(base, "0.3") if not label.endswith("-inithe") else "k"
                style = LINE_STYLES[index % len(LINE_STYLES)]
                if "energy" in measure:
                    values = np.maximum(values, np.nextafter(0.0, 1.0))
                axis.plot(depths, values.mean(axis=1), linestyle=style[0], marker=style[1], ms=4, color=colour,
                          label=label_text(label))
                axis.fill_between(depths, values.min(axis=1), values.max(axis=1), color=colour, alpha=0.12)
            axis.set_xscale("log")
            if "energy" in measure:
                axis.set_yscale("log")
                round_decade_ticks(axis)
            axis.set_title(_PLOT_TITLES[measure], fontsize=10)
            if row == len(features) - 1:
                axis.set_xlabel("depth $L$")
        axes[row, 0].set_ylabel(f"{width} input feature{'s' if width > 1 else ''}")
    axes[0, -1].legend(fontsize=7)
    fig.tight_layout()
    plt.close(fig)
    return fig


def measures_table(groups: Groups, labels: Sequence[str], features: int, depths: Sequence[int]) -> str:
    """Per run label and depth (on the grid with ``features`` input features): the draws' mean of
    every measure."""
    rows = []
    for label in labels:
        for depth in depths:
            means = [measure_at(groups, label, features, measure, depth) for measure in MEASURES]
            if not means[0]:
                continue
            rows.append([label_text(label), str(depth)] + [f"{np.mean(values):.3g}" for values in means])
    return markdown_table(["model", "depth"] + [MEASURE_LABELS[m] for m in MEASURES], rows)


def raw_decay(groups: Groups, label: str, features: int, start: int = 10) -> float:
    """The mean factor by which ``label``'s raw energy changes per layer from depth ``start`` to
    the largest depth (:func:`~energygnn.reporting.runs.decay_per_layer`; NaN with fewer than two
    such depths run)."""
    depths, values = measure_values(groups, label, features, "raw_energy")
    keep = [i for i, d in enumerate(depths) if d >= start]
    return decay_per_layer([depths[i] for i in keep], values[keep]) if len(keep) > 1 else math.nan


def shrink_table(groups: Groups, labels: Sequence[str], features: Sequence[int], start: int = 10) -> str:
    """Per run label and input width: the raw energy's factor per layer from depth ``start`` to the
    largest (:func:`raw_decay`), the scale-free energy at ``start`` and at the largest depth, and
    the effective rank at the smallest and the largest depth (draws' means): a shrink moves the
    first column only."""
    rows = []
    for width in features:
        for label in labels:
            depths, scale_free = measure_values(groups, label, width, "scale_free_energy")
            if not depths:
                continue
            _, rank = measure_values(groups, label, width, "effective_rank")
            at_start = depths.index(start) if start in depths else 0
            rows.append([label_text(label), str(width), f"{raw_decay(groups, label, width, start):.4f}",
                         f"{scale_free[at_start].mean():.3g}", f"{scale_free[-1].mean():.3g}",
                         f"{rank[0].mean():.3g}", f"{rank[-1].mean():.3g}"])
    smallest, largest = min(d for *_, d in groups), max(d for *_, d in groups)
    return markdown_table(["model", "input features", f"raw energy: factor per layer ({start} to {largest})",
                           f"scale-free energy at {start}", f"at {largest}", f"effective rank at {smallest}",
                           f"at {largest}"], rows)


def field_reading_claims(groups: Groups, models: Sequence[str], features: int = 1, rank_features: int | None = None,
                         collapsing: Sequence[str] = ("basic",), orders: float = COLLAPSE_ORDERS,
                         rank_collapsed: float = RANK_COLLAPSED) -> list[Claim]:
    r"""Figure 2's claim (the models in ``collapsing`` collapse, the others do not) on the field's
    readings: the scale-free energy :math:`E(X)/\lVert X \rVert_F^2` on the grid with ``features``
    input features, by the rule of :func:`collapse_claims` (a fall of more than ``orders`` orders
    of magnitude from the smallest depth to the largest), and the effective rank at the largest
    depth on the grid with ``rank_features`` (default: the most run), against ``rank_collapsed``
    (``<`` for collapse, ``>`` for kept)."""
    widths = sorted({f for _, f, _ in groups})
    rank_features = rank_features if rank_features is not None else (widths[-1] if widths else features)
    claims = []
    for model in models:
        depths, values = measure_values(groups, model, features, "scale_free_energy")
        logs = _log10(values) if depths else np.empty((0, 0))
        falls = [float(v) for v in logs[-1] - logs[0]] if depths else []
        rank_depths, ranks = measure_values(groups, model, rank_features, "effective_rank")
        last = [float(v) for v in ranks[-1]] if rank_depths else []
        collapses = model in collapsing
        relation = "<" if collapses else ">"
        claims.append(Claim(MODEL_LABELS[model], (f"collapses in scale-free energy: it falls by more than {orders:g} "
                                                  "orders of magnitude" if collapses else
                                                  f"keeps its scale-free energy within {orders:g} orders of magnitude")
                            + f" ({features} input feature{'s' if features > 1 else ''})",
                            "collapses" if collapses else "kept", judge(falls, -orders, relation)))
        claims.append(Claim(MODEL_LABELS[model], (f"collapses in rank: effective rank below {rank_collapsed:g}"
                                                  if collapses else f"keeps an effective rank above {rank_collapsed:g}")
                            + f" at the largest depth ({rank_features} input features)",
                            "collapses" if collapses else "kept", judge(last, rank_collapsed, relation)))
    return claims


def _log_change(groups: Groups, label: str, features: int, measure: str, start: int, end: int) -> list[float]:
    """Per draw, :math:`\log_{10}` of ``measure`` at depth ``end`` over depth ``start`` (a draw shares
    its seed at every depth)."""
    first, last = measure_at(groups, label, features, measure, start), measure_at(groups, label, features, measure, end)
    if not first or not last:
        return []
    return [float(v) for v in _log10(last) - _log10(first)]


def measure_claims(groups: Groups, features: Sequence[int], start: int = 10, end: int | None = None,
                   compare: int = 1) -> list[Claim]:
    r"""The book's questions of Figure 2 on every measure (asked_by ``"book"``), judged on the draws:

    * per input width: the basic GCN's scale-free energy stays within an order of magnitude from
      depth ``start`` to ``end`` (``=`` on :math:`\log_{10}` of the ratio, margin
      ``MARGINS["orders of magnitude"]``), while its raw energy does not (the same claim);
    * with He's init (``HE_LABEL``) the basic GCN keeps its raw energy within an order of magnitude
      from ``start`` to ``end``;
    * on the widest grid, with He's init the basic GCN still loses rank: its effective rank at
      ``end`` is below that at depth ``compare``;
    * on the widest grid, the entropy step at the paper's setting (``PAPER_SETTING``) raises the
      scale-free energy (:math:`\log_{10}`) and the effective rank at ``end`` over the basic GCN.
    """
    end = end if end is not None else max(d for *_, d in groups)
    margin = MARGINS["orders of magnitude"]
    claims = []
    for width in features:
        scope = f"{width} input feature{'s' if width > 1 else ''}"
        for measure, word in (("scale_free_energy", "scale-free energy"), ("raw_energy", "raw energy")):
            claims.append(Claim(scope, f"the basic GCN's {word} stays within an order of magnitude from depth "
                                f"{start} to {end}", "", judge(_log_change(groups, "basic", width, measure, start, end),
                                                               0.0, "=", margin), asked_by="book"))
        claims.append(Claim(scope, f"with He's init the basic GCN keeps its raw energy within an order of magnitude "
                            f"from depth {start} to {end}", "",
                            judge(_log_change(groups, HE_LABEL, width, "raw_energy", start, end), 0.0, "=", margin),
                            asked_by="book"))
    widest = max(features)
    scope = f"{widest} input features"
    claims.append(Claim(scope, f"with He's init the basic GCN still loses rank: effective rank at depth {end} below "
                        f"depth {compare}", "", judge(measure_at(groups, HE_LABEL, widest, "effective_rank", end),
                                                      measure_at(groups, HE_LABEL, widest, "effective_rank", compare),
                                                      "<"), asked_by="book"))
    claims.append(Claim(scope, f"the entropy step at the paper's setting raises the scale-free energy at depth {end} "
                        "(log10)", "", judge(_log10(measure_at(groups, PAPER_SETTING, widest, "scale_free_energy", end)),
                                             _log10(measure_at(groups, "basic", widest, "scale_free_energy", end)), ">"),
                        asked_by="book"))
    claims.append(Claim(scope, f"the entropy step at the paper's setting raises the effective rank at depth {end}", "",
                        judge(measure_at(groups, PAPER_SETTING, widest, "effective_rank", end),
                              measure_at(groups, "basic", widest, "effective_rank", end), ">"), asked_by="book"))
    return claims


def measure_numbers(measures: MeasureRuns, start: int = 10) -> dict[str, Any]:
    r"""The numbers of the measures section's prose, for the basic GCN (``basic_``), its He init
    (``he_``) and the paper's entropic setting (``paper_``), on each input width ``f`` of the
    section: ``m_runs``, ``m_minutes``, ``m_provenance``, ``m_depths``, ``m_largest``, ``m_wide`` (the widest input),
    ``basic_decay_f`` and ``he_decay_f`` (raw energy's factor per layer from ``start``),
    ``basic_sf_start_f``/``basic_sf_end_f`` (scale-free energy), ``basic_rank_first_f``/``basic_rank_end_f``
    and ``he_rank_end_f`` (effective rank at the smallest and the largest depth), ``he_raw_start_f``/``he_raw_end_f``,
    ``he_over_glorot_sf`` (the largest relative difference between He's and Glorot's scale-free energy
    over every run and draw: He's init rescales Glorot's draws, so that the output is rescaled),
    and ``paper_sf_end_f``/``paper_rank_end_f``."""
    groups, section = measures.groups, measures.section
    largest, smallest = max(section["depths"]), min(section["depths"])
    numbers: dict[str, Any] = {"m_runs": len(measures.stored), "m_minutes": wall_hours(measures.stored) * 60,
                               "m_provenance": MarkdownText(provenance_summary(measures.stored)),
                               "m_depths": ", ".join(map(str, section["depths"])), "m_largest": largest,
                               "m_wide": max(section["features"])}
    mean = lambda values: float(np.mean(values)) if values else math.nan  # noqa: E731
    for f in section["features"]:
        numbers.update({
            f"basic_decay_{f}": raw_decay(groups, "basic", f, start), f"he_decay_{f}": raw_decay(groups, HE_LABEL, f, start),
            f"basic_sf_start_{f}": mean(measure_at(groups, "basic", f, "scale_free_energy", start)),
            f"basic_sf_end_{f}": mean(measure_at(groups, "basic", f, "scale_free_energy", largest)),
            f"basic_csf_end_{f}": mean(measure_at(groups, "basic", f, "centred_scale_free_energy", largest)),
            f"basic_raw_start_{f}": mean(measure_at(groups, "basic", f, "raw_energy", start)),
            f"basic_raw_end_{f}": mean(measure_at(groups, "basic", f, "raw_energy", largest)),
            f"basic_rank_first_{f}": mean(measure_at(groups, "basic", f, "effective_rank", smallest)),
            f"basic_rank_end_{f}": mean(measure_at(groups, "basic", f, "effective_rank", largest)),
            f"he_rank_end_{f}": mean(measure_at(groups, HE_LABEL, f, "effective_rank", largest)),
            f"he_raw_start_{f}": mean(measure_at(groups, HE_LABEL, f, "raw_energy", start)),
            f"he_raw_end_{f}": mean(measure_at(groups, HE_LABEL, f, "raw_energy", largest)),
            f"paper_sf_end_{f}": mean(measure_at(groups, PAPER_SETTING, f, "scale_free_energy", largest)),
            f"paper_rank_end_{f}": mean(measure_at(groups, PAPER_SETTING, f, "effective_rank", largest))})
    differences = [abs(he / glorot - 1) for (label, f, depth) in groups if label == HE_LABEL
                   for he, glorot in zip(measure_at(groups, HE_LABEL, f, "scale_free_energy", depth),
                                         measure_at(groups, "basic", f, "scale_free_energy", depth))]
    numbers["he_over_glorot_sf"] = max(differences, default=math.nan)
    return numbers
