r"""Do SGLD's chains sample? A rule fixed before the runs of ``jem_sampler_map``: the chains must
end nearer the data than where they started, by every measure of ``QUALITY_MEASURES``, with a
step ratio of at least ``energygnn.ebm.sgld.MIN_STEP_RATIO``.

The measures compare a set of chains (their start, or their samples) with the data rows:

* ``energy``: :math:`|\bar E(\text{chains}) - \bar E(\text{data})|`, the chains' mean energy
  :math:`-\operatorname{LSE}_i` at the nodes they are placed in against the real rows' mean energy at
  the same nodes (the caller computes the energies; the chains' start is fresh noise from the
  chains' initial distribution, so the start's energy is also the energy of fresh noise);
* ``mean``: :math:`\lVert \bar x_\text{chains} - \bar x_\text{data} \rVert_2`, the distance of the
  feature means (:func:`mean_distance`);
* ``spectrum``: the Euclidean distance of the covariance matrices' largest ``SPECTRUM_TOP``
  eigenvalues (:func:`spectrum_distance`);
* ``mmd``: the squared maximum mean discrepancy with the inverse multiquadric kernel
  :math:`k(x, y) = (c^2 + \lVert x - y\rVert^2)^{-1/2}`, :math:`c` = ``IMQ_SCALE`` (:func:`mmd`): a
  heavy-tailed kernel, as Gorham & Mackey (2017) use to measure sample quality, so that chains far
  from the data (uniform noise in thousands of dimensions) still differ in how far they are; a
  Gaussian kernel with the data's median-distance bandwidth is zero between such chains and the data
  and cannot tell a chain that approaches the data from one that does not;
* ``confidence``: :math:`|\bar c(\text{chains}) - \bar c(\text{data})|`, the classifier's mean
  confidence (largest softmax probability) at the chains' nodes against the data's.

A set of chains *samples* (:func:`samples`) when every measure is smaller for its samples than for
its start and its step ratio is at least ``MIN_STEP_RATIO``. Over seeds, a chapter judges each
"smaller" with the shared rule (``energygnn.reporting.verdicts``).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from torch import Tensor

from .sgld import MIN_STEP_RATIO

#: The measures of :class:`ChainQuality` by which samples must end nearer the data than their start.
QUALITY_MEASURES = ("energy", "mean", "spectrum", "mmd", "confidence")
#: How many of the covariance's largest eigenvalues :func:`spectrum_distance` compares.
SPECTRUM_TOP = 32
#: The inverse multiquadric kernel's :math:`c` in :func:`mmd` (in the features' units).
IMQ_SCALE = 1.0


def _rows(x: Tensor, name: str, caller: str) -> Tensor:
    if x.dim() != 2 or x.size(0) < 2:
        raise ValueError(f"{caller}: {name} must be [rows >= 2, features], got shape {list(x.shape)}.")
    return x.double()


def mean_distance(x: Tensor, data: Tensor) -> float:
    r""":math:`\lVert \bar x - \bar x_\text{data} \rVert_2`, the distance between the rows' means.

    Shapes:
        **x** [a, c], **data** [b, c] -> a float.
    """
    x, data = _rows(x, "x", "mean_distance"), _rows(data, "data", "mean_distance")
    return float((x.mean(dim=0) - data.mean(dim=0)).norm())


def covariance_top_eigenvalues(x: Tensor, top: int = SPECTRUM_TOP) -> Tensor:
    """The ``top`` largest eigenvalues of the rows' covariance (divisor ``rows - 1``), descending,
    padded with zeros when the covariance has fewer (``rows - 1`` at most are non-zero); computed
    from the rows' singular values, so that a width in the thousands costs no eigendecomposition."""
    x = _rows(x, "x", "covariance_top_eigenvalues")
    centred = x - x.mean(dim=0)
    values = torch.linalg.svdvals(centred) ** 2 / (x.size(0) - 1)
    out = torch.zeros(top, dtype=values.dtype)
    out[:min(top, values.numel())] = values[:top]
    return out


def spectrum_distance(x: Tensor, data: Tensor, top: int = SPECTRUM_TOP) -> float:
    r"""The Euclidean distance of the ``top`` largest covariance eigenvalues of ``x`` and of ``data``
    (:func:`covariance_top_eigenvalues`).

    Shapes:
        **x** [a, c], **data** [b, c] -> a float.
    """
    return float((covariance_top_eigenvalues(x, top) - covariance_top_eigenvalues(data, top)).norm())


