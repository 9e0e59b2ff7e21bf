r"""The chapter ``book/scaling_out``: mini-batch against full-batch accuracy (the ``minibatch``
runs, :mod:`energygnn.experiments.scaling`) and the multi-process benchmark
(``benchmarks/scaling.py``).

Runs are grouped by ``(dataset, model, num_parts)``, ``num_parts = 1`` being full-batch training;
claims are judged by the shared rule (:func:`~energygnn.reporting.verdicts.judge`) on the seeds'
best validation accuracy (paper 1's, as in every chapter on paper 1). :func:`load` reads what the
chapter reads (:class:`MinibatchRuns`); the claims are the book's own questions
(``asked_by="book"``), which :func:`paper_results` gives to the introduction's second table.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..experiments.configs import load_config
from ..experiments.results import load_experiment, mean_std, provenance_summary
from .claims import Claim, PaperResult, counted_verdicts
from .labels import MODEL_COLOURS, MODEL_LABELS, parts_label
from .prose import MarkdownText, value_range
from .runs import SCORE, Groups, Run, finished_groups, seed_values
from .tables import markdown_table, mean_std_cell
from .verdicts import Verdict, judge

CHAPTER = "scaling_out"


def minibatch_groups(stored: Sequence[dict[str, Any]]) -> Groups:
    """``minibatch`` runs keyed ``(dataset, model, num_parts)``, finished runs only."""
    return finished_groups(stored, "dataset", "model", "num_parts")


def minibatch_table(groups: Groups, datasets: Sequence[str], models: Sequence[str], parts: Sequence[int],
                    seeds: int | None = None) -> str:
    """Best validation accuracy (paper 1's, ``SCORE``), mean ± std over seeds: a row per dataset
    and model, a column per number of partitions."""
    rows = [[dataset, MODEL_LABELS.get(model, model)]
            + [mean_std_cell(seed_values(groups, (dataset, model, p), SCORE), expected=seeds) for p in parts]
            for dataset in datasets for model in models]
    return markdown_table(["dataset", "model"] + [parts_label(p) for p in parts], rows)


PARTITION_COLUMNS = {"edges_kept": "edges kept", "isolated": "no neighbour", "one_hop_interior": "1-hop inside",
                     "two_hop_interior": "2-hop inside", "energy_kept": "energy kept", "step_kept": "gradient kept"}


def partition_row(dataset: str, parts: int, stats: Sequence[dict[str, float]]) -> list:
    """One row of :func:`partition_table`: the mean over ``stats`` of every share, in %."""
    return [dataset, parts] + [f"{100 * mean_std([s.get(field) for s in stats])[0]:.1f} %" for field in PARTITION_COLUMNS]


def partition_table(rows: Sequence[list]) -> str:
    """What random node partitions keep of each graph (:func:`energygnn.experiments.scaling.partition_statistics`),
    rows from :func:`partition_row`: edges kept, nodes left with no neighbour, nodes with their
    1-hop / 2-hop neighbourhood inside their batch, node energy and entropy-gradient norm kept."""
    return markdown_table(["dataset", "partitions"] + list(PARTITION_COLUMNS.values()), rows)


def run_partition_rows(groups: Groups, datasets: Sequence[str], parts: Sequence[int]) -> list[list]:
    """:func:`partition_row` per dataset and number of partitions from the runs' recorded statistics."""
    rows = []
    for dataset in datasets:
        for p in parts:
            stats = [run["result"]["partitions"] for key, runs in groups.items()
                     if key[0] == dataset and key[2] == p for run in runs if "partitions" in run["result"]]
            if stats:
                rows.append(partition_row(dataset, p, stats))
    return rows


def minibatch_claims(groups: Groups, datasets: Sequence[str], parts: Sequence[int]) -> list[Claim]:
    """Per dataset and number of partitions: each model "as accurate on mini-batches as full batch"
    (``=``, family ``"partitions"``), and "the entropic GCN beats the basic GCN" (``>``, family
    ``"step"``) on mini-batches and in full batch; best validation accuracy, the book's questions."""
    claims = []
    for dataset in datasets:
        for p in parts:
            if p == 1:
                continue
            for model in ("basic", "entropic"):
                claims.append(Claim(dataset, f"{MODEL_LABELS[model]}: {p} partitions as accurate as full batch", "",
                                    judge(seed_values(groups, (dataset, model, p), SCORE),
                                          seed_values(groups, (dataset, model, 1), SCORE), "=", "accuracy"), "partitions", asked_by="book"))
        for p in parts:
            claims.append(Claim(dataset, f"{parts_label(p)}: entropic GCN more accurate than the basic GCN", "",
                                judge(seed_values(groups, (dataset, "entropic", p), SCORE),
                                      seed_values(groups, (dataset, "basic", p), SCORE), ">"), "step", asked_by="book"))
    return claims


def plot_minibatch(groups: Groups, datasets: Sequence[str], models: Sequence[str], parts: Sequence[int]):
    """Best validation accuracy against the number of partitions (1 = full batch), a panel per
    dataset, mean and the seeds."""
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(datasets), figsize=(4.2 * len(datasets), 3.2), squeeze=False)
    for axis, dataset in zip(axes[0], datasets):
        offsets = [0.08 * (i - (len(models) - 1) / 2) for i in range(len(models))]  # side by side, in log2 units
        for offset, model in zip(offsets, models):
            means = []
            for p in parts:
                values = seed_values(groups, (dataset, model, p), SCORE)
                axis.scatter([p * 2 ** offset] * len(values), values, s=12, alpha=0.5, color=MODEL_COLOURS[model])
                means.append(mean_std(values)[0])
            axis.plot(parts, means, marker="o", color=MODEL_COLOURS[model], label=MODEL_LABELS[model])
        axis.set_xscale("log", base=2)
        axis.set_xticks(list(parts), [str(p) for p in parts])
        axis.set_xlabel("partitions per epoch (1 = full batch)")
        axis.set_title(dataset)
    axes[0][0].set_ylabel("best validation accuracy")
    axes[0][-1].legend(frameon=False)
    figure.tight_layout()
    plt.close(figure)  # returned, not shown by pyplot as well
    return figure


