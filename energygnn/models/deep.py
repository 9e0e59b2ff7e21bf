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

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch_geometric.nn import PairNorm
from torch_geometric.utils import scatter

from ..nn import EntropicConv, GCNConv, RowNormalizedConv
from ..sparse import Adjacency, AdjacencyCache, as_adjacency


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
    """

    def __init__(self, in_channels: int, out_channels: int, depth: int, hidden_channels: int = 256,
                 weight: float = 1.0, temperature: float = 10.0, normalize: bool = True, detach: bool = True,
                 variant: str = "exact"):
        self._step_options = dict(weight=weight, temperature=temperature, normalize=normalize, detach=detach,
                                  variant=variant)
        super().__init__(in_channels, out_channels, depth, hidden_channels)

    def hidden_conv(self, in_channels: int, out_channels: int) -> nn.Module:
        return EntropicConv(GCNConv(in_channels, out_channels), **self._step_options)


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
          "g2_authors": G2GCN, "pairnorm": PairNormGCN}
# the authors' variants of a class: what their name sets unless the options say otherwise
MODEL_DEFAULTS = {"entropic_authors": {"variant": "authors"}, "g2_authors": {"relu_logits": True}}


def build_model(name: str, in_channels: int, out_channels: int, depth: int, **options) -> DeepGNN:
    """A model of ``MODELS`` by name: ``"basic"``, ``"entropic"``, ``"entropic_authors"`` (the
    authors' step direction), ``"g2"``, ``"g2_authors"`` (ReLU on the logits) or ``"pairnorm"``;
    ``options`` go to the class, over the name's defaults (``MODEL_DEFAULTS``)."""
    try:
        cls = MODELS[name]
    except KeyError:
        raise ValueError(f"Unknown model {name!r}; valid names: {', '.join(MODELS)}.") from None
    return cls(in_channels, out_channels, depth, **{**MODEL_DEFAULTS.get(name, {}), **options})
