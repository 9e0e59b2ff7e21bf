r"""Does paper 2's SGLD sample? The readings of Algorithm 1's :math:`Z` judged by one rule
(``results/jem_readings/``), and the diagnostics every GCN-JEM run records
(``energygnn.ebm.trainer.SGLD_DIAGNOSTICS``).

A reading *qualifies* (``READING_RULE``) when its samples move and its classifier keeps the
GCN's accuracy:

* the mean step ratio :math:`\lVert \alpha \nabla_x E \rVert / \lVert \sigma \varepsilon \rVert`
  (over epochs, steps and chains) is at least ``MIN_STEP_RATIO``;
* SGLD leaves the chains at a lower energy than the same noise without the gradient would
  (the change of their mean energy over an epoch's SGLD, against the noise alone's, judged by
  :func:`~energygnn.reporting.verdicts.judge` over seeds);
* GCN-JEM's mean test accuracy is within ``MAX_ACCURACY_GAP`` points of the GCN's.
"""
from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ...ebm.sampler import PARTITIONS
from ...ebm.sgld import MIN_STEP_RATIO
from ...experiments.results import load_experiment
from ..labels import READING_LABELS
from ..prose import MarkdownText
from ..runs import Run
from ..tables import markdown_table, mean_std_cell
from ..verdicts import MARGIN_TEXT, Judgement, Verdict, judge

MAX_ACCURACY_GAP = 1.0  # percentage points
READING_RULE = (f"a reading qualifies when SGLD moves its samples (mean step ratio at least {MIN_STEP_RATIO}, "
                f"and the chains end lower in energy than the same noise alone leaves them, by {MARGIN_TEXT} "
                f"over seeds) and GCN-JEM stays within {MAX_ACCURACY_GAP:g} point of the GCN's test "
                "accuracy; the most accurate qualifying reading is the default, and if none qualifies the "
                "default is the most accurate reading, labelled as not sampling")
READINGS_COMMAND = "python -m energygnn run jem_readings"


def _epoch_mean(run: Run, key: str) -> float:
    return statistics.fmean(run["result"]["history"][key])


def step_ratio(run: Run) -> float:
    """The run's step ratio, averaged over its epochs."""
    return _epoch_mean(run, "sgld_step_ratio")


def energy_changes(run: Run) -> tuple[float, float]:
    """The change of the chains' mean energy over an epoch's SGLD, and under the same noise
    without the gradient, each averaged over epochs (negative: lower energy)."""
    history = run["result"]["history"]
    start = np.asarray(history["sgld_energy_start"])
    return (float(np.mean(np.asarray(history["sgld_energy_end"]) - start)),
            float(np.mean(np.asarray(history["sgld_energy_noise_only"]) - start)))


def early_loss_ratio(run: Run, epochs: int = 10) -> float:
    """:math:`L_\\text{gen} / L_\\text{clf}`, each averaged over the run's first ``epochs`` epochs."""
    history = run["result"]["history"]
    return statistics.fmean(history["gen_loss"][:epochs]) / statistics.fmean(history["clf_loss"][:epochs])


def late_clf_loss(run: Run, epochs: int = 100) -> float:
    """The cross-entropy averaged over the run's last ``epochs`` epochs (:math:`\\log k` for a
    classifier whose output is uniform)."""
    return statistics.fmean(run["result"]["history"]["clf_loss"][-epochs:])


