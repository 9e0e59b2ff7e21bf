r"""The entropy-ascent step of paper 1 (Eq. 5), as a module and as a wrapper of any PyG layer."""
from __future__ import annotations

import torch
from torch import Tensor, nn

from ..entropy import check_embeddings, entropy_ascent, entropy_gradient_authors
from ..sparse import Adjacency, AdjacencyCache


class EntropyAscent(nn.Module):
    r"""One gradient-ascent step on the entropy of the node energies, Eq. (5) of
    "Entropy Aware Message Passing in Graph Neural Networks":

    .. math::
        H \leftarrow H + \lambda \, \nabla_{H^{c}} S(H^{c}),

    where :math:`H^{c}` is a detached copy of :math:`H` (no gradient flows through the step, as
    in the paper) and :math:`\nabla S` is the exact gradient of Theorem 3.1
    (:func:`energygnn.entropy.entropy_gradient`). With ``detach=False`` gradients do flow through
    the step (the paper's future work).

    The sparse adjacency is built once per ``edge_index`` tensor and reused while that tensor is
    unchanged.

    Args:
        weight (float, optional): :math:`\lambda \ge 0` (default: ``1.0``).
        temperature (float, optional): :math:`T > 0` (default: ``10.0``).
        normalize (bool, optional): :math:`a_i = 1/\sqrt{d_i c}` as in the authors' model
            (default: ``True``).
        detach (bool, optional): evaluate the gradient on a detached copy (default: ``True``).
        variant (str, optional): ``"exact"`` for Theorem 3.1, or ``"authors"`` for the direction
            the authors' code steps along, :math:`a_i \sum_j (\bar P_i + \bar P_j)(x_i - x_j)`
            (no :math:`1/T`, only the receiving node's constant; see
            :func:`energygnn.entropy.entropy_gradient_authors`) (default: ``"exact"``).

    Shapes:
        **h** [n, c], **edge_index** [2, m] -> [n, c]
    """

    VARIANTS = ("exact", "authors")

    def __init__(self, weight: float = 1.0, temperature: float = 10.0, normalize: bool = True,
                 detach: bool = True, variant: str = "exact"):
        super().__init__()
        if weight < 0:
            raise ValueError(f"{type(self).__name__}: weight (lambda) must be >= 0, got {weight}.")
        if not temperature > 0:
            raise ValueError(f"{type(self).__name__}: temperature must be > 0, got {temperature}.")
        self.weight, self.temperature = float(weight), float(temperature)
        if variant not in self.VARIANTS:
            raise ValueError(f"{type(self).__name__}: variant must be one of {self.VARIANTS}, got {variant!r}.")
        self.normalize, self.detach, self.variant = bool(normalize), bool(detach), variant
        self.adjacency = AdjacencyCache(type(self).__name__)

    def forward(self, h: Tensor, edge_index: Tensor | Adjacency) -> Tensor:
        """``h`` after one ascent step on the graph (``edge_index`` or an ``Adjacency``)."""
        if self.weight == 0:
            return h
        check_embeddings(h, type(self).__name__, finite=False)  # finiteness: checked on the energies
        adjacency = self.adjacency(edge_index, h.size(0))
        if self.variant == "authors":
            source = h.detach() if self.detach else h
            direction = entropy_gradient_authors(source, adjacency, self.temperature, self.normalize)
            return torch.add(h, direction, alpha=self.weight)
        return entropy_ascent(h, adjacency, self.temperature, self.normalize, weight=self.weight,
                              detach=self.detach, caller=type(self).__name__)

    def extra_repr(self) -> str:
        """The settings shown in the module's ``repr``."""
        return (f"weight={self.weight}, temperature={self.temperature}, normalize={self.normalize}, "
                f"detach={self.detach}, variant={self.variant!r}")


class EntropicConv(nn.Module):
    r"""Any message-passing layer followed by the entropy-ascent step (the paper's
    "integrates with existing architectures"):

    .. math::
        H = \mathrm{conv}(X), \qquad X' = H + \lambda \, \nabla_{H^{c}} S(H^{c}).

    The activation is left to the caller, so that :math:`X' \mapsto \sigma(X')` follows the
    authors' order (step before the activation).

    Args:
        conv (nn.Module): a layer called as ``conv(x, edge_index, *args, **kwargs)``, e.g.
            :class:`torch_geometric.nn.GCNConv`.
        weight, temperature, normalize, detach, variant: as in :class:`EntropyAscent`.

    Shapes:
        **x** [n, f], **edge_index** [2, m] -> [n, c] (the width of ``conv``'s output)
    """

    def __init__(self, conv: nn.Module, weight: float = 1.0, temperature: float = 10.0,
                 normalize: bool = True, detach: bool = True, variant: str = "exact"):
        super().__init__()
        self.conv = conv
        self.step = EntropyAscent(weight, temperature, normalize, detach, variant)

    def forward(self, x: Tensor, edge_index: Tensor, *args, **kwargs) -> Tensor:
        """``conv(x, edge_index, ...)`` followed by the ascent step."""
        return self.step(self.conv(x, edge_index, *args, **kwargs), edge_index)
