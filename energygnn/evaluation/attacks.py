r"""Structure attacks on a node classifier: PyG's PRBCD (Geisler et al., 2021) and random edge
flips of the same budget as its control.

A budget is a number of node pairs whose edge is flipped (added or removed), a fraction of the
graph's undirected edges. Both attacks return a symmetric ``edge_index`` without self loops;
:func:`flipped_pairs` counts how many pairs differ from the original.
"""
from __future__ import annotations

import warnings

import torch
from torch import Tensor, nn
from torch_geometric.nn.conv.gcn_conv import gcn_norm
from torch_geometric.utils import coalesce, to_undirected

from ..sparse import check_edge_index


def undirected_pairs(edge_index: Tensor, num_nodes: int) -> Tensor:
    """The graph's undirected edges as sorted pairs ``i < j`` (self loops dropped), [2, e]."""
    check_edge_index(edge_index, num_nodes, "undirected_pairs")
    low, high = edge_index.min(dim=0).values, edge_index.max(dim=0).values
    keep = low != high
    return coalesce(torch.stack([low[keep], high[keep]]), num_nodes=num_nodes)


def edge_budget(edge_index: Tensor, num_nodes: int, fraction: float) -> int:
    """``fraction`` of the graph's undirected edges (self loops not counted), rounded."""
    if not 0 <= fraction <= 1:
        raise ValueError(f"edge_budget: fraction must lie in [0, 1], got {fraction!r}.")
    return round(fraction * undirected_pairs(edge_index, num_nodes).size(1))


def flipped_pairs(original: Tensor, perturbed: Tensor, num_nodes: int) -> int:
    """How many node pairs have an edge in exactly one of the two graphs."""
    def keys(edge_index):
        pairs = undirected_pairs(edge_index, num_nodes)
        return set((pairs[0] * num_nodes + pairs[1]).tolist())
    return len(keys(original) ^ keys(perturbed))


def random_edge_flips(edge_index: Tensor, num_nodes: int, budget: int, generator: torch.Generator) -> Tensor:
    """Flip ``budget`` distinct node pairs ``i < j`` drawn uniformly at random (on a sparse graph
    nearly all of them become new edges); returns the symmetric ``edge_index``."""
    pairs = undirected_pairs(edge_index, num_nodes)
    total = num_nodes * (num_nodes - 1) // 2
    if not 0 <= budget <= total:
        raise ValueError(f"random_edge_flips: budget must lie in [0, {total}], got {budget}.")
    chosen: set[int] = set()
    while len(chosen) < budget:  # rejection of repeats and of i == j
        draw = torch.randint(0, num_nodes, (2, 2 * (budget - len(chosen))), generator=generator)
        for i, j in draw.t().tolist():
            if i != j and len(chosen) < budget:
                chosen.add(min(i, j) * num_nodes + max(i, j))
    existing = set((pairs[0] * num_nodes + pairs[1]).tolist())
    flipped = sorted(existing ^ chosen)
    keys = torch.tensor(flipped, dtype=torch.long)
    return to_undirected(torch.stack([keys // num_nodes, keys % num_nodes]), num_nodes=num_nodes)


class EdgeWeightedGCN(nn.Module):
    r"""A GCN taking pre-normalised weights (:class:`~energygnn.ebm.gcn.TwoLayerGCN`) called as PyG's
    attacks call a model: ``model(x, edge_index, edge_weight)`` with raw weights in :math:`[0, 1]`
    (1 for an edge), normalised on every call as :math:`\hat D^{-1/2}(A_w + I)\hat D^{-1/2}`
    (``gcn_norm``), differentiably in the weights.

    Shapes:
        **x** [n, f], **edge_index** [2, m], **edge_weight** [m] (optional) -> [n, k]
    """

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x: Tensor, edge_index: Tensor, edge_weight: Tensor | None = None) -> Tensor:
        """The wrapped model's logits on the weighted graph."""
        edge_index, edge_weight = gcn_norm(edge_index, edge_weight, x.size(0), add_self_loops=True)
        return self.model(x, edge_index, edge_weight)


def prbcd_attack(model: nn.Module, x: Tensor, edge_index: Tensor, labels: Tensor, budget: int, nodes: Tensor,
                 seed: int, epochs: int = 125, epochs_resampling: int = 100, block_size: int = 250_000,
                 lr: float = 2_000.0) -> Tensor:
    """A global evasion attack on ``nodes`` with PyG's ``PRBCDAttack`` (its probability-margin
    loss; the settings of PyG's example), at most ``budget`` flipped pairs, seeded. ``model`` is
    called as :class:`EdgeWeightedGCN` calls it and is put in evaluation mode. Returns the
    perturbed symmetric ``edge_index``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # contrib's "experimental code" notice
        from torch_geometric.contrib.nn import PRBCDAttack

    wrapped = EdgeWeightedGCN(model).eval()
    attack = PRBCDAttack(wrapped, block_size=block_size, epochs=epochs, epochs_resampling=epochs_resampling,
                         lr=lr, log=False)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        perturbed, _ = attack.attack(x, undirected_edges(edge_index, x.size(0)), labels, budget=budget, idx_attack=nodes)
    return perturbed


def undirected_edges(edge_index: Tensor, num_nodes: int) -> Tensor:
    """The symmetric ``edge_index`` of :func:`undirected_pairs` (self loops dropped, duplicates merged)."""
    return to_undirected(undirected_pairs(edge_index, num_nodes), num_nodes=num_nodes)
