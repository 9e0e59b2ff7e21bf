"""A symmetric sparse adjacency with cheap products, built once from an ``edge_index``."""
from __future__ import annotations

import warnings

import torch
from torch import Tensor


def check_edge_index(edge_index: Tensor, num_nodes: int, caller: str) -> None:
    """Raise ``ValueError`` (naming ``caller``) unless ``edge_index`` is an integer [2, m] tensor
    whose entries lie in ``[0, num_nodes)``."""
    if not isinstance(edge_index, Tensor):
        raise ValueError(f"{caller}: edge_index must be a torch.Tensor of shape [2, m], "
                         f"got {type(edge_index).__name__}.")
    if edge_index.dim() != 2 or edge_index.size(0) != 2:
        raise ValueError(f"{caller}: edge_index must have shape [2, m], got {list(edge_index.shape)}.")
    if edge_index.dtype not in (torch.int64, torch.int32):
        raise ValueError(f"{caller}: edge_index must hold integers (torch.long), got {edge_index.dtype}.")
    if edge_index.numel() and (int(edge_index.min()) < 0 or int(edge_index.max()) >= num_nodes):
        raise ValueError(
            f"{caller}: edge_index refers to nodes outside [0, {num_nodes}) "
            f"(min {int(edge_index.min())}, max {int(edge_index.max())}); x has {num_nodes} rows."
        )


class Adjacency:
    r"""The 0/1 adjacency :math:`A` of a symmetric graph, stored as CSR for fast products.

    Building it is :math:`O(n + m)` when ``edge_index`` is sorted by either row (as PyG's
    ``coalesce`` leaves it) or column (as Planetoid's graphs come); otherwise the edges are sorted
    once, :math:`O(m \log m)`. Build it once and pass it instead of ``edge_index`` to avoid even
    the linear pass.

    Args:
        edge_index (Tensor): [2, m] edges, each undirected edge listed in both directions.
        num_nodes (int): number of nodes :math:`n`.

    Attributes:
        edge_index (Tensor): the edges, [2, m].
        degree (Tensor): :math:`d_i`, the number of edges leaving node :math:`i`, [n].
    """

    def __init__(self, edge_index: Tensor, num_nodes: int, *, caller: str = "Adjacency"):
        check_edge_index(edge_index, num_nodes, caller)
        self.edge_index = edge_index.long()
        self.num_nodes = num_nodes
        row, col = self.edge_index
        # A is symmetric, so a column-sorted list is a row-sorted list of the same matrix.
        if not _is_sorted(row):
            if _is_sorted(col):
                row, col = col, row
            else:
                order = torch.argsort(row, stable=True)
                row, col = row[order], col[order]
        self._crow = torch._convert_indices_from_coo_to_csr(row, num_nodes)
        self._col = col
        self.degree = (self._crow[1:] - self._crow[:-1])
        self._matrices: dict[tuple[torch.dtype, torch.device], Tensor] = {}

    @property
    def num_edges(self) -> int:
        return int(self._col.numel())

    def matrix(self, dtype: torch.dtype, device: torch.device | None = None) -> Tensor:
        """The CSR matrix with ones of ``dtype`` (cached per dtype and device)."""
        device = device or self._col.device
        key = (dtype, torch.device(device))
        if key not in self._matrices:
            with warnings.catch_warnings():  # "sparse CSR support is in beta"
                warnings.simplefilter("ignore", UserWarning)
                self._matrices[key] = torch.sparse_csr_tensor(
                    self._crow.to(device), self._col.to(device),
                    torch.ones(self._col.numel(), dtype=dtype, device=device),
                    (self.num_nodes, self.num_nodes),
                )
        return self._matrices[key]

    def __matmul__(self, other: Tensor) -> Tensor:
        """:math:`A` times a [n] vector or an [n, c] matrix."""
        return self.matrix(other.dtype, other.device) @ other


def _is_sorted(index: Tensor) -> bool:
    return index.numel() < 2 or bool((index[1:] >= index[:-1]).all())


def as_adjacency(edge_index: Tensor | Adjacency, num_nodes: int, caller: str) -> Adjacency:
    """``edge_index`` as an :class:`Adjacency` (returned unchanged if it already is one)."""
    if isinstance(edge_index, Adjacency):
        if edge_index.num_nodes != num_nodes:
            raise ValueError(f"{caller}: the Adjacency has {edge_index.num_nodes} nodes but x has "
                             f"{num_nodes} rows.")
        return edge_index
    return Adjacency(edge_index, num_nodes, caller=caller)
