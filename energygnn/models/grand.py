r"""GRAND-l :cite:p:`chamberlain2021grand` and paper 1's entropic diffusion (its Appendix B): the
hidden blocks of a deep GNN replaced by an ODE integrated with torchdiffeq.

GRAND-l diffuses the encoded features with attention computed once, at :math:`t = 0`:

.. math::
    \frac{dX}{dt} = \big(\mathcal{A}(X(0)) - I\big) X(t), \qquad
    \mathcal{A}_{ij} = \operatorname{softmax}_{j \in \mathcal{N}(i) \cup \{i\}}
    \frac{(W_K x_i(0))^\top W_Q x_j(0)}{\sqrt{d_k}},

and the entropic diffusion adds the entropy ascent of paper 1 to the right-hand side,

.. math::
    \frac{dX}{dt} = \big(\mathcal{A}(X(0)) - I\big) X(t) + \lambda \nabla_X S(X(t)),

the continuous limit of a diffusion step followed by a step of size :math:`\lambda\,dt` along
Theorem 3.1's exact gradient (:func:`energygnn.entropy.entropy_gradient`). The term takes the
same settings as the layered step (:class:`~energygnn.nn.entropic.StepOptions`): with
``detach=True`` (the default, the paper's :math:`H^{c}`) it is evaluated on a detached copy of
:math:`X`, so that gradients flow through the diffusion only; with ``detach=False`` they flow
through the term too.
"""
from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch_geometric.utils import add_remaining_self_loops, softmax

from ..entropy import entropy_gradient
from ..nn.entropic import StepOptions
from ..sparse import Adjacency, as_adjacency, weighted_lists


class DiffusionField(nn.Module):
    r"""The ODE's right-hand side :math:`f(t, X) = (\mathcal{A} - I) X + \lambda \nabla S(X)` for a
    fixed attention :math:`\mathcal{A}` (``attention`` over ``edge_index``, self loops included).

    Args:
        edge_index (Tensor): [2, m] with a self loop on every node, the attention's support.
        attention (Tensor): [m] row-stochastic weights (each node's sum to 1).
        graph (Tensor or Adjacency): [2, m'] the graph the entropy is measured on (no self loops
            needed); an :class:`~energygnn.sparse.Adjacency` is built once and reused.
        step (StepOptions or dict, optional): the entropy term's ``weight`` :math:`\lambda`,
            ``temperature``, ``normalize`` and ``detach`` (evaluate the gradient on a detached
            copy of :math:`X`, so that no gradient flows through the term); None for plain
            GRAND-l (default: ``None``).
    """

    def __init__(self, edge_index: Tensor, attention: Tensor, graph: Tensor | Adjacency,
                 step: StepOptions | dict[str, Any] | None = None):
        super().__init__()
        self.edge_index, self.attention = edge_index, attention
        self.step_options = StepOptions.coerce(step, type(self).__name__)
        num_nodes = int(edge_index.max()) + 1  # edge_index has every node's self loop
        self.graph = graph if isinstance(graph, Adjacency) else as_adjacency(graph, num_nodes, type(self).__name__)
        self.evaluations = 0  # right-hand side calls, for the cost
        # each node's incoming edges and their attention, sorted once for every evaluation
        source, target = edge_index
        self._lists = weighted_lists(target, source, attention, num_nodes)

    def diffusion(self, x: Tensor) -> Tensor:
        r""":math:`(\mathcal{A} - I) X`, one ``embedding_bag`` pass over each node's incoming edges
        (differentiable in :math:`X` and in the attention; about 3x faster than gather and scatter)."""
        neighbours, offsets, weights = self._lists
        return F.embedding_bag(neighbours, x, offsets, mode="sum", per_sample_weights=weights) - x

    def forward(self, t: Tensor, x: Tensor) -> Tensor:
        """:math:`f(t, X)`."""
        self.evaluations += 1
        out = self.diffusion(x)
        step = self.step_options
        if step is not None and step.weight != 0:
            source = x.detach() if step.detach else x
            out = out + step.weight * entropy_gradient(source, self.graph, step.temperature, step.normalize)
        return out


