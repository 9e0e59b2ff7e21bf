r"""The chapter ``book/deep_training``: paper 1's Table 1 and Figure 3 from stored runs, with the
variants that change one thing (the authors' step, the authors' G2, the metrics' protocol, the
thread count) and the CiteSeer temperature.

:func:`load` reads what the chapter reads (:class:`DeepTrainingRuns`); :func:`paper_results`
gives the paper's results it tests, the same claims for the chapter and the introduction's
summary; :func:`chapter_numbers` the numbers of its prose. The tables, figures and claims are in
:mod:`~energygnn.reporting.deep_training.table1`, :mod:`~energygnn.reporting.deep_training.variants` and
:mod:`~energygnn.reporting.deep_training.figure3`, and importable from here.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...experiments.configs import load_config
from ...experiments.results import group_runs, load_experiment, provenance_summary
from ..claims import Claim, PaperResult, counted_verdicts, format_counts
from ..prose import MarkdownText
from ..verdicts import judge
from ..runs import (Groups, Run, TemperatureChoice, load_optional, metrics_protocols, planned_runs, seed_values,
                    seeds_run, temperature_choice, wall_hours)
# the chapter calls every table, figure and claim of the submodules here
from .figure3 import (curve_shape, curves_of_shape, figure3_claims, figure3_measure_numbers, layer_energy_curves,  # noqa: F401
                      layer_energy_table, plot_layer_energies, profile_statistics)
from .table1 import (DOUBLE_CLAIM_DATASETS, gain_over_basic, headline_claims, paper_gap, plot_table1,  # noqa: F401
                     table1_claims, table1_summary_facts, table1_table, temperature_table)
from .variants import (authors_step_claims, authors_step_table, g2_relu_claims, g2_relu_numbers,  # noqa: F401
                       g2_relu_table, same_seed_claims, same_seed_differences, same_seed_pairs, same_seed_table,
                       variant_cells)

CHAPTER = "deep_training"
ENERGY_EPOCH = 50  # the epoch of Figure 3's layer energies (of 100)


@dataclass(frozen=True)
class DeepTrainingRuns:
    """What the chapter reads: ``configs/paper1.json`` and the runs of Table 1 and its variants,
    each grouped by ``(dataset, model, depth)`` (empty where a variant has not been run)."""

    config: dict[str, Any]
    stored: list[Run]  # table1
    groups: Groups  # table1
    sweep: list[Run]  # citeseer_temperature
    authors: Groups  # table1_authors_step
    g2_relu: Groups  # table1_g2_relu
    after_step: Groups  # table1_after_step
    threads: Groups  # table1_threads
    fresh: Groups  # fresh_seeds: the basic GCN and the entropic GCN at Table 1's setting only

    @property
    def section(self) -> dict[str, Any]:
        """The ``table1`` config section."""
        return self.config["table1"]

    @property
    def deep(self) -> int:
        return max(self.section["depths"])

    @property
    def shallow(self) -> int:
        return min(self.section["depths"])


def _by_cell(stored: list[Run]) -> Groups:
    return group_runs(stored, "dataset", "model", "depth")


def load(root: Path | None = None) -> DeepTrainingRuns:
    """The runs of ``table1`` and ``citeseer_temperature`` under ``root`` (default: the results
    folder), and of Table 1's variants where they were run.

    Raises:
        FileNotFoundError: no Table 1 or sweep runs; the message gives the command.
    """
    stored = load_experiment("table1", root)
    variants = {name: _by_cell(load_optional(name, root))
                for name in ("table1_authors_step", "table1_g2_relu", "table1_after_step", "table1_threads")}
    return DeepTrainingRuns(load_config("paper1", quick=False), stored, _by_cell(stored),
                            load_experiment("citeseer_temperature", root), *variants.values(),
                            _table1_cells(load_optional("fresh_seeds", root), stored))


def _table1_cells(fresh: list[Run], stored: list[Run]) -> Groups:
    """The ``fresh_seeds`` runs of Table 1's models at Table 1's settings, by cell (the map's other
    settings, which ``fresh_seeds`` runs too, left out)."""
    settings = {(run["config"]["dataset"], run["config"]["model"]): run["config"].get("model_options", {})
                for run in stored}
    return _by_cell([run for run in fresh
                     if settings.get((run["config"]["dataset"], run["config"]["model"])) == run["config"].get("model_options", {})])


def paper_results(runs: DeepTrainingRuns) -> dict[str, PaperResult]:
    """Paper 1's results this chapter tests, and the book's questions about them, by name:
    ``headline`` (Table 1's depth-64 claim with the fresh seeds pooled,
    :func:`~energygnn.reporting.deep_training.table1.headline_claims`; its rows on Table 1's seeds
    alone are the first claims of ``table1``),
    ``table1`` (:func:`~energygnn.reporting.deep_training.table1.table1_claims`), ``figure3``
    (:func:`~energygnn.reporting.deep_training.figure3.figure3_claims`) and ``authors_step``
    (:func:`~energygnn.reporting.deep_training.variants.authors_step_claims`), ``g2_relu``
    (:func:`chapter_g2_relu_claims`) and ``protocol`` (:func:`same_seed_variant_claims`)."""
    datasets = runs.section["datasets"]
    return {
        "headline": PaperResult("1", "Table 1 at depth 64, on more seeds", CHAPTER,
                                [c for c in headline_claims(runs.groups, runs.fresh, datasets, runs.deep) if c.headline]),
        "table1": PaperResult("1", "Table 1: accuracy of deep GCNs", CHAPTER,
                              table1_claims(runs.groups, datasets, runs.shallow, runs.deep)),
        "figure3": PaperResult("1", "Figure 3: energies inside trained depth-64 models", CHAPTER,
                               figure3_claims(runs.groups, datasets, runs.deep, epoch=ENERGY_EPOCH)),
        "authors_step": PaperResult("1", "Table 1 with the authors' step direction", CHAPTER,
                                    authors_step_claims(runs.groups, runs.authors, datasets, runs.deep)),
        "g2_relu": PaperResult("1", "The authors' G2 (a ReLU on its logits)", CHAPTER, chapter_g2_relu_claims(runs)),
        "protocol": PaperResult("1", "Table 1's protocol and rounding", CHAPTER, same_seed_variant_claims(runs)),
    }


def chapter_headline_claims(runs: DeepTrainingRuns) -> list[Claim]:
    """:func:`~energygnn.reporting.deep_training.table1.headline_claims` at the deepest depth: on Table 1's
    seeds, then with the fresh seeds added."""
    return headline_claims(runs.groups, runs.fresh, runs.section["datasets"], runs.deep)


def headline_numbers(runs: DeepTrainingRuns) -> dict[str, Any]:
    """For the prose about the headline: ``fresh_seed_list`` (the fresh seeds run of Table 1's models) and
    per dataset ``headline_<dataset>`` (the verdict on all seeds with its difference, detectable difference and
    seed counts), ``headline5_<dataset>`` (the same on Table 1's seeds) and ``headline_fresh_<dataset>`` (on
    the fresh seeds alone)."""
    numbers: dict[str, Any] = {"fresh_seed_list": seeds_run([run for group in runs.fresh.values() for run in group])
                               or "none yet"}
    def text(j) -> str:
        return f"{j.verdict} ({j.difference:+.3f} ± {j.half_width:.3f}, {j.counts[0]} seeds a side)"

    for claim in chapter_headline_claims(runs):
        dataset = claim.cell[0]
        numbers[f"headline_{dataset}" if claim.headline else f"headline5_{dataset}"] = text(claim.judgement)
    for dataset in runs.section["datasets"]:
        cells = [(dataset, model, runs.deep) for model in ("entropic", "basic")]
        numbers[f"headline_fresh_{dataset}"] = text(judge(*(seed_values(runs.fresh, cell) for cell in cells), ">"))
    return numbers


def citeseer_choice(runs: DeepTrainingRuns) -> TemperatureChoice:
    """:func:`~energygnn.reporting.runs.temperature_choice` of the sweep, against the entropic
    GCN's seeds on CiteSeer in Table 1 at the sweep's depth."""
    depth = runs.config["citeseer_temperature"]["depth"]
    return temperature_choice(runs.sweep, seed_values(runs.groups, ("CiteSeer", "entropic", depth)))


def chapter_g2_relu_claims(runs: DeepTrainingRuns) -> list[Claim]:
    """:func:`~energygnn.reporting.deep_training.variants.g2_relu_claims` at the cells of ``table1_g2_relu``."""
    return g2_relu_claims(runs.groups, runs.g2_relu, runs.config["table1_g2_relu"])


def same_seed_variant_claims(runs: DeepTrainingRuns) -> list[Claim]:
    """:func:`~energygnn.reporting.deep_training.variants.same_seed_claims` of the metrics taken after the step,
    then of two threads."""
    return (same_seed_claims(runs.groups, runs.after_step, variant_cells(runs.config["table1_after_step"]),
                             "Metrics after the step")
            + same_seed_claims(runs.groups, runs.threads, variant_cells(runs.config["table1_threads"]),
                               "Two threads instead of one"))


def figure3_curves(runs: DeepTrainingRuns):
    """:func:`~energygnn.reporting.deep_training.figure3.layer_energy_curves` of the deepest models at ``ENERGY_EPOCH``."""
    return layer_energy_curves(runs.groups, runs.section, runs.deep, epoch=ENERGY_EPOCH)


def chapter_numbers(runs: DeepTrainingRuns) -> dict[str, Any]:
    """The numbers of the chapter's prose: ``protocols`` (:func:`~energygnn.reporting.runs.metrics_protocols`); the
    CiteSeer sweep's ``citeseer_T``, ``sweep_seeds``, ``sweep_std``, ``sweep_close`` and ``sweep_provenance``
    (:func:`citeseer_choice`); Table 1's ``runs_done``, ``runs_planned``, ``seeds_done`` and ``table1_provenance``;
    :func:`~energygnn.reporting.deep_training.variants.g2_relu_numbers`; ``variant_verdicts``
    (:func:`same_seed_variant_claims`, counted); ``u_shaped`` and ``figure3_verdicts``; ``total_hours`` of Table 1
    and the sweep; and :func:`~energygnn.reporting.deep_training.table1.table1_summary_facts`."""
    results, choice = paper_results(runs), citeseer_choice(runs)
    return {
        "protocols": format_counts(metrics_protocols(runs.stored)),
        "citeseer_T": choice.temperature, "sweep_seeds": choice.seed_count, "sweep_std": choice.seed_std,
        "sweep_close": choice.close_text, "sweep_provenance": MarkdownText(provenance_summary(runs.sweep)),
        "runs_done": len(runs.stored), "runs_planned": planned_runs(runs.section), "seeds_done": seeds_run(runs.stored),
        "table1_provenance": MarkdownText(provenance_summary(runs.stored)),
        **g2_relu_numbers(runs.groups, runs.g2_relu, chapter_g2_relu_claims(runs)),
        "variant_verdicts": counted_verdicts(same_seed_variant_claims(runs)),
        "u_shaped": curves_of_shape(figure3_curves(runs), "U-shaped"),
        "figure3_verdicts": counted_verdicts(results["figure3"].claims),
        "total_hours": wall_hours(runs.stored + runs.sweep), **headline_numbers(runs),
        **table1_summary_facts(runs.groups, runs.section, results["table1"].claims, results["authors_step"].claims),
    }

