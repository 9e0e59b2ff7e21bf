"""Node classification with the authors' protocol, recording everything the tables and figures need."""
from __future__ import annotations

import math
import time
from typing import Any

import torch
import torch.nn.functional as F

from ..data import load_planetoid
from ..entropy import node_energy
from ..models import build_model


def layer_energies(hidden: list[torch.Tensor], edge_index: torch.Tensor) -> dict[str, list[float]]:
    """Mean node energy of every hidden embedding, with ``a_i = 1`` ("plain", half the survey's
    ``E(X) = (1/n) sum_i sum_j ||x_i - x_j||^2``) and with the authors' ``a_i = 1/sqrt(d_i c)``."""
    return {
        "plain": [float(node_energy(h, edge_index).mean()) for h in hidden],
        "normalized": [float(node_energy(h, edge_index, normalize=True).mean()) for h in hidden],
    }


def accuracy(logits: torch.Tensor, labels: torch.Tensor, mask: torch.Tensor) -> float:
    return float((logits[mask].argmax(dim=1) == labels[mask]).float().mean())


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


def train_epoch(model, optimizer, scheduler, data) -> float:
    """One full-batch step: summed cross-entropy on the training nodes. Returns the loss; a
    non-finite loss is returned without a step."""
    model.train()
    optimizer.zero_grad()
    logits = model(data.x, data.edge_index)
    loss = F.cross_entropy(logits[data.train_mask], data.y[data.train_mask], reduction="sum")
    value = float(loss.detach())
    if math.isfinite(value):
        loss.backward()
        optimizer.step()
        scheduler.step()
    return value


def train_node_classifier(config: dict[str, Any]) -> dict[str, Any]:
    """Train ``config["model"]`` of depth ``config["depth"]`` on ``config["dataset"]``.

    Protocol of paper 1 (formulas.md): Adam (lr, no weight decay), cosine annealing over the
    epochs, full batch, cross-entropy summed over the training nodes, no dropout. Each epoch
    records train/val/test accuracy and loss and its wall time; at ``energy_epochs`` the mean
    energy of every hidden layer is recorded (eval mode). Non-finite losses stop the run.
    """
    data, model, optimizer, scheduler = build_training(config)
    history = {key: [] for key in ("train_loss", "val_loss", "test_loss", "train_acc", "val_acc",
                                   "test_acc", "epoch_seconds")}
    energies: dict[str, dict[str, list[float]]] = {}
    status = "ok"
    for epoch in range(1, config["epochs"] + 1):
        start = time.perf_counter()
        loss = train_epoch(model, optimizer, scheduler, data)
        if not math.isfinite(loss):
            status = f"stopped at epoch {epoch}: non-finite training loss {loss}"
            break
        history["epoch_seconds"].append(time.perf_counter() - start)
        model.eval()
        with torch.no_grad():
            record_energy = epoch in config.get("energy_epochs", [])
            output = model(data.x, data.edge_index, return_hidden=record_energy)
            logits, hidden = output if record_energy else (output, None)
            for split in ("train", "val", "test"):
                mask = data[f"{split}_mask"]
                history[f"{split}_loss"].append(float(F.cross_entropy(logits[mask], data.y[mask])))
                history[f"{split}_acc"].append(accuracy(logits, data.y, mask))
            if record_energy:
                energies[str(epoch)] = layer_energies(hidden, data.edge_index)
    best = max(range(len(history["val_acc"])), key=history["val_acc"].__getitem__) if history["val_acc"] else None
    return {
        "status": status,
        "best_epoch": None if best is None else best + 1,
        "best_val_acc": None if best is None else history["val_acc"][best],
        "test_acc_at_best_val": None if best is None else history["test_acc"][best],
        "mean_epoch_seconds": sum(history["epoch_seconds"]) / max(len(history["epoch_seconds"]), 1),
        "history": history,
        "layer_energies": energies,
    }