def mmd(x: Tensor, data: Tensor, scale: float = IMQ_SCALE) -> float:
    r"""The unbiased estimate of the squared maximum mean discrepancy (Gretton et al. 2012),

    .. math::
        \widehat{\mathrm{MMD}}^2 = \frac{1}{a(a-1)}\sum_{i\ne j} k(x_i, x_j)
        + \frac{1}{b(b-1)}\sum_{i\ne j} k(y_i, y_j) - \frac{2}{ab}\sum_{i,j} k(x_i, y_j),

    with the inverse multiquadric kernel :math:`k(x, y) = (c^2 + \lVert x-y\rVert^2)^{-1/2}`
    (characteristic, so the population MMD is zero only for equal distributions).

    Args:
        x (Tensor): [a, c] samples.
        data (Tensor): [b, c] data rows :math:`y`.
        scale (float, optional): :math:`c` (default: ``IMQ_SCALE``).
    """
    x, data = _rows(x, "x", "mmd"), _rows(data, "data", "mmd")
    if not (math.isfinite(scale) and scale > 0):
        raise ValueError(f"mmd: scale must be a finite number > 0, got {scale!r}.")

    def kernel(a: Tensor, b: Tensor) -> Tensor:
        return (scale * scale + torch.cdist(a, b) ** 2).rsqrt()

    a, b = x.size(0), data.size(0)
    diagonal = 1.0 / scale
    within_x = (kernel(x, x).sum() - a * diagonal) / (a * (a - 1))
    within_data = (kernel(data, data).sum() - b * diagonal) / (b * (b - 1))
    return float(within_x + within_data - 2 * kernel(x, data).mean())


@dataclass(frozen=True)
class ChainQuality:
    r"""The measures of one set of chains (``QUALITY_MEASURES``) for their start and their
    samples, and the step ratio of the SGLD that moved them.

    Attributes:
        start (dict[str, float]): each measure for the chains' start (fresh noise).
        samples (dict[str, float]): each measure for the chains' samples.
        step_ratio (float): the mean :math:`\lVert\alpha\nabla E\rVert / \lVert\sigma\varepsilon\rVert`.
        energies (dict[str, float]): the mean energies ``data``, ``start`` (fresh noise) and ``samples``.
        confidences (dict[str, float]): the classifier's mean confidence ``data``, ``start`` and ``samples``.
    """

    start: dict[str, float]
    samples: dict[str, float]
    step_ratio: float
    energies: dict[str, float]
    confidences: dict[str, float]

    @property
    def nearer(self) -> dict[str, bool]:
        """Whether the samples are nearer the data than the start, for each measure."""
        return {name: self.samples[name] < self.start[name] for name in QUALITY_MEASURES}

    def as_dict(self) -> dict:
        """The measures as plain numbers (for a run's JSON result)."""
        return asdict(self)


def chain_quality(data: Tensor, start: Tensor, samples: Tensor, energies: dict[str, float],
                  confidences: dict[str, float], step_ratio: float) -> ChainQuality:
    r"""The measures (``QUALITY_MEASURES``) of chains that went from ``start`` to ``samples``.

    Args:
        data (Tensor): [b, c] data rows to compare with.
        start (Tensor): [a, c] the chains' start.
        samples (Tensor): [a, c] where the chains ended.
        energies (dict): mean energies ``"data"``, ``"start"``, ``"samples"`` (graph-dependent, so
            the caller's; e.g. :meth:`~energygnn.ebm.sampler.GraphSampler.log_sum_exp`).
        confidences (dict): the classifier's mean confidences ``"data"``, ``"start"``, ``"samples"``.
        step_ratio (float): the SGLD's mean step ratio.

    Raises:
        ValueError: a missing energy or confidence, or start and samples of different shapes.
    """
    for label, values in (("energies", energies), ("confidences", confidences)):
        missing = {"data", "start", "samples"} - set(values)
        if missing:
            raise ValueError(f"chain_quality: {label} lacks {sorted(missing)}.")
    if start.shape != samples.shape:
        raise ValueError(f"chain_quality: start {list(start.shape)} and samples {list(samples.shape)} differ in shape.")
    measures = {}
    for which, x in (("start", start), ("samples", samples)):
        measures[which] = {"energy": abs(energies[which] - energies["data"]), "mean": mean_distance(x, data),
                           "spectrum": spectrum_distance(x, data), "mmd": mmd(x, data),
                           "confidence": abs(confidences[which] - confidences["data"])}
    return ChainQuality(measures["start"], measures["samples"], float(step_ratio),
                        {k: float(energies[k]) for k in ("data", "start", "samples")},
                        {k: float(confidences[k]) for k in ("data", "start", "samples")})


def samples(quality: ChainQuality | dict, min_step_ratio: float = MIN_STEP_RATIO) -> bool:
    """The rule for one set of chains: every measure nearer the data for the samples than for the
    start (:attr:`ChainQuality.nearer`) and a step ratio of at least ``min_step_ratio``. Takes a
    :class:`ChainQuality` or its :meth:`~ChainQuality.as_dict` (as stored in a run's result)."""
    if isinstance(quality, dict):
        quality = ChainQuality(**quality)
    return all(quality.nearer.values()) and quality.step_ratio >= min_step_ratio
