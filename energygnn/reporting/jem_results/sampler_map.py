r"""Paper 2's energy model at work: GCN-JEM on Cora over SGLD's step size :math:`\alpha`, noise
:math:`\sigma` and steps :math:`\eta` (``results/jem_sampler_map/``, ``jem_sampler_long``), each
run's chains measured after training (:mod:`energygnn.ebm.chain_measures`), each cell judged by
two rules fixed before the runs:

* a cell **samples** (``SAMPLING_RULE``) when the final model's chains end nearer the data than
  their start by every measure of ``energygnn.ebm.sample_quality.QUALITY_MEASURES`` (each judged
  on the seeds' paired differences, samples minus start, ``<`` 0 by
  :func:`~energygnn.reporting.verdicts.judge`) and their mean step ratio is at least
  ``MIN_STEP_RATIO``;
* a cell **classifies** when GCN-JEM is as accurate as the GCN within the one-point margin (the
  ``"="`` claim of the shared rule, family ``accuracy``).
"""
from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ...ebm.sample_quality import QUALITY_MEASURES
from ...ebm.sampler import PARTITIONS
from ...ebm.sgld import MIN_STEP_RATIO
from ..claims import Claim
from ..prose import MarkdownText
from ..runs import Run, load_optional
from ..tables import markdown_table, mean_std_cell
from ..verdicts import MARGIN_TEXT, MARGINS, Judgement, Verdict, conjunction, judge
from .sampling import energy_changes, step_ratio

SAMPLER_EXPERIMENTS = ("jem_sampler_map", "jem_sampler_long")
SAMPLER_COMMAND = "python -m energygnn run jem_sampler_map jem_sampler_long"
ACCURACY_POINTS = MARGINS["accuracy"].in_percent
MEASURE_LABELS = {"energy": r"$\lvert \bar E - \bar E_\text{data} \rvert$", "mean": "means' distance",
                  "spectrum": "covariance spectrum's distance", "mmd": r"MMD$^2$ (IMQ kernel)",
                  "confidence": r"$\lvert \bar c - \bar c_\text{data} \rvert$"}
MEASURE_HEADERS = {"energy": "energy gap", "mean": "means", "spectrum": "spectrum", "mmd": "MMD²",
                   "confidence": "confidence gap"}
NOISE_NAMES = {"jem": "JEM's", "langevin": "Langevin"}
SAMPLING_RULE = (f"a setting *samples* when the final model's chains, started from fresh noise, end nearer the data "
                 f"than their start by every measure (the energy gap to the data nodes', the distance of the feature "
                 f"means, of the covariance spectra, the MMD, and the confidence gap), each judged on the seeds' "
                 f"paired differences by {MARGIN_TEXT}, with a mean step ratio of at least {MIN_STEP_RATIO}; it "
                 f"*classifies* when GCN-JEM is as accurate as the GCN within "
                 f"{ACCURACY_POINTS.delta:g} point (the shared rule's equivalence test)")


def _quality(run: Run) -> dict | None:
    quality = run["result"].get("sample_quality")
    return quality if quality and "error" not in quality else None


def gen_over_clf(run: Run) -> float:
    r""":math:`L_\text{gen} / L_\text{clf}`, each averaged over all of the run's epochs."""
    history = run["result"]["history"]
    return statistics.fmean(history["gen_loss"]) / statistics.fmean(history["clf_loss"])


