"""Paper 1's runs: node classification with the authors' protocol, recording everything the
tables and figures need (the history and summary of :mod:`energygnn.history`)."""
from __future__ import annotations

import math
import time
from typing import Any, NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from ..data import load_planetoid
from ..entropy import NonFiniteEnergyError, node_energy
from ..measures import layer_measures
from ..history import HISTORY_KEYS, METRICS, best_epoch_summary, metrics_protocol, record_split_metrics
from ..models import build_model
from ..runtime import torch_threads

__all__ = ["METRICS", "build_training", "layer_energies", "train_epoch", "train_node_classifier"]

def layer_energies(hidden: list[torch.Tensor], edge_index: torch.Tensor) -> dict[str, list[float]]:
    """Mean node energy of every hidden embedding, with ``a_i = 1`` ("plain", half the survey's
    ``E(X) = (1/n) sum_i sum_j ||x_i - x_j||^2``) and with the authors' ``a_i = 1/sqrt(d_i c)``."""
    return {
        "plain": [float(node_energy(h, edge_index).mean()) for h in hidden],
        "normalized": [float(node_energy(h, edge_index, normalize=True).mean()) for h in hidden],
    }


LR_SCHEDULES = ("cosine", "constant")
LOSS_REDUCTIONS = ("sum", "mean")


def parameter_groups(model: nn.Module, weight_decay: float,
                     groups: dict[str, float] | None = None) -> list[dict[str, Any]]:
    """The optimizer's parameter groups: with ``groups`` (``{child module name: weight decay}``,
    e.g. ``{"convs": 0.01, "encoder": 5e-4, "decoder": 5e-4}``, GCNII's protocol), one group per
    named child of ``model`` with its own weight decay, in the order ``groups`` lists them, and the
    parameters of no named child in a last group at ``weight_decay``; without, one group of all
    parameters at ``weight_decay`` (what ``Adam(model.parameters(), weight_decay=...)`` builds).

    Raises:
        ValueError: a name of ``groups`` is no child of ``model`` or holds no parameters.
    """
    if not groups:
        return [{"params": list(model.parameters()), "weight_decay": weight_decay}]
    children = dict(model.named_children())
    result, taken = [], set()
    for name, decay in groups.items():
        params = list(children[name].parameters()) if name in children else []
        if not params:
            raise ValueError(f"weight_decay_groups: {type(model).__name__} has no child {name!r} with parameters; "
                             f"its children: {', '.join(children)}.")
        result.append({"params": params, "weight_decay": float(decay)})
        taken.update(id(p) for p in params)
    rest = [p for p in model.parameters() if id(p) not in taken]
    if rest:
        result.append({"params": rest, "weight_decay": weight_decay})
    return result


def build_training(config: dict[str, Any]):
    """``(data, model, optimizer, scheduler)`` for one run of paper 1's protocol, seeded.

    Paper 1's protocol unless the config says otherwise (keys absent from the committed runs'
    configs, so that those re-run identically): ``weight_decay_groups`` (per-module weight decay,
    :func:`parameter_groups`), ``lr_schedule`` (``"cosine"``, the default, or ``"constant"``:
    scheduler None) and ``normalize_features`` (row-normalised input features; default False)."""
    torch.manual_seed(config["seed"])
    data = load_planetoid(config["dataset"])
    if config.get("normalize_features", False):
        from torch_geometric.transforms import NormalizeFeatures

        data = NormalizeFeatures()(data)
    num_classes = int(data.y.max()) + 1
    model = build_model(config["model"], data.num_features, num_classes, config["depth"],
                        hidden_channels=config["hidden_channels"], **config.get("model_options", {}))
    optimizer = torch.optim.Adam(parameter_groups(model, config["weight_decay"], config.get("weight_decay_groups")),
                                 lr=config["lr"], weight_decay=config["weight_decay"])
    schedule = config.get("lr_schedule", "cosine")
    if schedule not in LR_SCHEDULES:
        raise ValueError(f"lr_schedule must be one of {LR_SCHEDULES}, got {schedule!r}.")
    scheduler = (torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=config["epochs"])
                 if schedule == "cosine" else None)
    return data, model, optimizer, scheduler


