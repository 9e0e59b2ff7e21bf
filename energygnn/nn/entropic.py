r"""The entropy-ascent step of paper 1 (Eq. 5): its settings (:class:`StepOptions`), the step as
a module (:class:`EntropyAscent`), and as a wrapper of any PyG layer (:class:`EntropicConv`)."""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import InitVar, dataclass, fields
from numbers import Real
from typing import Any, ClassVar

import torch
from torch import Tensor, nn

from ..entropy import check_embeddings, entropy_ascent, entropy_gradient_authors
from ..sparse import Adjacency, AdjacencyCache


@dataclass(frozen=True)
class StepOptions:
    r"""The settings of the entropy-ascent step of "Entropy Aware Message Passing in Graph Neural
    Networks", Eq. (5), for a whole model: the step after hidden layer :math:`\ell = 1, \dots, L`
    is

    .. math::
        H^{(\ell)} \leftarrow H^{(\ell)} + \lambda_\ell \, \nabla_{H^{c}} S(H^{c}), \qquad
        S(H) = -\sum_i p_i \log p_i, \quad p_i = e^{-E_i / T}, \quad
        E_i = \frac{a_i}{2} \sum_{j \in \mathcal{N}(i)} \lVert h_i - h_j \rVert^2,

    where :math:`H^{c}` is :math:`H` detached (``detach``), :math:`\nabla S` is Theorem 3.1's
    gradient (:func:`energygnn.entropy.entropy_gradient`) and :math:`\lambda_\ell` is the
    ``schedule``'s weight of layer :math:`\ell` (:meth:`layer_weights`). The defaults are the
    paper's. Every model with a step takes one (:class:`~energygnn.models.deep.DeepGNN`'s
    ``step``, :class:`~energygnn.models.grand.GRAND`'s entropy term), as does
    :class:`EntropyAscent`; :meth:`coerce` reads a dict of these fields (a run config's ``"step"``).

    Args:
        weight (float, optional): :math:`\lambda \ge 0` (default: ``1.0``).
        temperature (float, optional): :math:`T > 0` (default: ``10.0``).
        normalize (bool, optional): :math:`a_i = 1/\sqrt{d_i c}` as in the authors' model, else
            :math:`a_i = 1` (default: ``True``).
        detach (bool, optional): evaluate the gradient on a detached copy, so that no gradient
            flows through the step, as in the paper (default: ``True``).
        variant (str, optional): ``"exact"`` for Theorem 3.1's gradient, or ``"authors"`` for the
            direction the authors' code steps along
            (:func:`energygnn.entropy.entropy_gradient_authors`) (default: ``"exact"``).
        schedule (str, optional): how :math:`\lambda` varies over the hidden layers:
            ``"constant"`` (the paper's) or ``"middle"`` (see :meth:`layer_weights`)
            (default: ``"constant"``).
        peak (float, optional): the ``"middle"`` schedule's largest factor, :math:`\ge 0`
            (default: ``1.0``).
        caller (str, optional): the class named in error messages; not stored
            (default: ``"StepOptions"``).
    """

    VARIANTS: ClassVar[tuple[str, ...]] = ("exact", "authors")
    SCHEDULES: ClassVar[tuple[str, ...]] = ("constant", "middle")

    weight: float = 1.0
    temperature: float = 10.0
    normalize: bool = True
    detach: bool = True
    variant: str = "exact"
    schedule: str = "constant"
    peak: float = 1.0
    caller: InitVar[str] = "StepOptions"

    def __post_init__(self, caller: str):
        for name in ("weight", "temperature", "peak"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, Real):
                raise ValueError(f"{caller}: {name} must be a number, got {value!r}.")
            object.__setattr__(self, name, float(value))
        for name in ("normalize", "detach"):
            value = getattr(self, name)
            if value not in (True, False):
                raise ValueError(f"{caller}: {name} must be True or False, got {value!r}.")
            object.__setattr__(self, name, bool(value))
        if not self.weight >= 0:
            raise ValueError(f"{caller}: weight (lambda) must be >= 0, got {self.weight}.")
        if not self.temperature > 0:
            raise ValueError(f"{caller}: temperature must be > 0, got {self.temperature}.")
        if self.variant not in self.VARIANTS:
            raise ValueError(f"{caller}: variant must be one of {self.VARIANTS}, got {self.variant!r}.")
        if self.schedule not in self.SCHEDULES:
            raise ValueError(f"{caller}: schedule must be one of {self.SCHEDULES}, got {self.schedule!r}.")
        if not self.peak >= 0:
            raise ValueError(f"{caller}: peak must be >= 0, got {self.peak}.")

    @classmethod
    def coerce(cls, step: StepOptions | Mapping[str, Any] | None, caller: str) -> StepOptions | None:
        """``step`` as :class:`StepOptions`: None (no step) and a ``StepOptions`` as they are, a
        dict of its fields (how run configs store a step) over the defaults; errors name ``caller``."""
        if step is None or isinstance(step, cls):
            return step
        if not isinstance(step, Mapping):
            raise ValueError(f"{caller}: step must be a StepOptions, a dict of its options or None, "
                             f"got {type(step).__name__}.")
        names = [field.name for field in fields(cls)]
        unknown = sorted(set(step) - set(names))
        if unknown:
            raise ValueError(f"{caller}: unknown step option(s) {', '.join(map(repr, unknown))}; "
                             f"valid: {', '.join(names)}.")
        return cls(**step, caller=caller)

    def layer_weights(self, depth: int) -> list[float]:
        r"""The weight :math:`\lambda_\ell` of every hidden layer :math:`\ell = 1, \dots, L`
        (``depth`` :math:`L`): ``"constant"``, :math:`\lambda` everywhere; ``"middle"``, largest
        in the middle layers, where trained deep GCNs lose their energy (paper 1's Figure 3),

        .. math::
            \lambda_\ell = \lambda \big(1 + (\text{peak} - 1) \sin(\pi \ell / (L + 1))\big),

        from about :math:`\lambda` at the ends to :math:`\text{peak} \cdot \lambda` in the middle."""
        if self.schedule == "constant":
            return [self.weight] * depth
        return [self.weight * (1 + (self.peak - 1) * math.sin(math.pi * layer / (depth + 1)))
                for layer in range(1, depth + 1)]


