"""Claims: what a paper (or our own run) says, in words, judged by the one rule
(:func:`~energygnn.reporting.verdicts.judge`); the results of a paper they belong to; and the
tables, counts and named numbers the chapters show of them.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .prose import value_range
from .tables import markdown_table
from .verdicts import STANDARD_ERRORS, Judgement, Verdict, verdict_counts

#: Who may ask a claim, a paper or the book (of the paper's methods).
ASKERS = ("paper", "book")


@dataclass(frozen=True)
class Claim:
    """A claim in words, where it was tested, what the paper reported, and its judgement.

    Args:
        scope: where it was tested, e.g. the dataset (``""`` when the text says it).
        text: the claim.
        paper: the paper's numbers, as shown (``""`` when it gives none).
        judgement: the claim judged on our seeds (:func:`~energygnn.reporting.verdicts.judge`).
        family: which kind of claim, where a chapter counts claims by kind (default ``""``).
        cell: the cell judged, e.g. ``(dataset, variant, depth)``, where a chapter looks a claim
            up (default ``()``).
        key: the claim's name in the prose (``verdict_<key>``, :func:`verdict_numbers`; default ``""``).
        ours: our numbers as shown (default ``""``: the means of the judgement's two sides).
        asked_by: ``"paper"`` for a claim a paper makes, ``"book"`` for a question the book asks
            of the papers' methods (a control, a comparison the paper does not make; default ``"paper"``).
        headline: one of the claims the book's answers rest on, shown on the first page with the
            seeds that decide it (default False).
    """

    scope: str
    text: str
    paper: str
    judgement: Judgement
    family: str = ""
    cell: tuple = ()
    key: str = ""
    ours: str = ""
    asked_by: str = "paper"
    headline: bool = False

    def __post_init__(self) -> None:
        if self.asked_by not in ASKERS:
            raise ValueError(f"Claim: asked_by must be one of {ASKERS}, got {self.asked_by!r}.")


@dataclass(frozen=True)
class PaperResult:
    """One result of a paper (a table, a figure, a statement), where the book tests it and the
    verdicts of its claims."""

    paper: str  # "1" or "2"
    result: str  # e.g. "Table 1: accuracy of deep GCNs"
    chapter: str  # the chapter's document name, e.g. "deep_training"
    claims: Sequence[Claim]

    @property
    def counts(self) -> dict[str, int]:
        """:func:`~energygnn.reporting.verdicts.verdict_counts` of the claims."""
        return verdict_counts(self.claims)


def claims_table(claims: Iterable[Claim], ours_digits: int = 3) -> str:
    """Claims as a Markdown table: the claim, the paper's numbers (a column only when some claim
    has them), ours, the difference of the means, the smallest difference the seeds can detect
    (``STANDARD_ERRORS`` standard errors) and the verdict (with the margin δ of an equality claim).

    When the claims have a ``scope``, it leads each row and the claim follows in italics; claims
    without one (paper 2's name their dataset in the text) are listed in plain text.

    Args:
        claims: the claims, in the order shown.
        ours_digits: decimals of our means, for claims without their own ``ours`` (default 3).
    """
    claims = list(claims)
    scoped = not claims or any(claim.scope for claim in claims)
    with_paper = not claims or any(claim.paper for claim in claims)
    rows = []
    for claim in claims:
        judgement = claim.judgement
        measured = judgement.verdict is not Verdict.NOT_MEASURED
        ours = claim.ours or (f"{judgement.ours:.{ours_digits}f} vs {judgement.reference:.{ours_digits}f}"
                              if measured else "not run")
        verdict = f"**{judgement.verdict}**" + (f" at {judgement.margin_text}" if judgement.margin and measured else "")
        rows.append([claim.scope, f"*{claim.text}*"] if scoped else [claim.text])
        rows[-1] += ([claim.paper] if with_paper else []) + [
            ours, f"{judgement.difference:+.3f}" if measured else "", f"{judgement.half_width:.3f}" if measured else "",
            verdict]
    header = ((["", "claim"] if scoped else ["claim"]) + (["paper"] if with_paper else [])
              + ["ours", "difference", f"detectable ({STANDARD_ERRORS} SE)", "verdict"])
    return markdown_table(header, rows)


def power_table(claims: Iterable[Claim]) -> str:
    """Claims with the power of their seeds, as a Markdown table: where, the claim, the seeds on
    each side, the difference ± the smallest difference the seeds can detect, the verdict and, for
    an inconclusive claim, how many seeds per side would decide it at the present difference and
    spread (``Judgement.seeds_to_decide``)."""
    rows = []
    for claim in claims:
        judgement = claim.judgement
        if judgement.verdict is Verdict.NOT_MEASURED:
            rows.append([claim.scope, claim.text, "", "", "", "**not measured**", ""])
            continue
        needed = ""
        if judgement.verdict is Verdict.INCONCLUSIVE:
            needed = "none would" if judgement.seeds_to_decide is None else f"about {judgement.seeds_to_decide}"
        margin = f" at {judgement.margin_text}" if judgement.margin else ""
        rows.append([claim.scope, claim.text, " vs ".join(map(str, judgement.counts)),
                     f"{judgement.difference:+.3f} ± {judgement.half_width:.3f}", f"**{judgement.verdict}**{margin}", needed])
    return markdown_table(["", "claim", "seeds", f"difference ± {STANDARD_ERRORS} SE", "verdict", "seeds that would decide"],
                          rows)


def format_counts(counter: Counter) -> str:
    """``"a ×3, b ×1"``: most frequent first."""
    return ", ".join(f"{key} ×{count}" for key, count in sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0]))))


def counted_verdicts(claims: Iterable[Claim]) -> str:
    """The claims' verdicts counted as text, most frequent first, e.g. ``"holds ×3, inconclusive ×1"``."""
    return format_counts(Counter(str(claim.judgement) for claim in claims))


def verdict_numbers(claims: Iterable[Claim]) -> dict[str, str]:
    """``verdict_<key>``: each claim's verdict in bold Markdown, for the prose."""
    return {f"verdict_{claim.key}": f"**{claim.judgement.verdict}**" for claim in claims}


def claim_numbers(claims: Sequence[Claim], digits: int = 3) -> dict[str, str]:
    """What prose quotes from claims, keyed by the claim's cell joined with ``_``: for cell
    ``("Cora", "gat", 16)``, ``Cora_gat_16_ours`` and ``..._reference`` (the two means),
    ``..._difference`` (signed) and ``..._verdict``."""
    numbers = {}
    for claim in claims:
        key, judgement = "_".join(map(str, claim.cell)), claim.judgement
        numbers.update({f"{key}_ours": f"{judgement.ours:.{digits}f}", f"{key}_reference": f"{judgement.reference:.{digits}f}",
                        f"{key}_difference": f"{judgement.difference:+.{digits}f}", f"{key}_verdict": str(judgement)})
    return numbers



def claims_of(results: Mapping[str, PaperResult]) -> list[Claim]:
    """Every claim of ``results`` (a chapter's ``paper_results``), result by result."""
    return [claim for result in results.values() for claim in result.claims]


#: The title of the box every results chapter opens with (:func:`glance_table`).
GLANCE_TITLE = "Claims at a glance"


#: What a claim's ``paper`` holds when the paper gives no number (the book's questions).
NO_NUMBER = ("", "-", "—")


def _glance_claim_row(claim: Claim, ours_digits: int) -> list[str]:
    judgement = claim.judgement
    measured = judgement.verdict is not Verdict.NOT_MEASURED
    ours = claim.ours or (f"{judgement.ours:.{ours_digits}f} vs {judgement.reference:.{ours_digits}f}"
                          if measured else "not run")
    text = f"{claim.scope}: {claim.text}" if claim.scope else claim.text
    return [text, f"*{claim.paper}*" if claim.paper not in NO_NUMBER else "—", ours, f"**{judgement.verdict}**"]


def _glance_group_row(label: str, claims: Sequence[Claim], ours_digits: int, ours: str = "") -> list[str]:
    papers = list(dict.fromkeys(claim.paper for claim in claims if claim.paper not in NO_NUMBER))
    paper = "—" if not papers else "; ".join(f"*{p}*" for p in papers) if len(papers) <= 2 else "*several numbers*"
    differences = [claim.judgement.difference for claim in claims
                   if claim.judgement.verdict is not Verdict.NOT_MEASURED]
    ours = ours or ("not run" if not differences else
                    "difference " + value_range(differences, f"{{:+.{ours_digits}f}}"))
    counts = Counter(claim.judgement.verdict for claim in claims)
    verdict = ", ".join(f"**{verdict}** ×{counts[verdict]}" if verdict in (Verdict.HOLDS, Verdict.FAILS)
                        else f"{verdict} ×{counts[verdict]}" for verdict in Verdict if counts[verdict])
    return [f"{label} ({len(claims)} claims)", paper, ours, verdict]


def glance_table(items: Iterable, ours_digits: int = 3) -> str:
    """The rows of a results chapter's "Claims at a glance" box (``GLANCE_TITLE``), as a Markdown
    table with four columns: the claim, the paper's number (the paper's own, in italics; ``—``
    when it gives none), ours and the verdict (by :func:`~energygnn.reporting.verdicts.judge`).

    Each item is one row:

    * a :class:`Claim`: the claim (after its scope), ``paper``, ``ours`` (default: the means of
      the judgement's two sides, ``ours_digits`` decimals) and its verdict;
    * a :class:`PaperResult` with several claims, or ``(label, claims)``: one row for the group,
      labelled with the result (or ``label``) and its number of claims, the paper's numbers
      (when one or two distinct), the range of the differences ours minus reference, and the
      verdicts counted (``holds`` and ``fails`` in bold). A result with one claim is that claim's row;
    * ``(label, claims, ours)``: the same group with ``ours`` said in words, where its claims'
      differences are in different units and their range would say nothing.

    Args:
        items: the rows, in the order shown.
        ours_digits: decimals of our means and differences (default 3).

    Raises:
        TypeError: an item that is none of the three.
    """
    rows = []
    for item in items:
        if isinstance(item, PaperResult):
            item = (item.result, list(item.claims))
        if isinstance(item, Claim):
            rows.append(_glance_claim_row(item, ours_digits))
        elif isinstance(item, tuple) and len(item) in (2, 3) and isinstance(item[0], str):
            label, claims, ours = item[0], list(item[1]), (item[2] if len(item) == 3 else "")
            if not claims:
                raise ValueError(f"glance_table: the group {label!r} has no claims.")
            rows.append(_glance_claim_row(claims[0], ours_digits) if len(claims) == 1 and not ours
                        else _glance_group_row(label, claims, ours_digits, ours))
        else:
            raise TypeError("glance_table: each item must be a Claim, a PaperResult, (label, claims) or "
                            "(label, claims, ours), "
                            f"got {type(item).__name__}.")
    return markdown_table(["claim", "paper (their number)", "ours", "verdict"], rows)