@dataclass(frozen=True)
class ReadingRow:
    """One reading of :math:`Z` over its seeds, against the GCN."""

    reading: str
    runs: tuple[Run, ...]
    step_ratios: tuple[float, ...]
    sgld_changes: tuple[float, ...]
    noise_changes: tuple[float, ...]
    accuracies: tuple[float, ...]  # %
    gcn_accuracies: tuple[float, ...]  # %
    moves: Judgement  # SGLD's energy change < the noise alone's
    gen_over_clf: tuple[float, ...] = ()  # L_gen / L_clf over the first 10 epochs
    late_clf: tuple[float, ...] = ()  # L_clf over the last 100 epochs

    @property
    def accuracy_gap(self) -> float:
        """Mean accuracy of GCN-JEM minus the GCN's, in points."""
        return statistics.fmean(self.accuracies) - statistics.fmean(self.gcn_accuracies)

    @property
    def checks(self) -> dict[str, bool]:
        """Each part of ``READING_RULE``: ``step_ratio``, ``lower_than_noise``, ``accuracy``."""
        return {"step_ratio": statistics.fmean(self.step_ratios) >= MIN_STEP_RATIO,
                "lower_than_noise": self.moves.verdict is Verdict.HOLDS,
                "accuracy": abs(self.accuracy_gap) <= MAX_ACCURACY_GAP}

    @property
    def qualifies(self) -> bool:
        return all(self.checks.values())


def reading_rows(readings: Sequence[Run], gcn: Sequence[Run]) -> list[ReadingRow]:
    """One :class:`ReadingRow` per reading present in ``readings`` (runs of ``jem_readings``
    that finished), in ``energygnn.ebm.sampler.PARTITIONS`` order, against the GCN runs
    ``gcn`` (the accuracy table's, same dataset).

    Raises:
        ValueError: no GCN runs, or no reading runs.
    """
    if not gcn:
        raise ValueError("reading_rows: no GCN runs to compare with (run `python -m energygnn run jem_table`).")
    finished = [run for run in readings if run["result"]["status"] == "ok"]
    if not finished:
        raise ValueError(f"reading_rows: no finished reading runs: run `{READINGS_COMMAND}`.")
    gcn_accuracy = tuple(100 * run["result"]["final_test_acc"] for run in gcn)
    rows = []
    for reading in PARTITIONS:
        runs = tuple(run for run in finished if run["config"]["jem"]["partition"] == reading)
        if not runs:
            continue
        sgld, noise = zip(*(energy_changes(run) for run in runs))
        rows.append(ReadingRow(reading, runs, tuple(step_ratio(run) for run in runs), sgld, noise,
                               tuple(100 * run["result"]["final_test_acc"] for run in runs), gcn_accuracy,
                               judge(sgld, noise, "<"), tuple(early_loss_ratio(run) for run in runs),
                               tuple(late_clf_loss(run) for run in runs)))
    return rows


def chosen_reading(rows: Sequence[ReadingRow]) -> tuple[str, bool]:
    """The default reading by ``READING_RULE``, and whether it qualifies."""
    qualifying = [row for row in rows if row.qualifies]
    best = max(qualifying or rows, key=lambda row: statistics.fmean(row.accuracies))
    return best.reading, bool(qualifying)


def reading_run(rows: Sequence[ReadingRow], reading: str, seed: int = 0) -> Run:
    """The finished run of ``reading`` with ``seed``.

    Raises:
        LookupError: there is none; the message gives the command that makes it.
    """
    for row in rows:
        for run in row.runs:
            if row.reading == reading and run["config"]["seed"] == seed:
                return run
    raise LookupError(f"No finished jem_readings run of {reading!r} with seed {seed}: run `{READINGS_COMMAND}`.")


def load_reading_rows(root: Path | None = None, dataset: str = "Cora") -> list[ReadingRow]:
    """:func:`reading_rows` of the stored ``jem_readings`` runs against ``jem_table``'s GCN runs on ``dataset``."""
    gcn = [run for run in load_experiment("jem_table", root)
           if run["config"]["dataset"] == dataset and run["config"]["model"] == "gcn"]
    return reading_rows([run for run in load_experiment("jem_readings", root) if run["config"]["dataset"] == dataset],
                        gcn)


def _mark(passed: bool) -> str:
    return "yes" if passed else "**no**"


