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

from dataclasses import asdict
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch_geometric.nn import GATConv, GCN2Conv, GINConv, PairNorm, SAGEConv
from torch_geometric.utils import scatter

from ..nn import EntropyAscent, GCNConv, RowNormalizedConv, StepOptions
from ..sparse import Adjacency, AdjacencyCache, as_adjacency
from .grand import GRAND


class DeepGNN(nn.Module):
    r"""Base class: ``encode``, then ``depth`` hidden blocks of width ``hidden_channels``, then
    ``decode``. Subclasses override only what differs (``block``, and ``encode``/``decode`` where needed).

    With ``step``, hidden block :math:`\ell` takes paper 1's entropy-ascent step (Eq. 5) at its
    own weight :math:`\lambda_\ell` (:meth:`~energygnn.nn.entropic.StepOptions.layer_weights`):
    ``steps`` holds one :class:`~energygnn.nn.entropic.EntropyAscent` per block, and a block
    applies its step with :meth:`step`, where the model puts it (the way PyG's ``BasicGNN``
    applies its convolutions, norms and activations):

    .. math::
        H^{(\ell)} \leftarrow H^{(\ell)} + \lambda_\ell \, \nabla_{H^{c}} S(H^{c}).

    Args:
        in_channels (int): input feature width.
        out_channels (int): number of classes (or output width).
        depth (int): number of hidden blocks :math:`L \ge 1`.
        hidden_channels (int, optional): width of every hidden block (default: ``256``).
        step (StepOptions or dict, optional): the entropy step's settings, or a dict of them (a run
            config's ``"step"``); None for no step (default: ``None``).

    The graph is turned into an :class:`~energygnn.sparse.Adjacency` once (and kept while the same
    ``edge_index`` tensor comes in), and the blocks receive that: their convolutions propagate over
    normalised adjacencies built once per graph (:class:`energygnn.nn.conv.GCNConv`), the same function as
    PyG's per-call normalisation and message passing, several times faster.

    Shapes:
        **x** [n, in_channels], **edge_index** [2, m] (or an ``Adjacency``) -> [n, out_channels];
        with ``return_hidden=True`` also a list of ``depth`` tensors [n, hidden_channels], the
        embedding after every hidden block.
    """

    def __init__(self, in_channels: int, out_channels: int, depth: int, hidden_channels: int = 256,
                 step: StepOptions | dict[str, Any] | None = None):
        super().__init__()
        name = type(self).__name__
        for label, value in (("in_channels", in_channels), ("out_channels", out_channels),
                             ("depth", depth), ("hidden_channels", hidden_channels)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name}: {label} must be a positive integer, got {value!r}.")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.depth, self.hidden_channels = depth, hidden_channels
        self._adjacency_cache = AdjacencyCache(name)
        # the steps hold no parameters: the layers' initialisation does not depend on them
        self.step_options = StepOptions.coerce(step, name)
        self.steps = None if self.step_options is None else nn.ModuleList(
            EntropyAscent.from_options(self.step_options, weight) for weight in self.step_options.layer_weights(depth))

    @classmethod
    def options_with_step(cls, options: dict[str, Any], step: dict[str, Any]) -> dict[str, Any]:
        """The model's ``options`` with the entropy step ``step`` (a dict of
        :class:`~energygnn.nn.entropic.StepOptions` fields), as run configs store them: under
        ``"step"``."""
        return {**options, "step": step}

    def encode(self, x: Tensor, edge_index: Tensor) -> Tensor:
        return x

    def block(self, index: int, x: Tensor, edge_index: Tensor) -> Tensor:
        raise NotImplementedError

    def step(self, index: int, h: Tensor, edge_index: Tensor | Adjacency) -> Tensor:
        """Hidden block ``index``'s entropy step on ``h``; ``h`` itself for a model without a step."""
        return h if self.steps is None else self.steps[index](h, edge_index)

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


#: The initialisations of :class:`BasicGCN` (and :class:`EntropicGCN`): PyG's Glorot (the default) or He's scale.
INITS = ("glorot", "he")


