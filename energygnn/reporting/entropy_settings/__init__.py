r"""The chapter ``book/entropy_settings``: when does paper 1's entropy step keep the energy, and
which setting trains best? Figure 2 under every setting of the step
(:mod:`~energygnn.reporting.entropy_settings.figure2`), the trained :math:`\lambda \times T` maps at
depth 64 (:mod:`~energygnn.reporting.entropy_settings.maps`) and Table 1's entropic rows at the
chosen settings (:mod:`~energygnn.reporting.entropy_settings.chosen`), from stored runs.

:func:`load` reads what the chapter reads (:class:`EntropySettingsRuns`); the chapter's claims are
our own questions, not the paper's, so :func:`paper_results` gives none to the introduction's
summary; the ``*_numbers`` functions give the numbers of its prose.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...config import results_root
from ...data import grid_graph
from ...experiments.configs import load_config
from ...experiments.paper1 import chosen_citeseer_temperature
from ...experiments.results import group_runs, load_experiment, provenance_summary
from ...linearised_step import energy_constants
from ..claims import Claim, PaperResult, counted_verdicts
from ..labels import STEP_DIRECTION_LABELS, setting_label
from ..prose import MarkdownText
from ..runs import Groups, Run, load_optional, map_groups, planned_runs, seeds_run, wall_hours
# the chapter calls every table, figure and claim of the submodules here
from .chosen import chosen_row_claims, seed_split_claims  # noqa: F401
from .figure2 import (FIGURE2_FIELDS, KEPT_ENERGY, Figure2Prediction, figure2_prediction_facts,  # noqa: F401
                      figure2_prediction_table, figure2_predictions, figure2_setting_claims, figure2_setting_energies,
                      figure2_setting_groups, figure2_settings, plot_figure2_settings)
from .maps import (basic_values, cell_values, chosen_setting, map_claims, map_progress, map_scores,  # noqa: F401
                   map_table, plot_maps, shallow_claims)

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
    ``table1_chosen`` under ``root`` (default: the results folder)."""
    config = load_config("paper1", quick=False)
    figure2_stored, map_stored = load_experiment("figure2_settings", root), load_experiment("entropy_maps", root)
    chosen_stored = load_optional("table1_chosen", root)
    by_cell = ("dataset", "model", "depth")
    return EntropySettingsRuns(
        config, figure2_stored, figure2_setting_groups(figure2_stored),
        group_runs(load_experiment("figure2", root), "model", "depth"), map_stored, map_groups(map_stored),
        group_runs(load_experiment("table1", root), *by_cell), chosen_stored, group_runs(chosen_stored, *by_cell),
        chosen_citeseer_temperature(config, Path(root or results_root())))


def paper_results(runs: EntropySettingsRuns) -> dict[str, PaperResult]:
    """None: the chapter asks our questions about the paper's step, not the paper's claims."""
    return {}


# -- Figure 2 under every setting ------------------------------------------------------------------

def grid_predictions(runs: EntropySettingsRuns) -> list[Figure2Prediction]:
    """:func:`~energygnn.reporting.entropy_settings.figure2.figure2_predictions` on Figure 2's grid."""
    grid = grid_graph()
    return figure2_predictions(runs.figure2, runs.basic_figure2, grid.edge_index, grid.num_nodes)


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

def chapter_map_claims(runs: EntropySettingsRuns) -> list[Claim]:
    """:func:`~energygnn.reporting.entropy_settings.maps.map_claims` against Table 1's basic GCN and the paper's
    setting of the entropic GCN."""
    return map_claims(runs.maps, runs.maps_section, runs.table1, runs.config["model_options"]["entropic"])


def chapter_shallow_claims(runs: EntropySettingsRuns) -> list[Claim]:
    """:func:`~energygnn.reporting.entropy_settings.maps.shallow_claims` against Table 1's basic GCN at ``SHALLOW_DEPTH``."""
    return shallow_claims(runs.maps, runs.maps_section, runs.table1, shallow=SHALLOW_DEPTH)


def map_numbers(runs: EntropySettingsRuns) -> dict[str, Any]:
    """For the prose about the maps: ``map_runs``, ``map_planned``, ``map_seeds``, ``map_hours``,
    ``map_diverged``, ``map_provenance``, ``chosen_<dataset>`` (the chosen setting, or how far
    the map is), ``map_verdicts`` (:func:`chapter_map_claims`, counted) and ``shallow_<dataset>``
    (:func:`chapter_shallow_claims`: ours against the basic GCN's, and the verdict)."""
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
    numbers["map_verdicts"] = counted_verdicts(chapter_map_claims(runs))
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
    """The chapter's claims about the chosen rows, by name: ``deepest`` (every seed at the deepest depth,
    :func:`~energygnn.reporting.entropy_settings.chosen.chosen_row_claims`), ``fresh`` (the fresh seeds alone),
    ``split`` (:func:`~energygnn.reporting.entropy_settings.chosen.seed_split_claims`, fresh against choosing
    seeds) and ``shallower`` (every seed at the shallower depths)."""
    datasets, deep, fresh = runs.section["datasets"], max(runs.section["depths"]), runs.fresh_seeds
    return {"deepest": chosen_row_claims(runs.table1, runs.chosen, datasets, deep),
            "fresh": chosen_row_claims(runs.table1, runs.chosen, datasets, deep, seeds=fresh),
            "split": seed_split_claims(runs.table1, runs.chosen, datasets, deep, fresh=fresh,
                                       choosing=runs.maps_section["seeds"]),
            "shallower": [claim for depth in runs.section["depths"][:-1]
                          for claim in chosen_row_claims(runs.table1, runs.chosen, datasets, depth)]}


def chosen_numbers(runs: EntropySettingsRuns) -> dict[str, Any]:
    """For the prose about the chosen rows: ``chosen_runs``, ``citeseer_T`` (Table 1's CiteSeer
    temperature), ``map_seed_count``, ``fresh_seeds``, the verdicts of :func:`chosen_claims`
    counted (``chosen_verdicts``, ``fresh_verdicts``, ``shallower_verdicts``), and of the seed
    split: the chosen setting's ``fresh_<dataset>`` and ``choosing_<dataset>`` means and their
    difference with its verdict, ``split_<dataset>``, and the verdicts of the models nobody
    chose, ``split_references``."""
    claims = chosen_claims(runs)
    numbers: dict[str, Any] = {
        "chosen_runs": len(runs.chosen_stored), "citeseer_T": runs.citeseer_temperature,
        "map_seed_count": len(runs.maps_section["seeds"]),
        "fresh_seeds": " and ".join(str(seed) for seed in runs.fresh_seeds),
        "chosen_verdicts": counted_verdicts(claims["deepest"]), "fresh_verdicts": counted_verdicts(claims["fresh"]),
        "shallower_verdicts": counted_verdicts(claims["shallower"])}
    for claim in claims["split"][2::3]:  # the chosen setting's claim, last of each dataset's three
        judgement = claim.judgement
        numbers[f"fresh_{claim.scope}"] = f"{judgement.ours:.3f}"
        numbers[f"choosing_{claim.scope}"] = f"{judgement.reference:.3f}"
        numbers[f"split_{claim.scope}"] = f"{judgement.difference:+.3f} (as accurate as: {judgement})"
    numbers["split_references"] = counted_verdicts(claim for index, claim in enumerate(claims["split"]) if index % 3 != 2)
    return numbers
