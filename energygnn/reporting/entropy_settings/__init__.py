r"""The chapter ``book/entropy_settings``: when does paper 1's entropy step keep the energy, and
which setting trains best? Figure 2 under every setting of the step
(:mod:`~energygnn.reporting.entropy_settings.figure2`), the trained :math:`\lambda \times T` maps at
depth 64 (:mod:`~energygnn.reporting.entropy_settings.maps`), the best settings judged on fresh
seeds (:mod:`~energygnn.reporting.entropy_settings.fresh`) and Table 1's entropic rows at the
chosen settings (:mod:`~energygnn.reporting.entropy_settings.chosen`), from stored runs.

:func:`load` reads what the chapter reads (:class:`EntropySettingsRuns`); the chapter's claims are
the book's own questions (``asked_by="book"``), which :func:`paper_results` gives to the
introduction's second table; the ``*_numbers`` functions give the numbers of its prose.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from ...config import results_root
from ...data import grid_graph
from ...experiments.configs import load_config
from ...experiments.paper1 import chosen_citeseer_temperature, ranked_entropy_settings
from ...experiments.reported import PAPER1_DOUBLE_DATASETS
from ...experiments.results import group_runs, load_experiment, provenance_summary
from ...linearised_step import energy_constants
from ..claims import Claim, PaperResult, counted_verdicts
from ..labels import STEP_DIRECTION_LABELS, setting_label
from ..prose import MarkdownText, value_range
from ..runs import (Groups, Run, load_optional, map_groups, planned_runs, seed_values, seeds_run, setting_of,
                    temperature_choice, wall_hours)
from ..trained_measures import (FIGURE3_MEASURES, GROUP_LABELS, TrainedMeasures, map_energy_claims, map_energy_correlations,
                                rerun_differences, trained_measures)
from ..verdicts import Verdict, judge
# the chapter calls every table, figure and claim of the submodules here
from .chosen import chosen_row_claims  # noqa: F401
from .fresh import (BASIC, TABLE1, best_of_curve, double_claims, expected_best_of, fresh_claims,  # noqa: F401
                    fresh_groups, fresh_table, plot_selection, selection_claims)
from .figure2 import (FIGURE2_FIELDS, KEPT_ENERGY, Figure2Prediction, dominant_mode_facts,  # noqa: F401
                      dominant_mode_table,
                      dominant_modes, figure2_prediction_facts, figure2_prediction_table, figure2_predictions,
                      figure2_setting_claims, figure2_setting_energies, figure2_setting_groups, figure2_settings,
                      plot_figure2_settings, setting_measure_claims, setting_measure_groups, setting_measure_table)
from .maps import (basic_values, cell_values, chosen_setting, map_progress, map_scores, map_table,  # noqa: F401
                   plot_maps, shallow_claims)

CHAPTER = "entropy_settings"
MAP_AXES = ("datasets", "weights", "temperatures", "normalize", "seeds")  # what entropy_maps plans
SHALLOW_DEPTH = 4  # the depth whose basic GCN the maps' choice is measured against


@dataclass(frozen=True)
class EntropySettingsRuns:
    """What the chapter reads: ``configs/paper1.json``, Figure 2's runs under every setting and
    Figure 2's basic GCN, the maps, Table 1 and its rows at the chosen settings, and the CiteSeer
    temperature of Table 1."""

    config: dict[str, Any]
    figure2_stored: list[Run]
    figure2: Groups  # figure2_settings, by FIGURE2_FIELDS
    basic_figure2: Groups  # figure2, by (model, depth)
    map_stored: list[Run]
    maps: Groups  # entropy_maps, by (dataset, weight, temperature, normalize)
    table1: Groups  # table1, by (dataset, model, depth)
    chosen_stored: list[Run]  # table1_chosen (none when not run)
    chosen: Groups
    citeseer_temperature: float
    fresh_stored: list[Run]  # fresh_seeds (none when not run)
    saturation: Groups  # figure2_saturation, by FIGURE2_FIELDS (empty when not run)
    measures_stored: list[Run] = field(default_factory=list)  # figure2_measures (none when not run)
    trained_stored: list[Run] = field(default_factory=list)  # trained_measures (none when not run)
    root: Path | None = None

    @cached_property
    def measured(self) -> TrainedMeasures:
        """The trained depth-64 runs that store every measure per layer, those of ``fresh_seeds``
        and ``trained_measures`` (:mod:`~energygnn.reporting.trained_measures`)."""
        return trained_measures(self.fresh_stored + self.trained_stored, self.config, Path(self.root or results_root()))

    @cached_property
    def table1_settings(self) -> dict[str, tuple[float, float, bool]]:
        """Per dataset, Table 1's setting of the entropic GCN (CiteSeer at its swept temperature)."""
        options = self.config["model_options"]["entropic"]
        return {dataset: setting_of({**options, **({"temperature": self.citeseer_temperature}
                                                   if dataset == "CiteSeer" else {})})
                for dataset in self.section["datasets"]}

    @cached_property
    def fresh(self) -> Groups:
        """``fresh_seeds`` by ``(dataset, which)`` (:func:`~energygnn.reporting.entropy_settings.fresh.fresh_groups`)."""
        return fresh_groups(self.fresh_stored, self.table1_settings)

    @cached_property
    def ranked(self) -> dict[str, list[tuple[float, float, bool]]]:
        """Per dataset, the map's best settings that ``fresh_seeds`` re-runs, best first."""
        count = self.config["fresh_seeds"]["top_settings"]
        return {dataset: ranked_entropy_settings(map_scores(self.maps, dataset), len(self.maps_section["seeds"]))[:count]
                for dataset in self.maps_section["datasets"]}

    @cached_property
    def map_means(self) -> dict[str, list[float]]:
        """Per dataset, every complete setting's mean best validation accuracy on the map's seeds."""
        seeds = len(self.maps_section["seeds"])
        return {dataset: [sum(values) / seeds for values in map_scores(self.maps, dataset).values()
                          if len(values) == seeds and None not in values]
                for dataset in self.maps_section["datasets"]}

    @property
    def maps_section(self) -> dict[str, Any]:
        return self.config["entropy_maps"]

    @property
    def section(self) -> dict[str, Any]:
        """Table 1's config section."""
        return self.config["table1"]

    @property
    def fresh_seeds(self) -> list[int]:
        """The seeds of Table 1 that the maps did not run, a check the choice of the setting did not see."""
        return sorted(set(self.section["seeds"]) - set(self.maps_section["seeds"]))