@dataclass(frozen=True)
class SamplerCell:
    """One setting of SGLD over its seeds: training's diagnostics, accuracy and the final chains."""

    step_size: float
    noise_setting: str
    noise: float
    steps: int
    runs: tuple[Run, ...]  # the finished runs with measured chains
    stopped: int  # runs that stopped early or whose chains diverged when measured
    gcn_accuracies: tuple[float, ...]

    @property
    def label(self) -> str:
        return f"α={self.step_size:g}, σ={self.noise:.3g} ({NOISE_NAMES.get(self.noise_setting, self.noise_setting)}), η={self.steps}"

    def _values(self, function) -> tuple[float, ...]:
        return tuple(function(run) for run in self.runs)

    @property
    def accuracies(self) -> tuple[float, ...]:
        return self._values(lambda run: 100 * run["result"]["final_test_acc"])

    @property
    def training_ratios(self) -> tuple[float, ...]:
        return self._values(step_ratio)

    @property
    def chain_ratios(self) -> tuple[float, ...]:
        return self._values(lambda run: _quality(run)["short_run"]["step_ratio"])

    def measure(self, which: str, name: str) -> tuple[float, ...]:
        """``which`` (``"start"`` or ``"samples"``) value of measure ``name`` per seed."""
        return self._values(lambda run: _quality(run)["short_run"][which][name])

    def energies(self, which: str) -> tuple[float, ...]:
        """The mean energy ``which`` (``"data"``, ``"start"``, ``"samples"``) per seed."""
        return self._values(lambda run: _quality(run)["short_run"]["energies"][which])

    def confidences(self, which: str) -> tuple[float, ...]:
        return self._values(lambda run: _quality(run)["short_run"]["confidences"][which])

    def gradients(self, key: str) -> tuple[float, ...]:
        return self._values(lambda run: _quality(run)["gradients"][key])

    def partition_scales(self, reading: str) -> tuple[float, ...]:
        return self._values(lambda run: _quality(run)["gradients"]["partition_scale"][reading])

    def nearer(self, name: str) -> Judgement:
        """Samples nearer the data than the start by measure ``name``: the paired differences < 0."""
        return judge([s - t for s, t in zip(self.measure("samples", name), self.measure("start", name))], 0.0, "<")

    @property
    def moves(self) -> Judgement:
        """Training's SGLD ends lower in energy than its noise alone leaves the chains."""
        changes = [energy_changes(run) for run in self.runs]
        return judge([c[0] for c in changes], [c[1] for c in changes], "<")

    @property
    def classifies(self) -> Judgement:
        return judge(self.accuracies, self.gcn_accuracies, "=", ACCURACY_POINTS)

    @property
    def sampling_checks(self) -> dict[str, bool]:
        return {**{name: self.nearer(name).verdict is Verdict.HOLDS for name in QUALITY_MEASURES},
                "step_ratio": statistics.fmean(self.chain_ratios) >= MIN_STEP_RATIO}

    @property
    def samples(self) -> bool:
        return bool(self.runs) and all(self.sampling_checks.values())

    @property
    def past_threshold(self) -> bool:
        """Measured, and its final chains' mean step ratio reaches ``MIN_STEP_RATIO``."""
        return bool(self.runs) and self.sampling_checks["step_ratio"]

    @property
    def below_data(self) -> Judgement:
        """Whether the chains end below the data nodes' energy (the samples' mean energy below the
        data's, judged over seeds)."""
        return judge(self.energies("samples"), self.energies("data"), "<")


def sampler_cells(runs: Sequence[Run], gcn: Sequence[Run]) -> list[SamplerCell]:
    """The cells of the map (and of its long runs): one :class:`SamplerCell` per
    ``(α, noise setting, steps)``, by steps, noise setting and α, against the GCN runs ``gcn``.

    Raises:
        ValueError: no GCN runs, or no runs.
    """
    if not gcn:
        raise ValueError("sampler_cells: no GCN runs to compare with (run `python -m energygnn run jem_table`).")
    if not runs:
        raise ValueError(f"sampler_cells: no runs of the sampler map: run `{SAMPLER_COMMAND}`.")
    gcn_accuracy = tuple(100 * run["result"]["final_test_acc"] for run in gcn)
    groups: dict[tuple, list[Run]] = {}
    for run in runs:
        jem = run["config"]["jem"]
        groups.setdefault((jem["sgld_steps"], run["config"]["noise_setting"], jem["sgld_step_size"]), []).append(run)
    cells = []
    for (steps, setting, alpha), group in sorted(groups.items()):
        good = tuple(sorted((run for run in group if run["result"]["status"] == "ok" and _quality(run)),
                            key=lambda run: run["config"]["seed"]))
        cells.append(SamplerCell(alpha, setting, group[0]["config"]["jem"]["sgld_noise"], steps, good,
                                 len(group) - len(good), gcn_accuracy))
    return cells


