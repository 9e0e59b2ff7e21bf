"""Figure pieces every chapter draws alike: a row of panels at the book's sizes, a log axis at round
decades, and reliability diagrams. Figures are returned closed, so that a notebook shows each once."""
from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .labels import FIGURE_STYLE


def panels(columns: int, width: float = 3.1, height: float = 3.2, **kwargs) -> tuple[Figure, np.ndarray]:
    """A figure of one row of ``columns`` panels in ``FIGURE_STYLE``, each ``width`` inches wide
    (10 inches at most in all) and ``height`` high, laid out by matplotlib's constrained layout.

    Args:
        columns: how many panels.
        width: inches per panel (default 3.1).
        height: inches (default 3.2).
        **kwargs: passed to ``matplotlib.pyplot.subplots`` (e.g. ``sharey=True``).

    Returns:
        The figure (closed) and its panels, a 1-d array.
    """
    with plt.rc_context(FIGURE_STYLE):
        fig, axes = plt.subplots(1, columns, figsize=(min(width * columns, 10.0), height), layout="constrained",
                                 squeeze=False, **kwargs)
    plt.close(fig)  # returned, not shown by pyplot as well
    return fig, axes[0]


def round_decade_ticks(axis) -> None:
    """Log-scale y ticks at round decades (1e0, 1e-50, ...) when the axis spans many of them."""
    from matplotlib.ticker import LogLocator, NullLocator

    axis.set_yscale("log")
    low, high = axis.get_ylim()
    decades = np.log10(high) - np.log10(low)
    step = max(1, int(round(decades / 6 / 10)) * 10) if decades > 12 else 1
    axis.yaxis.set_major_locator(LogLocator(base=10.0 ** step, numticks=12))
    axis.yaxis.set_minor_locator(NullLocator())


def legend_below(fig: Figure, axis, bottom: float, columns: int = 4, fontsize: float = 10) -> None:
    """The legend of ``axis`` centred below all panels of ``fig``, in ``columns`` columns and
    without a frame, the panels laid out above ``bottom`` (a fraction of the figure's height)."""
    handles, labels = axis.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=columns, fontsize=fontsize, frameon=False)
    fig.tight_layout(rect=(0, bottom, 1, 1))


def reliability_panels(panels: Sequence[tuple[str, dict[str, list[float]]]]) -> Figure:
    """One reliability diagram per ``(title, pooled bins)``: accuracy per confidence bin (bars),
    the bin's mean confidence (dots; the diagonal is perfect calibration), and below, the number
    of nodes per bin.

    Args:
        panels: titles and bins as :func:`energygnn.calibration.reliability_bins` gives them
            (pooled over runs by :func:`~energygnn.reporting.runs.pool_bins`).
    """
    with plt.rc_context(FIGURE_STYLE):
        fig, axes = plt.subplots(2, len(panels), figsize=(min(3.2 * len(panels), 12.0), 5.2), sharex=True,
                                 sharey="row", height_ratios=(3, 1.3), layout="constrained", squeeze=False)
        plt.close(fig)
        for (top, bottom), (title, pooled) in zip(axes.T, panels):
            edges, count = np.asarray(pooled["edges"]), np.asarray(pooled["count"])
            used = count > 0
            left, width = edges[:-1][used], np.diff(edges)[used]
            accuracy, confidence = np.asarray(pooled["accuracy"])[used], np.asarray(pooled["confidence"])[used]
            top.bar(left, accuracy, width=width, align="edge", alpha=0.7, edgecolor="k", label="accuracy of the bin")
            top.plot(confidence, accuracy, "o", color="C3", label="(mean confidence, accuracy)")
            top.plot([0, 1], [0, 1], "k--", lw=1, label="perfect calibration")
            top.set_title(title)
            bottom.bar(left, count[used], width=width, align="edge", color="0.5", edgecolor="k", log=True)
            bottom.set_xlabel("confidence")
            bottom.set_xlim(0, 1)
            bottom.xaxis.set_major_locator(MaxNLocator(5))
        axes[0, 0].set_ylabel("accuracy")
        axes[1, 0].set_ylabel("nodes")
        fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="outside upper center", ncols=3)
    return fig