def scaling_table(benchmark: dict[str, Any]) -> str:
    """The benchmark's jobs: processes x threads, nodes per second per process and in all, peak memory per process."""
    rows = [[MODEL_LABELS.get(job["model"], job["model"]), job["processes"], job["threads"],
             ", ".join(f"{rank['nodes_per_second']:,.0f}" for rank in job["ranks"]), f"{job['nodes_per_second']:,.0f}",
             ", ".join(f"{rank['peak_memory_gib']:.2f}" for rank in job["ranks"])]
            for job in benchmark["jobs"]]
    return markdown_table(["model", "processes", "threads each", "nodes/s per process", "nodes/s in all",
                           "peak memory per process (GiB)"], rows)


def plot_scaling(benchmark: dict[str, Any]):
    """Bars of the benchmark's throughput (batch nodes per second, summed over a job's processes)
    per job shape (processes x threads), one bar per model, each process's share stacked."""
    import matplotlib.pyplot as plt

    shapes = list(dict.fromkeys((job["processes"], job["threads"]) for job in benchmark["jobs"]))
    models = list(dict.fromkeys(job["model"] for job in benchmark["jobs"]))
    jobs = {(job["model"], job["processes"], job["threads"]): job for job in benchmark["jobs"]}
    figure, axis = plt.subplots(figsize=(6.0, 3.2))
    width = 0.8 / len(models)
    for m, model in enumerate(models):
        for s, shape in enumerate(shapes):
            job = jobs.get((model, *shape))
            if job is None:
                continue
            bottom = 0.0
            for r, rank in enumerate(job["ranks"]):
                axis.bar(s + (m - (len(models) - 1) / 2) * width, rank["nodes_per_second"], width, bottom=bottom,
                         color=MODEL_COLOURS[model], alpha=1.0 if r == 0 else 0.6, edgecolor="white",
                         label=MODEL_LABELS[model] if s == 0 and r == 0 else None)
                bottom += rank["nodes_per_second"]
    axis.set_xticks(range(len(shapes)), [f"{p} process{'es' if p > 1 else ''} x {t} thread{'s' if t > 1 else ''}"
                                         for p, t in shapes])
    axis.set_ylabel("batch nodes per second")
    axis.legend(frameon=False)
    figure.tight_layout()
    plt.close(figure)  # returned, not shown by pyplot as well
    return figure


