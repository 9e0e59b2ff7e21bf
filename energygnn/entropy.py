r"""Node energies, their Boltzmann entropy and its exact gradient (paper 1, Sections 2-3).

For embeddings :math:`X \in \mathbb{R}^{n \times c}` on a symmetric graph, with a per-node
constant :math:`a_i` (:math:`1`, or :math:`1/\sqrt{d_i c}` when ``normalize=True``):

.. math::
    E_i = \frac{a_i}{2} \sum_{j \in \mathcal{N}(i)} \lVert x_i - x_j \rVert^2, \qquad
    p_i = e^{-E_i / T}, \qquad
    S = -\sum_i p_i \log p_i = \sum_i e^{-E_i/T} \frac{E_i}{T},

and, with :math:`\bar P_i = p_i (1 + \log p_i) = p_i (1 - E_i / T)` (Theorem 3.1),

.. math::
    \frac{\partial S}{\partial x_i} = \frac{1}{T} \sum_{j \in \mathcal{N}(i)}
        \left(a_i \bar P_i + a_j \bar P_j\right) (x_i - x_j).

Every function costs :math:`O((n + m) c)` time and memory; nothing dense of size
:math:`n \times n` is formed (except in :func:`entropy_gradient_dense`, the reference that
mirrors the authors' first implementation). Self loops contribute nothing to the energies
(:math:`x_i - x_i = 0`) but count in :math:`d_i`; isolated nodes have zero energy.

Where no gradient has to flow through them, the energies and the step run in two compiled
loops over the neighbour lists (:mod:`energygnn.native`); elsewhere, or when those cannot be
built, in sparse products and element-wise PyTorch operations. Both give the same numbers up to
rounding (tested).
"""
from __future__ import annotations

import math
import threading
from typing import NamedTuple

import torch
from torch import Tensor

from . import native
from .sparse import Adjacency, as_adjacency

# Edges per block in node_energy: bounds the [block, c] temporary of edge differences.
_EDGE_BLOCK_ELEMENTS = 1 << 24


def check_embeddings(x: Tensor, caller: str, finite: bool = True) -> None:
    """Raise ``ValueError`` (naming ``caller``) unless ``x`` is a 2-D floating-point [n, c] tensor,
    finite when ``finite``."""
    if not isinstance(x, Tensor) or x.dim() != 2:
        shape = list(x.shape) if isinstance(x, Tensor) else type(x).__name__
        raise ValueError(f"{caller}: x must be a 2-D tensor of shape [n, c], got {shape}.")
    if not x.is_floating_point():
        raise ValueError(f"{caller}: x must be a floating-point tensor, got {x.dtype}.")
    if finite and not bool(torch.isfinite(x).all()):
        raise ValueError(f"{caller}: x contains NaN or infinite values; the energies are undefined.")


class NonFiniteEnergyError(ValueError):
    """The node energies are NaN or infinite: the embeddings are, or their energies overflow the
    dtype. In training this means a diverging model (e.g. a large entropy step), which training
    loops may record as the run's outcome rather than fail."""


def _check_energy(energy: Tensor, x: Tensor, caller: str) -> None:
    """Checking the [n] energies is cheaper than checking the [n, c] input: any NaN or inf in x
    makes every energy NaN (through the centring), so x itself is only inspected on failure."""
    if not bool(torch.isfinite(energy).all()):
        try:
            check_embeddings(x, caller)
        except ValueError as error:
            raise NonFiniteEnergyError(str(error)) from None
        raise NonFiniteEnergyError(f"{caller}: the node energies overflow in {x.dtype}; scale the embeddings "
                                   "down or use float64.")


def _check_temperature(temperature: float, caller: str) -> None:
    if isinstance(temperature, Tensor):
        temperature = float(temperature)
    if not isinstance(temperature, (int, float)) or not math.isfinite(temperature) or temperature <= 0:
        raise ValueError(f"{caller}: temperature must be a finite number > 0, got {temperature!r}.")