def load_sampler_cells(root: Path | None = None, dataset: str = "Cora") -> list[SamplerCell]:
    """:func:`sampler_cells` of the stored runs of ``SAMPLER_EXPERIMENTS`` against ``jem_table``'s GCN on ``dataset``."""
    gcn = [run for run in load_optional("jem_table", root)
           if run["config"]["dataset"] == dataset and run["config"]["model"] == "gcn" and run["result"]["status"] == "ok"]
    runs = [run for name in SAMPLER_EXPERIMENTS for run in load_optional(name, root)
            if run["config"]["dataset"] == dataset]
    return sampler_cells(runs, gcn)


def _verdict(judgement: Judgement) -> str:
    return f"**{judgement.verdict}**"


def _mean(values: Sequence[float]) -> float:
    return statistics.fmean(values) if values else math.nan


def sampler_table(cells: Sequence[SamplerCell]) -> str:
    r"""Per cell: seeds (and runs lost), training's mean step ratio, the chains' energy change in
    one SGLD run under SGLD and under its noise alone (with the verdict that SGLD ends lower),
    :math:`L_\text{gen}/L_\text{clf}` over training, test accuracy and whether it is as accurate
    as the GCN, and whether the cell samples and classifies by the rules."""
    body = []
    for cell in cells:
        changes = [energy_changes(run) for run in cell.runs]
        body.append([f"{cell.step_size:g}", f"{cell.noise:.3g} ({NOISE_NAMES.get(cell.noise_setting, cell.noise_setting)})",
                     cell.steps,
                     f"{len(cell.runs)}" + (f" (+{cell.stopped} lost)" if cell.stopped else ""),
                     mean_std_cell(cell.training_ratios, digits=3),
                     mean_std_cell([c[0] for c in changes], digits=2), mean_std_cell([c[1] for c in changes], digits=3),
                     _verdict(cell.moves), mean_std_cell([gen_over_clf(run) for run in cell.runs], digits=3),
                     mean_std_cell(cell.accuracies, digits=1), _verdict(cell.classifies),
                     "yes" if cell.samples else "no"])
    return markdown_table([r"$\alpha$", r"$\sigma$", r"$\eta$", "seeds", "step ratio (training)",
                           r"$\Delta E$, SGLD", r"$\Delta E$, noise alone", "SGLD ends lower",
                           r"$L_\text{gen}/L_\text{clf}$", "accuracy (%)", "as accurate as the GCN", "samples"], body)


def quality_table(cells: Sequence[SamplerCell]) -> str:
    r"""Per cell, for the final model's chains from fresh noise: their step ratio, the mean energy
    :math:`-\operatorname{LSE}` of the data nodes, of the start and of the samples, and each
    measure of ``QUALITY_MEASURES`` at the start → at the end (means over seeds; headed by
    ``MEASURE_HEADERS``) with the verdict that the end is nearer the data."""
    body = []
    for cell in cells:
        row = [f"{cell.step_size:g}", f"{cell.noise:.3g}", cell.steps, mean_std_cell(cell.chain_ratios, digits=3),
               " / ".join(f"{_mean(cell.energies(which)):.2f}" for which in ("data", "start", "samples"))]
        for name in QUALITY_MEASURES:
            start, end = _mean(cell.measure("start", name)), _mean(cell.measure("samples", name))
            row.append(f"{start:.3g} → {end:.3g} {_verdict(cell.nearer(name))}")
        body.append(row)
    return markdown_table([r"$\alpha$", r"$\sigma$", r"$\eta$", "step ratio (chains)", "energy: data / start / samples",
                           *(MEASURE_HEADERS[name] for name in QUALITY_MEASURES)], body)


