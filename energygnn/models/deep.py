r"""Deep GNNs of paper 1's Section 5, on one base class so that "depth" means the same for all.

Every model is ``encoder -> L hidden blocks of width 256 -> decoder``; :math:`L` is the depth.
How this maps to the authors' counting (the book's "Formulas and settings" page, ``book/formulas.md``):

* Basic / Entropic GCN: the authors' ``L`` hidden ``GCNConv`` layers plus an output ``GCNConv``
  (:math:`L + 1` convolutions); the first hidden layer maps the input to 256. Identical here.
* PairNorm: the authors use :math:`L - 1` blocks plus the output convolution (:math:`L`
  convolutions); here it has :math:`L` blocks like every other model, one convolution more.
* G2: a linear encoder, :math:`L` gated steps sharing two convolutions, a linear decoder.
  Identical here.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch_geometric.nn import GATConv, GCN2Conv, GINConv, PairNorm, SAGEConv
from torch_geometric.utils import scatter

from ..nn import EntropicConv, EntropyAscent, GCNConv, RowNormalizedConv
from ..sparse import Adjacency, AdjacencyCache, as_adjacency
from .grand import GRAND


class DeepGNN(nn.Module):
    r"""Base class: ``encode``, then ``depth`` hidden blocks of width ``hidden_channels``, then
    ``decode``. Subclasses override only what differs (``block``, and ``encode``/``decode`` where needed).

    Args:
        in_channels (int): input feature width.
        out_channels (int): number of classes (or output width).
        depth (int): number of hidden blocks :math:`L \ge 1`.
        hidden_channels (int, optional): width of every hidden block (default: ``256``).

    The graph is turned into an :class:`~energygnn.sparse.Adjacency` once (and kept while the same
    ``edge_index`` tensor comes in), and the blocks receive that: their convolutions propagate over
    normalised adjacencies built once per graph (:class:`energygnn.nn.conv.GCNConv`), the same function as
    PyG's per-call normalisation and message passing, several times faster.

    Shapes:
        **x** [n, in_channels], **edge_index** [2, m] (or an ``Adjacency``) -> [n, out_channels];
        with ``return_hidden=True`` also a list of ``depth`` tensors [n, hidden_channels], the
        embedding after every hidden block.
    """

    def __init__(self, in_channels: int, out_channels: int, depth: int, hidden_channels: int = 256):
        super().__init__()
        name = type(self).__name__
        for label, value in (("in_channels", in_channels), ("out_channels", out_channels),
                             ("depth", depth), ("hidden_channels", hidden_channels)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name}: {label} must be a positive integer, got {value!r}.")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.depth, self.hidden_channels = depth, hidden_channels
        self._adjacency_cache = AdjacencyCache(name)

    def encode(self, x: Tensor, edge_index: Tensor) -> Tensor:
        return x

    def block(self, index: int, x: Tensor, edge_index: Tensor) -> Tensor:
        raise NotImplementedError

    def decode(self, x: Tensor, edge_index: Tensor) -> Tensor:
        raise NotImplementedError

    def forward(self, x: Tensor, edge_index: Tensor, return_hidden: bool = False):
        """The logits; with ``return_hidden=True`` also every hidden block's output."""
        if x.dim() != 2 or x.size(1) != self.in_channels:
            raise ValueError(f"{type(self).__name__}: expected x of shape [n, {self.in_channels}], "
                             f"got {list(x.shape)}.")
        edge_index = self._adjacency_cache(edge_index, x.size(0))
        h = self.encode(x, edge_index)
        hidden = []
        for index in range(self.depth):
            h = self.block(index, h, edge_index)
            if return_hidden:
                hidden.append(h)
        out = self.decode(h, edge_index)
        return (out, hidden) if return_hidden else out

    def extra_repr(self) -> str:
        """The settings shown in the module's ``repr``."""
        return f"depth={self.depth}, hidden_channels={self.hidden_channels}"


