"""Markdown tables for the chapters (rendered by MyST-NB): tables, their cells, and Table 1's rows
side by side."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..experiments.reported import PAPER1_TABLE1
from ..experiments.results import mean_std
from .labels import MODEL_LABELS
from .runs import SCORE, Groups, seed_values


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A Markdown table; cells are converted with ``str``."""
    lines = ["| " + " | ".join(map(str, header)) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in rows]
    return "\n".join(lines)


def mean_std_cell(values: Iterable[float | None], digits: int = 3, expected: int | None = None,
                  paper: float | None = None) -> str:
    """``mean ± std`` over seeds (just the value for one seed, "not run" for none), with ``(n=k)``
    when fewer than ``expected`` seeds ran, and the paper's value under it, labelled as theirs."""
    mean, std, count = mean_std(list(values))
    if count == 0:
        text = "not run"
    else:
        text = f"{mean:.{digits}f} ± {std:.{digits}f}" if count > 1 else f"{mean:.{digits}f}"
        if expected is not None and count != expected:
            text += f" (n={count})"
    if paper is not None:
        text += f" <br>*paper: {paper:.2f}*"
    return text


def stopped_runs_text(runs: Iterable[dict[str, Any]]) -> str:
    """Markdown: ``"none stopped early"``, or how many runs stopped early and each one's key and reason."""
    stopped = [run for run in runs if run["result"]["status"] != "ok"]
    if not stopped:
        return "none stopped early"
    return f"{len(stopped)} stopped early (" + "; ".join(
        f"`{run['key']}`: {run['result']['status']}" for run in stopped) + ")"


def comparison_table(lines: Sequence[tuple[str, str, Groups]], section: dict[str, Any], metric: str = SCORE,
                     paper_model: str | None = "entropic") -> str:
    """Rows of Table 1 side by side, by dataset and depth: each line ``(label, model, groups)``
    gives ``metric`` (mean ± std over seeds) of ``model``'s runs in ``groups`` (keyed
    ``(dataset, model, depth)``); the paper's row of ``paper_model`` follows in italics (none when
    ``paper_model`` is None)."""
    rows = []
    for dataset in section["datasets"]:
        for label, model, source in lines:
            rows.append([dataset, label] + [mean_std_cell(seed_values(source, (dataset, model, d), metric),
                                                          expected=len(section["seeds"])) for d in section["depths"]])
        if paper_model is not None:
            rows.append([dataset, f"*{MODEL_LABELS[paper_model]}, paper*"] + [
                f"*{PAPER1_TABLE1[dataset, paper_model][d]:.2f}*" for d in section["depths"]])
    return markdown_table(["dataset", "model"] + [str(d) for d in section["depths"]], rows)