class EntropyAscent(nn.Module):
    r"""One gradient-ascent step on the entropy of the node energies, Eq. (5) of
    "Entropy Aware Message Passing in Graph Neural Networks":

    .. math::
        H \leftarrow H + \lambda \, \nabla_{H^{c}} S(H^{c}),

    where :math:`H^{c}` is a detached copy of :math:`H` (no gradient flows through the step, as
    in the paper) and :math:`\nabla S` is the exact gradient of Theorem 3.1
    (:func:`energygnn.entropy.entropy_gradient`). With ``detach=False`` gradients do flow through
    the step (the paper's future work). Its settings are checked as :class:`StepOptions`;
    :meth:`from_options` builds one layer's step from a model's.

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

    def __init__(self, weight: float = StepOptions.weight, temperature: float = StepOptions.temperature,
                 normalize: bool = StepOptions.normalize, detach: bool = StepOptions.detach,
                 variant: str = StepOptions.variant):
        super().__init__()
        options = StepOptions(weight, temperature, normalize, detach, variant, caller=type(self).__name__)
        self.weight, self.temperature, self.normalize = options.weight, options.temperature, options.normalize
        self.detach, self.variant = options.detach, options.variant
        self.adjacency = AdjacencyCache(type(self).__name__)

    @classmethod
    def from_options(cls, options: StepOptions, weight: float | None = None) -> EntropyAscent:
        """The step of ``options`` with weight ``weight`` (default: ``options.weight``; the layer
        of a schedule takes its own, from :meth:`StepOptions.layer_weights`)."""
        return cls(options.weight if weight is None else weight, options.temperature, options.normalize,
                   options.detach, options.variant)

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
    authors' order (step before the activation). The deep models take the step through
    :meth:`energygnn.models.deep.DeepGNN.step` instead; this wraps a single layer.

    Args:
        conv (nn.Module): a layer called as ``conv(x, edge_index, *args, **kwargs)``, e.g.
            :class:`torch_geometric.nn.GCNConv`.
        weight, temperature, normalize, detach, variant: as in :class:`EntropyAscent`.

    Shapes:
        **x** [n, f], **edge_index** [2, m] -> [n, c] (the width of ``conv``'s output)
    """

    def __init__(self, conv: nn.Module, weight: float = StepOptions.weight,
                 temperature: float = StepOptions.temperature, normalize: bool = StepOptions.normalize,
                 detach: bool = StepOptions.detach, variant: str = StepOptions.variant):
        super().__init__()
        self.conv = conv
        self.step = EntropyAscent(weight, temperature, normalize, detach, variant)

    def forward(self, x: Tensor, edge_index: Tensor, *args, **kwargs) -> Tensor:
        """``conv(x, edge_index, ...)`` followed by the ascent step."""
        return self.step(self.conv(x, edge_index, *args, **kwargs), edge_index)
