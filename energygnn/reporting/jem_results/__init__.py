r"""The chapter ``book/jem_results``: paper 2's results read back from ``results/jem_table/``,
``jem_readings``, ``jem_gradients``, ``jem_sampler_map``, ``jem_sampler_long``, ``jem_input_scale``,
``jem_normalisation`` and ``jem_ablation``, tabulated, drawn and judged claim by claim with
:func:`~energygnn.reporting.verdicts.judge`.

:func:`load` gathers them in a :class:`JemResultsRuns`; tables, figures, numbers and claims take its
parts (the accuracy table's runs, a :class:`~energygnn.reporting.runs.Paper2Results`, or the rows of
one experiment); tables are Markdown strings, figures matplotlib Figures (closed, so that a notebook
shows each once), and the ``*_numbers`` functions return the numbers the chapter's prose glues in.
:func:`paper_results` gives the paper's claims by the part of the paper they test, and the book's
questions by experiment, the same for the chapter and the introduction's summary. The pieces: :mod:`~energygnn.reporting.jem_results.accuracy`,
:mod:`~energygnn.reporting.jem_results.spectra`, :mod:`~energygnn.reporting.jem_results.calibration`,
:mod:`~energygnn.reporting.jem_results.judged`, :mod:`~energygnn.reporting.jem_results.sampling`,
:mod:`~energygnn.reporting.jem_results.gradients`, :mod:`~energygnn.reporting.jem_results.sampler_map` (the
sampler's settings and what the chains are) and :mod:`~energygnn.reporting.jem_results.input_scale`
(GCN-JEMO's inputs rescaled).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..claims import PaperResult, verdict_numbers
from ..prose import MarkdownText
from ...experiments.results import result_files
from ..runs import Paper2Results, load_results
# the chapter calls every table, figure and claim of the submodules here
from .accuracy import (ablation_numbers, ablation_rows, ablation_table, accuracy_table,  # noqa: F401
                       feature_scale_numbers, name_key, normalisation_table, status_numbers)
from .gradients import (EARLY_EPOCHS, GradientRow, gradient_claims, gradient_figure, gradient_numbers,  # noqa: F401
                        gradient_rows, gradient_table, load_gradient_rows, retraced_runs)
from .calibration import (bin_gap_range, calibration_table, confidence_figure, paper_ece_numbers,  # noqa: F401
                          reliability_figure, underconfident_bins)
from .input_scale import ScaleRow, load_scale_rows, scale_claims, scale_numbers, scale_rows, scale_table  # noqa: F401
from .judged import ablation_claims, paper_claims  # noqa: F401
from .sampler_map import (SAMPLER_EXPERIMENTS, SAMPLING_RULE, SamplerCell, chain_figure, closest_cell,  # noqa: F401
                          load_sampler_cells, quality_table, sampler_argument, sampler_cells, sampler_claims,
                          sampler_numbers, sampler_summary, sampler_table, scaling_table, setting_claims,
                          past_threshold_summary)
from .sampling import (READING_RULE, ReadingRow, chosen_reading, load_reading_rows, reading_numbers,  # noqa: F401
                       reading_rows, reading_run, reading_summary, reading_table, sgld_energy_figure,
                       step_ratio_figure)
from .spectra import (adjacency_spectrum_figure, closed_walks_table, covariance_numbers,  # noqa: F401
                      covariance_spectrum_figure, generation_events_figure, losses_figure, marchenko_pastur_bounds)

CHAPTER = "jem_results"
# Paper 2's claims by the part of the paper they test (prefixes of the keys of paper_claims).
PAPER2_PARTS = {
    "accuracy table": ("jem_as_accurate", "jem_beats_gcn", "jemo_beats_jem", "jemo_beats_gcn"),
    "spectra (Figures 1-2)": ("closed_walks_original", "more_closed_walks", "high_covariance_eigenvalues"),
    "confidence and calibration (Figure 3)": ("less_confident", "better_calibrated", "ece_as_paper"),
}
#: The title of each of the book's questions of paper 2's method (by name), as the first screen shows it.
BOOK_RESULTS = {
    "settings": "Does any setting of SGLD let GCN-JEM sample while it classifies",
    "closest": "The sampler's closest settings, measure by measure",
    "gradients": "Which loss term pulls harder under each reading of Z",
    "input_scale": "GCN-JEMO's collapse and the size of its input rows",
    "ablation": "GCN-JEMO's weight, raw features and calibration against the GCN",
}


@dataclass(frozen=True)
class JemResultsRuns:
    """Everything the chapter reads: the accuracy table's runs with their ablation and
    normalisation runs (``results``), and the rows of the experiments on sampling (empty where
    an experiment has not been run).

    Args:
        results: :func:`~energygnn.reporting.runs.load_results`.
        readings: ``jem_readings`` (:func:`~energygnn.reporting.jem_results.sampling.load_reading_rows`).
        gradients: ``jem_gradients`` (:func:`~energygnn.reporting.jem_results.gradients.load_gradient_rows`).
        cells: ``jem_sampler_map`` and ``jem_sampler_long``
            (:func:`~energygnn.reporting.jem_results.sampler_map.load_sampler_cells`).
        scales: ``jem_input_scale`` (:func:`~energygnn.reporting.jem_results.input_scale.load_scale_rows`).
    """

    results: Paper2Results
    readings: Sequence[ReadingRow] = ()
    gradients: Sequence[GradientRow] = ()
    cells: Sequence[SamplerCell] = ()
    scales: Sequence[ScaleRow] = ()


def _stored(*experiments: str, root: Path | None) -> bool:
    return any(result_files(name, root) for name in experiments)  # without reading them: the loaders do


def load(root: Path | None = None) -> JemResultsRuns:
    """The chapter's runs under ``root`` (default: the results folder); an experiment not run
    leaves its part empty."""
    results = load_results(root)
    return JemResultsRuns(
        results,
        load_reading_rows(root) if _stored("jem_readings", root=root) else [],
        load_gradient_rows(root) if _stored("jem_gradients", root=root) else [],
        load_sampler_cells(root) if _stored(*SAMPLER_EXPERIMENTS, root=root) else [],
        load_scale_rows(results, root) if _stored("jem_input_scale", root=root) else [])


def paper_results(runs: JemResultsRuns) -> dict[str, PaperResult]:
    """Paper 2's claims (:func:`~energygnn.reporting.jem_results.judged.paper_claims`) by the part of the paper
    they test (``PAPER2_PARTS``), then the book's questions (``BOOK_RESULTS``) whose experiments have
    been run: :func:`~energygnn.reporting.jem_results.sampler_map.setting_claims`,
    :func:`~energygnn.reporting.jem_results.sampler_map.sampler_claims`,
    :func:`~energygnn.reporting.jem_results.gradients.gradient_claims`,
    :func:`~energygnn.reporting.jem_results.input_scale.scale_claims` and
    :func:`~energygnn.reporting.jem_results.judged.ablation_claims`."""
    claims = paper_claims(runs.results)
    parts = {part: PaperResult("2", part[0].upper() + part[1:], CHAPTER,
                               [claim for claim in claims if claim.key.startswith(prefixes)])
             for part, prefixes in PAPER2_PARTS.items()}
    book = {"settings": setting_claims(runs.cells) if runs.cells else [],
            "closest": sampler_claims(runs.cells) if runs.cells else [],
            "gradients": gradient_claims(runs.gradients) if runs.gradients else [],
            "input_scale": scale_claims(list(runs.scales)) if runs.scales else [],
            "ablation": ablation_claims(runs.results)}
    parts.update({name: PaperResult("2", BOOK_RESULTS[name], CHAPTER, found) for name, found in book.items() if found})
    return parts


def chapter_numbers(runs: JemResultsRuns) -> dict[str, Any]:
    """The numbers of the chapter's prose: :func:`~energygnn.reporting.jem_results.accuracy.status_numbers`,
    :func:`~energygnn.reporting.jem_results.spectra.covariance_numbers`,
    :func:`~energygnn.reporting.jem_results.accuracy.ablation_numbers`, the verdicts of every claim of
    :func:`paper_results` (``verdict_<key>``, :func:`~energygnn.reporting.claims.verdict_numbers`),
    :func:`~energygnn.reporting.jem_results.calibration.paper_ece_numbers` and
    :func:`~energygnn.reporting.jem_results.accuracy.feature_scale_numbers`, their text as Markdown; then of the
    readings of :math:`Z`: ``z_<name>`` (:func:`~energygnn.reporting.jem_results.sampling.reading_numbers`),
    ``reading_rule`` and ``reading_summary``; :func:`~energygnn.reporting.jem_results.gradients.gradient_numbers`
    (checked against the readings' runs); of the sampler's settings
    :func:`~energygnn.reporting.jem_results.sampler_map.sampler_numbers`, ``sampling_rule``, ``sampler_summary``,
    ``sampler_past_threshold`` and ``sampler_argument``; and :func:`~energygnn.reporting.jem_results.input_scale.scale_numbers`.
    A part whose experiment has not been run adds nothing."""
    results = runs.results
    judged = [claim for result in paper_results(runs).values() for claim in result.claims]
    numbers = {**status_numbers(results), **covariance_numbers(results), **ablation_numbers(results),
               **verdict_numbers(judged), **paper_ece_numbers(results), **feature_scale_numbers(results)}
    numbers = {name: MarkdownText(value) if isinstance(value, str) else value for name, value in numbers.items()}
    if runs.readings:
        numbers.update({f"z_{name}": value for name, value in reading_numbers(runs.readings).items()})
        numbers.update({"reading_rule": READING_RULE, "reading_summary": MarkdownText(reading_summary(runs.readings))})
        if runs.gradients:
            numbers.update(gradient_numbers(runs.gradients, [run for row in runs.readings for run in row.runs]))
    if runs.cells:
        numbers.update({name: MarkdownText(value) if isinstance(value, str) else value
                        for name, value in sampler_numbers(runs.cells).items()})
        numbers.update({"sampling_rule": MarkdownText(SAMPLING_RULE),
                        "sampler_summary": MarkdownText(sampler_summary(runs.cells, past_threshold=False)),
                        "sampler_past_threshold": MarkdownText(past_threshold_summary(runs.cells)),
                        "sampler_argument": MarkdownText(sampler_argument(runs.cells))})
    if runs.scales:
        numbers.update(scale_numbers(list(runs.scales)))
    return numbers


def glance_items(runs: JemResultsRuns) -> list:
    """The rows of the chapter's "Claims at a glance" (:func:`~energygnn.reporting.summary.claims_at_a_glance`):
    the accuracy table's claims one by one (the headlines first), the spectra and confidence and
    calibration one by one with the two ECE values in one row, then the book's questions on sampling
    (``settings``, with the cells that sample and that classify counted) and on GCN-JEMO's inputs
    (``input_scale``), where they were run."""
    results = paper_results(runs)
    accuracy = list(results["accuracy table"].claims)
    calibration = list(results["confidence and calibration (Figure 3)"].claims)
    items = [*(c for c in accuracy if c.headline), *(c for c in accuracy if not c.headline),
             *results["spectra (Figures 1-2)"].claims, *(c for c in calibration if not c.key.startswith("ece_as_paper")),
             ("The paper's ECE values (GCN-JEM, GCN)", [c for c in calibration if c.key.startswith("ece_as_paper")])]
    if "settings" in results:
        numbers = sampler_numbers(runs.cells)
        items.append((results["settings"].result, list(results["settings"].claims),
                      f"{numbers['map_sampling']} sample, {numbers['map_classifying']} classify, "
                      f"{numbers['map_both']} both"))
    return items + [results[name] for name in ("input_scale",) if name in results]
