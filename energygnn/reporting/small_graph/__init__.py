r"""Message passing on a six-node graph, by hand: what the chapter ``book/small_graph`` shows.

The graph is two triangles joined by one edge (``SMALL_GRAPH_EDGES``), with 2-D features, so that
every embedding can be drawn as six points in the plane. The chapter computes GCN's propagation
matrix :math:`\tilde A = \hat D^{-1/2} \hat A \hat D^{-1/2}`, :math:`\hat A = A + I`, by hand
(:func:`propagation_by_hand`), repeats :math:`X \leftarrow \tilde A X` with and without paper 1's
entropy step (:func:`layer_embeddings`), and precomputes the frames of an interactive figure over
depth, :math:`\lambda` and :math:`T` (:func:`embedding_frames`).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor

from ...entropy import dirichlet_energy, entropy_ascent
from ...sparse import Adjacency

#: The six nodes' undirected edges (triangle 0-1-2, triangle 3-4-5, and the bridge 2-3).
SMALL_GRAPH_EDGES = ((0, 1), (0, 2), (1, 2), (2, 3), (3, 4), (3, 5), (4, 5))
#: The starting 2-D features, one row per node (each triangle on its own side of the plane).
SMALL_GRAPH_FEATURES = ((-1.0, 0.4), (-0.5, 1.0), (-0.2, 0.1), (0.4, -0.1), (0.7, -0.9), (1.1, -0.3))
#: Each node's triangle, 0 or 1 (the two classes of the SGLD section).
SMALL_GRAPH_LABELS = (0, 0, 0, 1, 1, 1)


class SmallGraph(NamedTuple):
    """The six-node graph: ``edge_index`` [2, 14] (each edge both ways, no self loops), ``x`` [6, 2]
    float64 features, ``y`` [6] classes, and its :class:`~energygnn.sparse.Adjacency`."""
    edge_index: Tensor
    x: Tensor
    y: Tensor
    adjacency: Adjacency


def small_graph() -> SmallGraph:
    """The chapter's graph (``SMALL_GRAPH_EDGES``, ``SMALL_GRAPH_FEATURES``, ``SMALL_GRAPH_LABELS``)."""
    edges = torch.tensor(SMALL_GRAPH_EDGES).t()
    edge_index = torch.cat([edges, edges.flip(0)], dim=1)
    x = torch.tensor(SMALL_GRAPH_FEATURES, dtype=torch.float64)
    return SmallGraph(edge_index, x, torch.tensor(SMALL_GRAPH_LABELS), Adjacency(edge_index, x.size(0)))


class Propagation(NamedTuple):
    r"""The matrices of GCN's propagation, dense (numpy): ``A``, ``A_hat`` :math:`= A + I`, the degrees
    ``degree_hat`` of :math:`\hat A` (so :math:`\hat D` = ``diag(degree_hat)``), ``D_hat_inv_sqrt``
    :math:`= \hat D^{-1/2}` and ``A_tilde`` :math:`= \hat D^{-1/2} \hat A \hat D^{-1/2}`."""
    A: np.ndarray
    A_hat: np.ndarray
    degree_hat: np.ndarray
    D_hat_inv_sqrt: np.ndarray
    A_tilde: np.ndarray


def propagation_by_hand(edge_index: Tensor, num_nodes: int) -> Propagation:
    r"""GCN's propagation matrix built step by step, densely, as one would on paper:
    :math:`\hat A = A + I`, :math:`\hat D_{ii} = \sum_j \hat A_{ij}`,
    :math:`\tilde A = \hat D^{-1/2} \hat A \hat D^{-1/2}`, i.e.
    :math:`\tilde A_{ij} = \hat A_{ij} / \sqrt{\hat d_i \hat d_j}`.

    Args:
        edge_index (Tensor): [2, m] symmetric edges without self loops.
        num_nodes (int): :math:`n`.
    """
    if edge_index.dim() != 2 or edge_index.size(0) != 2:
        raise ValueError(f"propagation_by_hand: edge_index must be [2, m], got {list(edge_index.shape)}.")
    if bool((edge_index[0] == edge_index[1]).any()):
        raise ValueError("propagation_by_hand: edge_index has self loops; pass the graph without them (A + I adds them).")
    adjacency = np.zeros((num_nodes, num_nodes))
    adjacency[edge_index[0].numpy(), edge_index[1].numpy()] = 1.0
    if not np.array_equal(adjacency, adjacency.T):
        raise ValueError("propagation_by_hand: the edges must be symmetric (each undirected edge both ways).")
    a_hat = adjacency + np.eye(num_nodes)
    degree_hat = a_hat.sum(axis=1)
    inv_sqrt = np.diag(degree_hat ** -0.5)
    return Propagation(adjacency, a_hat, degree_hat, inv_sqrt, inv_sqrt @ a_hat @ inv_sqrt)