def energy_normalization(degree: Tensor, width: int, normalize: bool, dtype: torch.dtype) -> Tensor:
    r"""The constants :math:`a_i`: all ones, or :math:`1/\sqrt{d_i c}` (isolated nodes: :math:`1/\sqrt{c}`,
    which is harmless because their energy is zero)."""
    if not normalize:
        return torch.ones(degree.numel(), dtype=dtype, device=degree.device)
    return (degree.clamp(min=1).to(dtype) * width).rsqrt()


def boltzmann_p_bar(energy: Tensor, temperature: float) -> Tensor:
    r""":math:`\bar P_i = p_i (1 + \log p_i) = e^{-E_i/T} (1 - E_i/T)`, Eq. (4), from the energies."""
    return torch.exp(-energy / temperature) * (1 - energy / temperature)


def node_energy(x: Tensor, edge_index: Tensor | Adjacency, normalize: bool = False) -> Tensor:
    r"""Dirichlet energy of every node, Eq. (1) of the paper:
    :math:`E_i = \frac{a_i}{2} \sum_{j \in \mathcal{N}(i)} \lVert x_i - x_j \rVert^2`.

    Computed from the edge differences themselves (in blocks), so that tiny energies of nearly
    smooth embeddings keep their relative precision; differentiable.

    Args:
        x (Tensor): node embeddings.
        edge_index (Tensor or Adjacency): symmetric edges (each undirected edge in both directions).
        normalize (bool, optional): use :math:`a_i = 1/\sqrt{d_i c}` instead of :math:`a_i = 1`
            (default: ``False``).

    Shapes:
        **x** [n, c], **edge_index** [2, m] -> [n]
    """
    check_embeddings(x, "node_energy")
    return _node_energy(x, as_adjacency(edge_index, x.size(0), "node_energy"), normalize)


