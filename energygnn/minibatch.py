r"""Mini-batch training on random node partitions: PyG's ``RandomNodeLoader`` (the induced
subgraph of a random set of nodes), in one process or as one rank of a
``DistributedDataParallel`` job (:mod:`energygnn.distributed`).

Every layer, the entropy step included, sees only the batch's own edges: a node whose neighbour
lies in another partition loses that edge, and its degree, its energy and the step's push shrink
(with :math:`a_i = 1/\sqrt{d_i c}` a larger :math:`a_i` makes up for part of the energy). Nodes
whose whole 2-hop neighbourhood lies inside the batch (:func:`interior_nodes`) get the full
graph's step, to rounding: the entropy step at node :math:`i` reads :math:`x_i`, its neighbours,
their energies and their degrees.

``PyG``'s ``NeighborLoader``, ``ClusterData`` and GraphSAINT samplers keep more edges per batch;
they need ``pyg-lib`` or ``torch-sparse`` and can replace :func:`partition_loader` where those are
installed (the models take any ``edge_index``).
"""
from __future__ import annotations

import copy
import math
import operator
import resource
import time
from typing import Any, Callable, Iterable

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import Tensor, nn
from torch.utils.data import DistributedSampler
from torch_geometric.data import Data
from torch_geometric.loader import RandomNodeLoader

from .entropy import NonFiniteEnergyError
from .history import HISTORY_KEYS, best_epoch_summary, record_split_metrics

__all__ = ["interior_nodes", "partition_loader", "predict", "train_partitions", "peak_memory_bytes"]


SEED_STRIDE = 1_000_003  # seeds far apart, so that seed s never meets seed s + 1's shuffles an epoch later


def partition_loader(data: Data, num_parts: int, seed: int = 0, epoch: int = 0, rank: int = 0,
                     world_size: int = 1, shuffle: bool = True) -> RandomNodeLoader:
    r"""The batches of rank ``rank`` in epoch ``epoch``: the nodes are shuffled (from ``seed`` and
    ``epoch``, the same on every rank), split evenly over the ``world_size`` ranks
    (``DistributedSampler``: the last :math:`n \bmod R` nodes of the shuffle are left out, so that
    every rank takes as many steps), and each rank's share is cut by PyG's ``RandomNodeLoader``
    into batches of :math:`\lceil n / Q \rceil` nodes (:math:`Q` = ``num_parts``,
    :math:`R` = ``world_size``). Each rank takes :math:`Q / R` batches when :math:`n > Q^2 / R`
    (fewer, never more, on tiny graphs), and all ranks take as many.

    Every batch is ``data.subgraph(nodes)`` (the edges with both ends in the batch) and carries
    ``node_id``, the batch's nodes in ``data``.

    Args:
        data (Data): the graph (on the CPU; move each batch to a device).
        num_parts (int): :math:`Q`, batches per epoch over all ranks, a multiple of :math:`R`.
        seed (int, optional): the run's seed (default: ``0``).
        epoch (int, optional): reshuffles every epoch (default: ``0``).
        rank (int, optional): this rank (default: ``0``).
        world_size (int, optional): :math:`R` (default: ``1``).
        shuffle (bool, optional): ``False`` keeps the node order (default: ``True``).

    Shapes:
        batch ``x`` [b, F], ``edge_index`` [2, m_b], ``node_id`` [b].
    """
    try:
        num_parts, world_size, rank = operator.index(num_parts), operator.index(world_size), operator.index(rank)
    except TypeError:
        raise ValueError(f"partition_loader: num_parts, rank and world_size must be integers, got "
                         f"{num_parts!r}, {rank!r} and {world_size!r}.") from None
    if world_size < 1 or not 0 <= rank < world_size:
        raise ValueError(f"partition_loader: rank must lie in [0, world_size), got rank {rank} of {world_size}.")
    if num_parts < 1 or num_parts % world_size:
        raise ValueError(f"partition_loader: num_parts must be a positive multiple of the {world_size} rank(s), "
                         f"got {num_parts}.")
    if num_parts > data.num_nodes:
        raise ValueError(f"partition_loader: {num_parts} partitions of a graph of {data.num_nodes} nodes would "
                         "leave batches empty; lower num_parts.")
    labelled = copy.copy(data)
    labelled.node_id = torch.arange(data.num_nodes)
    sampler = DistributedSampler(range(data.num_nodes), num_replicas=world_size, rank=rank, shuffle=shuffle,
                                 seed=seed * SEED_STRIDE, drop_last=True)
    sampler.set_epoch(epoch)
    return RandomNodeLoader(labelled, num_parts, sampler=sampler)


