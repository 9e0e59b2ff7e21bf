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
:math:`\tilde A = \hat D^{-1/2} \hat A \hat D^{-1/2}`, :math:`\hat A = A + I` (the book's notation),
which shrinks the same components; the entropic layer's propagation is
:math:`(I + \lambda L_a) \tilde A`. :func:`energy_growth_per_layer` compares the two by their
spectral radii, leaving out the weights and ReLU that both layers share.

A spectral radius says how fast the *dominant* component grows, not how much Dirichlet energy
it carries. :math:`\rho(\tilde A) = 1` belongs to :math:`\hat D^{1/2}\mathbf 1`, which is nearly
constant and carries almost no energy; :func:`dominant_mode` says which eigenvector dominates
:math:`(I + \lambda L_a)\tilde A` and what energy it carries, against :math:`\hat D^{1/2}\mathbf 1`.
"""
from __future__ import annotations

from dataclasses import dataclass

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
    r""":math:`\tilde A = \hat D^{-1/2} \hat A \hat D^{-1/2}`, :math:`\hat A = A + I` (a loop added where
    there is none), float64."""
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
    :math:`\rho\big((I + \lambda L_a)\tilde A\big)^2 / \rho(\tilde A)^2` (energies are quadratic;
    :math:`\rho(\tilde A) = 1`). The two radii may belong to different eigenvectors: that of
    :math:`\tilde A` is :math:`\hat D^{1/2}\mathbf 1`, which carries almost no energy, and that of
    the entropic layer may be a rough one (:func:`dominant_mode` says which).
    Multiplied by a GCN's measured energy decay per layer, a value above 1 predicts that the
    step keeps the energy of deep untrained models; at most 1 predicts that it collapses as
    without the step. Valid while :math:`E_i \ll T`; once energies reach :math:`T` the step
    weakens (:math:`\bar P_i < 1`), which caps the growth."""
    step = linearised_step_matrix(edge_index, num_nodes, weight, temperature, normalize, width, variant)
    propagation = gcn_propagation_matrix(edge_index, num_nodes)
    return (spectral_radius(step @ propagation) / spectral_radius(propagation)) ** 2


@dataclass(frozen=True)
class DominantMode:
    r"""The eigenvector :math:`v` of largest eigenvalue magnitude of a propagation matrix, and the
    Dirichlet energy it carries.

    Args:
        eigenvalue: its eigenvalue (real part; the matrices here have real spectra, or nearly).
        rayleigh: :math:`v^\top L v / v^\top v` with :math:`L = D - A` the graph's Laplacian (no
            loops), between 0 (constant) and :math:`\lambda_{\max}(L)` (the roughest mode).
        scale_free_energy: :math:`E(v) / \lVert v \rVert^2 = \frac{2}{n} v^\top L v / v^\top v`,
            as :func:`energygnn.measures.scale_free_energy` measures it.
        cosine: :math:`|\cos|` of the angle between :math:`v` and :math:`\hat D^{1/2}\mathbf 1`.
        reference_rayleigh: the Rayleigh quotient of :math:`\hat D^{1/2}\mathbf 1`, the dominant
            eigenvector of :math:`\tilde A` (:math:`\rho(\tilde A) = 1`).
        laplacian_top: :math:`\lambda_{\max}(L)`, the largest Rayleigh quotient any vector has.
    """

    eigenvalue: float
    rayleigh: float
    scale_free_energy: float
    cosine: float
    reference_rayleigh: float
    laplacian_top: float

    @property
    def energy_ratio(self) -> float:
        """The dominant eigenvector's Rayleigh quotient over that of :math:`\hat D^{1/2}\mathbf 1`."""
        return self.rayleigh / self.reference_rayleigh

    @property
    def kind(self) -> str:
        r"""``"smooth"`` where :math:`\hat D^{1/2}\mathbf 1` still dominates (cosine above 0.99),
        ``"rough"`` where the dominant eigenvector's Rayleigh quotient is above half
        :math:`\lambda_{\max}(L)`, ``"mixed"`` otherwise."""
        if self.cosine > 0.99:
            return "smooth"
        return "rough" if self.rayleigh > self.laplacian_top / 2 else "mixed"


def graph_laplacian(edge_index: Tensor, num_nodes: int) -> np.ndarray:
    r""":math:`L = D - A` of the graph without its self loops (each undirected edge listed both
    ways, as :func:`energygnn.measures.raw_energy` reads it), dense float64 [n, n]: so that
    :math:`E(x) = \frac{2}{n} x^\top L x` for one channel."""
    adjacency = as_adjacency(edge_index, num_nodes, "graph_laplacian")
    row, col = adjacency.rows.numpy(), adjacency.neighbours.numpy()
    keep = row != col
    matrix = np.zeros((num_nodes, num_nodes))
    np.add.at(matrix, (row[keep], col[keep]), 1.0)
    matrix = np.maximum(matrix, matrix.T)  # an edge listed once counts as undirected, as listed twice
    return np.diag(matrix.sum(axis=1)) - matrix


def _rayleigh(laplacian: np.ndarray, vector: np.ndarray) -> float:
    return float(vector @ laplacian @ vector / (vector @ vector))


def dominant_mode(edge_index: Tensor, num_nodes: int, weight: float, temperature: float, normalize: bool,
                  width: int, variant: str = "exact") -> DominantMode:
    r"""Which eigenvector dominates the linearised entropic layer :math:`(I + \lambda L_a)\tilde A`
    (with ``weight`` 0: :math:`\tilde A` itself) and how much Dirichlet energy it carries, against
    :math:`\hat D^{1/2}\mathbf 1` (dense eigendecomposition: for small graphs such as the grid).

    Arguments as in :func:`linearised_step_matrix`. Among eigenvalues of equal magnitude (to
    1e-9) the one whose eigenvector carries the most energy is taken."""
    step = linearised_step_matrix(edge_index, num_nodes, weight, temperature, normalize, width, variant)
    propagation = gcn_propagation_matrix(edge_index, num_nodes)
    values, vectors = np.linalg.eig((step @ propagation).toarray())
    laplacian = graph_laplacian(edge_index, num_nodes)
    magnitude = np.abs(values)
    ties = np.flatnonzero(magnitude >= magnitude.max() * (1 - 1e-9))
    candidates = [np.real(vectors[:, k]) if np.linalg.norm(np.real(vectors[:, k])) > 1e-12 else np.imag(vectors[:, k])
                  for k in ties]
    best = max(range(len(ties)), key=lambda k: _rayleigh(laplacian, candidates[k]))
    vector, value = candidates[best], float(np.real(values[ties[best]]))
    reference = propagation_eigenvector(edge_index, num_nodes).numpy()[:, 0]
    rayleigh = _rayleigh(laplacian, vector)
    cosine = float(abs(vector @ reference) / (np.linalg.norm(vector) * np.linalg.norm(reference)))
    return DominantMode(value, rayleigh, 2 * rayleigh / num_nodes, cosine, _rayleigh(laplacian, reference),
                        float(np.linalg.eigvalsh(laplacian)[-1]))


def propagation_eigenvector(edge_index: Tensor, num_nodes: int) -> Tensor:
    r""":math:`\hat D^{1/2}\mathbf 1`, the eigenvector of :math:`\tilde A` with eigenvalue 1 (its
    spectral radius), as float64 [n, 1] (:math:`\hat d_i`: degrees with a loop on every node)."""
    propagation = gcn_propagation_matrix(edge_index, num_nodes)
    return torch.from_numpy(np.asarray(propagation.diagonal()) ** -0.5).unsqueeze(1)