def reading_table(rows: Sequence[ReadingRow]) -> str:
    """Per reading: seeds, step ratio, the chains' energy change :math:`\\Delta E` under SGLD and
    under its noise alone, whether SGLD ends lower (the shared rule's verdict), test accuracy and
    its difference to the GCN's, the generative over the classification loss early in training and
    the classification loss late in training (mean ± std over seeds), after whether the reading
    qualifies."""
    body = [[f"`{row.reading}`", _mark(row.qualifies), len(row.runs), mean_std_cell(row.step_ratios, digits=3),
             mean_std_cell(row.sgld_changes, digits=2), mean_std_cell(row.noise_changes, digits=2),
             f"**{row.moves.verdict}**", mean_std_cell(row.accuracies, digits=1), f"{row.accuracy_gap:+.1f}",
             mean_std_cell(row.gen_over_clf, digits=2), mean_std_cell(row.late_clf, digits=3)]
            for row in rows]
    return markdown_table(["$Z$", "qualifies", "seeds", "step ratio", r"$\Delta E$, SGLD", r"$\Delta E$, noise alone",
                           "SGLD ends lower", "accuracy (%)", "vs GCN", r"$L_\text{gen} / L_\text{clf}$, first 10 epochs",
                           r"$L_\text{clf}$, last 100"], body)


def reading_numbers(rows: Sequence[ReadingRow]) -> dict[str, object]:
    """For the prose: ``default_reading``, ``default_qualifies``, ``qualifying`` (count), the rule's
    ``min_step_ratio`` and ``max_accuracy_gap``, and per reading ``<reading>_moves`` (the verdict that
    SGLD ends lower than its noise alone, Markdown), ``<reading>_checks_failed`` (of the rule's three),
    ``<reading>_step_ratio``, ``<reading>_accuracy``, ``<reading>_gap``,
    ``<reading>_sgld_change``, ``<reading>_noise_change``, ``<reading>_distance``,
    ``<reading>_early_gen_over_clf`` and ``<reading>_late_clf`` (means), and ``<reading>_clf_min`` and
    ``<reading>_clf_max``, the cross-entropy's extremes over every epoch of every seed."""
    reading, qualifies = chosen_reading(rows)
    numbers: dict[str, object] = {"default_reading": reading, "default_qualifies": qualifies,
                                  "qualifying": sum(row.qualifies for row in rows), "min_step_ratio": MIN_STEP_RATIO,
                                  "max_accuracy_gap": MAX_ACCURACY_GAP,
                                  "gcn_accuracy": statistics.fmean(rows[0].gcn_accuracies)}
    for row in rows:
        numbers.update({f"{row.reading}_step_ratio": statistics.fmean(row.step_ratios),
                        f"{row.reading}_accuracy": statistics.fmean(row.accuracies),
                        f"{row.reading}_gap": row.accuracy_gap,
                        f"{row.reading}_sgld_change": statistics.fmean(row.sgld_changes),
                        f"{row.reading}_noise_change": statistics.fmean(row.noise_changes),
                        f"{row.reading}_early_gen_over_clf": statistics.fmean(row.gen_over_clf),
                        f"{row.reading}_late_clf": statistics.fmean(row.late_clf),
                        f"{row.reading}_clf_min": min(min(run["result"]["history"]["clf_loss"]) for run in row.runs),
                        f"{row.reading}_clf_max": max(max(run["result"]["history"]["clf_loss"]) for run in row.runs),
                        f"{row.reading}_moves": MarkdownText(f"**{row.moves.verdict}**"),
                        f"{row.reading}_checks_failed": sum(not passed for passed in row.checks.values()),
                        f"{row.reading}_distance": statistics.fmean(
                            statistics.fmean(run["result"]["history"]["sgld_distance"]) for run in row.runs)})
    return numbers


_CHECK_TEXT = {"step_ratio": "its step ratio is below {threshold}",
               "lower_than_noise": "its chains end no lower than the noise alone leaves them",
               "accuracy": "it is {gap:+.1f} points from the GCN's accuracy"}