def load(root: Path | None = None) -> EntropySettingsRuns:
    """The runs of ``figure2_settings``, ``figure2``, ``entropy_maps``, ``table1`` and (if run)
    ``table1_chosen``, ``fresh_seeds``, ``figure2_saturation`` and ``figure2_measures`` under ``root``
    (default: the results folder)."""
    config = load_config("paper1", quick=False)
    figure2_stored, map_stored = load_experiment("figure2_settings", root), load_experiment("entropy_maps", root)
    chosen_stored = load_optional("table1_chosen", root)
    by_cell = ("dataset", "model", "depth")
    return EntropySettingsRuns(
        config, figure2_stored, figure2_setting_groups(figure2_stored),
        group_runs(load_experiment("figure2", root), "model", "depth"), map_stored, map_groups(map_stored),
        group_runs(load_experiment("table1", root), *by_cell), chosen_stored, group_runs(chosen_stored, *by_cell),
        chosen_citeseer_temperature(config, Path(root or results_root())), load_optional("fresh_seeds", root),
        figure2_setting_groups(load_optional("figure2_saturation", root)), load_optional("figure2_measures", root),
        load_optional("trained_measures", root), root)


def paper_results(runs: EntropySettingsRuns) -> dict[str, PaperResult]:
    """The book's questions this chapter judges, by name: ``figure2_settings`` (does each setting
    keep the grid's energy), ``fresh`` (the map's best settings on fresh seeds, and whether the
    chosen one is about twice the basic GCN), ``selection`` (did the choice flatter its seeds) and
    ``shallow`` (depth 64 against depth 4, and depth 4 against the basic GCN) and ``shallower``
    (the chosen settings at the depths the choice did not see, less the rows ``shallow`` counts);
    with the trained runs' measures, ``measures_kept_table1``, ``measures_kept_chosen`` and ``measures_predict`` (:func:`measured_claims`)."""
    claims = chosen_claims(runs)
    return {"figure2_settings": PaperResult("1", "Figure 2 under every setting of the step", CHAPTER,
                                            [p.claim for p in grid_predictions(runs)]),
            "fresh": PaperResult("1", "The map's best settings on fresh seeds", CHAPTER, claims["fresh"] + claims["double"]),
            "selection": PaperResult("1", "What choosing the best of 18 settings bought", CHAPTER, claims["selection"]),
            "shallow": PaperResult("1", "Depth 64 at its best against depth 4", CHAPTER,
                                   claims["shallow"] + claims["depth4"]),
            "shallower": PaperResult("1", "The chosen settings at the depths the choice did not see", CHAPTER,
                                     [c for c in claims["shallower"] if c not in claims["depth4"]]),
            **(_measured_results(runs) if runs.measured.runs else {})}


