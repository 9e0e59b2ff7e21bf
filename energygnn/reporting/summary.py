"""What reproduces, in one table: every results chapter's claims, judged by the one rule
(:func:`energygnn.reporting.verdicts.judge`) on the committed runs and counted per result.

The rows call the same claim builders as the chapters
(:func:`~energygnn.reporting.paper1.collapse_claims`,
:func:`~energygnn.reporting.paper1.table1_claims`,
:func:`~energygnn.reporting.paper1.figure3_claims`,
:func:`~energygnn.reporting.paper1.authors_step_claims`,
:func:`~energygnn.reporting.paper2.paper_claims`,
:func:`~energygnn.reporting.robustness.robustness_claims`,
:func:`~energygnn.reporting.beyond.step_claims`,
:func:`~energygnn.reporting.beyond.table1_variant_claims`), so the introduction can never disagree with them.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..experiments import paper1 as paper1_runs
from ..experiments import paper2 as paper2_runs
from ..experiments.results import group_runs, load_experiment
from . import beyond, paper1, paper2, robustness
from .tables import markdown_table
from .verdicts import Verdict, verdict_counts

# Paper 2's claims, by the part of the paper they test (keys of paper2.paper_claims).
PAPER2_PARTS = {
    "accuracy table": ("jem_as_accurate", "jem_beats_gcn", "jemo_beats_jem"),
    "spectra (Figures 1-2)": ("closed_walks_original", "more_closed_walks", "high_covariance_eigenvalues"),
    "confidence and calibration (Figure 3)": ("less_confident", "better_calibrated", "ece_as_paper"),
}


@dataclass(frozen=True)
class ResultRow:
    """One result of a paper: where the book tests it and the verdicts of its claims."""

    paper: str
    result: str
    chapter: str  # the chapter's document name, e.g. "deep_training"
    claims: Sequence  # claims with a ``judgement``

    @property
    def counts(self) -> dict[str, int]:
        return verdict_counts(self.claims)


def reproduction_rows(root: Path | None = None) -> list[ResultRow]:
    """The results of both papers with their judged claims, from the runs under ``root``
    (default: the results folder, ``$ENERGYGNN_RESULTS`` or ``results/``)."""
    config = paper1_runs.load_config(quick=False)
    figure2 = group_runs(load_experiment("figure2", root), "model", "depth")
    table1 = group_runs(load_experiment("table1", root), "dataset", "model", "depth")
    authors = group_runs(load_experiment("table1_authors_step", root), "dataset", "model", "depth")
    section = config["table1"]
    deep, shallow = max(section["depths"]), min(section["depths"])
    rows = [
        ResultRow("1", "Figure 2: only the basic GCN's energy collapses", "oversmoothing_grid",
                  paper1.collapse_claims(figure2, config["figure2"]["models"])),
        ResultRow("1", "Table 1: accuracy of deep GCNs", "deep_training",
                  paper1.table1_claims(table1, section["datasets"], shallow, deep)),
        ResultRow("1", "Figure 3: energies inside trained depth-64 models", "deep_training",
                  paper1.figure3_claims(table1, section["datasets"], deep)),
        ResultRow("1", "Table 1 with the authors' step direction", "deep_training",
                  paper1.authors_step_claims(table1, authors, section["datasets"], deep)),
    ]
    architectures = config["beyond_architectures"]
    rows.append(ResultRow("1", "Claimed, not shown: the step helps other architectures (GAT, GraphSAGE, GIN)",
                          "beyond_entropy", beyond.step_claims(
                              beyond.beyond_groups(load_experiment("beyond_architectures", root)), architectures)))
    schedule = config["beyond_schedule"]
    rows.append(ResultRow("1", "Future work: a larger weight in the middle layers; the undetached step", "beyond_entropy",
                          beyond.table1_variant_claims(beyond.beyond_groups(load_experiment("beyond_schedule", root)),
                                                       table1, schedule)))
    claims = paper2.paper_claims(paper2.load_results(root))
    for part, prefixes in PAPER2_PARTS.items():
        chosen = [claim for claim in claims if claim.key.startswith(prefixes)]
        rows.append(ResultRow("2", part[0].upper() + part[1:], "jem_results", chosen))
    evaluated = robustness.robustness_groups(load_experiment("jem_robustness", root))
    left_out = robustness.robustness_groups(load_experiment("jem_leave_out", root))
    datasets = paper2_runs.load_config(quick=False)["jem_robustness"]["datasets"]
    rows.append(ResultRow("2", "Not measured by the paper: robustness, calibration vs temperature scaling; and OOD detection (our question)",
                          "jem_robustness", robustness.robustness_claims(evaluated, left_out, datasets)))
    return rows


def reproduction_table(rows: Sequence[ResultRow]) -> str:
    """A Markdown table: per result, how many of its claims hold, fail or are within noise (two
    standard errors of the seed spread) or could not be measured (every run of a side stopped
    early), with a link to the chapter that tests them."""
    body = []
    for row in rows:
        counts = row.counts
        body.append([row.paper, row.result, len(row.claims), counts["holds"], counts["fails"],
                     counts["within_noise"], counts["not_measured"], f"{{doc}}`{row.chapter}`"])
    return markdown_table(["paper", "result", "claims", "hold", "fail", "within noise", "not measured", "chapter"],
                          body)


def failing_claims(rows: Sequence[ResultRow]) -> str:
    """The claims that fail, as a Markdown list: paper, result, where, the claim."""
    items = []
    for row in rows:
        for claim in row.claims:
            if claim.judgement.verdict is Verdict.FAILS:
                where = f" ({claim.scope})" if getattr(claim, "scope", "") else ""
                items.append(f"- Paper {row.paper}, {row.result.split(':')[0]}{where}: *{claim.text}*")
    return "\n".join(items) or "No claim fails."