def jem_cell(cells: Sequence[SamplerCell]) -> SamplerCell:
    """The map's cell at JEM's (and the table's) setting: the smallest step size at JEM's noise,
    with the fewest steps among those."""
    pool = [cell for cell in cells if cell.noise_setting == "jem" and cell.runs] or [cell for cell in cells if cell.runs]
    return min(pool, key=lambda cell: (cell.step_size, cell.steps))


def scaling_table(cells: Sequence[SamplerCell], noise: float = 0.01) -> str:
    r"""What sets the step ratio, from the final models of the map's cell at JEM's setting
    (:func:`jem_cell`; chains at their start): the mean norm of :math:`\nabla_x \operatorname{LSE}_i`
    per chain, and for each reading of :math:`Z` its size :math:`|Z(X)|`, the resulting
    :math:`\lVert\nabla_x E\rVert = \lVert\nabla_x \operatorname{LSE}_i\rVert/|Z|` and the step size
    :math:`\alpha^*` at which the ratio :math:`\alpha \lVert\nabla_x E\rVert / (\sigma\sqrt{d})` reaches
    ``MIN_STEP_RATIO`` at :math:`\sigma` = ``noise`` (means over seeds; :math:`d` the feature width)."""
    runs = list(jem_cell(cells).runs) if cells else []
    if not runs:
        return markdown_table(["$Z$"], [])
    lse = statistics.fmean(_quality(run)["gradients"]["lse"] for run in runs)
    width = _quality(runs[0])["gradients"]["features"]
    body = []
    for reading in PARTITIONS:
        scale = statistics.fmean(_quality(run)["gradients"]["partition_scale"][reading] for run in runs)
        gradient = lse / scale
        body.append([f"`{reading}`", f"{scale:.4g}", f"{gradient:.3g}",
                     f"{MIN_STEP_RATIO * noise * math.sqrt(width) / gradient:.3g}"])
    return markdown_table(["$Z$", r"$\lvert Z(X) \rvert$", r"$\lVert \nabla_x E \rVert$ per chain",
                           rf"$\alpha^*$ at $\sigma = {noise:g}$"], body)


def closest_cell(cells: Sequence[SamplerCell]) -> SamplerCell:
    """Among the cells that classify (the shared rule's equivalence holds, or else all cells), the
    one that passes most of the sampling checks, ties broken by the longer chains' step ratio."""
    pool = [cell for cell in cells if cell.runs and cell.classifies.verdict is Verdict.HOLDS] or \
        [cell for cell in cells if cell.runs]
    return max(pool, key=lambda cell: (sum(cell.sampling_checks.values()), _mean(cell.chain_ratios)))


def setting_claims(cells: Sequence[SamplerCell]) -> list[Claim]:
    """Per cell of the map, the book's question of ``SAMPLING_RULE``: GCN-JEM samples and
    classifies there. Its verdict is the :func:`~energygnn.reporting.verdicts.conjunction` of the
    rule's parts: the chains' mean step ratio against ``MIN_STEP_RATIO`` (the rule's own reading, the
    mean held fixed), the chains nearer the data by every measure, and as accurate as the GCN; so it
    holds exactly where the cell samples and classifies. Keyed ``map_<α>_<noise>_<η>_samples_and_classifies``."""
    claims = []
    for cell in cells:
        ratio = judge(_mean(cell.chain_ratios), MIN_STEP_RATIO, ">")  # no runs: NaN, not measured
        parts = [ratio, *(cell.nearer(name) for name in QUALITY_MEASURES), cell.classifies]
        checks = cell.sampling_checks if cell.runs else {}
        claims.append(Claim(cell.label, "GCN-JEM samples and classifies", "-", conjunction(parts),
                            key=f"map_{cell.step_size:g}_{cell.noise_setting}_{cell.steps}_samples_and_classifies",
                            ours=(f"{sum(checks.values())} of {len(QUALITY_MEASURES) + 1} sampling checks, "
                                  f"{_mean(cell.accuracies):.1f} vs {_mean(cell.gcn_accuracies):.1f} %"),
                            asked_by="book"))
    return claims