def _measured_results(runs: EntropySettingsRuns) -> dict[str, PaperResult]:
    claims = measured_claims(runs)
    table1 = [claim for claim in claims["step"] if claim.text.startswith(GROUP_LABELS["entropic"])]
    chosen = [claim for claim in claims["step"] if claim not in table1]
    return {"measures_kept_table1": PaperResult("1", "Does the step at Table 1's setting keep energy and rank in trained "
                                                "depth-64 models", CHAPTER, table1),
            "measures_kept_chosen": PaperResult("1", "Does the step at the map's chosen setting keep energy and rank in "
                                                "trained depth-64 models", CHAPTER, chosen),
            "measures_predict": PaperResult("1", "Which measure of trained depth-64 models predicts accuracy", CHAPTER,
                                            claims["predictors"] + claims["map"])}


# -- every measure of trained depth-64 models --------------------------------------------------------

def measured_claims(runs: EntropySettingsRuns) -> dict[str, list[Claim]]:
    """``predictors``: which measure of the trained depth-64 runs predicts accuracy
    (:meth:`~energygnn.reporting.trained_measures.TrainedMeasures.predictor_claims`); ``step``: does
    the entropy step keep more of the raw energy, the scale-free energy and the effective rank than
    the basic GCN (:meth:`~energygnn.reporting.trained_measures.TrainedMeasures.step_claims`);
    ``map``: does paper 1's energy predict accuracy across the map's settings alone
    (:func:`~energygnn.reporting.trained_measures.map_energy_claims`)."""
    return {"predictors": runs.measured.predictor_claims(), "step": runs.measured.step_claims(),
            "map": map_energy_claims(map_energy_correlations(runs.map_stored))}


def measured_numbers(runs: EntropySettingsRuns, claims: dict[str, list[Claim]]) -> dict[str, Any]:
    """For the prose about the trained runs' measures: per dataset the runs (``tm_runs_<dataset>``),
    every correlation ``rho_<dataset>_<measure>_<reading>`` (ρ ± 2 SE) and its verdict
    (``rho_verdict_...``), the comparisons with the raw energy (``stronger_<dataset>_<measure>``)
    and the step's claims (``keep_<dataset>_<group>_<measure>``, difference ± 2 SE and verdict);
    the verdicts counted (``predictors_verdicts``, ``step_verdicts``); the re-runs of committed runs
    (``tm_reruns``) and how many reproduced their originals (``tm_reproduced``)."""
    measured = runs.measured
    numbers: dict[str, Any] = {f"{name}_verdicts": counted_verdicts(group) for name, group in claims.items()}
    for correlation in measured.correlations:
        key = f"{correlation.dataset}_{correlation.measure}_{correlation.reading}"
        numbers[f"rho_{key}"] = f"{correlation.rho:+.2f} ± {2 * correlation.standard_error:.2f}"
        numbers[f"rho_verdict_{key}"] = str(correlation.judgement.verdict)
    for dataset in measured.datasets:
        numbers[f"tm_runs_{dataset}"] = len(measured.of(dataset))
        numbers[f"tm_seeds_{dataset}"] = len(measured.of(dataset, ["basic"]))
        for measure in ("effective_rank", "scale_free_energy"):
            numbers[f"stronger_{dataset}_{measure}"] = MarkdownText(measured.comparison(dataset, measure, "raw_energy").markdown)
    for claim in claims["map"]:
        correlation = claim.judgement
        reading = "last" if "last" in claim.text else "minimum"
        numbers[f"map_rho_{claim.scope}_{reading}"] = f"{correlation.ours:+.2f} ± {correlation.half_width:.2f}"
        numbers[f"map_rho_verdict_{claim.scope}_{reading}"] = str(correlation.verdict)
        numbers["map_rho_runs"] = correlation.counts[0]
    for claim, (dataset, group, measure) in zip(claims["step"], _step_cells(measured)):
        numbers[f"keep_{dataset}_{group}_{measure}"] = MarkdownText(claim.judgement.markdown)
    originals = {run["key"]: run for run in runs.map_stored}
    originals.update({run["key"]: run for group in runs.table1.values() for run in group})
    numbers["tm_reruns"] = len(runs.trained_stored)
    numbers["tm_reproduced"] = sum(not rerun_differences(run, originals[run["key"]]) for run in runs.trained_stored
                                   if run["key"] in originals)
    return numbers


