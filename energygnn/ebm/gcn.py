r"""The two-layer GCN that paper 2 starts from, and the energy view of any node classifier.

Paper 2 builds on DGL's GCN example (Kipf & Welling 2017): two ``GraphConv`` layers, hidden
width 16, ReLU, dropout 0.5 before the second layer only, trained with Adam (lr 0.01, weight
decay 5e-4) on row-normalised features.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch_geometric.nn import GCNConv
from torch_geometric.nn.conv.gcn_conv import gcn_norm


def logit_energy(logits: Tensor) -> Tensor:
    r"""The energy of JEM (Grathwohl et al. 2020) and of paper 2's eq. (4), per node:

    .. math::
        E_\theta(x_i) = -\log \sum_y \exp f_\theta(A, X)[i, y].

    Args:
        logits (Tensor): [n, k] class scores.

    Returns:
        Tensor: [n] energies (lower energy = higher unnormalised density :math:`p_\theta(x_i)`).
    """
    if logits.dim() != 2:
        raise ValueError(f"logit_energy: logits must be [n, k], got shape {list(logits.shape)}.")
    return -torch.logsumexp(logits, dim=-1)


def normalized_adjacency(edge_index: Tensor, num_nodes: int) -> tuple[Tensor, Tensor]:
    r"""GCN's propagation matrix :math:`\tilde A = \hat D^{-1/2}(A + I)\hat D^{-1/2}` as ``(edge_index,
    edge_weight)`` with the self loops added (PyG's ``gcn_norm``).

    Computed once on the whole graph, it can be restricted to any subgraph and still give the
    whole graph's weights there (what :class:`~energygnn.ebm.sampler.GraphSampler` relies on).
    """
    return gcn_norm(edge_index, None, num_nodes, add_self_loops=True)


class TwoLayerGCN(nn.Module):
    r"""The GCN of Kipf & Welling (2017) as in DGL's example, which paper 2 trains as an EBM:

    .. math::
        f_\theta(A, X) = \tilde A \,\mathrm{dropout}\big(\mathrm{ReLU}(\tilde A X W_0 + b_0)\big) W_1 + b_1,
        \qquad \tilde A = \hat D^{-1/2}(A + I)\hat D^{-1/2}.

    The convolutions are :class:`torch_geometric.nn.GCNConv` with ``normalize=False``: the
    caller passes the normalised weights (see :func:`normalized_adjacency`), so the same model
    runs on the whole graph or on a subgraph cut out of it with the whole graph's weights.
    Without ``edge_weight`` the weights are computed from ``edge_index`` on every call.

    Args:
        in_channels (int): input feature width.
        out_channels (int): number of classes :math:`k`.
        hidden_channels (int, optional): hidden width (default: ``16``).
        dropout (float, optional): dropout probability before the second layer (default: ``0.5``).

    Shapes:
        **x** [n, in_channels], **edge_index** [2, m], **edge_weight** [m] (optional) -> [n, k].
    """

    def __init__(self, in_channels: int, out_channels: int, hidden_channels: int = 16, dropout: float = 0.5):
        super().__init__()
        for label, value in (("in_channels", in_channels), ("out_channels", out_channels),
                             ("hidden_channels", hidden_channels)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"TwoLayerGCN: {label} must be a positive integer, got {value!r}.")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"TwoLayerGCN: dropout must lie in [0, 1), got {dropout!r}.")
        self.conv1 = GCNConv(in_channels, hidden_channels, normalize=False)
        self.conv2 = GCNConv(hidden_channels, out_channels, normalize=False)
        self.dropout = dropout

    def preactivation(self, x: Tensor, edge_index: Tensor, edge_weight: Tensor | None = None) -> Tensor:
        r"""The first layer before its ReLU, :math:`\tilde A X W_0 + b_0`, [n, hidden_channels]."""
        edge_index, edge_weight = self._weights(x, edge_index, edge_weight)
        return self.conv1(x, edge_index, edge_weight)

    def hidden(self, x: Tensor, edge_index: Tensor, edge_weight: Tensor | None = None) -> Tensor:
        r"""The first layer's output :math:`\mathrm{ReLU}(\tilde A X W_0 + b_0)`, [n, hidden_channels]."""
        return F.relu(self.preactivation(x, edge_index, edge_weight))

    def output(self, h: Tensor, edge_index: Tensor, edge_weight: Tensor | None = None) -> Tensor:
        """The second layer on a hidden embedding ``h`` (dropout in training mode), [n, k]."""
        edge_index, edge_weight = self._weights(h, edge_index, edge_weight)
        return self.conv2(F.dropout(h, self.dropout, self.training), edge_index, edge_weight)

    def forward(self, x: Tensor, edge_index: Tensor, edge_weight: Tensor | None = None) -> Tensor:
        """The logits :math:`f_\\theta(A, X)`, [n, k] (weights from ``edge_index`` when ``edge_weight`` is None)."""
        edge_index, edge_weight = self._weights(x, edge_index, edge_weight)
        return self.output(self.hidden(x, edge_index, edge_weight), edge_index, edge_weight)

    def weight_matrices(self) -> list[Tensor]:
        r"""The paper's :math:`W_l` ([in, out]) of every layer (PyG stores their transposes)."""
        return [self.conv1.lin.weight.t(), self.conv2.lin.weight.t()]

    @staticmethod
    def _weights(x: Tensor, edge_index: Tensor, edge_weight: Tensor | None) -> tuple[Tensor, Tensor]:
        if edge_weight is None:
            return normalized_adjacency(edge_index, x.size(0))
        return edge_index, edge_weight


def orthogonality_penalty(weights: list[Tensor]) -> Tensor:
    r"""GCN-JEMO's penalty (paper 2, eq. 5), summed over the layers:

    .. math::
        \sum_l \big\| W_l^\top W_l - I \big\|_F .

    Zero exactly when every :math:`W_l` has orthonormal columns.
    """
    total = weights[0].new_zeros(())
    for weight in weights:
        gram = weight.t() @ weight
        total = total + torch.linalg.matrix_norm(gram - torch.eye(gram.size(0), dtype=gram.dtype))
    return total