def sampler_claims(cells: Sequence[SamplerCell]) -> list[Claim]:
    """The book's questions of the map's closest cell (:func:`closest_cell`) and of every cell whose
    chains pass the step-ratio threshold: as accurate as the GCN, chains nearer the data by each
    measure, and chains ending below the data's energy. Keyed ``map_<α>_<noise>_<η>_<what>``."""
    claims = []
    closest = closest_cell(cells)
    chosen = [closest] + [cell for cell in cells if cell is not closest and cell.past_threshold]
    for cell in chosen:
        key = f"map_{cell.step_size:g}_{cell.noise_setting}_{cell.steps}"
        claims.append(Claim(cell.label, "GCN-JEM is as accurate as the GCN", "-", cell.classifies, key=f"{key}_classifies",
                            ours=f"{_mean(cell.accuracies):.1f} vs {_mean(cell.gcn_accuracies):.1f} %", asked_by="book"))
        for name in QUALITY_MEASURES:
            claims.append(Claim(cell.label, f"the chains end nearer the data than their start ({MEASURE_LABELS[name]})", "-",
                                cell.nearer(name), key=f"{key}_nearer_{name}",
                                ours=f"{_mean(cell.measure('start', name)):.3g} → {_mean(cell.measure('samples', name)):.3g}",
                                asked_by="book"))
        claims.append(Claim(cell.label, "the chains end below the data nodes' energy", "-",
                            cell.below_data, key=f"{key}_below_data",
                            ours=f"{_mean(cell.energies('samples')):.2f} vs {_mean(cell.energies('data')):.2f}",
                            asked_by="book"))
    return claims


def sampler_numbers(cells: Sequence[SamplerCell]) -> dict[str, object]:
    r"""For the prose: ``map_cells``, ``map_runs``, ``map_lost``, ``map_sampling`` (cells that sample),
    ``map_classifying``, ``map_both``, ``map_above_threshold`` (cells whose chains pass the step-ratio
    threshold), ``map_gcn_accuracy``; for the closest cell (:func:`closest_cell`) ``closest_label``,
    ``closest_step_size``, ``closest_noise``, ``closest_steps``, ``closest_accuracy``,
    ``closest_chain_ratio``, ``closest_checks`` (sampling checks passed) and ``closest_energy_data``,
    ``_start``, ``_samples``, ``closest_confidence_samples``, ``closest_confidence_data``; over the runs
    of the cell at JEM's setting (:func:`jem_cell`) ``map_lse_gradient``, ``map_features`` and
    ``map_partition_<reading>`` (means), ``map_alpha_star_<reading>`` (the step size at which
    :math:`\sigma = 0.01` gives the threshold's ratio) and ``map_start_norm`` (the expected norm of a
    uniform start)."""
    runs = list(jem_cell(cells).runs) if cells else []
    closest = closest_cell(cells)
    numbers: dict[str, object] = {
        "map_cells": len(cells), "map_runs": sum(len(cell.runs) for cell in cells), "map_lost": sum(cell.stopped for cell in cells),
        "map_sampling": sum(cell.samples for cell in cells),
        "map_classifying": sum(cell.classifies.verdict is Verdict.HOLDS for cell in cells),
        "map_both": sum(cell.samples and cell.classifies.verdict is Verdict.HOLDS for cell in cells),
        "map_above_threshold": sum(cell.past_threshold for cell in cells),
        "map_gcn_accuracy": _mean(cells[0].gcn_accuracies) if cells else math.nan,
        "closest_label": closest.label, "closest_step_size": closest.step_size, "closest_noise": closest.noise,
        "closest_steps": closest.steps, "closest_accuracy": _mean(closest.accuracies),
        "closest_chain_ratio": _mean(closest.chain_ratios), "closest_checks": sum(closest.sampling_checks.values()),
        "closest_checks_total": len(closest.sampling_checks),
        "closest_confidence_samples": _mean(closest.confidences("samples")),
        "closest_confidence_data": _mean(closest.confidences("data")),
    }
    numbers.update({f"closest_energy_{which}": _mean(closest.energies(which)) for which in ("data", "start", "samples")})
    numbers["closest_below_data"] = MarkdownText(_verdict(closest.below_data))
    past = [cell for cell in cells if cell.past_threshold]
    numbers["past_below_data"] = sum(cell.below_data.verdict is Verdict.HOLDS for cell in past)
    numbers["past_classifying"] = sum(cell.classifies.verdict is Verdict.HOLDS for cell in past)
    numbers["past_mean_nearer"] = sum(cell.nearer("mean").verdict is Verdict.HOLDS for cell in past)
    numbers["past_mmd_nearer"] = sum(cell.nearer("mmd").verdict is Verdict.HOLDS for cell in past)
    if cells and cells[0].runs:
        numbers["map_temperature"] = cells[0].runs[0]["config"]["temperature"]
    if runs:
        jem = jem_cell(cells)
        numbers.update({"jem_cell_step_size": jem.step_size, "jem_cell_noise": jem.noise,
                        "jem_cell_chain_ratio": _mean(jem.chain_ratios), "jem_cell_training_ratio": _mean(jem.training_ratios)})
        numbers.update({"map_lse_gradient": statistics.fmean(_quality(run)["gradients"]["lse"] for run in runs),
                        "map_features": _quality(runs[0])["gradients"]["features"]})
        numbers.update({f"map_partition_{reading}": statistics.fmean(
            _quality(run)["gradients"]["partition_scale"][reading] for run in runs) for reading in PARTITIONS})
        width = numbers["map_features"]
        jem = runs[0]["config"]["jem"]  # the expected norm of a uniform start, sqrt(d (high - low)^2 / 12)
        numbers["map_start_norm"] = math.sqrt(width * (jem["init_high"] - jem["init_low"]) ** 2 / 12)
        for reading in PARTITIONS:  # the step size at which JEM's sigma = 0.01 gives the threshold's ratio
            gradient = numbers["map_lse_gradient"] / numbers[f"map_partition_{reading}"]
            numbers[f"map_alpha_star_{reading}"] = MIN_STEP_RATIO * 0.01 * math.sqrt(width) / gradient
    return numbers