def _step_cells(measured: TrainedMeasures) -> list[tuple[str, str, str]]:
    """The cells of :meth:`~energygnn.reporting.trained_measures.TrainedMeasures.step_claims`, in its order."""
    return [(dataset, group, measure) for dataset in measured.datasets for group in ("entropic", "chosen")
            for measure in FIGURE3_MEASURES]


# -- Figure 2 under every setting ------------------------------------------------------------------

def grid_predictions(runs: EntropySettingsRuns) -> list[Figure2Prediction]:
    """:func:`~energygnn.reporting.entropy_settings.figure2.figure2_predictions` on Figure 2's grid."""
    grid = grid_graph()
    return figure2_predictions(runs.figure2, runs.basic_figure2, grid.edge_index, grid.num_nodes, runs.saturation)


def grid_dominant_modes(runs: EntropySettingsRuns) -> list:
    """:func:`~energygnn.reporting.entropy_settings.figure2.dominant_modes` of every setting of
    ``figure2_settings`` on Figure 2's grid, at its temperature and Figure 2's hidden width."""
    grid, config = grid_graph(), runs.config
    width = config["figure2"].get("hidden_channels", config["training"]["hidden_channels"])
    return dominant_modes(figure2_settings(runs.figure2), grid.edge_index, grid.num_nodes,
                          config["figure2_settings"]["temperature"], width)


def setting_measures(runs: EntropySettingsRuns) -> tuple[str, list[Claim]]:
    """Every setting's scale-free energies and ranks at ``figure2_measures``' largest depth on its
    widest grid (:func:`~energygnn.reporting.entropy_settings.figure2.setting_measure_table`) and
    the book's claims on them (:func:`~energygnn.reporting.entropy_settings.figure2.setting_measure_claims`)."""
    section = runs.config["figure2_measures"]
    settings, models = setting_measure_groups(runs.measures_stored)
    features, depth = max(section["features"]), max(section["depths"])
    return (setting_measure_table(settings, models, features, depth),
            setting_measure_claims(settings, models, features, depth))


def dominant_mode_numbers(runs: EntropySettingsRuns, modes: list) -> dict[str, Any]:
    """:func:`~energygnn.reporting.entropy_settings.figure2.dominant_mode_facts` of ``modes``
    (:func:`grid_dominant_modes`) at ``figure2_measures``' largest depth on its widest grid, and
    ``modes_features``/``modes_depth`` (that grid and depth)."""
    section = runs.config["figure2_measures"]
    features, depth = max(section["features"]), max(section["depths"])
    settings, _ = setting_measure_groups(runs.measures_stored)
    return {**dominant_mode_facts(modes, settings, features, depth), "modes_features": features, "modes_depth": depth}


def figure2_numbers(runs: EntropySettingsRuns, predictions: list[Figure2Prediction]) -> dict[str, Any]:
    r"""For the prose about Figure 2's settings: ``f2s_runs``, ``f2s_provenance``, ``f2s_paper`` (the verdicts at
    the paper's setting, normalised energies and :math:`\lambda = 1`), ``f2s_<fact>``
    (:func:`~energygnn.reporting.entropy_settings.figure2.figure2_prediction_facts`), ``mean_a`` (the mean
    :math:`a_i` on the grid at Figure 2's width) and ``push_shrink`` (how much smaller the exact step's push is
    than the authors' direction with :math:`a_i = 1` at :math:`T = 10`)."""
    grid = grid_graph()
    config = runs.config
    width = config["figure2"].get("hidden_channels", config["training"]["hidden_channels"])
    mean_a = float(energy_constants(grid.edge_index, grid.num_nodes, width, normalize=True).mean())
    paper_settings = [p for p in predictions if p.normalize and p.weight == 1.0]
    return {"f2s_runs": len(runs.figure2_stored), "f2s_provenance": MarkdownText(provenance_summary(runs.figure2_stored)),
            "f2s_paper": ", ".join(f"{STEP_DIRECTION_LABELS[p.variant]}: {p.claim.judgement.verdict}"
                                   for p in paper_settings),
            "mean_a": mean_a, "push_shrink": 10 / mean_a,
            **{f"f2s_{key}": value for key, value in figure2_prediction_facts(predictions).items()}}


