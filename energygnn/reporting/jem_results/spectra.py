r"""Paper 2's Figures 1 and 2: the spectrum of the adjacency matrix before and after graph
generation, closed 3-walks, the spectrum of the feature covariance against the Marchenko-Pastur band
of the chains' start, the generation events, and GCN-JEM's losses during training.

Every function takes a :class:`~energygnn.reporting.runs.Paper2Results`.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ...experiments.reported import PAPER2_CLOSED_3_WALKS
from ..figures import panels
from ..labels import FIGURE_STYLE, PAPER2_LABELS
from ..runs import PAPER2_COMMAND, Paper2Results, Run, per_seed
from ..tables import markdown_table, mean_std_cell


def _eigenvalue_walks(run: Run) -> float:
    return float((np.asarray(run["result"]["spectra"]["adjacency_eigenvalues"]) ** 3).sum())


def closed_walks_table(results: Paper2Results, dataset: str = "Cora", seed: int = 0) -> str:
    r"""Closed 3-walks :math:`\operatorname{tr}(A^3)` of the original and generated graphs:
    exact counts over seeds, :math:`\sum_i \mu_i^3` from the ``seed`` run's eigenvalues, the
    paper's numbers, and the edges added."""
    header = ["graph", r"$\trace(A^3)$, ours", f"$\\sum_i \\mu_i^3$ (seed {seed})", "paper", "edges added"]
    paper = {"gcn": PAPER2_CLOSED_3_WALKS["original"], "jem": PAPER2_CLOSED_3_WALKS["generated"]}
    rows = []
    for model in results.models:
        runs = results.runs(dataset, model)
        from_eigenvalues = (f"{_eigenvalue_walks(results.seed_run(dataset, model, seed)):.1f}"
                            if results.has_seed_run(dataset, model, seed) else "-")
        if model == "gcn":  # the original graph, which the GCN never changes
            rows.append([f"original {dataset}", mean_std_cell(per_seed(runs, "closed_3_walks_original"), digits=0),
                         from_eigenvalues, paper["gcn"], "-"])
        else:
            rows.append([f"generated, {PAPER2_LABELS[model]}", mean_std_cell(per_seed(runs, "closed_3_walks"), digits=0),
                         from_eigenvalues, paper.get(model, "-"), mean_std_cell(per_seed(runs, "edges_added"), digits=0)])
    return markdown_table(header, rows)


def marchenko_pastur_bounds(features: int, samples: int, variance: float) -> tuple[float, float]:
    r"""The support of the Marchenko-Pastur law: eigenvalues of the sample covariance of
    ``samples`` vectors of ``features`` i.i.d. entries of ``variance`` :math:`\sigma^2` lie, for
    large sizes, in :math:`\sigma^2 (1 \mp \sqrt{q})^2` with :math:`q = f / n`.

    Raises:
        ValueError: non-positive sizes.
    """
    if features < 1 or samples < 1:
        raise ValueError(f"marchenko_pastur_bounds: sizes must be positive, got {features} features, {samples} samples.")
    root = math.sqrt(features / samples)
    return variance * (1 - root) ** 2, variance * (1 + root) ** 2


def covariance_numbers(results: Paper2Results, dataset: str = "Cora", seed: int = 0) -> dict[str, object]:
    """The ``seed`` runs' feature covariance spectra: the original's largest eigenvalue
    (``cov_original_max``), the generated features' count, median, range and how many exceed it,
    the replay buffer's use, and the Marchenko-Pastur support (``mp_low``, ``mp_high``) for
    i.i.d. entries uniform on the buffer's initial interval."""
    real = np.asarray(results.seed_run(dataset, "gcn", seed)["result"]["spectra"]["covariance_eigenvalues"])
    generator = results.seed_run(dataset, "jem", seed)
    spectra, jem = generator["result"]["spectra"], generator["config"]["jem"]
    fake = np.asarray(spectra["covariance_eigenvalues"])
    variance = (jem["init_high"] - jem["init_low"]) ** 2 / 12
    low, high = marchenko_pastur_bounds(fake.size, spectra["feature_samples"], variance)
    return {"cov_original_max": float(real.max()), "cov_generated_above": int((fake > real.max()).sum()),
            "cov_generated_count": int(fake.size), "cov_generated_median": float(np.median(fake)),
            "cov_generated_min": float(fake.min()), "cov_generated_max": float(fake.max()),
            "cov_samples": int(spectra["feature_samples"]), "init_variance": float(variance),
            "buffer_updated": int(generator["result"]["buffer"]["updated_entries"]),
            "buffer_size": int(generator["result"]["buffer"]["size"]), "epochs": int(generator["config"]["epochs"]),
            "mp_low": low, "mp_high": high}