def _node_energy(x: Tensor, adjacency: Adjacency, normalize: bool) -> Tensor:
    n, c = x.shape
    row, col = adjacency.edge_index
    block = max(1, _EDGE_BLOCK_ELEMENTS // max(c, 1))
    squared = x.new_zeros(n)
    for start in range(0, row.numel(), block):
        r, k = row[start:start + block], col[start:start + block]
        squared = squared.index_add(0, r, (x[r] - x[k]).pow(2).sum(dim=1))
    a = energy_normalization(adjacency.degree, c, normalize, x.dtype)
    return 0.5 * a * squared


def dirichlet_energy(x: Tensor, edge_index: Tensor | Adjacency, normalize: bool = False) -> Tensor:
    r"""Dirichlet energy of the graph: the mean :math:`\frac{1}{n} \sum_i E_i` of
    :func:`node_energy`. Returns a scalar tensor."""
    return node_energy(x, edge_index, normalize).mean()


def entropy(x: Tensor, edge_index: Tensor | Adjacency, temperature: float,
            normalize: bool = False) -> Tensor:
    r"""Entropy of the unnormalised Boltzmann weights, Eq. (3):
    :math:`S = -\sum_i p_i \log p_i = \sum_i e^{-E_i/T} E_i / T` with :math:`p_i = e^{-E_i/T}`.

    Evaluated in the second form, which stays finite when :math:`p_i` underflows. Differentiable.

    Args:
        x (Tensor): node embeddings [n, c].
        edge_index (Tensor or Adjacency): symmetric edges [2, m].
        temperature (float): :math:`T > 0`.
        normalize (bool, optional): :math:`a_i = 1/\sqrt{d_i c}` (default: ``False``).
    """
    check_embeddings(x, "entropy")
    _check_temperature(temperature, "entropy")
    adjacency = as_adjacency(edge_index, x.size(0), "entropy")
    scaled = _node_energy(x, adjacency, normalize) / temperature
    return (torch.exp(-scaled) * scaled).sum()


def _native_kernels(*tensors: Tensor, step: bool = False):
    """The compiled kernels where they apply (float CPU tensors, no gradient through them), else None.
    ``step``: the caller takes an entropy step with them (counted for the runs' provenance)."""
    x = tensors[0]
    kernels = None
    if x.device.type == "cpu" and x.dtype in (torch.float32, torch.float64) and not (
            torch.is_grad_enabled() and any(t.requires_grad for t in tensors)):
        kernels = native.kernels()
    if step:
        native.note_use(kernels is not None)
    return kernels


def _pair_weights(adjacency: Adjacency, weight: Tensor) -> tuple[Tensor, Tensor]:
    r"""The per-node :math:`s_i = \sum_j (w_i + w_j) = w_i d_i + (A w)_i` [n] and the per-edge
    :math:`w_i + w_j` [m] (in the order of ``rows`` and ``neighbours``)."""
    degree = adjacency.degree.to(weight.dtype)
    return weight * degree + adjacency @ weight, weight[adjacency.rows] + weight[adjacency.neighbours]


def _pair_weighted_difference(adjacency: Adjacency, x: Tensor, weight: Tensor) -> Tensor:
    r""":math:`\sum_{j \in \mathcal{N}(i)} (w_i + w_j)(x_i - x_j)`. Compiled: one loop over the
    neighbour lists. PyTorch: :math:`(w_i d_i + (A w)_i)\, x_i - \sum_{j} (w_i + w_j)\, x_j`, one
    edge-weighted sparse product and one element-wise pass, with no [m, c] temporary."""
    kernels = _native_kernels(x, weight, step=True)
    if kernels is not None:
        return kernels.pair_step(x.contiguous(), adjacency.row_pointer, adjacency.neighbours,
                                 weight.contiguous(), 1.0, False)
    scale, edge_weight = _pair_weights(adjacency, weight)
    scale = scale.unsqueeze(1)
    if torch.is_grad_enabled() and (x.requires_grad or weight.requires_grad):
        # gradients flow through the step (detach=False): out-of-place, for autograd
        return x * scale - adjacency.weighted_matmul(x, edge_weight)
    return adjacency.weighted_matmul(x, edge_weight.neg_()).addcmul_(x, scale)


_SCRATCH = threading.local()


def _scratch(like: Tensor) -> Tensor:
    """A per-thread buffer shaped like ``like`` for a temporary that dies within one call.

    Fresh large tensors cost page faults with glibc's default allocator (each is a new mapping);
    in a deep model the step runs once per layer, so reusing one buffer is measurably faster.
    A few shapes are kept (e.g. hidden widths that differ)."""
    buffers = getattr(_SCRATCH, "buffers", None)
    if buffers is None:
        buffers = _SCRATCH.buffers = {}
    key = (tuple(like.shape), like.dtype, like.device)
    if key not in buffers:
        if len(buffers) >= 4:
            buffers.clear()
        buffers[key] = torch.empty(like.shape, dtype=like.dtype, device=like.device)
    return buffers[key]


def _energies(x: Tensor, adjacency: Adjacency, normalize: bool) -> tuple[Tensor, Tensor, Tensor]:
    """The energies E [n], the constants a [n], and the embeddings the pair sums should use:
    ``x`` itself for the compiled kernels (they work on differences), else its centred copy."""
    a = energy_normalization(adjacency.degree, x.size(1), normalize, x.dtype)
    kernels = _native_kernels(x)
    if kernels is not None:
        x = x.contiguous()
        sum_of_squares = kernels.squared_differences(x, adjacency.row_pointer, adjacency.neighbours)
        return 0.5 * a * sum_of_squares, a, x
    sum_of_squares, centred = _sum_of_squares_from_products(x, adjacency)
    return 0.5 * a * sum_of_squares.clamp(min=0), a, centred


def _sum_of_squares_from_products(x: Tensor, adjacency: Adjacency) -> tuple[Tensor, Tensor]:
    """sum_j |x_i - x_j|^2 = d_i |x_i|^2 - 2 x_i.(A x)_i + (A |x|^2)_i from sparse products, and the
    centred copy of x it used.

    x is centred first: the energies and the gradient depend only on differences, and centring
    removes the common component that would otherwise cancel in floating point."""
    n = x.size(0)
    mean = x.mean(dim=0, keepdim=True)
    if torch.is_grad_enabled() and x.requires_grad:
        centred = x - mean  # autograd keeps it
    else:  # dies inside the caller: reuse one buffer instead of a fresh [n, c] allocation
        centred = torch.sub(x, mean, out=_scratch(x))
    degree = adjacency.degree.to(x.dtype)
    ax = adjacency @ centred
    squared_norm = torch.linalg.vector_norm(centred, dim=1).square()
    # a batched [1, c] x [c, 1] product: vecdot would form the [n, c] product first
    cross = torch.bmm(centred.unsqueeze(1), ax.unsqueeze(2)).view(n)
    return degree * squared_norm - 2 * cross + adjacency @ squared_norm, centred


def entropy_gradient(x: Tensor, edge_index: Tensor | Adjacency, temperature: float,
                     normalize: bool = False) -> Tensor:
    r"""The exact gradient of :func:`entropy`, Theorem 3.1:

    .. math::
        \frac{\partial S}{\partial x_i} = \frac{1}{T} \sum_{j \in \mathcal{N}(i)}
            \left(a_i \bar P_i + a_j \bar P_j\right) (x_i - x_j), \qquad
        \bar P_i = e^{-E_i/T} \left(1 - \frac{E_i}{T}\right).

    :math:`\bar P_i > 0` iff :math:`E_i < T`. Push and pull act per edge: the term of edge
    :math:`(i, j)` pushes :math:`x_i` away from :math:`x_j` when :math:`a_i \bar P_i + a_j \bar P_j > 0`
    and pulls it towards :math:`x_j` when it is negative, so a node above the temperature can still
    be pushed away from a neighbour far below it. As an edge weight a pull is weak
    (:math:`\bar P_i \ge -e^{-2}`, at most :math:`13.5\,\%` of the largest push), but the energy's
    rate along an edge also grows with the distance: measured by :math:`dE/d\lambda`
    (:mod:`energygnn.edge_response`) the strongest pull is about twice the strongest push, and pulls
    fade only for :math:`E \gg T`. Unlike the authors'
    code this keeps the factor :math:`1/T` and the neighbour's constant :math:`a_j`
    (see :func:`entropy_gradient_authors`).

    Cost: four sparse products with the adjacency (two of width :math:`c`, two of width 1) and
    :math:`O(nc)` element-wise work, i.e. :math:`O((n + m) c)` (or two compiled loops over the
    neighbour lists, see :mod:`energygnn.native`).

    Args:
        x (Tensor): node embeddings.
        edge_index (Tensor or Adjacency): symmetric edges (each undirected edge in both
            directions); pass an :class:`~energygnn.sparse.Adjacency` to reuse its compressed form.
        temperature (float): :math:`T > 0`.
        normalize (bool, optional): :math:`a_i = 1/\sqrt{d_i c}` instead of 1 (default: ``False``).

    Shapes:
        **x** [n, c], **edge_index** [2, m] -> [n, c]
    """
    check_embeddings(x, "entropy_gradient", finite=False)
    _check_temperature(temperature, "entropy_gradient")
    adjacency = as_adjacency(edge_index, x.size(0), "entropy_gradient")
    return _entropy_gradient(x, adjacency, temperature, normalize, "entropy_gradient")


def _step_weights(x: Tensor, adjacency: Adjacency, temperature: float, normalize: bool, caller: str):
    r""":math:`w_i = a_i \bar P_i / T` from the energies of ``x``, and the embeddings the pair sums use.
    (1/T is folded into the [n] weights rather than applied to an [n, c] result.)"""
    energy, a, pair_input = _energies(x, adjacency, normalize)
    _check_energy(energy, x, caller)
    return a * boltzmann_p_bar(energy, temperature) / temperature, pair_input


def entropy_gradient_autograd(x: Tensor, edge_index: Tensor | Adjacency, temperature: float,
                              normalize: bool = False) -> Tensor:
    r"""The gradient of :func:`entropy` by automatic differentiation: the reference that the closed
    form of Theorem 3.1 (:func:`entropy_gradient`) is checked against. Same arguments and shape;
    ``x`` itself is left untouched (a detached copy is differentiated).

    Shapes:
        x: [n, c] -> [n, c].
    """
    x = x.detach().clone().requires_grad_(True)
    (gradient,) = torch.autograd.grad(entropy(x, edge_index, temperature, normalize), x)
    return gradient


def _entropy_gradient(x: Tensor, adjacency: Adjacency, temperature: float, normalize: bool, caller: str) -> Tensor:
    weight, pair_input = _step_weights(x, adjacency, temperature, normalize, caller)
    return _pair_weighted_difference(adjacency, pair_input, weight)


class _DetachedAscent(torch.autograd.Function):
    r"""``x + step * dS/dx`` with the step a constant for autograd (its backward is the identity).

    Compiled: one loop over the neighbour lists, :math:`x_i + \lambda \sum_j (w_i + w_j)(x_i - x_j)`.
    PyTorch: with :math:`s_i = \sum_{j} (w_i + w_j) = w_i d_i + (A w)_i`, the step is translation invariant,
    so it can be applied to ``x`` itself rather than to the centred copy the energies need:
    :math:`x_i' = (1 + \lambda s_i)\, x_i - \lambda \sum_j (w_i + w_j)\, x_j`, one sparse product over
    neighbour lists that include the node, and no further [n, c] pass. Its rounding error is of
    the order of that of the output, :math:`\epsilon \lVert x_i \rVert`."""

    @staticmethod
    def forward(ctx, x, adjacency, temperature, normalize, step, caller):
        x = x.detach()  # embedding_bag would otherwise take its slower, backward-ready path
        weight, pair_input = _step_weights(x, adjacency, temperature, normalize, caller)
        kernels = _native_kernels(x, step=True)
        if kernels is not None:
            return kernels.pair_step(pair_input, adjacency.row_pointer, adjacency.neighbours, weight, step, True)
        self_weight, edge_weight = _pair_weights(adjacency, weight)
        self_weight.mul_(step).add_(1)
        edge_weight.mul_(-step)
        return adjacency.affine_matmul(x, self_weight, edge_weight)

    @staticmethod
    def backward(ctx, grad):
        return grad, None, None, None, None, None


def entropy_ascent(x: Tensor, adjacency: Adjacency, temperature: float, normalize: bool,
                   weight: float = 1.0, detach: bool = True, caller: str = "entropy_ascent") -> Tensor:
    r"""One ascent step, Eq. (5): ``x + weight * entropy_gradient(x)``. The core of
    :class:`energygnn.nn.entropic.EntropyAscent`; expects an :class:`~energygnn.sparse.Adjacency`.

    ``detach=True`` (the paper): the step is a constant for autograd, fused into a single loop
    over the neighbour lists (see ``_DetachedAscent``). ``detach=False``: gradients flow through the step."""
    if detach:
        return _DetachedAscent.apply(x, adjacency, temperature, normalize, weight, caller)
    return x + weight * _entropy_gradient(x, adjacency, temperature, normalize, caller)


def entropy_gradient_authors(x: Tensor, edge_index: Tensor | Adjacency, temperature: float,
                             normalize: bool = False) -> Tensor:
    r"""The step direction the authors' code computes, for comparison with the exact gradient:

    .. math::
        g_i = a_i \sum_{j \in \mathcal{N}(i)} \left(\bar P_i + \bar P_j\right) (x_i - x_j),

    i.e. without the factor :math:`1/T` and with only the receiving node's constant :math:`a_i`.
    It equals :math:`T \, \partial S / \partial x_i` exactly when all :math:`a_i` are equal
    (``normalize=False``, or a regular graph).

    Shapes:
        **x** [n, c], **edge_index** [2, m] -> [n, c]
    """
    check_embeddings(x, "entropy_gradient_authors", finite=False)
    _check_temperature(temperature, "entropy_gradient_authors")
    adjacency = as_adjacency(edge_index, x.size(0), "entropy_gradient_authors")
    energy, a, pair_input = _energies(x, adjacency, normalize)
    _check_energy(energy, x, "entropy_gradient_authors")
    p_bar = boltzmann_p_bar(energy, temperature)
    return a.unsqueeze(1) * _pair_weighted_difference(adjacency, pair_input, p_bar)


def entropy_gradient_dense(x: Tensor, adjacency: Tensor, temperature: float,
                           normalize: bool = False) -> Tensor:
    r"""Reference :math:`O(n^2 c)` implementation of Theorem 3.1 on a dense [n, n] 0/1 adjacency,
    the way the authors' first code computed it (all pairwise distances, then masked). Used to
    check :func:`entropy_gradient` and to measure its speed-up; not for real graphs.

    Shapes:
        **x** [n, c], **adjacency** [n, n] -> [n, c]
    """
    check_embeddings(x, "entropy_gradient_dense")
    _check_temperature(temperature, "entropy_gradient_dense")
    n, c = x.shape
    if adjacency.shape != (n, n):
        raise ValueError(f"entropy_gradient_dense: adjacency must be [{n}, {n}], got {list(adjacency.shape)}.")
    adjacency = adjacency.to(x.dtype)
    degree = adjacency.sum(dim=1)
    distances = torch.cdist(x, x).pow(2)
    a = energy_normalization(degree, c, normalize, x.dtype)
    energy = 0.5 * a * (adjacency * distances).sum(dim=1)
    b = a * boltzmann_p_bar(energy, temperature)
    weights = adjacency * (b.unsqueeze(1) + b.unsqueeze(0))
    return (weights.sum(dim=1, keepdim=True) * x - weights @ x) / temperature


class PushPullExample(NamedTuple):
    """The data of Figure 1a, from :func:`push_pull_example`."""

    points: Tensor
    """[n, 2] the 2-D embeddings (points in the unit square)."""
    edge_index: Tensor
    """[2, m] pairs of points closer than the radius, both directions."""
    energy: Tensor
    """[n] the node energies :math:`E_i` (:math:`a_i = 1`)."""
    edge_weight: Tensor
    r"""[m] :math:`\bar P_i + \bar P_j` per edge :math:`(i, j)`: positive pushes :math:`x_i` away from
    :math:`x_j`, negative pulls it towards :math:`x_j`."""
    step: Tensor
    r"""[n, 2] the step :math:`\lambda\, \partial S / \partial x_i`."""
    temperature: float
    """The temperature :math:`T`."""


def push_pull_example(num_nodes: int = 14, radius: float = 0.38, temperature: float = 0.15,
                      weight: float = 0.2, seed: int = 3) -> PushPullExample:
    r"""A small 2-D example of the entropy-ascent step (the book's Figure 1a).

    ``num_nodes`` points drawn uniformly in the unit square (float64, ``torch.Generator`` seeded
    with ``seed``) are the embeddings; two points closer than ``radius`` are neighbours. With
    :math:`a_i = 1`, it returns the energies, the per-edge weights :math:`\bar P_i + \bar P_j`
    and the step ``weight * entropy_gradient(points, edges, temperature)``. The defaults put
    :math:`T` between the smallest and the largest energy, so nodes on both sides of :math:`T`
    occur (tested).
    """
    _check_temperature(temperature, "push_pull_example")
    generator = torch.Generator().manual_seed(seed)
    points = torch.rand(num_nodes, 2, generator=generator, dtype=torch.float64)
    distance = torch.cdist(points, points)
    edge_index = ((distance < radius) & (distance > 0)).nonzero().t()
    energy = node_energy(points, edge_index)
    p_bar = boltzmann_p_bar(energy, temperature)
    edge_weight = p_bar[edge_index[0]] + p_bar[edge_index[1]]
    step = weight * entropy_gradient(points, edge_index, temperature)
    return PushPullExample(points, edge_index, energy, edge_weight, step, float(temperature))
