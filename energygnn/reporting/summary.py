"""What reproduces, in two tables: the papers' claims, and the book's own questions about their
methods, from every results chapter, judged by the one rule
(:func:`energygnn.reporting.verdicts.judge`) on the committed runs and counted per result.

The rows are each results chapter's ``paper_results``, the same function the chapter shows its
claims with, so the introduction can never disagree with the chapters; each claim says who asks
it (``Claim.asked_by``). A chapter joins the summary by being
listed in ``CHAPTERS``.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Sequence

from . import (beyond_entropy, deep_training, entropy_settings, jem_results, jem_robustness, oversmoothing_grid,
               scaling_out)
from .claims import PaperResult
from .tables import markdown_table
from .verdicts import Verdict

# The results chapters, in the book's order; each has ``load(root)`` and ``paper_results(runs)``.
CHAPTERS = (oversmoothing_grid, deep_training, entropy_settings, beyond_entropy, jem_results, jem_robustness,
            scaling_out)
#: The accuracy every claim about accuracy is judged on, per paper (each paper's own table's).
JUDGING_ACCURACY = {"1": "best validation accuracy (paper 1's Table 1 reports it)",
                    "2": "test accuracy at the epoch of best validation accuracy (paper 2's table)"}


def judged_results(root: Path | None = None) -> list[PaperResult]:
    """Every results chapter's judged results, chapter by chapter, from the runs under ``root``
    (default: the results folder, ``$ENERGYGNN_RESULTS`` or ``results/``)."""
    return [result for chapter in CHAPTERS for result in chapter.paper_results(chapter.load(root)).values()]


def asked_by(results: Sequence[PaperResult], asker: str) -> list[PaperResult]:
    """The results with only the claims that ``asker`` (``"paper"`` or ``"book"``) asks; results
    left without claims are dropped."""
    kept = [replace(result, claims=[c for c in result.claims if c.asked_by == asker]) for result in results]
    return [result for result in kept if result.claims]


def reproduction_rows(root: Path | None = None) -> list[PaperResult]:
    """The papers' claims only (:func:`judged_results`, :func:`asked_by` ``"paper"``)."""
    return asked_by(judged_results(root), "paper")


def reproduction_table(rows: Sequence[PaperResult]) -> str:
    """A Markdown table: per result, how many of its claims hold, fail or are inconclusive (by the
    rule of :mod:`~energygnn.reporting.verdicts`) or could not be measured (every run of a side
    stopped early), with a link to the chapter that tests them, and a line of totals."""
    body, totals = [], {"claims": 0, "holds": 0, "fails": 0, "inconclusive": 0, "not_measured": 0}
    for row in rows:
        counts = row.counts
        body.append([row.paper, row.result, len(row.claims), counts["holds"], counts["fails"],
                     counts["inconclusive"], counts["not_measured"], f"{{doc}}`{row.chapter} <{row.chapter}>`"])
        totals["claims"] += len(row.claims)
        for key in ("holds", "fails", "inconclusive", "not_measured"):
            totals[key] += counts[key]
    body.append(["", "**all**", *(f"**{value}**" for value in totals.values()), ""])
    return markdown_table(["paper", "result", "claims", "hold", "fail", "inconclusive", "not measured", "chapter"],
                          body)


def claims_with(rows: Sequence[PaperResult], verdict: Verdict = Verdict.FAILS) -> str:
    """The claims with ``verdict`` (default: those that fail), as a Markdown list: paper, result,
    where, the claim."""
    items = []
    for row in rows:
        for claim in row.claims:
            if claim.judgement.verdict is verdict:
                where = f" ({claim.scope})" if claim.scope else ""
                items.append(f"- Paper {row.paper}, {row.result.split(':')[0]}{where}: *{claim.text}*")
    return "\n".join(items) or f"No claim {'fails' if verdict is Verdict.FAILS else 'is ' + str(verdict)}."


def failing_claims(rows: Sequence[PaperResult]) -> str:
    """:func:`claims_with` the verdict ``fails``."""
    return claims_with(rows, Verdict.FAILS)


def headline_claims(results: Sequence[PaperResult]) -> list:
    """The claims marked ``Claim.headline``, in the chapters' order."""
    return [claim for result in results for claim in result.claims if claim.headline]


def judging_numbers() -> dict[str, str]:
    """``accuracy_paper1`` and ``accuracy_paper2``: the accuracy each paper's claims are judged on
    (``JUDGING_ACCURACY``)."""
    return {f"accuracy_paper{paper}": text for paper, text in JUDGING_ACCURACY.items()}
