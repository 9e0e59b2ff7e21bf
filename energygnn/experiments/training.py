"""Node classification with the authors' protocol, recording everything the tables and figures need.

The training-loop protocol shared by both papers' runners: a history of per-epoch losses and
accuracies on the train/val/test nodes (:func:`record_split_metrics`), a best-validation-epoch
summary (:func:`best_epoch_summary`), and a run that stops, with its reason recorded, at the first
non-finite loss.
"""
from __future__ import annotations

import math
import time
from typing import Any, NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from ..data import load_planetoid
from ..entropy import node_energy
from ..models import build_model

SPLITS = ("train", "val", "test")
HISTORY_KEYS = tuple(f"{split}_{metric}" for metric in ("loss", "acc") for split in SPLITS) + ("epoch_seconds",)
# "training_forward": the epoch's metrics come from the logits of the training step's forward (the
# authors' protocol: epoch k reports the model after k - 1 updates); "after_step": a second,
# evaluation-mode forward after the update; "auto": the first for models without dropout or
# batch statistics (where both forwards compute the same function), else the second.
METRICS = ("auto", "training_forward", "after_step")


def layer_energies(hidden: list[torch.Tensor], edge_index: torch.Tensor) -> dict[str, list[float]]:
    """Mean node energy of every hidden embedding, with ``a_i = 1`` ("plain", half the survey's
    ``E(X) = (1/n) sum_i sum_j ||x_i - x_j||^2``) and with the authors' ``a_i = 1/sqrt(d_i c)``."""
    return {
        "plain": [float(node_energy(h, edge_index).mean()) for h in hidden],
        "normalized": [float(node_energy(h, edge_index, normalize=True).mean()) for h in hidden],
    }


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
    """Resolve ``choice`` (one of :data:`METRICS`) for ``model``: ``"training_forward"`` or ``"after_step"``."""
    if choice not in METRICS:
        raise ValueError(f"metrics must be one of {METRICS}, got {choice!r}.")
    stochastic = is_stochastic(model)
    if choice == "training_forward" and stochastic:
        raise ValueError(f"metrics='training_forward' needs a model without dropout or batch norm; "
                         f"{type(model).__name__} has one: use 'after_step'.")
    if choice == "auto":
        return "after_step" if stochastic else "training_forward"
    return choice


def build_training(config: dict[str, Any]):
    """``(data, model, optimizer, scheduler)`` for one run of paper 1's protocol, seeded."""
    torch.manual_seed(config["seed"])
    data = load_planetoid(config["dataset"])
    num_classes = int(data.y.max()) + 1
    model = build_model(config["model"], data.num_features, num_classes, config["depth"],
                        hidden_channels=config["hidden_channels"], **config.get("model_options", {}))
    optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"], weight_decay=config["weight_decay"])
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=config["epochs"])
    return data, model, optimizer, scheduler


class Step(NamedTuple):
    loss: float  # summed training cross-entropy before the update
    logits: torch.Tensor  # the training forward's logits (detached)
    hidden: list[torch.Tensor] | None  # the hidden embeddings (detached) when asked for


def train_epoch(model, optimizer, scheduler, data, return_hidden: bool = False) -> Step:
    """One full-batch step: summed cross-entropy on the training nodes. A non-finite loss is
    returned without a step."""
    model.train()
    optimizer.zero_grad()
    output = model(data.x, data.edge_index, return_hidden=return_hidden)
    logits, hidden = output if return_hidden else (output, None)
    loss = F.cross_entropy(logits[data.train_mask], data.y[data.train_mask], reduction="sum")
    value = float(loss.detach())
    if math.isfinite(value):
        loss.backward()
        optimizer.step()
        scheduler.step()
    return Step(value, logits.detach(), None if hidden is None else [h.detach() for h in hidden])


def train_node_classifier(config: dict[str, Any]) -> dict[str, Any]:
    """Train ``config["model"]`` of depth ``config["depth"]`` on ``config["dataset"]``.

    Protocol of paper 1 (see the book's "Formulas and settings" page): Adam (lr, no weight
    decay), cosine annealing over the epochs, full batch, cross-entropy summed over the training
    nodes, no dropout. Each epoch records train/val/test accuracy and loss and its wall time (the
    step and the metrics); ``config["metrics"]`` (:data:`METRICS`, default ``"auto"``) says
    which forward the metrics come from. At ``energy_epochs`` the mean energy of every hidden
    layer is recorded from the same forward. ``config["torch_threads"]``, when given, sets torch's
    thread count for the run (restored afterwards). Non-finite losses stop the run.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(config.get("torch_threads", threads))
    try:
        return _train_node_classifier(config)
    finally:
        torch.set_num_threads(threads)


def _train_node_classifier(config: dict[str, Any]) -> dict[str, Any]:
    data, model, optimizer, scheduler = build_training(config)
    # configs written before the metrics option evaluated after the step; they still re-run to their numbers
    protocol = metrics_protocol(model, config.get("metrics", "after_step"))
    history: dict[str, list] = {key: [] for key in HISTORY_KEYS}
    energies: dict[str, dict[str, list[float]]] = {}
    status = "ok"
    for epoch in range(1, config["epochs"] + 1):
        start = time.perf_counter()
        record_energy = epoch in config.get("energy_epochs", [])
        step = train_epoch(model, optimizer, scheduler, data,
                           return_hidden=record_energy and protocol == "training_forward")
        if not math.isfinite(step.loss):
            status = f"stopped at epoch {epoch}: non-finite training loss {step.loss}"
            break
        logits, hidden = step.logits, step.hidden
        if protocol == "after_step":
            model.eval()
            with torch.no_grad():
                output = model(data.x, data.edge_index, return_hidden=record_energy)
            logits, hidden = output if record_energy else (output, None)
        record_split_metrics(history, logits, data)
        history["epoch_seconds"].append(time.perf_counter() - start)
        if record_energy:
            energies[str(epoch)] = layer_energies(hidden, data.edge_index)
    return {"status": status, "metrics": protocol, **best_epoch_summary(history),
            "history": history, "layer_energies": energies}