class BasicGCN(DeepGNN):
    r"""Plain deep GCN :cite:p:`kipf2017gcn`: :math:`H^{(\ell)} = \mathrm{ReLU}(\mathrm{GCNConv}_\ell(H^{(\ell-1)}))`
    for :math:`\ell = 1..L`, then an output ``GCNConv``."""

    def __init__(self, in_channels: int, out_channels: int, depth: int, hidden_channels: int = 256):
        super().__init__(in_channels, out_channels, depth, hidden_channels)
        widths = [in_channels] + [hidden_channels] * depth
        self.convs = nn.ModuleList(self.hidden_conv(widths[i], widths[i + 1]) for i in range(depth))
        self.output = GCNConv(hidden_channels, out_channels)

    def hidden_conv(self, in_channels: int, out_channels: int) -> nn.Module:
        return GCNConv(in_channels, out_channels)

    def block(self, index, x, edge_index):
        return F.relu(self.convs[index](x, edge_index))

    def decode(self, x, edge_index):
        return self.output(x, edge_index)


SCHEDULES = ("constant", "middle")


def layer_weights(weight: float, depth: int, schedule: str = "constant", peak: float = 1.0) -> list[float]:
    r"""The step weight :math:`\lambda_\ell` of every hidden layer :math:`\ell = 1..L`:
    ``"constant"``, :math:`\lambda` everywhere; ``"middle"``, largest in the middle layers where
    trained deep GCNs lose their energy (paper 1's Figure 3), :math:`\lambda_\ell = \lambda
    \big(1 + (\text{peak} - 1) \sin(\pi \ell / (L + 1))\big)`, from about :math:`\lambda` at the
    ends to :math:`\text{peak} \cdot \lambda` in the middle."""
    if schedule not in SCHEDULES:
        raise ValueError(f"layer_weights: schedule must be one of {SCHEDULES}, got {schedule!r}.")
    if schedule == "constant":
        return [float(weight)] * depth
    return [float(weight) * (1 + (peak - 1) * math.sin(math.pi * layer / (depth + 1))) for layer in range(1, depth + 1)]


class EntropicGCN(BasicGCN):
    r"""Entropic GCN of paper 1: every hidden ``GCNConv`` is followed by the entropy-ascent step
    (:class:`energygnn.nn.entropic.EntropicConv`) before the ReLU; the output convolution has none.

    Args:
        weight (float, optional): :math:`\lambda` (default: ``1.0``).
        temperature (float, optional): :math:`T` (default: ``10.0``).
        normalize (bool, optional): :math:`a_i = 1/\sqrt{d_i c}` (default: ``True``).
        detach (bool, optional): no gradient through the step, as in the paper (default: ``True``).
        variant (str, optional): ``"exact"`` gradient or the ``"authors"`` code's direction
            (default: ``"exact"``).
        schedule (str, optional): how :math:`\lambda` varies over the layers, see
            :func:`layer_weights` (default: ``"constant"``, the paper's).
        peak (float, optional): the ``"middle"`` schedule's largest factor (default: ``1.0``).
    """

    def __init__(self, in_channels: int, out_channels: int, depth: int, hidden_channels: int = 256,
                 weight: float = 1.0, temperature: float = 10.0, normalize: bool = True, detach: bool = True,
                 variant: str = "exact", schedule: str = "constant", peak: float = 1.0):
        self._weights = iter(layer_weights(weight, depth, schedule, peak))
        self._step_options = dict(temperature=temperature, normalize=normalize, detach=detach, variant=variant)
        super().__init__(in_channels, out_channels, depth, hidden_channels)

    def hidden_conv(self, in_channels: int, out_channels: int) -> nn.Module:
        return EntropicConv(GCNConv(in_channels, out_channels), weight=next(self._weights), **self._step_options)


