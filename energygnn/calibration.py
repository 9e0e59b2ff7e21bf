r"""Confidence and calibration of a classifier's softmax outputs.

The expected calibration error (paper 2, eq. 7) over :math:`M` equal-width confidence bins,

.. math::
    \mathrm{ECE} = \sum_{m=1}^{M} \frac{|B_m|}{n} \big|\operatorname{acc}(B_m) - \operatorname{conf}(B_m)\big|,

is computed by torchmetrics; :func:`reliability_bins` gives the per-bin numbers behind a
reliability diagram, binned the same way (their weighted gaps sum to the same ECE, tested).
"""
from __future__ import annotations

import torch
from torch import Tensor
from torchmetrics.functional.classification import multiclass_calibration_error


def _check(probabilities: Tensor, labels: Tensor, caller: str) -> None:
    if probabilities.dim() != 2 or labels.shape != probabilities.shape[:1]:
        raise ValueError(f"{caller}: probabilities must be [n, k] and labels [n], got "
                         f"{list(probabilities.shape)} and {list(labels.shape)}.")
    if probabilities.numel() and not torch.allclose(probabilities.sum(-1), probabilities.new_ones(()), atol=1e-4):
        raise ValueError(f"{caller}: every row of probabilities must sum to 1 (apply softmax to logits first).")


def confidence(probabilities: Tensor) -> Tensor:
    """The confidence of each prediction: the largest class probability, [n]."""
    return probabilities.max(dim=-1).values


def expected_calibration_error(probabilities: Tensor, labels: Tensor, num_bins: int = 15) -> float:
    """ECE with ``num_bins`` equal-width bins (torchmetrics' ``multiclass_calibration_error``,
    L1 norm; its default of 15 bins is ours too)."""
    _check(probabilities, labels, "expected_calibration_error")
    return float(multiclass_calibration_error(probabilities, labels, num_classes=probabilities.size(1),
                                              n_bins=num_bins, norm="l1"))


def reliability_bins(probabilities: Tensor, labels: Tensor, num_bins: int = 15) -> dict[str, list[float]]:
    """Per-bin ``count``, mean ``confidence`` and ``accuracy`` over ``num_bins`` equal-width bins
    of (0, 1] (a bin's right edge belongs to it), plus the bin ``edges``."""
    _check(probabilities, labels, "reliability_bins")
    conf, predicted = probabilities.max(dim=-1)
    correct = (predicted == labels).to(conf.dtype)
    edges = torch.linspace(0, 1, num_bins + 1, dtype=conf.dtype)
    bins = torch.bucketize(conf, edges[1:-1], right=False)
    count = torch.bincount(bins, minlength=num_bins).to(conf.dtype)
    mean = lambda values: torch.bincount(bins, values, minlength=num_bins) / count.clamp(min=1)  # noqa: E731
    return {"edges": edges.tolist(), "count": count.tolist(), "confidence": mean(conf).tolist(),
            "accuracy": mean(correct).tolist()}


def ece_from_bins(bins: dict[str, list[float]]) -> float:
    """The ECE implied by :func:`reliability_bins`' output."""
    count = torch.tensor(bins["count"])
    gaps = (torch.tensor(bins["accuracy"]) - torch.tensor(bins["confidence"])).abs()
    return float((count * gaps).sum() / count.sum())


def fit_temperature(logits: Tensor, labels: Tensor, max_iter: int = 100) -> float:
    r"""Temperature scaling (Guo et al., 2017): the :math:`T > 0` minimising the mean negative
    log-likelihood of ``softmax(logits / T)`` on (validation) nodes, by L-BFGS on
    :math:`\log T` in float64 from :math:`T = 1`. Dividing by :math:`T` keeps every prediction and
    only rescales confidence.

    Shapes:
        **logits** [n, k], **labels** [n] -> float
    """
    if logits.dim() != 2 or labels.shape != logits.shape[:1] or logits.size(0) == 0:
        raise ValueError(f"fit_temperature: logits must be [n >= 1, k] and labels [n], got "
                         f"{list(logits.shape)} and {list(labels.shape)}.")
    if not torch.isfinite(logits).all():
        raise ValueError("fit_temperature: logits contain NaN or infinite values.")
    logits = logits.detach().double()
    log_temperature = torch.zeros((), dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([log_temperature], lr=0.5, max_iter=max_iter, line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(logits / log_temperature.exp(), labels)
        loss.backward()
        return loss

    optimizer.step(closure)
    return float(log_temperature.detach().exp())