def layer_embeddings(graph: SmallGraph, depth: int, weight: float = 0.0, temperature: float = 1.0) -> Tensor:
    r"""The embeddings after every layer of weight-free GCN propagation, with an entropy step
    after each propagation when ``weight`` :math:`\lambda > 0`:

    .. math::
        X^{(0)} = X, \qquad X^{(\ell)} = H + \lambda \, \nabla_H S(H), \quad H = \tilde A X^{(\ell - 1)},

    with Theorem 3.1's exact gradient and :math:`a_i = 1`
    (:func:`energygnn.entropy.entropy_ascent`).

    Args:
        graph (SmallGraph): the graph and its features.
        depth (int): number of layers :math:`L \ge 0`.
        weight (float, optional): :math:`\lambda \ge 0`; ``0`` is plain smoothing (default: ``0.0``).
        temperature (float, optional): :math:`T > 0` (default: ``1.0``).

    Shapes:
        -> [depth + 1, n, c]: :math:`X^{(0)}, \dots, X^{(L)}`.
    """
    if not isinstance(depth, int) or depth < 0:
        raise ValueError(f"layer_embeddings: depth must be an integer >= 0, got {depth!r}.")
    if not weight >= 0:
        raise ValueError(f"layer_embeddings: weight (lambda) must be >= 0, got {weight!r}.")
    propagate = graph.adjacency.operator("gcn")
    x, layers = graph.x, [graph.x]
    for _ in range(depth):
        x = propagate.matmul(x)
        if weight > 0:
            x = entropy_ascent(x, graph.adjacency, temperature, normalize=False, weight=weight)
        layers.append(x)
    return torch.stack(layers)


class EmbeddingFrames(NamedTuple):
    r"""Precomputed embeddings for every depth, :math:`\lambda` and :math:`T`: ``positions``
    [len(weights), len(temperatures), depth + 1, n, 2] and the Dirichlet energies ``energy``
    [len(weights), len(temperatures), depth + 1] (mean node energy, :math:`a_i = 1`)."""
    weights: tuple[float, ...]
    temperatures: tuple[float, ...]
    positions: np.ndarray
    energy: np.ndarray


def embedding_frames(graph: SmallGraph, depth: int, weights, temperatures) -> EmbeddingFrames:
    r"""Every frame of the interactive figure: :func:`layer_embeddings` for each pair
    (:math:`\lambda`, :math:`T`) of ``weights`` x ``temperatures``, up to ``depth``.

    With :math:`\lambda = 0` the frames do not depend on :math:`T` (plain smoothing)."""
    weights, temperatures = tuple(float(w) for w in weights), tuple(float(t) for t in temperatures)
    positions = np.empty((len(weights), len(temperatures), depth + 1, graph.x.size(0), graph.x.size(1)))
    energy = np.empty((len(weights), len(temperatures), depth + 1))
    for a, weight in enumerate(weights):
        for b, temperature in enumerate(temperatures):
            layers = layer_embeddings(graph, depth, weight, temperature)
            positions[a, b] = layers.numpy()
            energy[a, b] = [float(dirichlet_energy(layer, graph.adjacency)) for layer in layers]
    return EmbeddingFrames(weights, temperatures, positions, energy)


def spread(x: Tensor) -> float:
    r"""How far apart the embeddings are: the root mean square distance of the rows from their
    mean, :math:`\sqrt{\frac1n \sum_i \lVert x_i - \bar x \rVert^2}`."""
    return float((x - x.mean(dim=0)).pow(2).sum(dim=1).mean().sqrt())


def draw_embedding(ax, x: Tensor | np.ndarray, edge_index: Tensor, colours=None, labels: bool = True, size: float = 60):
    """Draw 2-D embeddings ``x`` [n, 2] as points joined by the graph's edges on the matplotlib
    axis ``ax``, each node labelled with its index when ``labels``."""
    x = np.asarray(x)
    colours = colours if colours is not None else ["tab:blue"] * len(x)
    for s, t in edge_index.t().tolist():
        if s < t:
            ax.plot(*x[[s, t]].T, color="0.6", lw=1, zorder=1)
    ax.scatter(*x.T, c=colours, s=size, zorder=3, edgecolors="k", linewidths=0.5)
    if labels:
        for i, (u, v) in enumerate(x):
            ax.annotate(str(i), (u, v), xytext=(4, 4), textcoords="offset points", fontsize=8, zorder=4)