# -- the chapter -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class MinibatchRuns:
    """What the chapter reads: the ``minibatch`` config section and its runs, the finished ones
    grouped by ``(dataset, model, num_parts)``."""

    section: dict[str, Any]
    stored: list[Run]
    groups: Groups


def load(root: Path | None = None) -> MinibatchRuns:
    """The runs of ``minibatch`` under ``root`` (default: the results folder) with its config section."""
    stored = load_experiment("minibatch", root)
    return MinibatchRuns(load_config("paper1", quick=False)["minibatch"], stored, minibatch_groups(stored))


def paper_results(runs: MinibatchRuns) -> dict[str, PaperResult]:
    """The book's questions about paper 1's models on mini-batches, by name: ``minibatch``
    (:func:`chapter_claims`, every claim asked by the book)."""
    return {"minibatch": PaperResult("1", "Mini-batches of random partitions", CHAPTER, chapter_claims(runs))}


def chapter_claims(runs: MinibatchRuns) -> list[Claim]:
    """:func:`minibatch_claims` over the section's datasets and partitions."""
    return minibatch_claims(runs.groups, runs.section["datasets"], runs.section["num_parts"])


def chapter_numbers(runs: MinibatchRuns) -> dict[str, Any]:
    """The numbers of the chapter's prose from the runs: the section's ``minibatch_depth``,
    ``minibatch_seeds`` and ``minibatch_parts``; per cell ``acc_<dataset>_<model>_<parts>`` (mean
    best validation accuracy) and ``train_...`` (mean final training accuracy); ``minibatch_runs``; per
    dataset how many partitioned cells it judged against full batch (``<dataset>_partition_cells``)
    and how many beat it (``_above_full``) or fell below it (``_below_full``) beyond the margin,
    the range of their detectable differences (``_detectable``) and of the seeds that would decide
    them (``_seeds_to_decide``); and ``minibatch_verdicts``, every claim's verdict counted, of
    ``minibatch_claims`` claims."""
    section, claims = runs.section, chapter_claims(runs)
    numbers: dict[str, Any] = {"minibatch_depth": section["depth"], "minibatch_seeds": len(section["seeds"]),
                               "minibatch_parts": " and ".join(str(q) for q in section["num_parts"] if q > 1)}
    for (dataset, model, parts), stored in runs.groups.items():
        numbers[f"acc_{dataset}_{model}_{parts}"] = f"{mean_std([run['result'][SCORE] for run in stored])[0]:.3f}"
        numbers[f"train_{dataset}_{model}_{parts}"] = \
            f"{mean_std([run['result']['history']['train_acc'][-1] for run in stored])[0]:.2f}"
    numbers["minibatch_runs"] = len(runs.stored)
    for dataset in section["datasets"]:
        cells = [claim.judgement for claim in claims if claim.family == "partitions" and claim.scope == dataset]
        numbers[f"{dataset}_partition_cells"] = len(cells)
        numbers[f"{dataset}_above_full"] = sum(j.verdict == Verdict.FAILS and j.difference > 0 for j in cells)
        numbers[f"{dataset}_below_full"] = sum(j.verdict == Verdict.FAILS and j.difference < 0 for j in cells)
        numbers[f"{dataset}_detectable"] = value_range([j.half_width for j in cells], "{:.3f}")
        numbers[f"{dataset}_seeds_to_decide"] = value_range([j.seeds_to_decide for j in cells
                                                             if j.verdict is Verdict.INCONCLUSIVE], "{:d}")
    numbers["minibatch_verdicts"] = counted_verdicts(claims)
    numbers["minibatch_claims"] = len(claims)
    return numbers


