r"""The chapter ``book/jem_results``: paper 2's results read back from ``results/jem_table/``,
``jem_readings``, ``jem_normalisation`` and ``jem_ablation``, tabulated, drawn and judged claim by
claim with :func:`~energygnn.reporting.verdicts.judge`.

Tables, figures, numbers and claims take a :class:`~energygnn.reporting.runs.Paper2Results`
(:func:`load`); tables are Markdown strings, figures matplotlib Figures (closed, so that a notebook
shows each once), and the ``*_numbers`` functions return the numbers the chapter's prose glues in.
:func:`paper_results` gives the paper's claims by the part of the paper they test, the same for
the chapter and the introduction's summary. The pieces: :mod:`~energygnn.reporting.jem_results.accuracy`,
:mod:`~energygnn.reporting.jem_results.spectra`, :mod:`~energygnn.reporting.jem_results.calibration`,
:mod:`~energygnn.reporting.jem_results.judged`, :mod:`~energygnn.reporting.jem_results.sampling`,
:mod:`~energygnn.reporting.jem_results.gradients`, :mod:`~energygnn.reporting.jem_results.sampler_map` (the
sampler's settings and what the chains are) and :mod:`~energygnn.reporting.jem_results.input_scale`
(GCN-JEMO's inputs rescaled).
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..claims import PaperResult, verdict_numbers
from ..prose import MarkdownText
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
from .sampler_map import (SAMPLING_RULE, SamplerCell, chain_figure, closest_cell, load_sampler_cells,  # noqa: F401
                          quality_table, sampler_argument, sampler_cells, sampler_claims, sampler_numbers, sampler_summary,
                          sampler_table, scaling_table)
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


def load(root: Path | None = None) -> Paper2Results:
    """:func:`~energygnn.reporting.runs.load_results`: paper 2's runs under ``root`` (default: the results folder)."""
    return load_results(root)


def paper_results(results: Paper2Results) -> dict[str, PaperResult]:
    """Paper 2's claims (:func:`~energygnn.reporting.jem_results.judged.paper_claims`) by the part of the paper
    they test (``PAPER2_PARTS``)."""
    claims = paper_claims(results)
    return {part: PaperResult("2", part[0].upper() + part[1:], CHAPTER,
                              [claim for claim in claims if claim.key.startswith(prefixes)])
            for part, prefixes in PAPER2_PARTS.items()}


def chapter_numbers(results: Paper2Results, readings: Sequence[ReadingRow],
                    gradients: Sequence[GradientRow] = ()) -> dict[str, Any]:
    """The numbers of the chapter's prose: :func:`~energygnn.reporting.jem_results.accuracy.status_numbers`,
    :func:`~energygnn.reporting.jem_results.spectra.covariance_numbers`,
    :func:`~energygnn.reporting.jem_results.accuracy.ablation_numbers`, the verdicts of
    :func:`~energygnn.reporting.jem_results.judged.paper_claims` and
    :func:`~energygnn.reporting.jem_results.judged.ablation_claims`
    (:func:`~energygnn.reporting.claims.verdict_numbers`),
    :func:`~energygnn.reporting.jem_results.calibration.paper_ece_numbers` and
    :func:`~energygnn.reporting.jem_results.accuracy.feature_scale_numbers`, their text as Markdown; then of the
    readings of :math:`Z` (``readings``, :func:`~energygnn.reporting.jem_results.sampling.load_reading_rows`):
    ``z_<name>`` (:func:`~energygnn.reporting.jem_results.sampling.reading_numbers`), ``reading_rule`` and
    ``reading_summary``; and, with ``gradients`` (:func:`~energygnn.reporting.jem_results.gradients.load_gradient_rows`),
    :func:`~energygnn.reporting.jem_results.gradients.gradient_numbers` (checked against the readings' runs) and the
    verdicts of :func:`~energygnn.reporting.jem_results.gradients.gradient_claims`."""
    numbers = {**status_numbers(results), **covariance_numbers(results), **ablation_numbers(results),
               **verdict_numbers(paper_claims(results) + ablation_claims(results)), **paper_ece_numbers(results),
               **feature_scale_numbers(results)}
    numbers = {name: MarkdownText(value) if isinstance(value, str) else value for name, value in numbers.items()}
    if gradients:
        runs = [run for row in readings for run in row.runs]
        numbers.update(gradient_numbers(gradients, runs))
        numbers.update({name: MarkdownText(value) for name, value in verdict_numbers(gradient_claims(gradients)).items()})
    return {**numbers, **{f"z_{name}": value for name, value in reading_numbers(readings).items()},
            "reading_rule": READING_RULE, "reading_summary": MarkdownText(reading_summary(readings))}


def at_work_numbers(cells: Sequence[SamplerCell], scales: Sequence[ScaleRow]) -> dict[str, Any]:
    """The numbers of the chapter's sections on the sampler's settings and on GCN-JEMO's inputs:
    :func:`~energygnn.reporting.jem_results.sampler_map.sampler_numbers`, ``sampling_rule``,
    ``sampler_summary``, ``sampler_argument``, :func:`~energygnn.reporting.jem_results.input_scale.scale_numbers` and the
    verdicts of :func:`~energygnn.reporting.jem_results.sampler_map.sampler_claims` and
    :func:`~energygnn.reporting.jem_results.input_scale.scale_claims` (Markdown)."""
    verdicts = verdict_numbers(sampler_claims(cells) + scale_claims(list(scales)))
    return {**{name: MarkdownText(value) if isinstance(value, str) else value
               for name, value in sampler_numbers(cells).items()},
            **scale_numbers(list(scales)), "sampling_rule": MarkdownText(SAMPLING_RULE),
            "sampler_summary": MarkdownText(sampler_summary(cells)),
            "sampler_argument": MarkdownText(sampler_argument(cells)),
            **{name: MarkdownText(value) for name, value in verdicts.items()}}