_CHECK_NAMES = {"step_ratio": f"step ratio below {MIN_STEP_RATIO}", **{name: f"not nearer by {MEASURE_LABELS[name]}"
                                                                        for name in QUALITY_MEASURES}}


def sampler_summary(cells: Sequence[SamplerCell], past_threshold: bool = True) -> str:
    """One Markdown paragraph: how many cells sample, classify, and both, and (with
    ``past_threshold``, the default) per cell that passes the step-ratio threshold which sampling
    checks it fails; without it, only the counts (:func:`past_threshold_summary` has the rest)."""
    numbers = sampler_numbers(cells)
    head = (f"**{numbers['map_both']} of {numbers['map_cells']} settings sample and classify**; "
            f"{numbers['map_sampling']} sample, {numbers['map_classifying']} classify, and the final chains of "
            f"{numbers['map_above_threshold']} pass the step-ratio threshold.")
    rest = past_threshold_summary(cells)
    return head + (" " + rest if past_threshold and rest else "")


def past_threshold_summary(cells: Sequence[SamplerCell]) -> str:
    """Per cell whose final chains pass the step-ratio threshold, the sampling checks it fails and
    its accuracy, as one Markdown sentence (``""`` when no cell passes)."""
    parts = []
    for cell in cells:
        if not cell.past_threshold:
            continue
        failed = [_CHECK_NAMES[name] for name, passed in cell.sampling_checks.items() if not passed]
        parts.append(f"{cell.label}: " + ("samples" if not failed else "; ".join(failed))
                     + f", accuracy {_mean(cell.accuracies):.1f} % ({cell.classifies.verdict} as accurate as the GCN)")
    return ("Those past the threshold: " + ". ".join(parts) + ".") if parts else ""