def provenance_text(runs: MinibatchRuns) -> MarkdownText:
    """``"Provenance: ..."`` of the runs, Markdown."""
    return MarkdownText(f"Provenance: {provenance_summary(runs.stored)}")


def benchmark_numbers(benchmark: dict[str, Any], node_bytes: float, edge_bytes: int) -> dict[str, Any]:
    """The numbers of the prose about the multi-process benchmark: per model the throughput of two
    processes over one single-threaded process (``speedup_one_<model>``) and over one process on
    two threads (``speedup_two_<model>``); the entropic over the basic GCN's time per node
    (``ratio_low``, ``ratio_high``); the processes' peak memory (``memory_low``, ``memory_high``,
    GiB); the end-to-end run's ``e2e_test`` and ``e2e_seconds``; ``bench_epochs``; and
    ``graph_gib``, the graph's own tensors at ``node_bytes`` per node and ``edge_bytes`` per edge."""
    summary, numbers = benchmark["summary"], {}
    for model in ("basic", "entropic"):
        numbers[f"speedup_one_{model}"] = f"{summary[model]['two_processes_over_one_thread']:.2f}"
        numbers[f"speedup_two_{model}"] = f"{summary[model]['two_processes_over_two_threads']:.2f}"
    ratios = summary["entropic_over_basic_time"].values()
    memory = [rank["peak_memory_gib"] for job in benchmark["jobs"] for rank in job["ranks"]]
    end_to_end = benchmark["end_to_end"]
    return {**numbers, "ratio_low": f"{min(ratios):.2f}", "ratio_high": f"{max(ratios):.2f}",
            "memory_low": f"{min(memory):.1f}", "memory_high": f"{max(memory):.1f}",
            "e2e_test": f"{end_to_end['test_acc_at_best_val']:.3f}", "e2e_seconds": f"{end_to_end['wall_seconds']:.0f}",
            "bench_epochs": benchmark["epochs"],
            "graph_gib": f"{(node_bytes * benchmark['nodes'] + edge_bytes * benchmark['edges']) / 2**30:.2f}"}


def benchmark_text(benchmark: dict[str, Any]) -> MarkdownText:
    """The benchmark's graph, cores and epochs in one Markdown line."""
    return MarkdownText(f"{benchmark['nodes']:,} nodes, {benchmark['edges']:,} directed edges; "
                        f"{benchmark['cpu_count']} CPU cores; {benchmark['epochs']} epochs per job.")


def glance_items(runs: MinibatchRuns) -> list:
    """The rows of the chapter's "Claims at a glance" (:func:`~energygnn.reporting.summary.claims_at_a_glance`):
    per dataset, the partitioned runs against full batch, and the entropic GCN against the basic GCN."""
    claims = chapter_claims(runs)
    return [(f"{dataset}: {label}", [c for c in claims if c.scope == dataset and c.family == family])
            for family, label in (("partitions", "training on partitions as accurate as full batch"),
                                  ("step", "the entropic GCN beats the basic GCN (full batch and partitions)"))
            for dataset in runs.section["datasets"]]


def expected_isolated_share(degrees, parts: int) -> float:
    r"""The share of nodes expected to keep no neighbour in their batch when the nodes are cut
    into ``parts`` random partitions: a node of degree :math:`d` keeps each neighbour with
    probability about :math:`1/Q`, so none with :math:`(1 - 1/Q)^d`, averaged over the nodes
    (ignoring that the batches have fixed sizes).

    Args:
        degrees: each node's degree (a sequence or tensor of integers).
        parts: :math:`Q`, the number of partitions.
    """
    values = np.asarray(degrees, dtype=float)
    return float(np.mean((1 - 1 / parts) ** values))