class GRAND(nn.Module):
    r"""GRAND-l with an optional entropy term (see the module): a linear encoder (after dropout
    on the input), the ODE from :math:`t = 0` to :math:`t = L h` by torchdiffeq (``depth``
    :math:`L` and ``step_size`` :math:`h`: depth counts units of :math:`h`, so that the runners
    treat it like a deep GNN), solved in fixed steps of size :math:`h / s` (``substeps``
    :math:`s`; more substeps for a stiff right-hand side), a linear decoder.

    Args:
        in_channels (int): input feature width.
        out_channels (int): number of classes.
        depth (int): :math:`L \ge 1` solver steps.
        hidden_channels (int, optional): width of :math:`X(t)` (default: ``64``).
        step_size (float, optional): :math:`h > 0` (default: ``1.0``).
        substeps (int, optional): solver steps per unit :math:`h`, :math:`s \ge 1` (default: ``1``).
        method (str, optional): a fixed-step torchdiffeq method (default: ``"rk4"``).
        key_channels (int, optional): :math:`d_k` of the attention (default: ``16``).
        dropout (float, optional): dropout on the input features (default: ``0.0``).
        step (StepOptions or dict, optional): the entropy term's settings: ``weight``
            :math:`\lambda`, ``temperature``, ``normalize`` and ``detach``, ``variant`` only
            ``"exact"`` and ``schedule`` only ``"constant"`` (one :math:`\lambda` for all
            times); None for plain GRAND-l (default: ``None``).

    Shapes:
        **x** [n, in_channels], **edge_index** [2, m] -> [n, out_channels]; with
        ``return_hidden=True`` also the states :math:`X(h), X(2h), \dots, X(Lh)`, ``depth``
        tensors [n, hidden_channels].
    """

    METHODS = ("rk4", "euler", "midpoint")

    def __init__(self, in_channels: int, out_channels: int, depth: int, hidden_channels: int = 64,
                 step_size: float = 1.0, method: str = "rk4", key_channels: int = 16, dropout: float = 0.0,
                 step: StepOptions | dict[str, Any] | None = None, substeps: int = 1):
        super().__init__()
        name = type(self).__name__
        step = StepOptions.coerce(step, name)
        if step is not None and step.variant != "exact":
            raise ValueError(f"{name}: the entropic diffusion uses the exact gradient; got variant {step.variant!r}.")
        if step is not None and step.schedule != "constant":
            raise ValueError(f"{name}: the entropic diffusion has one weight for all times; got schedule "
                             f"{step.schedule!r}.")
        if not isinstance(depth, int) or depth < 1:
            raise ValueError(f"{name}: depth (the number of solver steps) must be a positive integer, got {depth!r}.")
        if not step_size > 0:
            raise ValueError(f"{name}: step_size must be > 0, got {step_size}.")
        if not isinstance(substeps, int) or substeps < 1:
            raise ValueError(f"{name}: substeps (solver steps per step_size) must be a positive integer, got {substeps!r}.")
        if method not in self.METHODS:
            raise ValueError(f"{name}: method must be one of {self.METHODS} (fixed steps), got {method!r}.")
        self.depth, self.step_size, self.method, self.dropout = depth, float(step_size), method, float(dropout)
        self.substeps = substeps
        self.step_options = step
        self.encoder = nn.Linear(in_channels, hidden_channels)
        self.keys = nn.Linear(hidden_channels, key_channels)
        self.queries = nn.Linear(hidden_channels, key_channels)
        self.decoder = nn.Linear(hidden_channels, out_channels)

    @classmethod
    def options_with_step(cls, options: dict[str, Any], step: dict[str, Any]) -> dict[str, Any]:
        """The model's ``options`` with the entropy term ``step`` (a dict of
        :class:`~energygnn.nn.entropic.StepOptions` fields), as run configs store them: under
        ``"step"``, as for :class:`~energygnn.models.deep.DeepGNN`."""
        return {**options, "step": step}

    @property
    def time(self) -> float:
        """The integration time :math:`L h`."""
        return self.depth * self.step_size

    def attention(self, x: Tensor, edge_index: Tensor) -> tuple[Tensor, Tensor]:
        r"""``(edge_index with self loops, attention)``: GRAND's scaled dot product, normalised over
        each node's neighbours and itself."""
        looped, _ = add_remaining_self_loops(edge_index, num_nodes=x.size(0))
        source, target = looped
        scores = (self.keys(x)[target] * self.queries(x)[source]).sum(dim=-1) / math.sqrt(self.keys.out_features)
        return looped, softmax(scores, target, num_nodes=x.size(0))

    def field(self, x0: Tensor, edge_index: Tensor) -> DiffusionField:
        """The right-hand side for the encoded features ``x0``."""
        graph = as_adjacency(edge_index, x0.size(0), type(self).__name__)  # checks the edges, with a clear message
        looped, weights = self.attention(x0, edge_index)
        # the entropy term reuses the graph's compressed form in every evaluation of the field
        return DiffusionField(looped, weights, graph, self.step_options)

    def forward(self, x: Tensor, edge_index: Tensor, return_hidden: bool = False):
        """The logits at :math:`t = L h`; with ``return_hidden=True`` also the state after every step."""
        from torchdiffeq import odeint

        x0 = self.encoder(F.dropout(x, self.dropout, self.training))
        times = torch.arange(self.depth + 1, dtype=x0.dtype) * self.step_size if return_hidden else \
            torch.tensor([0.0, self.time], dtype=x0.dtype)
        states = odeint(self.field(x0, edge_index), x0, times, method=self.method,
                        options={"step_size": self.step_size / self.substeps})
        logits = self.decoder(states[-1])
        return (logits, list(states[1:])) if return_hidden else logits
