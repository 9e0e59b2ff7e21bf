r"""The entropy step of paper 1 linearised at small energies, and what it does to a GCN layer.

When every node's energy is far below the temperature (:math:`E_i \ll T`, the oversmoothed
regime), :math:`\bar P_i = e^{-E_i/T}(1 - E_i/T) \approx 1` and the exact step (Theorem 3.1)
becomes linear in :math:`X`:

.. math::
    x_i \leftarrow x_i + \frac{\lambda}{T} \sum_{j \in \mathcal{N}(i)} (a_i + a_j)(x_i - x_j),
    \qquad X \leftarrow (I + \lambda L_a) X,

with :math:`L_a` the graph Laplacian whose edge :math:`(i, j)` weighs :math:`(a_i + a_j)/T`:
an *anti*-diffusion that amplifies a signal's non-constant components, each by
:math:`1 + \lambda \mu_k` for an eigenvalue :math:`\mu_k` of :math:`L_a`. The authors' direction
weighs the edge :math:`2 a_i` instead (no :math:`1/T`). A GCN layer propagates with
:math:`\hat A = \hat D^{-1/2} (A + I) \hat D^{-1/2}`, which shrinks the same components; the entropic
layer's propagation is :math:`(I + \lambda L_a) \hat A`. :func:`energy_growth_per_layer` compares
the two by their spectral radii, leaving out the weights and ReLU that both layers share.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse
import scipy.sparse.linalg
import torch
from torch import Tensor

from .entropy import energy_normalization
from .nn.entropic import EntropyAscent
from .sparse import as_adjacency


def linearised_step_matrix(edge_index: Tensor, num_nodes: int, weight: float, temperature: float,
                           normalize: bool, width: int, variant: str = "exact") -> scipy.sparse.csr_matrix:
    r""":math:`I + \lambda L_a`, the entropy step at :math:`\bar P_i = 1`, as a SciPy float64 matrix.

    Args:
        edge_index (Tensor): symmetric edges; self loops count in :math:`d_i` and add nothing else.
        num_nodes (int): :math:`n`.
        weight, temperature, normalize, variant: as in :class:`~energygnn.nn.entropic.EntropyAscent`.
        width (int): the embedding width :math:`c` in :math:`a_i = 1/\sqrt{d_i c}`.

    Shapes:
        **edge_index** [2, m] -> [n, n]
    """
    EntropyAscent(weight, temperature, normalize, variant=variant)  # the same checks, the same messages
    adjacency = as_adjacency(edge_index, num_nodes, "linearised_step_matrix")
    a = energy_constants(adjacency, num_nodes, width, normalize)
    row, col = adjacency.rows.numpy(), adjacency.neighbours.numpy()
    keep = row != col
    row, col = row[keep], col[keep]
    edge = (a[row] + a[col]) / temperature if variant == "exact" else 2 * a[row]
    laplacian = scipy.sparse.coo_matrix((-edge, (row, col)), shape=(num_nodes, num_nodes)).tocsr()
    laplacian = laplacian + scipy.sparse.diags(-np.asarray(laplacian.sum(axis=1)).ravel())
    return (scipy.sparse.identity(num_nodes, format="csr") + weight * laplacian).tocsr()


def energy_constants(edge_index: Tensor, num_nodes: int, width: int, normalize: bool) -> np.ndarray:
    r"""The constants :math:`a_i` of the node energies in a layer of width :math:`c` (``width``):
    :math:`1/\sqrt{d_i c}` (self loops count in :math:`d_i`) or 1, as float64, [n]."""
    adjacency = as_adjacency(edge_index, num_nodes, "energy_constants")
    return energy_normalization(adjacency.degree, width, normalize, torch.float64).numpy()


def gcn_propagation_matrix(edge_index: Tensor, num_nodes: int) -> scipy.sparse.csr_matrix:
    r""":math:`\hat A = \hat D^{-1/2}(A + I)\hat D^{-1/2}` (a loop added where there is none), float64."""
    adjacency = as_adjacency(edge_index, num_nodes, "gcn_propagation_matrix")
    row, col = adjacency.rows.numpy(), adjacency.neighbours.numpy()
    looped = scipy.sparse.coo_matrix((np.ones(len(row)), (row, col)), shape=(num_nodes, num_nodes)).tocsr()
    looped.data[:] = 1.0
    looped = looped.maximum(scipy.sparse.identity(num_nodes, format="csr"))
    scale = scipy.sparse.diags(1 / np.sqrt(np.asarray(looped.sum(axis=1)).ravel()))
    return (scale @ looped @ scale).tocsr()


def spectral_radius(matrix: scipy.sparse.spmatrix) -> float:
    """The largest eigenvalue magnitude (ARPACK, deterministic start)."""
    start = np.ones(matrix.shape[0]) / np.sqrt(matrix.shape[0])
    if matrix.shape[0] < 3:  # ARPACK needs k < n - 1
        return float(np.abs(np.linalg.eigvals(matrix.toarray())).max())
    value = scipy.sparse.linalg.eigs(matrix, k=1, which="LM", v0=start, return_eigenvectors=False)
    return float(np.abs(value).max())


def energy_growth_per_layer(edge_index: Tensor, num_nodes: int, weight: float, temperature: float,
                            normalize: bool, width: int, variant: str = "exact") -> float:
    r"""How much more the dominant component's energy grows per layer through the linearised
    entropic layer than through the GCN layer alone:
    :math:`\rho\big((I + \lambda L_a)\hat A\big)^2 / \rho(\hat A)^2` (energies are quadratic).
    Multiplied by a GCN's measured energy decay per layer, a value above 1 predicts that the
    step keeps the energy of deep untrained models; at most 1 predicts that it collapses as
    without the step. Valid while :math:`E_i \ll T`; once energies reach :math:`T` the step
    weakens (:math:`\bar P_i < 1`), which caps the growth."""
    step = linearised_step_matrix(edge_index, num_nodes, weight, temperature, normalize, width, variant)
    propagation = gcn_propagation_matrix(edge_index, num_nodes)
    return (spectral_radius(step @ propagation) / spectral_radius(propagation)) ** 2