class BasicGCN(DeepGNN):
    r"""Plain deep GCN :cite:p:`kipf2017gcn`: :math:`H^{(\ell)} = \mathrm{ReLU}(\mathrm{GCNConv}_\ell(H^{(\ell-1)}))`
    for :math:`\ell = 1..L`, then an output ``GCNConv``; with ``step``, the entropy step follows
    every hidden convolution before its ReLU (:class:`EntropicGCN`).

    Args:
        step (StepOptions or dict, optional): the entropy step's settings; None for no step
            (default: ``None``).
        init (str, optional): the weights' initialisation, one of ``INITS``: ``"glorot"``
            (PyG's Glorot-uniform, variance :math:`2/(c_\text{in} + c_\text{out})`; the default,
            the models of every committed run), or ``"he"``: the same Glorot draws rescaled to
            variance :math:`2/c_\text{in}` (He et al. 2015: a ReLU layer then keeps the mean
            square of its input; by :math:`\sqrt 2` in the square hidden layers). The rescaling
            draws no random numbers, so both inits see the same draws in the same directions.
    """

    def __init__(self, in_channels: int, out_channels: int, depth: int, hidden_channels: int = 256,
                 step: StepOptions | dict[str, Any] | None = None, init: str = "glorot"):
        super().__init__(in_channels, out_channels, depth, hidden_channels, step)
        if init not in INITS:
            raise ValueError(f"{type(self).__name__}: init must be one of {INITS}, got {init!r}.")
        self.init = init
        widths = [in_channels] + [hidden_channels] * depth
        self.convs = nn.ModuleList(GCNConv(widths[i], widths[i + 1]) for i in range(depth))
        self.output = GCNConv(hidden_channels, out_channels)
        if init == "he":
            with torch.no_grad():
                for conv in [*self.convs, self.output]:
                    fan_out, fan_in = conv.lin.weight.shape
                    conv.lin.weight.mul_(((fan_in + fan_out) / fan_in) ** 0.5)

    def block(self, index, x, edge_index):
        return F.relu(self.step(index, self.convs[index](x, edge_index), edge_index))

    def decode(self, x, edge_index):
        return self.output(x, edge_index)


def layer_weights(weight: float, depth: int, schedule: str = "constant", peak: float = 1.0) -> list[float]:
    r"""The step weight :math:`\lambda_\ell` of every hidden layer :math:`\ell = 1..L` under
    ``schedule``: :meth:`StepOptions.layer_weights <energygnn.nn.entropic.StepOptions.layer_weights>`
    of a step with this ``weight``, ``schedule`` and ``peak``."""
    return StepOptions(weight, schedule=schedule, peak=peak, caller="layer_weights").layer_weights(depth)


