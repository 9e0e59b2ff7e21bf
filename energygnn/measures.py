r"""Oversmoothing measures of node features :math:`X \in \mathbb R^{n \times c}`: the raw Dirichlet
energy that paper 1 measures, and the scale-free energies and ranks with which the field now
measures oversmoothing.

* :func:`raw_energy`: :math:`E(X) = \frac{1}{n} \sum_i \sum_{j \in \mathcal N(i)} \lVert x_i - x_j \rVert^2`
  (the survey's energy, twice the mean node energy with :math:`a_i = 1`). It falls when the
  rows become alike *and* when they merely shrink.
* :func:`scale_free_energy`: :math:`E(X) / \lVert X \rVert_F^2`, and its centred form
  :math:`E(X) / \lVert X - \mathbf 1 \bar x^\top \rVert_F^2` (Rusch, Bronstein and Mishra 2023
  ask a measure to be blind to scale): unchanged when :math:`X` is multiplied by a number.
* :func:`numerical_rank`: :math:`\lVert X \rVert_F^2 / \lVert X \rVert_2^2 = \sum_k \sigma_k^2 / \sigma_1^2`,
  between 1 (rank one) and :math:`\operatorname{rank} X`;
* :func:`effective_rank`: :math:`\exp\big(-\sum_k p_k \log p_k\big)` with :math:`p_k = \sigma_k / \sum_l \sigma_l`
  (Roy and Vetterli 2007), also between 1 and :math:`\operatorname{rank} X`. Zhang, Deidda, Higham
  and Tudisco (2025) show both ranks tracking the accuracy of deep GNNs where energies stay flat.

Both ranks are unchanged by scaling and by orthogonal maps of the features (rotations of the
channels); neither looks at the graph. The raw energy and the centred scale-free energy are
unchanged by adding one vector to every row; both scale-free energies are unchanged by scaling.
"""
from __future__ import annotations

import math

import torch
from torch import Tensor

from .entropy import check_embeddings, node_energy
from .sparse import Adjacency

MEASURES = ("raw_energy", "scale_free_energy", "centred_scale_free_energy", "numerical_rank", "effective_rank")


def raw_energy(x: Tensor, edge_index: Tensor | Adjacency) -> float:
    r""":math:`E(X) = \frac{1}{n}\sum_i \sum_{j \in \mathcal N(i)} \lVert x_i - x_j \rVert^2` (each
    undirected edge counted from both ends). Invariant to adding one vector to every row."""
    check_embeddings(x, "raw_energy")
    return 2.0 * float(node_energy(x.detach(), edge_index).mean())


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else math.nan


def scale_free_energy(x: Tensor, edge_index: Tensor | Adjacency, centred: bool = False) -> float:
    r""":math:`E(X) / \lVert X \rVert_F^2`, or with ``centred`` :math:`E(X) / \lVert X - \mathbf 1 \bar x^\top \rVert_F^2`
    (NaN when the denominator is zero: all rows zero, or all equal). Invariant to scaling
    :math:`X`; the centred form also to adding one vector to every row."""
    check_embeddings(x, "scale_free_energy")
    x = x.detach()
    reference = x - x.mean(dim=0, keepdim=True) if centred else x
    return _ratio(raw_energy(x, edge_index), float(reference.square().sum()))


def _singular_values(x: Tensor) -> Tensor:
    return torch.linalg.svdvals(x.detach().double())


def numerical_rank(x: Tensor) -> float:
    r""":math:`\lVert X \rVert_F^2 / \lVert X \rVert_2^2`, in :math:`[1, \operatorname{rank} X]` (NaN
    for :math:`X = 0`). Invariant to scaling and to orthogonal maps of rows or channels."""
    check_embeddings(x, "numerical_rank")
    sigma = _singular_values(x)
    return _ratio(float(sigma.square().sum()), float(sigma[0].square())) if sigma.numel() else math.nan


def effective_rank(x: Tensor) -> float:
    r""":math:`\exp(-\sum_k p_k \log p_k)`, :math:`p_k = \sigma_k / \sum_l \sigma_l`, in
    :math:`[1, \operatorname{rank} X]` (NaN for :math:`X = 0`). Invariant to scaling and to
    orthogonal maps of rows or channels."""
    check_embeddings(x, "effective_rank")
    sigma = _singular_values(x)
    total = float(sigma.sum())
    if total <= 0:
        return math.nan
    p = sigma[sigma > 0] / total
    return math.exp(float(-(p * p.log()).sum()))


def all_measures(x: Tensor, edge_index: Tensor | Adjacency) -> dict[str, float]:
    """Every measure of ``MEASURES`` for one feature matrix."""
    return {"raw_energy": raw_energy(x, edge_index), "scale_free_energy": scale_free_energy(x, edge_index),
            "centred_scale_free_energy": scale_free_energy(x, edge_index, centred=True),
            "numerical_rank": numerical_rank(x), "effective_rank": effective_rank(x)}


def layer_measures(hidden: list[Tensor], edge_index: Tensor | Adjacency) -> dict[str, list[float]]:
    """Every measure of every hidden layer's features: ``{measure: [layer 1, ..., layer L]}``."""
    rows = [all_measures(h, edge_index) for h in hidden]
    return {name: [row[name] for row in rows] for name in MEASURES}