def sampler_argument(cells: Sequence[SamplerCell]) -> str:
    """One Markdown paragraph of what the runs measure about why chains do or do not approach the
    data: in how many settings fresh noise already has a lower energy than the data nodes (the
    shared rule over seeds), and, of the settings whose chains pass the step-ratio threshold, how
    many end below the data's energy and how many end further from the data's feature mean than
    they started."""
    measured = [cell for cell in cells if cell.runs]
    noise_below = sum(judge(cell.energies("start"), cell.energies("data"), "<").verdict is Verdict.HOLDS
                      for cell in measured)
    past = [cell for cell in measured if cell.past_threshold]
    below = sum(cell.below_data.verdict is Verdict.HOLDS for cell in past)
    further = sum(cell.nearer("mean").verdict is Verdict.FAILS for cell in past)
    text = (f"Fresh noise has a lower energy than the data nodes in {noise_below} of {len(measured)} settings "
            f"(judged over seeds by the shared rule)")
    if measured and noise_below == len(measured):
        text += (": every trained GCN gives uniform noise a higher "
                 r"density $\exp \operatorname{LSE}$ than the real rows, so a chain that descends the energy has no "
                 "reason to approach the data")
    text += ". "
    if not past:
        return text + "No setting's chains pass the step-ratio threshold."
    text += (f"Of the {len(past)} settings whose chains pass the step-ratio threshold, {below} end below the data "
             f"nodes' energy and {further} end further from the data's feature mean than they started")
    if below == len(past) and further == len(past):
        text += ": where the drift is long enough to count, it carries the chains downhill and away from the data"
    return text + "."


def chain_figure(cells: Sequence[SamplerCell], seed: int = 0, max_cells: int = 3) -> Figure:
    r"""Top: the data rows, the chains' start and their samples in one 2-D projection (the data's
    first two principal components, fitted on the data) for the closest cell and the cells with
    the longest chains' step ratio (``max_cells`` in all; the ``seed`` run of each). Bottom: the
    mean energy :math:`-\operatorname{LSE}` along those chains, with the data nodes' (dashed) and
    where the noise alone leaves the chains (dotted)."""
    closest = closest_cell(cells)
    others = sorted((cell for cell in cells if cell.runs and cell is not closest),
                    key=lambda cell: -_mean(cell.chain_ratios))
    chosen = [closest, *others][:max_cells]
    fig, axes = plt.subplots(2, len(chosen), figsize=(4.2 * len(chosen), 7.0), layout="constrained", squeeze=False)
    plt.close(fig)
    for column, cell in enumerate(chosen):
        run = next((r for r in cell.runs if r["config"]["seed"] == seed), cell.runs[0])
        quality = _quality(run)
        projection = {name: np.asarray(points) for name, points in quality["projection"].items()}
        top, bottom = axes[0, column], axes[1, column]
        for name, style in (("start", dict(color="C0", s=8, alpha=0.5, label="chains' start")),
                            ("short_run", dict(color="C3", s=8, alpha=0.7, label="samples (final model)")),
                            ("buffer", dict(color="C1", s=6, alpha=0.4, marker="x", label="replay buffer")),
                            ("data", dict(color="k", s=6, alpha=0.6, label="data rows"))):
            if projection[name].size:
                top.scatter(projection[name][:, 0], projection[name][:, 1], **style)
        top.set(title=f"α={cell.step_size:g}, σ={cell.noise:.3g}, η={cell.steps} (seed {run['config']['seed']})",
                xlabel="PC 1 of the data", ylabel="PC 2 of the data")
        energies = quality["short_run_energies"]
        bottom.plot(range(len(energies)), energies, color="C3", marker=".", label="chains")
        bottom.axhline(quality["short_run"]["energies"]["data"], color="k", ls="--", lw=1, label="data nodes")
        bottom.axhline(quality["short_run_noise_only_energy"], color="C0", ls=":", lw=1, label="noise alone, at the end")
        bottom.set(xlabel="SGLD step", ylabel=r"mean energy $-\mathrm{LSE}$")
    handles = axes[0, 0].get_legend_handles_labels()
    fig.legend(*handles, loc="outside upper center", ncols=4, frameon=False)
    axes[1, 0].legend(fontsize=8, frameon=False)
    return fig
