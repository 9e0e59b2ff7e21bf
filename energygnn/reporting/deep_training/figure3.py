r"""Figure 3 of paper 1: the mean node energy after each hidden layer of the trained depth-64
models, recorded by Table 1's runs (``result["layer_energies"]``), its shapes and its claims.

``groups`` are Table 1's runs keyed ``(dataset, model, depth)``.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..claims import Claim
from ..figures import legend_below
from ..labels import MODEL_COLOURS, MODEL_LABELS
from ..runs import Groups, layer_energy_profiles
from ..tables import markdown_table
from ..verdicts import judge

Curves = dict[tuple[str, str], tuple[np.ndarray, int]]  # (dataset, model) -> (mean profile, runs averaged)


def layer_energy_curves(groups: Groups, section: dict[str, Any], depth: int, epoch: int | str = 50,
                        kind: str = "normalized") -> Curves:
    r"""Per ``(dataset, model)``: the mean over seeds of the mean node energy after each hidden
    layer at ``epoch`` (``kind`` ``"normalized"``: :math:`a_i = 1/\sqrt{d_i c}`, or ``"plain"``),
    and the number of runs averaged. Cells without that record are left out."""
    curves = {}
    for dataset in section["datasets"]:
        for model in section["models"]:
            runs = [run for run in groups.get((dataset, model, depth), []) if str(epoch) in run["result"]["layer_energies"]]
            if runs:
                curves[dataset, model] = (np.mean([run["result"]["layer_energies"][str(epoch)][kind] for run in runs],
                                                  axis=0), len(runs))
    return curves


def curve_shape(energy: Sequence[float]) -> str:
    r"""The shape of a layer-energy profile :math:`e_1..e_L`, by the rule of Figure 3:

    * ``"U-shaped"``: the minimum :math:`e_k` lies inside (:math:`1 < k < L`) and is below half of
      both ends, :math:`e_k < e_1 / 2` and :math:`e_k < e_L / 2`;
    * ``"increasing"``: otherwise, if no step goes down (up to rounding, :math:`10^{-12}` relative);
    * ``"flat or other"``: anything else.

    Raises:
        ValueError: an empty profile.
    """
    energy = np.asarray(energy, dtype=float)
    if energy.size == 0:
        raise ValueError("curve_shape: the energy profile is empty; pass one value per hidden layer.")
    low = int(np.argmin(energy))
    if 0 < low < len(energy) - 1 and energy[low] < 0.5 * energy[0] and energy[low] < 0.5 * energy[-1]:
        return "U-shaped"
    if np.all(np.diff(energy) >= -1e-12 * np.abs(energy[:-1])):
        return "increasing"
    return "flat or other"


def plot_layer_energies(curves: Curves, datasets: Sequence[str]):
    """Figure 3: mean node energy against hidden layer, one panel per dataset, log scale. Returns the Figure."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(datasets), figsize=(11, 4), sharey=True, squeeze=False)
    for axis, dataset in zip(axes[0], datasets):
        for (name, model), (energy, count) in curves.items():
            if name == dataset:
                axis.plot(range(1, len(energy) + 1), energy, color=MODEL_COLOURS[model],
                          label=f"{MODEL_LABELS[model]} (n={count})")
        axis.set_yscale("log")
        axis.set_xlabel("hidden layer")
        axis.set_title(dataset)
    axes[0, 0].set_ylabel("mean node energy")
    legend_below(fig, axes[0, -1], bottom=0.08)  # off the curves
    plt.close(fig)
    return fig