# -- the trained maps ------------------------------------------------------------------------------

def chapter_shallow_claims(runs: EntropySettingsRuns) -> list[Claim]:
    """:func:`~energygnn.reporting.entropy_settings.maps.shallow_claims`: the chosen setting at depth 64 on the
    fresh seeds against Table 1's basic GCN at ``SHALLOW_DEPTH``."""
    chosen = {dataset: settings[0] for dataset, settings in runs.ranked.items() if settings}
    return shallow_claims({dataset: seed_values(runs.fresh, (dataset, setting)) for dataset, setting in chosen.items()},
                          runs.table1, runs.maps_section["depth"], shallow=SHALLOW_DEPTH)


def map_numbers(runs: EntropySettingsRuns) -> dict[str, Any]:
    """For the prose about the maps: ``map_runs``, ``map_planned``, ``map_seeds``, ``map_hours``,
    ``map_diverged``, ``map_provenance``, ``chosen_<dataset>`` (the chosen setting, or how far
    the map is) and ``shallow_<dataset>`` (:func:`chapter_shallow_claims`: ours against the basic
    GCN's, and the verdict)."""
    section = runs.maps_section
    numbers: dict[str, Any] = {
        "map_runs": len(runs.map_stored), "map_planned": planned_runs(section, MAP_AXES),
        "map_seeds": seeds_run(runs.map_stored), "map_hours": wall_hours(runs.map_stored),
        "map_diverged": sum(run["result"]["best_val_acc"] is None for run in runs.map_stored),
        "map_provenance": MarkdownText(provenance_summary(runs.map_stored))}
    for dataset in section["datasets"]:
        choice = chosen_setting(runs.maps, section, dataset)
        numbers[f"chosen_{dataset}"] = setting_label(*choice) if choice else \
            "none yet ({} of {} settings have all their seeds)".format(*map_progress(runs.maps, section, dataset))
    for claim in chapter_shallow_claims(runs):
        judgement = claim.judgement
        numbers[f"shallow_{claim.scope}"] = f"{judgement.ours:.3f} against {judgement.reference:.3f} ({judgement.verdict})"
    return numbers


# -- Table 1 at the chosen settings ----------------------------------------------------------------

def chosen_lines(runs: EntropySettingsRuns) -> list[tuple[str, str, Groups]]:
    """The rows of :func:`~energygnn.reporting.tables.comparison_table`: the basic GCN and Table
    1's setting, then the chosen setting."""
    return [("Basic GCN", "basic", runs.table1), ("Entropic GCN, Table 1's setting", "entropic", runs.table1),
            ("Entropic GCN, chosen setting", "entropic", runs.chosen)]


def chosen_claims(runs: EntropySettingsRuns) -> dict[str, list[Claim]]:
    """The chapter's claims about the chosen settings, by name: ``fresh`` and ``double``
    (:mod:`~energygnn.reporting.entropy_settings.fresh`, on the fresh seeds only), ``selection``
    (fresh against choosing seeds), ``shallow`` (:func:`chapter_shallow_claims`), ``depth4`` (at
    ``SHALLOW_DEPTH``, the chosen setting and Table 1's setting against the basic GCN: does
    anything beat it?) and ``shallower`` (the chosen rows against the basic GCN and Table 1's
    setting at every depth below the map's, which the choice did not see)."""
    datasets, deep, ranked = runs.section["datasets"], runs.maps_section["depth"], runs.ranked
    chosen = {dataset: settings[0] for dataset, settings in ranked.items() if settings}
    depth4 = [Claim(dataset, f"at depth {SHALLOW_DEPTH} Table 1's setting beats the basic GCN", "",
                    judge(seed_values(runs.table1, (dataset, "entropic", SHALLOW_DEPTH)),
                          seed_values(runs.table1, (dataset, "basic", SHALLOW_DEPTH)), ">"), "depth4", asked_by="book")
              for dataset in datasets]
    return {"fresh": fresh_claims(runs.fresh, ranked, runs.table1_settings, deep),
            "double": double_claims(runs.fresh, chosen, [d for d in PAPER1_DOUBLE_DATASETS if d in chosen], deep),
            "selection": selection_claims(runs.fresh, runs.maps, runs.table1, chosen, runs.maps_section["seeds"], deep),
            "shallow": chapter_shallow_claims(runs),
            "depth4": depth4 + chosen_row_claims(runs.table1, runs.chosen, datasets, SHALLOW_DEPTH)[::2],
            "shallower": [claim for depth in runs.section["depths"][:-1]
                          for claim in chosen_row_claims(runs.table1, runs.chosen, datasets, depth)]}