def pyg_conv(kind: str, in_channels: int, out_channels: int) -> nn.Module:
    """A PyG layer by name: ``"gat"`` (one head), ``"sage"`` (mean) or ``"gin"`` (a two-layer MLP)."""
    if kind == "gat":
        return GATConv(in_channels, out_channels, heads=1)
    if kind == "sage":
        return SAGEConv(in_channels, out_channels)
    if kind == "gin":
        return GINConv(nn.Sequential(nn.Linear(in_channels, out_channels), nn.ReLU(), nn.Linear(out_channels, out_channels)))
    raise ValueError(f"pyg_conv: kind must be one of {CONV_KINDS}, got {kind!r}.")


CONV_KINDS = ("gat", "sage", "gin")


class ConvGNN(DeepGNN):
    r"""A deep GNN of PyG layers, GAT :cite:p:`velickovic2018gat`, GraphSAGE :cite:p:`hamilton2017sage`
    or GIN :cite:p:`xu2019gin`: :math:`H^{(\ell)} = \mathrm{ReLU}(\mathrm{conv}_\ell(H^{(\ell-1)}))` and an
    output layer of the same kind; with ``step`` every hidden layer is wrapped in
    :class:`~energygnn.nn.entropic.EntropicConv` (paper 1's "integrates with existing architectures").

    Args:
        conv (str, optional): ``"gat"``, ``"sage"`` or ``"gin"`` (default: ``"sage"``).
        step (dict, optional): the entropy step's options (those of
            :class:`~energygnn.nn.entropic.EntropyAscent`); None for no step (default: ``None``).
    """

    def __init__(self, in_channels: int, out_channels: int, depth: int, hidden_channels: int = 256,
                 conv: str = "sage", step: dict | None = None):
        super().__init__(in_channels, out_channels, depth, hidden_channels)
        if conv not in CONV_KINDS:
            raise ValueError(f"ConvGNN: conv must be one of {CONV_KINDS}, got {conv!r}.")
        widths = [in_channels] + [hidden_channels] * depth
        layers = (pyg_conv(conv, widths[i], widths[i + 1]) for i in range(depth))
        self.convs = nn.ModuleList(layer if step is None else EntropicConv(layer, **step) for layer in layers)
        self.output = pyg_conv(conv, hidden_channels, out_channels)
        self.kind = conv

    def block(self, index, x, edge_index):
        return F.relu(self.convs[index](x, edge_index.edge_index))

    def decode(self, x, edge_index):
        return self.output(x, edge_index.edge_index)


class GCNII(DeepGNN):
    r"""GCNII :cite:p:`chen2020gcnii` (PyG's :class:`~torch_geometric.nn.GCN2Conv`): a linear encoder
    with ReLU gives :math:`H^{(0)}`, then :math:`H^{(\ell)} = \mathrm{ReLU}\big(((1 - \alpha)\hat A H^{(\ell-1)}
    + \alpha H^{(0)})((1 - \beta_\ell) I + \beta_\ell W_\ell)\big)` with
    :math:`\beta_\ell = \log(\theta / \ell + 1)`, and a linear decoder; with ``step``, the
    entropy step follows every layer before its ReLU.

    Args:
        alpha (float, optional): initial-residual weight :math:`\alpha` (default: ``0.1``).
        theta (float, optional): identity-mapping strength :math:`\theta` (default: ``0.5``).
        step (dict, optional): the entropy step's options; None for no step (default: ``None``).
    """

    def __init__(self, in_channels: int, out_channels: int, depth: int, hidden_channels: int = 256,
                 alpha: float = 0.1, theta: float = 0.5, step: dict | None = None):
        super().__init__(in_channels, out_channels, depth, hidden_channels)
        self.encoder = nn.Linear(in_channels, hidden_channels)
        # the graph is normalised once per graph (Adjacency.sparse_tensor), not in every layer
        self.convs = nn.ModuleList(GCN2Conv(hidden_channels, alpha, theta, layer=layer + 1, normalize=False)
                                   for layer in range(depth))
        self.steps = nn.ModuleList(EntropyAscent(**step) for _ in range(depth)) if step is not None else None
        self.decoder = nn.Linear(hidden_channels, out_channels)

    def encode(self, x, edge_index):
        self._initial = F.relu(self.encoder(x))  # every layer's initial residual
        return self._initial

    def block(self, index, x, edge_index):
        h = self.convs[index](x, self._initial, edge_index.sparse_tensor("gcn", x.dtype))
        return F.relu(h if self.steps is None else self.steps[index](h, edge_index))

    def decode(self, x, edge_index):
        return self.decoder(x)