class EntropicGCN(BasicGCN):
    r"""Entropic GCN of paper 1: every hidden ``GCNConv`` is followed by the entropy-ascent step
    (Eq. 5) before the ReLU; the output convolution has none:

    .. math::
        H^{(\ell)} = \mathrm{ReLU}\big(Z + \lambda_\ell \, \nabla_{Z^{c}} S(Z^{c})\big),
        \qquad Z = \mathrm{GCNConv}_\ell(H^{(\ell-1)}).

    It is :class:`BasicGCN` with a step that is always there, the paper's by default; its
    settings may also be given one by one, as keyword options: that is how the run configs of
    Table 1 store them (``{"weight": 1.0, "temperature": 10.0, ...}`` as the model's own options).

    Args:
        step (StepOptions or dict, optional): the entropy step's settings (default: ``None``,
            the paper's :class:`~energygnn.nn.entropic.StepOptions`).
        init (str, optional): the weights' initialisation, as in :class:`BasicGCN` (default ``"glorot"``).
        **options (optional): fields of :class:`~energygnn.nn.entropic.StepOptions` (``weight``,
            ``temperature``, ``normalize``, ``detach``, ``variant``, ``schedule``, ``peak``),
            over those of ``step``.
    """

    def __init__(self, in_channels: int, out_channels: int, depth: int, hidden_channels: int = 256,
                 step: StepOptions | dict[str, Any] | None = None, init: str = "glorot", **options):
        step = asdict(step) if isinstance(step, StepOptions) else dict(step or {})
        super().__init__(in_channels, out_channels, depth, hidden_channels, step={**step, **options}, init=init)

    @classmethod
    def options_with_step(cls, options: dict[str, Any], step: dict[str, Any]) -> dict[str, Any]:
        """The model's ``options`` with the entropy step ``step`` as run configs store them: the
        step's settings as the model's own options (see the class)."""
        return {**options, **step}


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
    output layer of the same kind; with ``step``, the entropy step follows every hidden layer
    before its ReLU (paper 1's "integrates with existing architectures").

    Args:
        conv (str, optional): ``"gat"``, ``"sage"`` or ``"gin"`` (default: ``"sage"``).
        step (StepOptions or dict, optional): the entropy step's settings; None for no step
            (default: ``None``).
    """

    def __init__(self, in_channels: int, out_channels: int, depth: int, hidden_channels: int = 256,
                 conv: str = "sage", step: StepOptions | dict[str, Any] | None = None):
        super().__init__(in_channels, out_channels, depth, hidden_channels, step)
        if conv not in CONV_KINDS:
            raise ValueError(f"ConvGNN: conv must be one of {CONV_KINDS}, got {conv!r}.")
        widths = [in_channels] + [hidden_channels] * depth
        self.convs = nn.ModuleList(pyg_conv(conv, widths[i], widths[i + 1]) for i in range(depth))
        self.output = pyg_conv(conv, hidden_channels, out_channels)
        self.kind = conv

    def block(self, index, x, edge_index):
        return F.relu(self.step(index, self.convs[index](x, edge_index.edge_index), edge_index))

    def decode(self, x, edge_index):
        return self.output(x, edge_index.edge_index)


class GCNII(DeepGNN):
    r"""GCNII :cite:p:`chen2020gcnii` (PyG's :class:`~torch_geometric.nn.GCN2Conv`): a linear encoder
    with ReLU gives :math:`H^{(0)}`, then :math:`H^{(\ell)} = \mathrm{ReLU}\big(((1 - \alpha)\tilde A H^{(\ell-1)}
    + \alpha H^{(0)})((1 - \beta_\ell) I + \beta_\ell W_\ell)\big)` with
    :math:`\beta_\ell = \log(\theta / \ell + 1)`, and a linear decoder; with ``step``, the
    entropy step follows every layer before its ReLU.

    Args:
        alpha (float, optional): initial-residual weight :math:`\alpha` (default: ``0.1``).
        theta (float, optional): identity-mapping strength :math:`\theta` (default: ``0.5``).
        step (StepOptions or dict, optional): the entropy step's settings; None for no step
            (default: ``None``).
        dropout (float, optional): dropout probability on the input features, before every layer
            and before the decoder, where GCNII's own code (and PyG's ``gcn2_cora`` example) puts
            it; 0 for none, Table 1's protocol (default: ``0.0``).
    """

    def __init__(self, in_channels: int, out_channels: int, depth: int, hidden_channels: int = 256,
                 alpha: float = 0.1, theta: float = 0.5, step: StepOptions | dict[str, Any] | None = None,
                 dropout: float = 0.0):
        super().__init__(in_channels, out_channels, depth, hidden_channels, step)
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"GCNII: dropout must be in [0, 1), got {dropout!r}.")
        self.encoder = nn.Linear(in_channels, hidden_channels)
        # the graph is normalised once per graph (Adjacency.sparse_tensor), not in every layer
        self.convs = nn.ModuleList(GCN2Conv(hidden_channels, alpha, theta, layer=layer + 1, normalize=False)
                                   for layer in range(depth))
        self.decoder = nn.Linear(hidden_channels, out_channels)
        # no module (and no random draw) without dropout: Table 1's runs are unchanged
        self.dropout = nn.Dropout(dropout) if dropout > 0 else None

    def _drop(self, x: Tensor) -> Tensor:
        return x if self.dropout is None else self.dropout(x)

    def encode(self, x, edge_index):
        self._initial = F.relu(self.encoder(self._drop(x)))  # every layer's initial residual
        return self._initial

    def block(self, index, x, edge_index):
        h = self.convs[index](self._drop(x), self._initial, edge_index.sparse_tensor("gcn", x.dtype))
        return F.relu(self.step(index, h, edge_index))

    def decode(self, x, edge_index):
        return self.decoder(self._drop(x))


class APPNPNet(DeepGNN):
    r"""APPNP :cite:p:`gasteiger2019appnp` with its propagation as the hidden blocks: a linear
    encoder with ReLU gives :math:`H^{(0)}`, then :math:`H^{(\ell)} = (1 - \alpha)\tilde A H^{(\ell-1)}
    + \alpha H^{(0)}` (personalised PageRank, no weights), and a linear decoder; with ``step``,
    the entropy step follows every propagation.

    Args:
        alpha (float, optional): teleport probability :math:`\alpha` (default: ``0.1``).
        step (StepOptions or dict, optional): the entropy step's settings; None for no step
            (default: ``None``).
    """

    def __init__(self, in_channels: int, out_channels: int, depth: int, hidden_channels: int = 256,
                 alpha: float = 0.1, step: StepOptions | dict[str, Any] | None = None):
        super().__init__(in_channels, out_channels, depth, hidden_channels, step)
        self.alpha = float(alpha)
        self.encoder = nn.Linear(in_channels, hidden_channels)
        self.decoder = nn.Linear(hidden_channels, out_channels)

    def encode(self, x, edge_index):
        self._initial = F.relu(self.encoder(x))
        return self._initial

    def block(self, index, x, edge_index):
        h = (1 - self.alpha) * edge_index.operator("gcn").matmul(x) + self.alpha * self._initial
        return self.step(index, h, edge_index)

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


def model_class(name: str) -> type[DeepGNN] | type[GRAND]:
    """The class of model ``name`` in ``MODELS`` (a ``ValueError`` listing the names if none)."""
    try:
        return MODELS[name]
    except KeyError:
        raise ValueError(f"Unknown model {name!r}; valid names: {', '.join(MODELS)}.") from None


def build_model(name: str, in_channels: int, out_channels: int, depth: int, **options) -> DeepGNN | GRAND:
    """A model of ``MODELS`` by name: ``"basic"``, ``"entropic"``, ``"entropic_authors"`` (the
    authors' step direction), ``"g2"``, ``"g2_authors"`` (ReLU on the logits), ``"pairnorm"``,
    ``"conv"`` (GAT, GraphSAGE or GIN layers), ``"gcnii"``, ``"appnp"`` or ``"grand"`` (depth: solver
    steps, see :class:`~energygnn.models.grand.GRAND`); ``options`` (a run config's
    ``model_options``: the entropy step under ``"step"`` or, for the entropic GCN, as its own)
    go to the class, over the name's defaults (``MODEL_DEFAULTS``)."""
    return model_class(name)(in_channels, out_channels, depth, **{**MODEL_DEFAULTS.get(name, {}), **options})
