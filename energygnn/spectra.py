r"""Spectra behind paper 2's Figures 1 and 2: of the adjacency matrix and of the feature covariance,
and the number of closed walks :math:`\operatorname{trace}(A^\ell) = \sum_i \mu_i^\ell`
(:math:`\mu_i` the eigenvalues of :math:`A`).
"""
from __future__ import annotations

import numpy as np
import scipy.sparse
import torch
from torch import Tensor

from .sparse import check_edge_index


def adjacency_matrix(edge_index: Tensor, num_nodes: int) -> scipy.sparse.csr_matrix:
    """The symmetric 0/1 adjacency (duplicates merged, self loops dropped) as a SciPy integer matrix."""
    check_edge_index(edge_index, num_nodes, "adjacency_matrix")
    row, col = edge_index.numpy()
    keep = row != col
    both = np.concatenate([row[keep], col[keep]]), np.concatenate([col[keep], row[keep]])
    matrix = scipy.sparse.coo_matrix((np.ones(len(both[0]), dtype=np.int64), both), shape=(num_nodes, num_nodes)).tocsr()
    matrix.data[:] = 1  # both directions of an edge were summed
    return matrix


def closed_walks(edge_index: Tensor, num_nodes: int, length: int = 3) -> int:
    r"""The exact number of closed walks of ``length`` steps, :math:`\operatorname{trace}(A^\ell)`,
    in integer arithmetic (6 per triangle for :math:`\ell = 3`)."""
    if not isinstance(length, int) or length < 1:
        raise ValueError(f"closed_walks: length must be a positive integer, got {length!r}.")
    matrix = adjacency_matrix(edge_index, num_nodes)
    power = matrix
    for _ in range(length - 2):
        power = power @ matrix
    if length == 1:
        return int(matrix.diagonal().sum())
    return int(power.multiply(matrix.T).sum())  # trace(P A) = sum_ij P_ij A_ji


def adjacency_spectrum(edge_index: Tensor, num_nodes: int) -> Tensor:
    """All eigenvalues of the adjacency matrix, ascending (dense ``eigvalsh`` in float64: fine for
    Cora's 2708 nodes; O(n^3) time and O(n^2) memory)."""
    dense = torch.from_numpy(adjacency_matrix(edge_index, num_nodes).toarray().astype(np.float64))
    return torch.linalg.eigvalsh(dense)


def covariance_spectrum(features: Tensor) -> Tensor:
    """Eigenvalues (ascending) of the sample covariance of ``features`` [samples, f], in float64."""
    if features.dim() != 2 or features.size(0) < 2:
        raise ValueError(f"covariance_spectrum: features must be [samples >= 2, f], got {list(features.shape)}.")
    return torch.linalg.eigvalsh(torch.cov(features.double().t()))