class Step(NamedTuple):
    """What one training step returns: its loss, and the logits (and hidden embeddings) of its forward."""

    loss: float  # summed training cross-entropy before the update
    logits: torch.Tensor  # the training forward's logits (detached)
    hidden: list[torch.Tensor] | None  # the hidden embeddings (detached) when asked for


Step.loss.__doc__ = "Training cross-entropy (summed, or averaged with reduction=\"mean\") before the update."
Step.logits.__doc__ = "The training forward's logits, detached."
Step.hidden.__doc__ = "The hidden embeddings (detached) when asked for, else None."


def train_epoch(model, optimizer, scheduler, data, return_hidden: bool = False, reduction: str = "sum") -> Step:
    """One full-batch step: cross-entropy on the training nodes, summed (paper 1) or with
    ``reduction="mean"`` averaged; ``scheduler`` None for a constant learning rate. A non-finite
    loss is returned without a step."""
    if reduction not in LOSS_REDUCTIONS:
        raise ValueError(f"loss_reduction must be one of {LOSS_REDUCTIONS}, got {reduction!r}.")
    model.train()
    optimizer.zero_grad()
    output = model(data.x, data.edge_index, return_hidden=return_hidden)
    logits, hidden = output if return_hidden else (output, None)
    loss = F.cross_entropy(logits[data.train_mask], data.y[data.train_mask], reduction=reduction)
    value = float(loss.detach())
    if math.isfinite(value):
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
    return Step(value, logits.detach(), None if hidden is None else [h.detach() for h in hidden])


def train_node_classifier(config: dict[str, Any]) -> dict[str, Any]:
    """Train ``config["model"]`` of depth ``config["depth"]`` on ``config["dataset"]``.

    Protocol of paper 1 (see the book's "Formulas and settings" page): Adam (lr, no weight
    decay), cosine annealing over the epochs, full batch, cross-entropy summed over the training
    nodes, no dropout. Other protocols (GCNII's) set ``weight_decay_groups``, ``lr_schedule``,
    ``normalize_features`` (:func:`build_training`) and ``loss_reduction`` (``"sum"`` or
    ``"mean"``, :func:`train_epoch`). Each epoch records train/val/test accuracy and loss and its wall time (the
    step and the metrics); ``config["metrics"]`` (one of ``energygnn.history.METRICS``;
    default ``"auto"``, :func:`~energygnn.history.metrics_protocol`'s) says which forward the
    metrics come from. At ``energy_epochs`` the mean energy of every hidden layer is recorded from
    the same forward, and with ``config["layer_measures"]`` (default ``False``) every measure of
    :mod:`energygnn.measures` of every hidden layer too. ``config["torch_threads"]``, when given,
    sets torch's thread count for the run (restored afterwards). Non-finite losses and non-finite node energies
    (:class:`~energygnn.entropy.NonFiniteEnergyError`) stop the run, with the reason in ``status``.
    """
    with torch_threads(config.get("torch_threads")):
        return _train_node_classifier(config)


def _train_node_classifier(config: dict[str, Any]) -> dict[str, Any]:
    data, model, optimizer, scheduler = build_training(config)
    # without "metrics", metrics_protocol's own default (every committed config states its choice)
    protocol = metrics_protocol(model, config["metrics"]) if "metrics" in config else metrics_protocol(model)
    history: dict[str, list] = {key: [] for key in HISTORY_KEYS}
    energies: dict[str, dict[str, list[float]]] = {}
    measures: dict[str, dict[str, list[float]]] = {}
    with_measures = bool(config.get("layer_measures", False))  # configs stored before the option have none
    status = "ok"
    for epoch in range(1, config["epochs"] + 1):
        start = time.perf_counter()
        record_energy = epoch in config.get("energy_epochs", [])
        try:
            step = train_epoch(model, optimizer, scheduler, data,
                               return_hidden=record_energy and protocol == "training_forward",
                               reduction=config.get("loss_reduction", "sum"))
        except NonFiniteEnergyError as error:  # a diverging model is a result of its setting, not a failure
            status = f"stopped at epoch {epoch}: {error}"
            break
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
            if with_measures:
                measures[str(epoch)] = layer_measures(hidden, data.edge_index)
    result = {"status": status, "metrics": protocol, **best_epoch_summary(history),
              "history": history, "layer_energies": energies}
    return {**result, "layer_measures": measures} if with_measures else result
