"""The training-loop protocol shared by both papers' trainers: a history of per-epoch losses and
accuracies on the train/val/test nodes (:func:`record_split_metrics`), a best-validation-epoch
summary (:func:`best_epoch_summary`), and which forward the metrics come from
(:func:`metrics_protocol`). Runs stop, with the reason recorded, at the first non-finite loss.
"""
from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

SPLITS = ("train", "val", "test")
HISTORY_KEYS = tuple(f"{split}_{metric}" for metric in ("loss", "acc") for split in SPLITS) + ("epoch_seconds",)
# "training_forward": the epoch's metrics come from the logits of the training step's forward (the
# authors' protocol: epoch k reports the model after k - 1 updates); "after_step": a second,
# evaluation-mode forward after the update; "auto": the first for models without dropout or
# batch statistics (where both forwards compute the same function), else the second.
METRICS = ("auto", "training_forward", "after_step")


def accuracy(logits: torch.Tensor, labels: torch.Tensor, mask: torch.Tensor) -> float:
    return float((logits[mask].argmax(dim=1) == labels[mask]).float().mean())


def record_split_metrics(history: dict[str, list], logits: torch.Tensor, data) -> None:
    """Append the mean cross-entropy and the accuracy on the train/val/test nodes to ``history``."""
    logits = logits.detach()
    for split in SPLITS:
        mask = data[f"{split}_mask"]
        history[f"{split}_loss"].append(float(F.cross_entropy(logits[mask], data.y[mask])))
        history[f"{split}_acc"].append(accuracy(logits, data.y, mask))


def best_epoch_summary(history: dict[str, list]) -> dict[str, Any]:
    """The epoch (1-based) of the best validation accuracy, that accuracy, the test accuracy at
    it, and the mean epoch time. Ties go to the earliest epoch."""
    values = history["val_acc"]
    best = max(range(len(values)), key=values.__getitem__) if values else None
    return {
        "best_epoch": None if best is None else best + 1,
        "best_val_acc": None if best is None else values[best],
        "test_acc_at_best_val": None if best is None else history["test_acc"][best],
        "mean_epoch_seconds": sum(history["epoch_seconds"]) / max(len(history["epoch_seconds"]), 1),
    }


def is_stochastic(model: nn.Module) -> bool:
    """Whether the model computes a different function in training mode (dropout, batch statistics)."""
    return any((isinstance(module, nn.modules.dropout._DropoutNd) and module.p > 0)
               or isinstance(module, nn.modules.batchnorm._BatchNorm) for module in model.modules())


def metrics_protocol(model: nn.Module, choice: str = "auto") -> str:
    """Resolve ``choice`` (one of ``METRICS``: ``"auto"``, ``"training_forward"``, ``"after_step"``) for ``model``: ``"training_forward"`` or ``"after_step"``."""
    if choice not in METRICS:
        raise ValueError(f"metrics must be one of {METRICS}, got {choice!r}.")
    stochastic = is_stochastic(model)
    if choice == "training_forward" and stochastic:
        raise ValueError(f"metrics='training_forward' needs a model without dropout or batch norm; "
                         f"{type(model).__name__} has one: use 'after_step'.")
    if choice == "auto":
        return "after_step" if stochastic else "training_forward"
    return choice