def interior_nodes(edge_index: Tensor, num_nodes: int, nodes: Tensor, hops: int = 1) -> Tensor:
    r"""Which of ``nodes`` have their whole ``hops``-hop neighbourhood inside ``nodes``.

    On the subgraph induced by ``nodes``, a layer that reads a node's :math:`k`-hop neighbourhood
    gives such a node the same output as on the full graph. Both a ``GCNConv`` row (it reads
    the neighbours' degrees) and the entropy step (it reads the neighbours' energies and
    :math:`a_j`) need 2 hops.

    Shapes:
        **edge_index** [2, m] of the full graph (symmetric), **nodes** [b] -> bool [b]
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
    full graph (``num_parts=1``) or batch by batch on ``num_parts`` random partitions (those of
    epoch 0, which training never uses). Batches go to the model's device; the logits come back
    there."""
    model.eval()
    device = _device(model)
    with torch.no_grad():
        if num_parts == 1:
            return model(data.x.to(device), data.edge_index.to(device))
        logits = None
        for batch in partition_loader(data, num_parts, seed, shuffle=True):
            batch = batch.to(device)
            out = model(batch.x, batch.edge_index)
            if logits is None:
                logits = out.new_zeros(data.num_nodes, out.size(1))
            logits[batch.node_id] = out
        # one rank: drop_last leaves no node out, so every row is written
        return logits


