"""What reproduces, in two tables: the papers' claims, and the book's own questions about their
methods, from every results chapter, judged by the one rule
(:func:`energygnn.reporting.verdicts.judge`) on the committed runs and counted per result.

The rows are each results chapter's ``paper_results``, the same function the chapter shows its
claims with, so the introduction can never disagree with the chapters; each claim says who asks
it (``Claim.asked_by``). A chapter joins the summary by being
listed in ``CHAPTERS``.

It also fixes the shape every results chapter takes (``ANSWER_CHAPTERS``): the "Claims at a
glance" box it opens with (``GLANCE_CELL``, :func:`glance_numbers`), "What we learned" and two
exercises at its end, and how much code and prose it shows.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Mapping, Sequence

from . import (beyond_entropy, deep_training, entropy_settings, jem_results, jem_robustness, oversmoothing_grid,
               scaling_out)
from .claims import GLANCE_TITLE, PaperResult, glance_table
from .prose import MarkdownText
from .tables import markdown_table
from .verdicts import Verdict

# The results chapters, in the book's order; each has ``load(root)`` and ``paper_results(runs)``.
CHAPTERS = (oversmoothing_grid, deep_training, entropy_settings, beyond_entropy, jem_results, jem_robustness,
            scaling_out)
#: The accuracy every claim about accuracy is judged on, per paper (each paper's own table's).
JUDGING_ACCURACY = {"1": "best validation accuracy (paper 1's Table 1 reports it)",
                    "2": "test accuracy after the last of 500 epochs (paper 2's table; the paper names no early "
                          "stopping)"}


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


def claims_with(rows: Sequence[PaperResult], verdict: Verdict = Verdict.FAILS, max_scopes: int = 3) -> str:
    """The claims with ``verdict`` (default: those that fail), as a Markdown list: paper, result,
    the claim, and where; the claims of one result with the same text share an item, which names
    up to ``max_scopes`` places (default 3) and counts more."""
    groups: dict[tuple, list[str]] = {}
    for row in rows:
        for claim in row.claims:
            if claim.judgement.verdict is verdict:
                groups.setdefault((row.paper, row.result.split(":")[0], claim.text), []).append(claim.scope)
    items = []
    for (paper, result, text), scopes in groups.items():
        named = [scope for scope in dict.fromkeys(scopes) if scope]
        where = (f" ({'; '.join(named)})" if len(named) <= max_scopes else f" ({len(scopes)} cases)") if named else ""
        items.append(f"- Paper {paper}, {result}: *{text}*{where}")
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


# ---- The shape of a results chapter (issue 36: "the book as answers") ----
#
# Every results chapter (each module of CHAPTERS) is listed in ANSWER_CHAPTERS and has this shape;
# tests/test_chapter_shape.py checks every chapter listed, from the .ipynb alone:
#
# 1. After its title, before any "##" section and any visible code, the chapter opens with
#    GLANCE_CELL, a Markdown cell holding the "Claims at a glance" admonition; a hidden code cell
#    (tag ``remove-input``) glues its table: ``glue_numbers(summary.glance_numbers(results))``.
# 2. The story, with its figures; provenance, protocol and rounding checks, costs and variant
#    tables inside ``:::{dropdown}`` blocks (or an appendix); every code cell that glues is tagged
#    ``remove-input``.
# 3. It closes with a Markdown cell headed ``## What we learned`` (at most five sentences), then a
#    cell headed ``## Exercises`` and at least two exercises: each a Markdown cell starting
#    ``**Exercise <n>.**`` (the question; the reasoning of the answer may follow in a
#    ``:::{dropdown} Solution`` block), then a code cell tagged ``hide-cell`` that computes the
#    answer with the package (or the committed results) and ``assert``s it.
# 4. At most MAX_VISIBLE_CODE_LINES non-blank lines of visible code (cells not tagged
#    ``remove-input``, ``remove-cell``, ``hide-input`` or ``hide-cell``) and at most
#    MAX_VISIBLE_WORDS words of visible prose (counted as tests/test_chapter_shape.py says).
#
#: The results chapters (document names) converted to the shape of an answer, which
#: ``tests/test_chapter_shape.py`` checks; every results chapter is in it.
ANSWER_CHAPTERS: tuple[str, ...] = ("oversmoothing_grid", "deep_training", "entropy_settings", "beyond_entropy",
                                    "jem_results", "jem_robustness", "scaling_out")
#: At most this many words of visible prose per results chapter.
MAX_VISIBLE_WORDS = 1500
#: At most this many non-blank lines of visible code per results chapter.
MAX_VISIBLE_CODE_LINES = 15
#: At most this many sentences under "What we learned".
MAX_LEARNED_SENTENCES = 5
#: The name under which a chapter glues its "Claims at a glance" table (:func:`glance_numbers`).
GLANCE_KEY = "claims_at_a_glance"
#: The Markdown cell that opens a results chapter after its title, a MyST admonition holding
#: the glued table (``{glue:md}`` with ``:format: myst``, so that the table is parsed as Markdown).
GLANCE_CELL = (f":::{{admonition}} {GLANCE_TITLE}\n:class: tip\n\n```{{glue:md}} {GLANCE_KEY}\n:format: myst\n```\n:::")


def glance_items(results: Mapping[str, PaperResult]) -> list:
    """The default rows of a chapter's "Claims at a glance": its headline claims
    (``Claim.headline``) one by one (each once), then each of its other ``results`` in one row (a result
    made only of headline claims is not repeated)."""
    headlines = list(dict.fromkeys(headline_claims(list(results.values()))))  # each once
    return [*headlines, *(result for result in results.values()
                          if not all(claim.headline for claim in result.claims))]


def claims_at_a_glance(results: Mapping[str, PaperResult], items: Sequence | None = None) -> MarkdownText:
    """A chapter's "Claims at a glance" table (:func:`~energygnn.reporting.claims.glance_table`):
    claim, the paper's number (labelled as theirs), ours, verdict.

    Args:
        results: the chapter's ``paper_results(runs)``.
        items: the rows, when the chapter chooses them: claims, results or ``(label, claims)``
            groups (default :func:`glance_items`: the headline claims, then each result in one row).
    """
    return MarkdownText(glance_table(glance_items(results) if items is None else items))


def glance_numbers(results: Mapping[str, PaperResult], items: Sequence | None = None) -> dict[str, MarkdownText]:
    """``{GLANCE_KEY: table}``: :func:`claims_at_a_glance` under the name ``GLANCE_CELL`` shows,
    for :func:`~energygnn.reporting.prose.glue_numbers`."""
    return {GLANCE_KEY: claims_at_a_glance(results, items)}


# ---- The first screen: each paper's answer in a paragraph, from the claims ----

#: The results each paper's paragraph on the first screen reads, in order, each as ``(chapter,
#: start of a result's name, how it is read, label)``. ``"headline"``: the result's headline claims one by one
#: (grouped by their text); ``"fails"``: the result's verdicts counted and the claims that fail
#: named; ``"count"``: the verdicts counted; ``"headline count"``: its headline claims' verdicts
#: counted. The label replaces the result's name (``""``: keep it). A result that is not (or no
#: longer) there is left out.
ANSWER_SOURCES = {
    "1": (("deep_training", "Table 1 at depth 64", "headline", ""),
          ("oversmoothing_grid", "Figure 2: only the basic GCN's energy collapses", "fails",
           "Only the basic GCN's energy collapses (Figure 2)"),
          ("oversmoothing_grid", "Figure 2 read as the field reads", "fails",
           "Read as the field now reads oversmoothing (scale-free energy, rank), only the basic GCN collapses"),
          ("entropy_settings", "Does the step at Table 1's setting keep energy and rank", "count",
           "Trained at depth 64 at Table 1's setting, the step keeps more raw energy, scale-free energy and effective "
           "rank than the basic GCN"),
          ("entropy_settings", "Does the step at the map's chosen setting keep energy and rank", "count",
           "The same at the map's chosen setting"),
          ("entropy_settings", "The map's best settings on fresh seeds", "headline count",
           "At the setting each dataset's map chooses, the step beats the basic GCN and Table 1's setting at depth 64, "
           "on fresh seeds"),
          ("beyond_entropy", "Deep models that do not oversmooth", "count",
           "The step in deep models that do not oversmooth (GCNII, APPNP) makes them more accurate")),
    "2": (("jem_results", "Accuracy table", "headline", ""),
          ("jem_results", "Confidence and calibration", "fails", ""),
          ("jem_results", "Does any setting of SGLD let GCN-JEM sample", "count",
           "The book's question: do GCN-JEM's chains sample while it classifies, at each of the sampler's settings we "
           "tried (Cora)"),
          ("jem_robustness", "Robustness to edge attacks", "count", "")),
}
#: Each paper's question on the first screen.
ANSWER_QUESTIONS = {"1": "Does paper 1's step work?", "2": "Does paper 2's model work?"}


def _judged(claim, digits: int = 3) -> str:
    judgement = claim.judgement
    if judgement.verdict is Verdict.NOT_MEASURED:
        return "**not measured**"
    ours = claim.ours or f"{judgement.ours:.{digits}f} against {judgement.reference:.{digits}f}"
    theirs = f" (paper's: {claim.paper})" if claim.paper else ""
    return f"{ours}{theirs}, **{judgement.verdict}**"


def _headline_lines(claims) -> list[str]:
    """Claims grouped by their text, a line each: ``*Text*: scope ours against reference, **verdict**; ...``."""
    by_text: dict[str, list] = {}
    for claim in claims:
        by_text.setdefault(claim.text, []).append(claim)
    parts = []
    for text, group in by_text.items():
        cells = "; ".join(f"{c.scope + ' ' if c.scope else ''}{_judged(c)}" for c in group)
        parts.append(f"*{text[:1].upper() + text[1:]}*: {cells}.")
    return parts


def _opening(claims) -> str:
    verdicts = {claim.judgement.verdict for claim in claims}
    if verdicts == {Verdict.HOLDS}:
        return "Yes."
    if Verdict.FAILS in verdicts:
        return "In part." if Verdict.HOLDS in verdicts else "No."
    if Verdict.HOLDS in verdicts:
        return "Where our seeds can decide, yes."
    return "Our seeds cannot tell."


def answer_text(results: Sequence[PaperResult], paper: str) -> MarkdownText:
    """Paper ``paper``'s answer on the first screen, as Markdown (a block: glue it with the
    ``{glue:md}`` directive and ``:format: myst``): its question (``ANSWER_QUESTIONS``) in bold and an
    opening from the verdicts of the paper's own claims among those read ("Yes.", "No.", "In
    part.", ...), then a list item per result of ``ANSWER_SOURCES``, read as it says, with numbers
    and verdicts from the claims (never typed; the paper's numbers labelled as theirs) and a link
    to its chapter.

    Args:
        results: :func:`judged_results`.
        paper: ``"1"`` or ``"2"``.
    """
    sentences, deciding = [], []
    for chapter, start, reading, label in ANSWER_SOURCES[paper]:
        result = next((r for r in results if r.chapter == chapter and r.result.startswith(start)), None)
        if result is None or not result.claims:
            continue
        claims = list(result.claims)
        if reading.startswith("headline"):
            claims = [claim for claim in claims if claim.headline] or claims
        deciding += [claim for claim in claims if claim.asked_by == "paper"]
        link = f" ({{doc}}`{chapter.replace('_', ' ')} <{chapter}>`)"
        if reading == "headline":  # a line per claim text, the chapter's link on the last
            lines = _headline_lines(claims)
            sentences += lines[:-1] + [lines[-1][:-1] + link + "."]
            continue
        name = label or result.result
        counted = ", ".join(f"**{verdict}** ×{count}" for verdict, count in
                            Counter(str(claim.judgement.verdict) for claim in claims).most_common())
        text = f"*{name}*: {counted}"
        failing = [claim for claim in claims if claim.judgement.verdict is Verdict.FAILS]
        if reading == "fails" and failing:
            text += "; failing: " + "; ".join(f"{c.scope + ' ' if c.scope else ''}*{c.text}*" for c in failing)
        sentences.append(text + link + ".")
    opening = f"**{ANSWER_QUESTIONS[paper]}** " + (_opening(deciding) if deciding else "")
    return MarkdownText(opening.rstrip() + "\n\n" + "\n".join(f"- {sentence}" for sentence in sentences))


def answer_numbers(results: Sequence[PaperResult]) -> dict[str, MarkdownText]:
    """``answer_paper1``, ``answer_paper2`` (:func:`answer_text`) and ``question_paper1``,
    ``question_paper2`` (``ANSWER_QUESTIONS``), for the first screen."""
    numbers: dict[str, MarkdownText] = {}
    for paper, question in ANSWER_QUESTIONS.items():
        numbers[f"answer_paper{paper}"] = answer_text(results, paper)
        numbers[f"question_paper{paper}"] = MarkdownText(f"**{question}**")
    return numbers


def verdict_table(rows: Sequence[PaperResult]) -> str:
    """:func:`reproduction_table` made narrow for the first screen: the result links to its
    chapter (no chapter column), and the counts sit in short columns: paper, result, claims,
    hold, fail, inconclusive, not measured, with a line of totals."""
    body, totals = [], [0, 0, 0, 0, 0]
    for row in rows:
        counts = row.counts
        values = [len(row.claims), counts["holds"], counts["fails"], counts["inconclusive"], counts["not_measured"]]
        plain = any(mark in row.result for mark in "$`<>")
        result = (f"{row.result} ({{doc}}`chapter <{row.chapter}>`)" if plain
                  else f"{{doc}}`{row.result} <{row.chapter}>`")
        body.append([row.paper, result, *values])
        totals = [t + v for t, v in zip(totals, values)]
    body.append(["", "**all**", *(f"**{value}**" for value in totals)])
    return markdown_table(["paper", "result (its chapter)", "claims", "hold", "fail", "inconclusive", "not measured"], body)