def losses_figure(results: Paper2Results, dataset: str = "Cora", seed: int = 0) -> Figure:
    """GCN-JEM's classification and generative losses per epoch (log scale), and the mean energy
    of the batch's real nodes and of its samples (``seed`` run on ``dataset``)."""
    history = results.seed_run(dataset, "jem", seed)["result"]["history"]
    fig, (left, right) = panels(2, width=4.6)
    with plt.rc_context(FIGURE_STYLE):
        left.semilogy(history["clf_loss"], label=r"$L_\mathrm{clf}$")
        left.semilogy(np.maximum(history["gen_loss"], 1e-12), label=r"$L_\mathrm{gen}$")
        left.set_xlabel("epoch")
        left.set_ylabel("loss")
        left.legend()
        right.plot(history["data_energy"], label="real nodes of the batch")
        right.plot(history["sample_energy"], label="samples")
        right.set_xlabel("epoch")
        right.set_ylabel(r"mean energy $-\mathrm{LSE}$")
        right.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2, frameon=False)
    return fig


def _spectrum_panels(histograms: Sequence[tuple[str, Sequence[float], str]], width: float,
                     band: tuple[int, float, float, str] | None = None) -> Figure:
    fig, axes = panels(len(histograms), width=width, sharey=True)
    with plt.rc_context(FIGURE_STYLE):
        if band is not None:  # (panel, low, high, label): a shaded interval behind one histogram
            axis = axes[band[0]]
            axis.axvspan(band[1], band[2], color="0.85", zorder=0, label=band[3])
            axis.set_xlim(0, 1.3 * max(band[2], max(histograms[band[0]][1])))  # the band's edges in view
            axis.legend(loc="upper right", fontsize=9)
        for axis, (title, values, colour) in zip(axes, histograms):
            axis.hist(values, bins=100, log=True, color=colour)
            axis.set_title(title)
            axis.set_xlabel("eigenvalue")
            axis.xaxis.set_major_locator(MaxNLocator(5))
            axis.ticklabel_format(axis="x", style="sci", scilimits=(-2, 3))
        axes[0].set_ylabel("count")
    return fig


def adjacency_spectrum_figure(results: Paper2Results, dataset: str = "Cora", seed: int = 0) -> Figure:
    """Histograms (100 bins, log counts) of the adjacency eigenvalues of the original graph (the
    GCN run's, never changed) and of each generative model's generated graph."""
    models = [m for m in results.models if results.has_seed_run(dataset, m, seed)]
    if not models:
        raise LookupError(f"No finished seed-{seed} run on {dataset}: run `{PAPER2_COMMAND}`.")
    return _spectrum_panels([("original" if m == "gcn" else f"generated ({PAPER2_LABELS[m]})",
                              results.seed_run(dataset, m, seed)["result"]["spectra"]["adjacency_eigenvalues"],
                              "C0" if m == "gcn" else "C1") for m in models], width=3.3)


def covariance_spectrum_figure(results: Paper2Results, dataset: str = "Cora", seed: int = 0) -> Figure:
    """Histograms (100 bins, log counts, shared axis) of the covariance eigenvalues of the
    original features (the GCN run's) and of GCN-JEM's generated features, the latter over the
    Marchenko-Pastur band of the chains' initial distribution (:func:`covariance_numbers`)."""
    histograms = []
    for model, label, colour in (("gcn", "original features", "C0"), ("jem", "generated (GCN-JEM)", "C1")):
        spectra = results.seed_run(dataset, model, seed)["result"]["spectra"]
        histograms.append((f"{label},\n{spectra['feature_samples']} samples", spectra["covariance_eigenvalues"], colour))
    numbers = covariance_numbers(results, dataset, seed)
    return _spectrum_panels(histograms, width=4.6, band=(1, numbers["mp_low"], numbers["mp_high"],
                                                     "Marchenko-Pastur band\nof the start"))


def generation_events_figure(results: Paper2Results, dataset: str = "Cora", seed: int = 0) -> Figure:
    """GCN-JEM's graph generation: the samples' energies at each generation event, and the
    number of edges it added above them."""
    events = results.seed_run(dataset, "jem", seed)["result"]["generation_events"]
    fig, (axis,) = panels(1, width=9.0, height=3.4)
    with plt.rc_context(FIGURE_STYLE):
        for event in events:
            axis.plot([event["epoch"]] * len(event["energies"]), event["energies"], "_", color="C1", markersize=12)
            axis.annotate(str(len(event["added"][0])), (event["epoch"], max(event["energies"])),
                          textcoords="offset points", xytext=(0, 5), ha="center")
        axis.margins(y=0.12)
        axis.set_xlabel("epoch")
        axis.set_ylabel("sample energy")
    return fig