def peak_memory_bytes() -> int:
    """This process's peak resident memory so far (``getrusage``; Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _device(model: nn.Module) -> torch.device:
    parameter = next(model.parameters(), None)
    return parameter.device if parameter is not None else torch.device("cpu")


def _batch_steps(model: nn.Module, optimizer: torch.optim.Optimizer, loaders: list[Iterable[Data]]) -> tuple[float, int]:
    """One epoch: step ``s`` averages the gradients of batch ``s`` of every loader (one loader per
    rank this process plays). Returns the summed training loss and the nodes processed."""
    total, nodes, device = 0.0, 0, _device(model)
    for batches in zip(*loaders):
        optimizer.zero_grad()
        for batch in batches:
            batch = batch.to(device)
            logits = model(batch.x, batch.edge_index)
            loss = F.cross_entropy(logits[batch.train_mask], batch.y[batch.train_mask], reduction="sum")
            (loss / len(batches)).backward()
            total += float(loss.detach())
            nodes += batch.num_nodes
        optimizer.step()
    return total, nodes


def _all_ranks_sum(value: float, distributed: bool, device: torch.device) -> float:
    """``value`` summed over the ranks of a DDP job (so that every rank takes the same decisions)."""
    if not distributed:
        return value
    tensor = torch.tensor([value], dtype=torch.float64, device=device)
    dist.all_reduce(tensor)
    return float(tensor)


def train_partitions(model: nn.Module, data: Data, config: dict[str, Any], rank: int = 0, world_size: int = 1,
                     ranks: list[int] | None = None, evaluate: bool = True,
                     on_epoch: Callable[[int], None] | None = None) -> dict[str, Any]:
    r"""Train ``model`` (seeded by the caller) on random node partitions of ``data`` with paper 1's
    protocol (Adam, cosine annealing over the epochs, cross-entropy summed over each batch's
    training nodes, one step per batch): ``config["num_parts"]`` batches per epoch over all
    ranks (:func:`partition_loader`), ``config["epochs"]`` epochs.

    ``model`` may be wrapped in ``DistributedDataParallel``: this process is then rank ``rank`` of
    ``world_size`` and takes its own partitions, and DDP averages the ranks' gradients, so an
    epoch is :math:`Q / R` steps. With ``ranks`` (one process, no DDP), every step averages the
    gradients of those ranks' batches instead: the same updates as a DDP job of ``world_size``
    ranks. Batches move to the model's device; ``data`` stays where it is (the CPU).

    After every ``config.get("eval_every", 1)``-th epoch (and the last) the model predicts every
    node (:func:`predict`, on the full graph or on ``config.get("eval_parts", 1)`` partitions)
    and the train/val/test accuracy and loss are recorded. ``on_epoch(epoch)`` is called after
    every epoch (a progress bar, a checkpoint). A non-finite loss (summed over the ranks) stops
    every rank; a diverging entropy step (:class:`~energygnn.entropy.NonFiniteEnergyError`) stops a
    one-process run with its reason and raises in a DDP job (which then stops).

    Returns:
        dict: ``status``; the best-validation summary of full-batch training (``best_epoch`` as
        the epoch number) when evaluated; ``history`` (per evaluated epoch the split metrics and
        ``epoch_seconds``; per epoch ``train_batch_loss``, this process's summed batch losses, and
        ``train_epoch_seconds``); ``train_seconds``, ``train_nodes`` (batch nodes processed, all
        of them, not only training nodes), ``nodes_per_second`` and ``peak_memory_bytes``.
    """
    missing = [key for key in ("num_parts", "epochs", "lr", "seed") if key not in config]
    if missing:
        raise ValueError(f"train_partitions: the config lacks {', '.join(missing)}; it needs num_parts, epochs, lr "
                         "and seed (eval_every, eval_parts and weight_decay are optional).")
    wrapped = isinstance(model, nn.parallel.DistributedDataParallel)
    if wrapped and ranks is not None:
        raise ValueError("train_partitions: a DistributedDataParallel model takes its own rank's batches; "
                         "pass ranks only to a plain model in one process.")
    if data.num_nodes < world_size:
        raise ValueError(f"train_partitions: {world_size} ranks cannot share a graph of {data.num_nodes} nodes.")
    ranks = [rank] if ranks is None else list(ranks)
    distributed = wrapped and world_size > 1 and dist.is_available() and dist.is_initialized()
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
        try:
            loss, nodes = _batch_steps(model, optimizer, loaders)
        except NonFiniteEnergyError as error:
            if distributed:
                raise
            status = f"stopped at epoch {epoch}: {error}"
            break
        scheduler.step()
        history["train_epoch_seconds"].append(time.perf_counter() - start)
        train_seconds += history["train_epoch_seconds"][-1]
        nodes_seen += nodes
        history["train_batch_loss"].append(loss)
        all_ranks = _all_ranks_sum(loss, distributed, _device(model))
        if not math.isfinite(all_ranks):
            status = f"stopped at epoch {epoch}: non-finite training loss {all_ranks}"
            break
        if evaluate and (epoch % eval_every == 0 or epoch == config["epochs"]):
            logits = predict(_inner(model), data, config.get("eval_parts", 1), config["seed"]).cpu()
            record_split_metrics(history, logits, data)
            history["epoch_seconds"].append(time.perf_counter() - start)
            history["evaluated_epochs"].append(epoch)
        if on_epoch is not None:
            on_epoch(epoch)
    summary = best_epoch_summary(history) if history["val_acc"] else {}
    if summary:  # the summary counts evaluations; report the epoch
        summary["best_epoch"] = history["evaluated_epochs"][summary["best_epoch"] - 1]
    return {"status": status, **summary, "history": history, "train_seconds": train_seconds,
            "train_nodes": nodes_seen,
            "nodes_per_second": nodes_seen / train_seconds if train_seconds > 0 else float("nan"),
            "peak_memory_bytes": peak_memory_bytes()}


def _inner(model: nn.Module) -> nn.Module:
    return model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model
