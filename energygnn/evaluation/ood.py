r"""Out-of-distribution detection on graphs with GNNSafe's protocol (Wu et al., ICLR 2023).

Three shifts of a node classification dataset:

* **structure**: the same nodes and features on a stochastic-block-model graph with one block
  per class, equal block sizes (the last takes the remainder), edge probabilities
  :math:`1.5 d` inside a block and :math:`0.5 d` between blocks, :math:`d` the edge density of
  a given graph (:func:`sbm_graph`; :mod:`energygnn.experiments.jem_evaluation` gives it the
  graph each model predicts with);
* **feature**: every node's features replaced by a random interpolation of two random nodes'
  features, the graph kept (:func:`interpolated_features`);
* **label leave-out**: the classifier is trained on the classes above a threshold only; the
  nodes of the classes below it are out of distribution (:func:`leave_out_masks`).

Scores are higher for nodes that look in distribution: the maximum softmax probability, the
negative energy :math:`\log \sum_c e^{f_c(x)}` and GNNSafe's negative energy propagated over the
graph (:func:`propagated_score`). :func:`detection_metrics` gives AUROC, AUPR (in-distribution
as the positive class) and the false-positive rate at 95 % true positives, from torchmetrics.
"""
from __future__ import annotations

import torch
from torch import Tensor
from torch_geometric.utils import scatter, stochastic_blockmodel_graph
from torchmetrics.functional.classification import binary_auroc, binary_average_precision, binary_roc

from ..sparse import check_edge_index

SCORES = ("msp", "energy", "propagated_energy")


def sbm_graph(num_nodes: int, num_blocks: int, num_edges: int, seed: int) -> Tensor:
    """GNNSafe's structure shift: a symmetric SBM ``edge_index`` on ``num_nodes`` nodes with edge
    probability :math:`1.5 d` within and :math:`0.5 d` between blocks, :math:`d` the density of a
    graph of ``num_edges`` directed edges (so, as in GNNSafe, not that graph's edge count: with
    :math:`k` equal blocks about :math:`(0.5 + 1/k)` of it), from PyG's
    ``stochastic_blockmodel_graph`` (which draws every pair: fine for Planetoid sizes), seeded."""
    if num_blocks < 1 or num_nodes < num_blocks:
        raise ValueError(f"sbm_graph: need 1 <= num_blocks <= num_nodes, got {num_blocks} blocks for {num_nodes} nodes.")
    density = num_edges / num_nodes / (num_nodes - 1)
    size = num_nodes // num_blocks
    sizes = [size] * (num_blocks - 1) + [size + num_nodes % size]
    probabilities = torch.full((num_blocks, num_blocks), 0.5 * density)
    probabilities.fill_diagonal_(1.5 * density)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return stochastic_blockmodel_graph(sizes, probabilities, directed=False)


def interpolated_features(x: Tensor, generator: torch.Generator) -> Tensor:
    """GNNSafe's feature shift: node ``i`` gets :math:`w_i x_a + (1 - w_i) x_b` for random nodes
    :math:`a, b` and :math:`w_i \\sim U(0, 1)`."""
    n = x.size(0)
    pairs = torch.randint(0, n, (n, 2), generator=generator)
    weight = torch.rand(n, 1, generator=generator, dtype=x.dtype)
    return x[pairs[:, 0]] * weight + x[pairs[:, 1]] * (1 - weight)


def leave_out_masks(labels: Tensor, threshold: int) -> tuple[Tensor, Tensor]:
    """GNNSafe's label leave-out: ``(in_distribution, out_of_distribution)`` node masks, the
    classes above ``threshold`` and those below it (``threshold`` itself is in neither)."""
    classes = int(labels.max()) + 1
    if not 0 < threshold < classes - 1:
        raise ValueError(f"leave_out_masks: threshold must leave classes on both sides (0 < t < {classes - 1}), "
                         f"got {threshold}.")
    return labels > threshold, labels < threshold


def msp_score(logits: Tensor) -> Tensor:
    """The maximum softmax probability of each node, [n]."""
    return logits.softmax(dim=-1).max(dim=-1).values


def energy_score(logits: Tensor) -> Tensor:
    r"""The negative energy :math:`\log \sum_c e^{f_c(x)}` of each node, [n]."""
    return torch.logsumexp(logits, dim=-1)


def propagated_score(score: Tensor, edge_index: Tensor, layers: int = 2, alpha: float = 0.5) -> Tensor:
    r"""GNNSafe's energy belief propagation: ``layers`` times
    :math:`s \leftarrow \alpha s + (1 - \alpha) \bar A s` with :math:`\bar A` the mean over each
    node's neighbours (isolated nodes keep :math:`\alpha s`), [n]."""
    check_edge_index(edge_index, score.numel(), "propagated_score")
    source, target = edge_index
    for _ in range(layers):
        neighbours = scatter(score[source], target, dim=0, dim_size=score.numel(), reduce="mean")
        score = alpha * score + (1 - alpha) * neighbours
    return score


def detection_metrics(in_scores: Tensor, out_scores: Tensor) -> dict[str, float]:
    """AUROC, AUPR (in-distribution positive) and FPR95 (the share of out-of-distribution nodes
    scored at or above the threshold that keeps 95 % of the in-distribution nodes)."""
    if in_scores.numel() == 0 or out_scores.numel() == 0:
        raise ValueError("detection_metrics: need at least one in- and one out-of-distribution score.")
    scores = torch.cat([in_scores, out_scores]).double()
    target = torch.cat([torch.ones_like(in_scores, dtype=torch.long), torch.zeros_like(out_scores, dtype=torch.long)])
    fpr, tpr, _ = binary_roc(scores, target)
    return {"auroc": float(binary_auroc(scores, target)), "aupr": float(binary_average_precision(scores, target)),
            "fpr95": float(fpr[tpr >= 0.95].min())}


def keep_classes_above(data, threshold: int):
    """A copy of a node classification ``data`` for training on the classes above ``threshold``
    only (:func:`leave_out_masks`): the train/val/test masks keep those nodes, their labels are
    renumbered from 0, and every other node's label becomes -1 (never read: no mask holds it)."""
    inside, _ = leave_out_masks(data.y, threshold)
    data = data.clone()
    for split in ("train_mask", "val_mask", "test_mask"):
        data[split] = data[split] & inside
    data.original_y = data.y
    data.y = torch.where(inside, data.y - threshold - 1, torch.full_like(data.y, -1))
    return data