class APPNPNet(DeepGNN):
    r"""APPNP :cite:p:`gasteiger2019appnp` with its propagation as the hidden blocks: a linear
    encoder with ReLU gives :math:`H^{(0)}`, then :math:`H^{(\ell)} = (1 - \alpha)\hat A H^{(\ell-1)}
    + \alpha H^{(0)}` (personalised PageRank, no weights), and a linear decoder; with ``step``,
    the entropy step follows every propagation.

    Args:
        alpha (float, optional): teleport probability :math:`\alpha` (default: ``0.1``).
        step (dict, optional): the entropy step's options; None for no step (default: ``None``).
    """

    def __init__(self, in_channels: int, out_channels: int, depth: int, hidden_channels: int = 256,
                 alpha: float = 0.1, step: dict | None = None):
        super().__init__(in_channels, out_channels, depth, hidden_channels)
        self.alpha = float(alpha)
        self.encoder = nn.Linear(in_channels, hidden_channels)
        self.steps = nn.ModuleList(EntropyAscent(**step) for _ in range(depth)) if step is not None else None
        self.decoder = nn.Linear(hidden_channels, out_channels)

    def encode(self, x, edge_index):
        self._initial = F.relu(self.encoder(x))
        return self._initial

    def block(self, index, x, edge_index):
        h = (1 - self.alpha) * edge_index.operator("gcn").matmul(x) + self.alpha * self._initial
        return h if self.steps is None else self.steps[index](h, edge_index)

    def decode(self, x, edge_index):
        return self.decoder(x)


class PairNormGCN(DeepGNN):
    r"""PairNorm GCN :cite:p:`zhao2020pairnorm` as in the authors' configuration: row-L1-normalised
    input features, then :math:`L` blocks ``RowNormalizedConv -> PairNorm (PN-SI) -> ReLU``, then
    an output ``RowNormalizedConv``. Uses :class:`torch_geometric.nn.PairNorm`.

    Args:
        scale (float, optional): PairNorm's scale :math:`s` (default: ``3.0``).
    """

    def __init__(self, in_channels: int, out_channels: int, depth: int, hidden_channels: int = 256,
                 scale: float = 3.0):
        super().__init__(in_channels, out_channels, depth, hidden_channels)
        widths = [in_channels] + [hidden_channels] * depth
        self.convs = nn.ModuleList(RowNormalizedConv(widths[i], widths[i + 1]) for i in range(depth))
        self.norm = PairNorm(scale=scale, scale_individually=True)
        self.output = RowNormalizedConv(hidden_channels, out_channels)

    def encode(self, x, edge_index):
        return F.normalize(x, p=1, dim=-1)

    def block(self, index, x, edge_index):
        return F.relu(self.norm(self.convs[index](x, edge_index)))

    def decode(self, x, edge_index):
        return self.output(x, edge_index)


