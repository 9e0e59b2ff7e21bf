r"""Mini-batch training on random node partitions: PyG's ``RandomNodeLoader`` (the induced
subgraph of a random set of nodes), in one process or as one rank of a
``DistributedDataParallel`` job (:mod:`energygnn.distributed`).

Every layer, the entropy step included, sees only the batch's own edges: a node whose neighbour
lies in another partition loses that edge, its degree and its energy shrink, and so does the
step's push. Nodes whose whole :math:`k`-hop neighbourhood lies inside the batch
(:func:`interior_nodes`) are computed exactly as on the full graph: the entropy step at node
:math:`i` reads :math:`x_i`, its neighbours and their energies, i.e. its 2-hop neighbourhood.

``PyG``'s ``NeighborLoader``, ``ClusterData`` and GraphSAINT samplers keep more edges per batch;
they need ``pyg-lib`` or ``torch-sparse`` and can replace :func:`partition_loader` where those are
installed (the models take any ``edge_index``).
"""
from __future__ import annotations

import copy
import math
import resource
import time
from typing import Any, Callable, Iterable

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.utils.data import DistributedSampler
from torch_geometric.data import Data
from torch_geometric.loader import RandomNodeLoader

from .history import HISTORY_KEYS, best_epoch_summary, record_split_metrics

__all__ = ["interior_nodes", "partition_loader", "predict", "train_partitions", "peak_memory_bytes"]


def partition_loader(data: Data, num_parts: int, seed: int = 0, epoch: int = 0, rank: int = 0,
                     world_size: int = 1, shuffle: bool = True) -> RandomNodeLoader:
    r"""The batches of rank ``rank`` in epoch ``epoch``: the nodes are shuffled (from ``seed`` and
    ``epoch``, the same on every rank), split evenly over the ``world_size`` ranks
    (``DistributedSampler``, the last ``n mod world_size`` nodes of the shuffle left out so that
    every rank takes as many steps), and each rank's share cut into batches of
    :math:`\lceil n / \text{num\_parts} \rceil` nodes: ``num_parts`` batches per epoch over all ranks.

    Every batch is ``data.subgraph(nodes)`` and carries ``node_id``, the batch's nodes in ``data``.

    Shapes:
        batch ``x`` [b, F], ``edge_index`` [2, m_b] (only edges with both ends in the batch), ``node_id`` [b].
    """
    if not isinstance(num_parts, int) or num_parts < 1:
        raise ValueError(f"partition_loader: num_parts must be a positive integer, got {num_parts!r}.")
    if not 0 <= rank < world_size:
        raise ValueError(f"partition_loader: rank must lie in [0, world_size), got rank {rank} of {world_size}.")
    if num_parts < world_size:
        raise ValueError(f"partition_loader: {world_size} ranks need at least as many partitions, got "
                         f"num_parts={num_parts}; raise num_parts.")
    labelled = copy.copy(data)
    labelled.node_id = torch.arange(data.num_nodes)
    sampler = DistributedSampler(range(data.num_nodes), num_replicas=world_size, rank=rank, shuffle=shuffle,
                                 seed=seed, drop_last=True)
    sampler.set_epoch(epoch)
    return RandomNodeLoader(labelled, num_parts, sampler=sampler)


def interior_nodes(edge_index: Tensor, num_nodes: int, nodes: Tensor, hops: int = 1) -> Tensor:
    r"""Which of ``nodes`` have their whole ``hops``-hop neighbourhood inside ``nodes``.

    A layer reading a node's :math:`k`-hop neighbourhood gives such a node the same output on the
    induced subgraph as on the full graph: 1 hop for a ``GCNConv`` row (with its neighbours'
    degrees, 2 hops), 2 hops for the entropy step.

    Shapes:
        **edge_index** [2, m] of the full graph, **nodes** [b] -> bool [b]
    """
    if hops < 0:
        raise ValueError(f"interior_nodes: hops must be >= 0, got {hops}.")
    inside = torch.zeros(num_nodes, dtype=torch.bool)
    inside[nodes] = True
    source, target = edge_index
    for _ in range(hops):
        reaches_out = torch.zeros(num_nodes, dtype=torch.bool)
        reaches_out[source[~inside[target]]] = True
        inside = inside & ~reaches_out
    return inside[nodes]


def predict(model: nn.Module, data: Data, num_parts: int = 1, seed: int = 0) -> Tensor:
    """The model's logits for every node of ``data``, in evaluation mode without gradients: on the
    full graph (``num_parts=1``) or partition by partition (the same random partitions as training)."""
    model.eval()
    with torch.no_grad():
        if num_parts == 1:
            return model(data.x, data.edge_index)
        logits = None
        for batch in partition_loader(data, num_parts, seed, shuffle=True):
            out = model(batch.x, batch.edge_index)
            if logits is None:
                logits = out.new_zeros(data.num_nodes, out.size(1))
            logits[batch.node_id] = out
        # drop_last leaves no node out with one rank, so every row is written
        return logits


