r"""PyG's GCN convolutions, propagating over a normalised adjacency built once per graph."""
from __future__ import annotations

from torch import Tensor
from torch_geometric import nn as pyg_nn

from ..sparse import Adjacency, row_normalized_edges


class GCNConv(pyg_nn.GCNConv):
    r""":class:`torch_geometric.nn.GCNConv` :cite:p:`kipf2017gcn` (same parameters, same
    ``state_dict``, same function) that also accepts an :class:`~energygnn.sparse.Adjacency` in
    place of ``edge_index``:

    .. math::
        X' = \hat D^{-1/2} \hat A \hat D^{-1/2} X W + b, \qquad \hat A = A + I.

    Given an ``Adjacency``, the propagation matrix is the graph's ``operator("gcn")``: PyG's
    ``gcn_norm`` computed once per graph and dtype, multiplied by
    :class:`~energygnn.sparse.SparseOperator` (one pass over the neighbour lists forward and
    backward). Given an ``edge_index`` tensor, it is PyG's layer unchanged. Both agree to rounding
    (tested in float64 with rtol 1e-10, forward and gradients).

    Args:
        in_channels (int): input feature width.
        out_channels (int): output feature width.
        **kwargs (optional): as :class:`torch_geometric.nn.GCNConv`; the ``Adjacency`` path needs
            its defaults (``improved=False``, ``add_self_loops=True``, ``normalize=True``).

    Shapes:
        **x** [n, in_channels], **edge_index** [2, m] or ``Adjacency`` -> [n, out_channels]
    """

    propagation = "gcn"
    # PyG generates ``propagate`` from the class source: its arguments are declared here, as in GCNConv.
    # propagate_type: (x: Tensor, edge_weight: OptTensor)

    def forward(self, x: Tensor, edge_index, edge_weight: Tensor | None = None) -> Tensor:
        """PyG's forward for an ``edge_index``; the graph's normalised operator for an ``Adjacency``."""
        if not isinstance(edge_index, Adjacency):
            return super().forward(x, edge_index, edge_weight)
        if edge_weight is not None or not self._uses_default_propagation():
            raise ValueError(f"{type(self).__name__}: an Adjacency carries its own normalisation; pass "
                             "edge_index (and edge_weight) instead to use other edge weights or options.")
        out = edge_index.operator(self.propagation).matmul(self.lin(x))
        return out if self.bias is None else out + self.bias

    def _uses_default_propagation(self) -> bool:
        return self.normalize and self.add_self_loops and not self.improved


class RowNormalizedConv(GCNConv):
    r""":math:`X' = \hat D^{-1} \hat A X W + b` with :math:`\hat A = A + I` (a loop added to every
    node): the propagation of PairNorm's reference models :cite:p:`zhao2020pairnorm`, as a
    ``GCNConv`` with fixed edge weights :math:`1 / \hat d_i`. Given an
    :class:`~energygnn.sparse.Adjacency` it uses the graph's ``operator("row")``.

    Args:
        in_channels (int): input feature width.
        out_channels (int): output feature width.

    Shapes:
        **x** [n, in_channels], **edge_index** [2, m] or ``Adjacency`` -> [n, out_channels]
    """

    propagation = "row"

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__(in_channels, out_channels, normalize=False, add_self_loops=False)

    def forward(self, x: Tensor, edge_index, edge_weight: Tensor | None = None) -> Tensor:
        """:math:`\\hat D^{-1} \\hat A X W + b` over ``edge_index`` or an ``Adjacency``."""
        if isinstance(edge_index, Adjacency) or edge_weight is not None:
            return super().forward(x, edge_index, edge_weight)
        looped, weight = row_normalized_edges(edge_index, x.size(0), x.dtype)
        return pyg_nn.GCNConv.forward(self, x, looped, weight)

    def _uses_default_propagation(self) -> bool:
        return True
