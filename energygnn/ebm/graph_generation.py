r"""Paper 2's graph generation: edges between generated samples that are close in energy.

Every ``generate_every`` epochs, two sampled nodes :math:`i, j` are joined when
:math:`|E(\hat x_i) - E(\hat x_j)| \le \tau` (Algorithm 1); the generated adjacency
:math:`A_\text{gen}` (the paper's :math:`\tilde A`) replaces :math:`A` from then on. :class:`GeneratedGraph` keeps the original
graph and every added edge separately, so both can be inspected.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import Tensor

from ..sparse import check_edge_index


def pairs_within(energies: Tensor, tau: float) -> Tensor:
    r"""All index pairs :math:`(a, b)`, :math:`a < b`, with :math:`|e_a - e_b| \le \tau`, as [2, p]."""
    if energies.dim() != 1:
        raise ValueError(f"pairs_within: energies must be 1-D, got shape {list(energies.shape)}.")
    if not tau >= 0:
        raise ValueError(f"pairs_within: tau must be >= 0, got {tau!r}.")
    a, b = torch.triu_indices(energies.numel(), energies.numel(), offset=1)
    close = (energies[a] - energies[b]).abs() <= tau
    return torch.stack([a[close], b[close]])


@dataclass
class GeneratedGraph:
    """The original undirected graph plus the edges added by generation events.

    Args:
        edge_index (Tensor): [2, m] original edges, both directions listed.
        num_nodes (int): number of nodes.

    Attributes:
        events (list of dict): one per generation event: ``epoch``, ``nodes`` (the samples'
            positions), ``energies`` and ``added`` (the new undirected edges, [2, p], ``u < v``).
    """

    edge_index: Tensor
    num_nodes: int
    events: list[dict] = field(default_factory=list)

    def __post_init__(self):
        check_edge_index(self.edge_index, self.num_nodes, "GeneratedGraph")
        self.original = self.edge_index
        self._keys = set((self._key(self.edge_index[0], self.edge_index[1])).tolist())

    def _key(self, u: Tensor, v: Tensor) -> Tensor:
        return torch.minimum(u, v) * self.num_nodes + torch.maximum(u, v)

    def add_close_pairs(self, nodes: Tensor, energies: Tensor, tau: float, epoch: int) -> Tensor:
        r"""Join every two of ``nodes`` whose ``energies`` differ by at most ``tau``; pairs already
        joined (originally or by an earlier event) and self pairs are skipped. Returns the new
        undirected edges [2, p] and records the event."""
        if nodes.shape != energies.shape:
            raise ValueError(f"GeneratedGraph.add_close_pairs: nodes {list(nodes.shape)} and energies "
                             f"{list(energies.shape)} must have the same shape.")
        a, b = pairs_within(energies.detach(), tau)
        u, v = torch.minimum(nodes[a], nodes[b]), torch.maximum(nodes[a], nodes[b])
        keep = []
        for key, index in zip(self._key(u, v).tolist(), range(u.numel())):
            if u[index] != v[index] and key not in self._keys:
                self._keys.add(key)
                keep.append(index)
        added = torch.stack([u[keep], v[keep]]) if keep else torch.empty(2, 0, dtype=torch.long)
        self.events.append({"epoch": epoch, "nodes": nodes.tolist(), "energies": energies.tolist(),
                            "added": added.tolist()})
        if added.numel():
            self.edge_index = torch.cat([self.edge_index, added, added.flip(0)], dim=1)
        return added

    @property
    def added_edges(self) -> Tensor:
        """Every added undirected edge, [2, p] (``u < v``), in the order they were added."""
        parts = [torch.tensor(event["added"], dtype=torch.long).reshape(2, -1) for event in self.events]
        return torch.cat(parts, dim=1) if parts else torch.empty(2, 0, dtype=torch.long)