def peak_memory_bytes() -> int:
    """This process's peak resident memory so far (``getrusage``; Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _batch_steps(model: nn.Module, optimizer: torch.optim.Optimizer, loaders: list[Iterable[Data]]) -> tuple[float, int]:
    """One epoch: step ``s`` averages the gradients of batch ``s`` of every loader (one loader per
    rank this process plays). Returns the summed training loss and the nodes processed."""
    total, nodes = 0.0, 0
    for batches in zip(*loaders):
        optimizer.zero_grad()
        for batch in batches:
            logits = model(batch.x, batch.edge_index)
            loss = F.cross_entropy(logits[batch.train_mask], batch.y[batch.train_mask], reduction="sum")
            (loss / len(batches)).backward()
            total += float(loss.detach())
            nodes += batch.num_nodes
        optimizer.step()
    return total, nodes


def train_partitions(model: nn.Module, data: Data, config: dict[str, Any], rank: int = 0, world_size: int = 1,
                     ranks: list[int] | None = None, evaluate: bool = True,
                     on_epoch: Callable[[int], None] | None = None) -> dict[str, Any]:
    r"""Train ``model`` on random node partitions of ``data`` with paper 1's protocol (Adam,
    cosine annealing over the epochs, cross-entropy summed over each batch's training nodes):
    ``config["num_parts"]`` batches per epoch, ``config["epochs"]`` epochs.

    ``model`` may be wrapped in ``DistributedDataParallel``: this process is then rank ``rank`` of
    ``world_size`` and takes its own partitions, and DDP averages the ranks' gradients. With
    ``ranks`` (one process, no DDP), every step averages the gradients of those ranks' batches
    instead: the same updates as a DDP job of ``world_size`` ranks.

    After every ``config.get("eval_every", 1)``-th epoch (and the last) the model predicts every
    node (:func:`predict`, on the full graph or on ``config.get("eval_parts", 1)`` partitions)
    and the train/val/test accuracy and loss are recorded, with the best-validation epoch
    summarised as in full-batch training. ``on_epoch(epoch)`` is called after every epoch (a
    progress bar, a checkpoint).
    """
    missing = [key for key in ("num_parts", "epochs", "lr", "seed") if key not in config]
    if missing:
        raise ValueError(f"train_partitions: the config lacks {', '.join(missing)}; it needs num_parts, epochs, lr "
                         "and seed (eval_every, eval_parts and weight_decay are optional).")
    ranks = [rank] if ranks is None else list(ranks)
    optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"], weight_decay=config.get("weight_decay", 0.0))
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=config["epochs"])
    history: dict[str, list] = {key: [] for key in HISTORY_KEYS}
    history["evaluated_epochs"], history["train_batch_loss"], history["train_epoch_seconds"] = [], [], []
    train_seconds, nodes_seen, status = 0.0, 0, "ok"
    eval_every = config.get("eval_every", 1)
    for epoch in range(1, config["epochs"] + 1):
        model.train()
        loaders = [partition_loader(data, config["num_parts"], config["seed"], epoch, r, world_size) for r in ranks]
        start = time.perf_counter()
        loss, nodes = _batch_steps(model, optimizer, loaders)
        scheduler.step()
        history["train_epoch_seconds"].append(time.perf_counter() - start)
        train_seconds += history["train_epoch_seconds"][-1]
        nodes_seen += nodes
        history["train_batch_loss"].append(loss)
        if not math.isfinite(loss):
            status = f"stopped at epoch {epoch}: non-finite training loss {loss}"
            break
        if evaluate and (epoch % eval_every == 0 or epoch == config["epochs"]):
            logits = predict(_inner(model), data, config.get("eval_parts", 1), config["seed"])
            record_split_metrics(history, logits, data)
            history["epoch_seconds"].append(time.perf_counter() - start)
            history["evaluated_epochs"].append(epoch)
        if on_epoch is not None:
            on_epoch(epoch)
    summary = best_epoch_summary(history) if history["val_acc"] else {}
    if summary and "best_epoch" in summary:  # the summary counts evaluations; report the epoch
        summary["best_epoch"] = history["evaluated_epochs"][summary["best_epoch"] - 1]
    return {"status": status, **summary, "history": history, "train_seconds": train_seconds,
            "train_nodes": nodes_seen,
            "nodes_per_second": nodes_seen / train_seconds if train_seconds > 0 else float("nan"),
            "peak_memory_bytes": peak_memory_bytes()}


def _inner(model: nn.Module) -> nn.Module:
    return model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model
