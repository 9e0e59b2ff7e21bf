r"""Where SGLD's chains go on the six-node graph of ``book/small_graph``: a tiny GCN classifier read
as a JEM energy, :math:`E_\theta(x_i) = -\operatorname{LSE}_i(X)`, and a few chains drawn step by step.

As in paper 2 (:class:`~energygnn.ebm.sampler.GraphSampler`), a sample is not a free-standing
input: it replaces the row :math:`x_i` of one node :math:`i \in \mathcal S` in the feature matrix,
giving :math:`\tilde X`, and its energy is read at that node of the whole graph, so it depends
on the neighbours' real features. The chains use the package's SGLD
(:func:`~energygnn.ebm.sgld.langevin_dynamics`); nothing here changes it.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from ...ebm.gcn import TwoLayerGCN, normalized_adjacency
from ...ebm.sampler import GraphSampler
from ...ebm.sgld import langevin_dynamics
from . import SmallGraph


def tiny_classifier(graph: SmallGraph, hidden: int = 8, epochs: int = 300, lr: float = 0.05,
                    seed: int = 0) -> TwoLayerGCN:
    r"""A :class:`~energygnn.ebm.gcn.TwoLayerGCN` (no dropout) trained by cross-entropy on all six
    nodes' classes (their triangles), float64, returned in evaluation mode. Its logits define the
    energy :math:`E_\theta(x_i) = -\log \sum_y \exp f_\theta(A, X)[i, y]`.

    Args:
        graph (SmallGraph): the graph, features and classes.
        hidden (int, optional): hidden width (default: ``8``).
        epochs (int, optional): full-batch Adam steps (default: ``300``).
        lr (float, optional): Adam's learning rate (default: ``0.05``).
        seed (int, optional): seed of the initial weights (default: ``0``).
    """
    torch.manual_seed(seed)
    model = TwoLayerGCN(graph.x.size(1), int(graph.y.max()) + 1, hidden, dropout=0.0).double()
    edge_index, edge_weight = _weights(graph)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    for _ in range(epochs):
        optimiser.zero_grad()
        F.cross_entropy(model(graph.x, edge_index, edge_weight), graph.y).backward()
        optimiser.step()
    return model.eval()


def _weights(graph: SmallGraph) -> tuple[Tensor, Tensor]:
    edge_index, edge_weight = normalized_adjacency(graph.edge_index, graph.x.size(0))
    return edge_index, edge_weight.double()


def replaced_features(graph: SmallGraph, nodes: Tensor, samples: Tensor) -> Tensor:
    r""":math:`\tilde X`: the features with the rows ``nodes`` replaced by ``samples`` [b, c]."""
    return graph.x.index_copy(0, nodes, samples.to(graph.x.dtype))


def node_energy_landscape(model: TwoLayerGCN, graph: SmallGraph, node: int, grid: np.ndarray) -> np.ndarray:
    r"""The energy :math:`E_\theta` read at ``node`` when its row is replaced by each point of ``grid``
    [g, 2] (every other row real): :math:`-\operatorname{LSE}_i(\tilde X)`, [g]."""
    edge_index, edge_weight = _weights(graph)
    nodes = torch.tensor([node])
    sampler = GraphSampler(model, graph.x, edge_index, edge_weight, nodes, method="full", partition="none")
    with torch.no_grad():
        return np.array([-float(sampler.log_sum_exp(torch.as_tensor(point, dtype=graph.x.dtype).view(1, -1))[0][0])
                         for point in grid])


class Chains(NamedTuple):
    r"""SGLD chains over the rows ``nodes``: ``positions`` [chains, steps + 1, b, 2] (the start and
    every step) and ``energies`` [chains, steps + 1] (what SGLD descends,
    :math:`-\sum_{i \in \mathcal S} \operatorname{LSE}_i(\tilde X) / |Z|`, before each step and after the last)."""
    nodes: Tensor
    positions: np.ndarray
    energies: np.ndarray

    def travelled(self) -> float:
        """How far the chains went: the distance from start to end, averaged over chains and nodes."""
        return float(np.linalg.norm(self.positions[:, -1] - self.positions[:, 0], axis=-1).mean())


def sgld_chains(model: TwoLayerGCN, graph: SmallGraph, nodes, chains: int = 4, steps: int = 20,
                step_size: float = 1.0, noise_std: float = 0.01, seed: int = 0, partition: str = "none") -> Chains:
    r"""``chains`` independent SGLD runs, each started from :math:`\mathcal U(-1, 1)` (a fresh
    replay-buffer entry) and placed at the rows ``nodes`` of the graph, with paper 2's
    :math:`\alpha = 1`, :math:`\sigma = 0.01`, :math:`\eta = 20` as defaults, and by default plain
    JEM energies (``partition="none"``, i.e. :math:`Z = 1`).

    Args:
        model (TwoLayerGCN): the classifier, in evaluation mode.
        graph (SmallGraph): the graph and its real features.
        nodes (list[int]): the batch :math:`\mathcal S` whose rows the samples replace.
        chains (int, optional): number of chains (default: ``4``).
        steps (int, optional): :math:`\eta` (default: ``20``).
        step_size (float, optional): :math:`\alpha` (default: ``1.0``).
        noise_std (float, optional): :math:`\sigma` (default: ``0.01``).
        seed (int, optional): seed of the starts and the noise (default: ``0``).
        partition (str, optional): the reading of paper 2's renormaliser :math:`Z`
            (``energygnn.ebm.sampler.PARTITIONS``); SGLD then descends
            :math:`-\sum_{i \in \mathcal S} \operatorname{LSE}_i(\tilde X) / |Z(\tilde X)|` (default: ``"none"``).
    """
    nodes = torch.as_tensor(nodes, dtype=torch.long)
    edge_index, edge_weight = _weights(graph)
    sampler = GraphSampler(model, graph.x, edge_index, edge_weight, nodes, method="full", partition=partition)
    generator = torch.Generator().manual_seed(seed)
    positions, energies = [], []
    for _ in range(chains):
        start = (2 * torch.rand(nodes.numel(), graph.x.size(1), generator=generator, dtype=graph.x.dtype) - 1)
        path, values = [], []

        def record(t, x, value):
            path.append(x.clone())
            values.append(float(value))

        last = langevin_dynamics(start, sampler.energy, steps, step_size, noise_std, generator, callback=record)
        path.append(last)
        with torch.no_grad():
            values.append(float(sampler.energy(last)))
        positions.append(torch.stack(path).numpy())
        energies.append(values)
    return Chains(nodes, np.stack(positions), np.array(energies))