def reading_summary(rows: Sequence[ReadingRow]) -> str:
    """One Markdown paragraph: which readings qualify, why each other one does not, and the
    default :func:`chosen_reading` gives."""
    reading, qualifies = chosen_reading(rows)
    parts = []
    for row in rows:
        failed = [_CHECK_TEXT[name].format(threshold=MIN_STEP_RATIO, gap=row.accuracy_gap)
                  for name, passed in row.checks.items() if not passed]
        parts.append(f"`{row.reading}` " + ("qualifies" if not failed else "does not: " + "; ".join(failed)))
    head = (f"**{sum(row.qualifies for row in rows)} of {len(rows)} readings qualify.** " + ". ".join(parts) + ". ")
    if qualifies:
        return head + f"The default is `{reading}`, the most accurate reading that qualifies."
    return head + (f"The default stays `{reading}`, the most accurate reading, **whose chains do not sample**: "
                   "what it generates is read with that in mind below.")


def step_ratio_figure(rows: Sequence[ReadingRow], seed: int = 0) -> Figure:
    """The step ratio per epoch of each reading's ``seed`` run (log scale), with the rule's
    threshold, and the chains' energy change per epoch under SGLD and under its noise alone."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10.0, 3.6), layout="constrained")
    plt.close(fig)
    for index, row in enumerate(rows):
        run = next((r for r in row.runs if r["config"]["seed"] == seed), row.runs[0])
        history, colour = run["result"]["history"], f"C{index}"
        label = READING_LABELS.get(row.reading, row.reading)
        left.semilogy(history["sgld_step_ratio"], color=colour, label=label)
        start = np.asarray(history["sgld_energy_start"])
        right.plot(np.asarray(history["sgld_energy_end"]) - start, color=colour, lw=1, label=label)
        right.plot(np.asarray(history["sgld_energy_noise_only"]) - start, color=colour, lw=1, ls=":")
    left.axhline(MIN_STEP_RATIO, color="k", ls="--", lw=1, label="rule's threshold")
    left.set(xlabel="epoch", ylabel=r"$\|\alpha\nabla E\| \,/\, \|\sigma\varepsilon\|$")
    right.set(xlabel="epoch", ylabel="chains' energy change in one SGLD run\n(solid: SGLD, dotted: noise alone)")
    fig.legend(*left.get_legend_handles_labels(), loc="outside lower center", ncols=len(rows) + 1, frameon=False)
    return fig


def sgld_energy_figure(run: Run) -> Figure:
    """The chains' mean energy at every SGLD step of one GCN-JEM run, at each recorded epoch
    (one line per epoch, later epochs darker), beside that epoch's mean energy of the batch's
    real nodes (dashed), titled with the dataset, seed and reading of :math:`Z`."""
    steps = run["result"].get("sgld_energy_steps")
    if not steps:
        raise ValueError(f"sgld_energy_figure: run {run['key']!r} recorded no SGLD energies (made before they were).")
    fig, axis = plt.subplots(figsize=(7.0, 3.6), layout="constrained")
    plt.close(fig)
    epochs = sorted(steps, key=int)
    colours = plt.cm.viridis(np.linspace(0.9, 0.1, len(epochs)))
    data_energy = run["result"]["history"]["data_energy"]
    for colour, epoch in zip(colours, epochs):
        axis.plot(steps[epoch], color=colour, marker=".", label=f"epoch {epoch}")
        axis.axhline(data_energy[int(epoch) - 1], color=colour, ls="--", lw=1)
    reading = run["config"]["jem"]["partition"]
    axis.set(xlabel="SGLD step", ylabel=r"mean energy $-\mathrm{LSE}$ of the chains",
             title=f"{run['config']['dataset']}, seed {run['config']['seed']}: {READING_LABELS.get(reading, reading)}")
    axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    axis.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=9, frameon=False)
    return fig
