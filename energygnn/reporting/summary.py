"""What reproduces, in one table: every results chapter's claims of the papers, judged by the one
rule (:func:`energygnn.reporting.verdicts.judge`) on the committed runs and counted per result.

The rows are each results chapter's ``paper_results``, the same function the chapter shows its
claims with, so the introduction can never disagree with the chapters. A chapter joins the summary
by being listed in ``CHAPTERS``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from . import beyond_entropy, deep_training, jem_results, jem_robustness, oversmoothing_grid
from .claims import PaperResult
from .tables import markdown_table
from .verdicts import Verdict

# The results chapters that test the papers' claims, in the book's order; each has ``load(root)`` and
# ``paper_results(runs)``. (entropy_settings and scaling_out ask our own questions: they have none.)
CHAPTERS = (oversmoothing_grid, deep_training, beyond_entropy, jem_results, jem_robustness)


def reproduction_rows(root: Path | None = None) -> list[PaperResult]:
    """The results of both papers with their judged claims, chapter by chapter, from the runs under
    ``root`` (default: the results folder, ``$ENERGYGNN_RESULTS`` or ``results/``)."""
    return [result for chapter in CHAPTERS for result in chapter.paper_results(chapter.load(root)).values()]


def reproduction_table(rows: Sequence[PaperResult]) -> str:
    """A Markdown table: per result, how many of its claims hold, fail or are within noise (by the
    rule of :mod:`~energygnn.reporting.verdicts`) or could not be measured (every run of a side
    stopped early), with a link to the chapter that tests them."""
    body = []
    for row in rows:
        counts = row.counts
        body.append([row.paper, row.result, len(row.claims), counts["holds"], counts["fails"],
                     counts["within_noise"], counts["not_measured"], f"{{doc}}`{row.chapter}`"])
    return markdown_table(["paper", "result", "claims", "hold", "fail", "within noise", "not measured", "chapter"],
                          body)


def failing_claims(rows: Sequence[PaperResult]) -> str:
    """The claims that fail, as a Markdown list: paper, result, where, the claim."""
    items = []
    for row in rows:
        for claim in row.claims:
            if claim.judgement.verdict is Verdict.FAILS:
                where = f" ({claim.scope})" if claim.scope else ""
                items.append(f"- Paper {row.paper}, {row.result.split(':')[0]}{where}: *{claim.text}*")
    return "\n".join(items) or "No claim fails."