def chosen_numbers(runs: EntropySettingsRuns) -> dict[str, Any]:
    """For the prose about the chosen settings: ``chosen_runs``, ``citeseer_T`` (Table 1's CiteSeer
    temperature) and ``citeseer_T_close`` (the sweep's temperatures within two seed standard
    deviations of it, :func:`~energygnn.reporting.runs.temperature_choice`), ``map_seed_count``, ``fresh_runs``, ``fresh_seed_count`` and ``fresh_seeds`` (the
    seeds run), the verdicts of :func:`chosen_claims` counted (``<name>_verdicts``); per dataset the
    chosen setting's ``fresh_<dataset>`` and ``choosing_<dataset>`` means and ``split_<dataset>``
    (fresh minus choosing), the range of the same difference for the models nobody chose
    (``control_moves``), the largest drop from choosing to fresh seeds their intervals leave open
    (``curse_bound``), the depth-4 comparisons' differences (``depth4_differences``), the shallower
    depths' decided claims (``shallower_decided``), the expected best of 1 and of all settings on the map
    (``best_of_1_<dataset>``, ``best_of_all_<dataset>``), what the choice bought on fresh seeds
    against Table 1's setting (``bought_<dataset>``, with its verdict) and the seeds it would take
    to decide (``bought_seeds_<dataset>``)."""
    claims = chosen_claims(runs)
    fresh = runs.fresh
    sweep_depth = runs.config["citeseer_temperature"]["depth"]
    choice = temperature_choice(load_optional("citeseer_temperature", runs.root),
                                seed_values(runs.table1, ("CiteSeer", "entropic", sweep_depth)))
    numbers: dict[str, Any] = {
        "chosen_runs": len(runs.chosen_stored), "citeseer_T": runs.citeseer_temperature,
        "citeseer_T_close": choice.close_text,
        "map_seed_count": len(runs.maps_section["seeds"]), "fresh_runs": len(runs.fresh_stored),
        "fresh_seed_count": len({run["config"]["seed"] for run in runs.fresh_stored}),
        "fresh_seeds": seeds_run(runs.fresh_stored) if runs.fresh_stored else "none yet",
        **{f"{name}_verdicts": counted_verdicts(group) for name, group in claims.items()}}
    controls = []
    for claim in claims["selection"]:
        judgement, dataset = claim.judgement, claim.scope
        if claim.cell[-1] == "chosen":
            numbers.update({f"fresh_{dataset}": f"{judgement.ours:.3f}", f"choosing_{dataset}": f"{judgement.reference:.3f}",
                            f"split_{dataset}": f"{judgement.difference:+.3f}", f"split_verdict_{dataset}": str(judgement)})
        else:
            controls.append(judgement.difference)
    numbers["control_moves"] = value_range(controls, "{:+.3f}")
    drops = [-(c.judgement.difference - c.judgement.half_width) for c in claims["selection"] if c.cell[-1] == "chosen"]
    numbers["curse_bound"] = f"{max(drops):.3f}" if drops else "nan"
    numbers["depth4_differences"] = value_range([c.judgement.difference for c in claims["depth4"]], "{:+.3f}")
    decided = [c for c in claims["shallower"] if c.judgement.verdict in (Verdict.HOLDS, Verdict.FAILS)]
    numbers["shallower_decided"] = "; ".join(f"{c.scope}: {c.text} ({c.judgement.verdict})" for c in decided) or "none"
    for dataset, means in runs.map_means.items():
        curve = best_of_curve(means) if means else [float("nan")]
        numbers.update({f"best_of_1_{dataset}": f"{curve[0]:.3f}", f"best_of_all_{dataset}": f"{curve[-1]:.3f}",
                        f"map_settings_{dataset}": len(means)})
    for claim in claims["fresh"]:
        dataset, rank, against = claim.cell
        if rank == 1 and against == "table1":
            judgement = claim.judgement
            numbers[f"bought_{dataset}"] = f"{judgement.difference:+.3f} ± {judgement.half_width:.3f} ({judgement.verdict})"
            numbers[f"bought_seeds_{dataset}"] = judgement.seeds_to_decide or "no number of"
    numbers["depth4_beaten"] = sum(claim.judgement.verdict is Verdict.HOLDS for claim in claims["depth4"])
    numbers["depth4_claims"] = len(claims["depth4"])
    return numbers