def profile_statistics(energy: Sequence[float], tail: int | None = None) -> dict[str, float]:
    r"""What Figure 3's claims read from one profile :math:`e_1..e_L`, in decades (:math:`\log_{10}`):

    * ``dip``: :math:`\log_{10}(\min_k e_k / \min(e_1, e_L))`, zero when the minimum is at an end;
      the profile is U-shaped (as in :func:`curve_shape`) when it is below :math:`\log_{10}(1/2)`;
    * ``minimum``: :math:`\log_{10} \min_k e_k`;
    * ``smallest_step``: :math:`\min_k \log_{10}(e_{k+1} / e_k)`, the smallest layer-to-layer change, positive when every layer raises the energy;
    * ``recovery``: the growth per layer over the last ``tail`` layers (default :math:`L/4`),
      :math:`\log_{10}(e_L / e_{L - \text{tail}}) / \text{tail}`.

    Raises:
        ValueError: fewer than two layers, or a non-positive energy.
    """
    energy = np.asarray(energy, dtype=float)
    if energy.size < 2 or not np.all(energy > 0):
        raise ValueError("profile_statistics: pass at least two positive energies, one per hidden layer.")
    tail = max(1, len(energy) // 4) if tail is None else tail
    if not 0 < tail < len(energy):
        raise ValueError(f"profile_statistics: tail must be between 1 and {len(energy) - 1}, got {tail}.")
    logs = np.log10(energy)
    return {"dip": float(logs.min() - min(logs[0], logs[-1])), "minimum": float(logs.min()),
            "smallest_step": float(np.diff(logs).min()), "recovery": float((logs[-1] - logs[-1 - tail]) / tail)}


def figure3_claims(groups: Groups, datasets: Sequence[str], depth: int, epoch: int | str = 50,
                   kind: str = "normalized") -> list[Claim]:
    r"""Paper 1's claims about Figure 3, per dataset, judged on the seeds' layer profiles at
    ``epoch`` (statistics of :func:`profile_statistics`; the paper's numbers were lost from its
    text, so the paper column says what it describes):

    * the basic GCN's and the entropic GCN's profiles are U-shaped: ``dip`` ``<`` :math:`\log_{10}(1/2)`;
    * PairNorm's U is flatter than the basic GCN's and than the entropic GCN's: ``dip`` ``>``;
    * G2's energy increases monotonically: ``smallest_step`` ``>`` 0;
    * the entropic GCN's minimum energy stays above the basic GCN's: ``minimum`` ``>``;
    * the entropic GCN recovers its energy faster in the last layers: ``recovery`` ``>``.
    """
    claims = []
    half = math.log10(0.5)
    for dataset in datasets:
        stats = {model: [profile_statistics(e, tail=depth // 4)
                         for e in layer_energy_profiles(groups, (dataset, model, depth), epoch, kind)]
                 for model in ("basic", "entropic", "g2", "pairnorm")}

        def values(model: str, name: str) -> list[float]:
            return [s[name] for s in stats[model]]

        claims += [
            Claim(dataset, "the basic GCN's layer energies are U-shaped (dip below half of both ends)", "U-curve",
                  judge(values("basic", "dip"), half, "<")),
            Claim(dataset, "the entropic GCN's layer energies are U-shaped", "U-curve",
                  judge(values("entropic", "dip"), half, "<")),
            Claim(dataset, "PairNorm's U is flatter than the basic GCN's (dip, decades)", "flatter",
                  judge(values("pairnorm", "dip"), values("basic", "dip"), ">")),
            Claim(dataset, "PairNorm's U is flatter than the entropic GCN's (dip, decades)", "flatter",
                  judge(values("pairnorm", "dip"), values("entropic", "dip"), ">")),
            Claim(dataset, "G2's energy increases monotonically (smallest layer-to-layer change, decades, > 0)",
                  "increasing", judge(values("g2", "smallest_step"), 0.0, ">")),
            Claim(dataset, "the entropic GCN's minimum energy stays above the basic GCN's (log10)",
                  "above", judge(values("entropic", "minimum"), values("basic", "minimum"), ">")),
            Claim(dataset, f"the entropic GCN recovers energy faster in the last layers (decades per layer over the last {depth // 4})",
                  "faster", judge(values("entropic", "recovery"), values("basic", "recovery"), ">")),
        ]
    return claims


def layer_energy_table(curves: Curves) -> str:
    """Per curve: energy after the first layer, the minimum (and its layer), after the last
    layer, and :func:`curve_shape`."""
    rows = []
    for (dataset, model), (energy, _) in curves.items():
        low = int(np.argmin(energy))
        rows.append([dataset, MODEL_LABELS[model], f"{energy[0]:.3g}", f"{energy[low]:.3g} ({low + 1})",
                     f"{energy[-1]:.3g}", curve_shape(energy)])
    return markdown_table(["dataset", "model", "first layer", "minimum (layer)", "last layer", "shape"], rows)


def curves_of_shape(curves: Curves, shape: str) -> str:
    """The curves of one :func:`curve_shape`, named ``"Cora Basic GCN, ..."`` (``"none"`` if none)."""
    names = [f"{dataset} {MODEL_LABELS[model]}" for (dataset, model), (energy, _) in curves.items()
             if curve_shape(energy) == shape]
    return ", ".join(names) or "none"


def figure3_measure_numbers(measured, epoch: int = 50) -> dict[str, str]:
    """For the prose under Figure 3 on every measure (``measured``: a
    :class:`~energygnn.reporting.trained_measures.TrainedMeasures`), per dataset and group of
    Table 1's models at ``epoch``: the runs averaged (``f3m_runs_<dataset>_<group>``), the
    effective rank after the first and the last hidden layer and its minimum
    (``f3m_rank_first_…``, ``f3m_rank_last_…``, ``f3m_rank_min_…``), the layer from which it
    stays below 3 (``f3m_rank_layer_…``, ``"never"``), and the raw energy's minimum over the
    layers (``f3m_raw_min_…``)."""
    numbers = {}
    ranks = measured.layer_curves("effective_rank", epoch)
    raw = measured.layer_curves("raw_energy", epoch)
    for (dataset, group), (rank, count) in ranks.items():
        key = f"{dataset}_{group}"
        below = np.flatnonzero(rank >= 3)
        numbers.update({f"f3m_runs_{key}": str(count), f"f3m_rank_first_{key}": f"{rank[0]:.0f}",
                        f"f3m_rank_last_{key}": f"{rank[-1]:.3g}", f"f3m_rank_min_{key}": f"{rank.min():.3g}",
                        f"f3m_rank_layer_{key}": "never" if rank[-1] >= 3 else str(int(below[-1]) + 2 if below.size else 1),
                        f"f3m_raw_min_{key}": f"{raw[dataset, group][0].min():.2g}"})
    return numbers