class G2GCN(DeepGNN):
    r"""Gradient gating (G2) :cite:p:`rusch2022g2` around a GCN:

    .. math::
        \tau_{ik} = \tanh\Big(\frac{1}{d_i} \sum_{j \in \mathcal{N}(i)} |y_{ik} - y_{jk}|^p\Big),
        \quad Y = \mathrm{ReLU}(\mathrm{GCNConv}_2(X)), \quad
        X \leftarrow (1 - \tau) \odot X + \tau \odot \mathrm{ReLU}(\mathrm{GCNConv}_1(X)),

    after a linear encoder with ReLU; the two convolutions are shared by all :math:`L` steps; a
    linear decoder gives the logits (``relu_logits=True`` adds the ReLU the authors put there).

    Args:
        p (float, optional): exponent of the gate (default: ``2.0``).
        relu_logits (bool, optional): ReLU on the output, as in the authors' code (default: ``False``).
    """

    def __init__(self, in_channels: int, out_channels: int, depth: int, hidden_channels: int = 256,
                 p: float = 2.0, relu_logits: bool = False):
        super().__init__(in_channels, out_channels, depth, hidden_channels)
        self.p, self.relu_logits = float(p), bool(relu_logits)
        self.encoder = nn.Linear(in_channels, hidden_channels)
        self.conv = GCNConv(hidden_channels, hidden_channels)
        self.gate_conv = GCNConv(hidden_channels, hidden_channels)
        self.decoder = nn.Linear(hidden_channels, out_channels)

    def encode(self, x, edge_index):
        return F.relu(self.encoder(x))

    def gate(self, y: Tensor, edge_index: Tensor | Adjacency) -> Tensor:
        r""":math:`\tau = \tanh(\mathrm{mean}_{j \in \mathcal{N}(i)} |y_i - y_j|^p)` per channel. For
        :math:`p = 2` it uses :math:`\sum_j (y_i - y_j)^2 = d_i y_i^2 - 2 y_i (A y)_i + (A y^2)_i`
        (sparse products, no [m, c] temporary); otherwise the edge differences."""
        adjacency = as_adjacency(edge_index, y.size(0), type(self).__name__)
        if self.p == 2.0:
            degree = adjacency.degree.to(y.dtype).unsqueeze(1)
            squares = degree * y.square() - 2 * y * (adjacency @ y) + adjacency @ y.square()
            mean = squares.clamp(min=0) / degree.clamp(min=1)
        else:
            row, col = adjacency.rows, adjacency.neighbours
            mean = scatter((y[row] - y[col]).abs().pow(self.p), row, dim=0, dim_size=y.size(0), reduce="mean")
        return torch.tanh(mean)

    def block(self, index, x, edge_index):
        tau = self.gate(F.relu(self.gate_conv(x, edge_index)), edge_index)
        return (1 - tau) * x + tau * F.relu(self.conv(x, edge_index))

    def decode(self, x, edge_index):
        out = self.decoder(x)
        return F.relu(out) if self.relu_logits else out


MODELS = {"basic": BasicGCN, "entropic": EntropicGCN, "entropic_authors": EntropicGCN, "g2": G2GCN,
          "g2_authors": G2GCN, "pairnorm": PairNormGCN, "conv": ConvGNN, "gcnii": GCNII, "appnp": APPNPNet,
          "grand": GRAND}
# the authors' variants of a class: what their name sets unless the options say otherwise
MODEL_DEFAULTS = {"entropic_authors": {"variant": "authors"}, "g2_authors": {"relu_logits": True}}


def build_model(name: str, in_channels: int, out_channels: int, depth: int, **options) -> DeepGNN:
    """A model of ``MODELS`` by name: ``"basic"``, ``"entropic"``, ``"entropic_authors"`` (the
    authors' step direction), ``"g2"``, ``"g2_authors"`` (ReLU on the logits), ``"pairnorm"``,
    ``"conv"`` (GAT, GraphSAGE or GIN layers), ``"gcnii"``, ``"appnp"`` or ``"grand"`` (depth: solver
    steps, see :class:`~energygnn.models.grand.GRAND`); ``options`` go to the
    class, over the name's defaults (``MODEL_DEFAULTS``)."""
    try:
        cls = MODELS[name]
    except KeyError:
        raise ValueError(f"Unknown model {name!r}; valid names: {', '.join(MODELS)}.") from None
    return cls(in_channels, out_channels, depth, **{**MODEL_DEFAULTS.get(name, {}), **options})
