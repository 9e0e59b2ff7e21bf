r"""Paper 2's SGLD over node features: samples sit in the graph, in place of a batch of real rows.

For a batch :math:`\mathcal S` of nodes, the rows :math:`x_i, i \in \mathcal S`, of :math:`X` are
replaced by samples :math:`\hat x_i`, giving :math:`\tilde X`. SGLD ascends

.. math::
    \frac{1}{|Z(\tilde X)|} \sum_{i \in \mathcal S} \operatorname{LSE}_i(\tilde X), \qquad
    \operatorname{LSE}_i(X) = \log \sum_y \exp f_\theta(A, X)[i, y], \qquad
    Z(X) = \sum_{j=1}^{n} \operatorname{LSE}_j(X),

i.e. descends the samples' energies renormalised by the graph's energy (the normaliser is
held constant when differentiating). Algorithm 1 writes
:math:`Z(X) = \operatorname{LogSumExp}_{y'} f_\theta(A, X)[y']` without saying over which nodes, so
``PARTITIONS`` holds its readings (``partition``):

* ``"sum"``: :math:`Z = \sum_{j=1}^n \operatorname{LSE}_j(X)`, minus the sum of all node energies
  (the formula above; :math:`|Z|` grows with :math:`n`);
* ``"mean"``: :math:`Z = \frac1n \sum_j \operatorname{LSE}_j(X)`, the same per node;
* ``"lse"``: :math:`Z = \log \sum_{j=1}^n \sum_{y} \exp f_\theta(A, X)[j, y]`, one LogSumExp over
  all :math:`n \times k` logits (:math:`= \operatorname{LSE}_j` of the :math:`\operatorname{LSE}_j`);
* ``"none"``: :math:`Z = 1`, JEM's own energies.

A two-layer GCN's logits at :math:`i` depend only on the features within two hops of
:math:`i`, and both layers are linear before the ReLU, so :class:`GraphSampler` computes all of
this exactly from the change the samples make (``method="subgraph"``): with
:math:`\Delta = (\hat X_{\mathcal S} - X_{\mathcal S}) W_0`,

.. math::
    H_{N_1} = \mathrm{ReLU}\big(P_{N_1} + \tilde A_{N_1 \mathcal S}\,\Delta\big), \qquad
    f_{N_2} = f_{N_2}(X) + \tilde A_{N_2 N_1}\big(H_{N_1} - H_{N_1}(X)\big) W_1,

where :math:`\tilde A` is GCN's normalised propagation matrix, :math:`N_k` the nodes within
:math:`k` hops of :math:`\mathcal S`, :math:`P` the first layer's
pre-activation and :math:`H`, :math:`f(X)` the whole graph's hidden layer and logits with the
real features (computed once per batch). Logits outside :math:`N_2` do not change, so
:math:`Z` is updated incrementally. ``method="full"`` runs the whole graph at every step (the
reference it is tested against).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from .gcn import TwoLayerGCN

SAMPLER_METHODS = ("subgraph", "full")
PARTITIONS = ("sum", "mean", "lse", "none")
DENSE_BLOCK_LIMIT = 1 << 22  # entries of the N2 x N1 block kept dense (16 MiB in float32)


def partition_of(lse: Tensor, reading: str) -> Tensor:
    r""":math:`Z` under one reading (``PARTITIONS``) from the per-node
    :math:`\operatorname{LSE}_j`, [n] (in any order: every reading is symmetric in the nodes)."""
    if reading == "sum":
        return lse.sum()
    if reading == "mean":
        return lse.mean()
    if reading == "lse":
        return torch.logsumexp(lse, dim=0)
    if reading == "none":
        return lse.new_ones(())
    raise ValueError(f"partition must be one of {PARTITIONS}, got {reading!r}.")


class GraphSampler:
    r"""Energies of samples placed at ``nodes`` of a graph, for SGLD and for the generative loss.

    Build one per batch, with the model in evaluation mode (no dropout while sampling, as JEM);
    the whole graph's logits at the current parameters are computed once, here.

    Args:
        model (TwoLayerGCN): the classifier :math:`f_\theta`.
        x (Tensor): [n, c] real features.
        edge_index (Tensor): [2, m] edges of the normalised propagation matrix, self loops
            included (:func:`~energygnn.ebm.gcn.normalized_adjacency`).
        edge_weight (Tensor): [m] its weights.
        nodes (Tensor): [b] distinct positions whose rows the samples replace.
        method (str, optional): ``"subgraph"`` (default) or ``"full"``.
        partition (str, optional): the reading of :math:`Z` (``PARTITIONS``): ``"sum"``
            (default), ``"mean"``, ``"lse"`` or ``"none"`` (plain JEM energies).
        preactivation (Tensor, optional): the first layer's pre-activation with the real
            features, [n, hidden], if the caller has it (a training forward pass computes the same
            thing, since dropout comes after it); saves the most expensive product.

    Attributes:
        partition_real (Tensor): :math:`Z(X)` with the real features (a scalar; 1 for ``"none"``).
        num_subgraph_nodes (int): size of the 2-hop subgraph (``n`` for ``"full"``).
    """

    def __init__(self, model: TwoLayerGCN, x: Tensor, edge_index: Tensor, edge_weight: Tensor, nodes: Tensor,
                 method: str = "subgraph", partition: str = "sum", preactivation: Tensor | None = None):
        if method not in SAMPLER_METHODS:
            raise ValueError(f"GraphSampler: method must be one of {SAMPLER_METHODS}, got {method!r}.")
        if partition not in PARTITIONS:
            raise ValueError(f"GraphSampler: partition must be one of {PARTITIONS}, got {partition!r}.")
        if model.training:
            raise ValueError("GraphSampler: put the model in evaluation mode (model.eval()) before sampling.")
        if nodes.unique().numel() != nodes.numel():
            raise ValueError("GraphSampler: nodes must be distinct (each sample replaces one row).")
        self.model, self.x, self.nodes = model, x, nodes
        self.edge_index, self.edge_weight = edge_index, edge_weight
        self.method, self.partition = method, partition
        n = x.size(0)
        with torch.no_grad():
            hidden_pre = (model.preactivation(x, edge_index, edge_weight) if preactivation is None
                          else preactivation.detach())
            logits = model.output(hidden_pre.relu(), edge_index, edge_weight)
            lse = torch.logsumexp(logits, dim=-1)
        self.partition_real = partition_of(lse, partition)
        self.num_subgraph_nodes = n
        if method == "subgraph":
            self._prepare_increments(hidden_pre, logits, lse)

    def _prepare_increments(self, preactivation: Tensor, logits: Tensor, lse: Tensor) -> None:
        n, nodes = self.x.size(0), self.nodes
        source, target = self.edge_index  # PyG: messages flow source -> target, A_hat[target, source]
        members = {"S": torch.zeros(n, dtype=torch.bool)}
        members["S"][nodes] = True
        for name, previous in (("N1", "S"), ("N2", "N1")):  # one more hop each
            members[name] = members[previous].clone()
            members[name][target[members[previous][source]]] = True
        one_hop, two_hop = members["N1"].nonzero().view(-1), members["N2"].nonzero().view(-1)
        position = {name: torch.full((n,), -1, dtype=torch.long) for name in ("S", "N1", "N2")}
        for name, index in (("S", nodes), ("N1", one_hop), ("N2", two_hop)):
            position[name][index] = torch.arange(index.numel())
        from_samples = position["S"][source] >= 0
        self.block_1 = torch.zeros(one_hop.numel(), nodes.numel(), dtype=self.edge_weight.dtype)
        self.block_1.index_put_((position["N1"][target[from_samples]], position["S"][source[from_samples]]),
                                self.edge_weight[from_samples], accumulate=True)
        from_one_hop = position["N1"][source] >= 0
        shape = (two_hop.numel(), one_hop.numel())
        block_2 = torch.sparse_coo_tensor(
            torch.stack([position["N2"][target[from_one_hop]], position["N1"][source[from_one_hop]]]),
            self.edge_weight[from_one_hop], shape, check_invariants=False).coalesce()
        # dense products are faster on small blocks; sparse keeps memory bounded around hubs
        self.block_2 = block_2.to_dense() if shape[0] * shape[1] <= DENSE_BLOCK_LIMIT else block_2
        self.real_samples = self.x[nodes]
        self.pre_one_hop = preactivation[one_hop]
        self.hidden_one_hop = preactivation[one_hop].relu()
        self.logits_two_hop = logits[two_hop]
        self.lse_two_hop = lse[two_hop]
        # what the nodes beyond two hops contribute to Z (the samples do not change it)
        if self.partition == "lse":
            outside = torch.ones(n, dtype=torch.bool)
            outside[two_hop] = False
            self.partition_outside = torch.logsumexp(lse[outside], dim=0)
        else:
            self.partition_outside = lse.sum() - self.lse_two_hop.sum()
        self.samples_in_two_hop = position["N2"][nodes]
        self.num_subgraph_nodes = two_hop.numel()
        induced = (position["N2"][source] >= 0) & (position["N2"][target] >= 0)
        self._induced = (two_hop, position["N2"][self.edge_index[:, induced]], self.edge_weight[induced])

    def log_sum_exp(self, samples: Tensor) -> tuple[Tensor, Tensor]:
        r""":math:`\operatorname{LSE}_i(\tilde X)` for the samples' nodes, [b], and :math:`Z(\tilde X)`
        (differentiable with respect to ``samples``; evaluation mode)."""
        if self.method == "full":
            logits = self.model(self.x.index_copy(0, self.nodes, samples), self.edge_index, self.edge_weight)
            lse = torch.logsumexp(logits, dim=-1)
            return lse[self.nodes], partition_of(lse, self.partition)
        first, second = self.model.weight_matrices()  # W_0 [c, hidden], W_1 [hidden, k]
        change = (samples - self.real_samples) @ first
        hidden = F.relu(self.pre_one_hop + self.block_1 @ change)
        logits = self.logits_two_hop + self.block_2 @ ((hidden - self.hidden_one_hop) @ second)
        lse = torch.logsumexp(logits, dim=-1)
        return lse[self.samples_in_two_hop], self._partition_with(lse)

    def _partition_with(self, lse_two_hop: Tensor) -> Tensor:
        """:math:`Z` with the 2-hop nodes' LSE replaced by ``lse_two_hop`` (same value as
        :func:`partition_of` on the whole graph, in O(|N2|))."""
        if self.partition == "none":
            return lse_two_hop.new_ones(())
        if self.partition == "lse":
            return torch.logaddexp(self.partition_outside, torch.logsumexp(lse_two_hop, dim=0))
        total = self.partition_outside + lse_two_hop.sum()
        return total / self.x.size(0) if self.partition == "mean" else total

    def scale(self, partition: Tensor) -> Tensor:
        """The renormaliser :math:`|Z|`, held constant (1 for ``"none"``)."""
        return partition.detach().abs()

    def energy(self, samples: Tensor) -> Tensor:
        r"""What SGLD descends: :math:`-\sum_{i \in \mathcal S} \operatorname{LSE}_i(\tilde X) / |Z(\tilde X)|`."""
        lse, partition = self.log_sum_exp(samples)
        return -lse.sum() / self.scale(partition)

    def train_log_sum_exp(self, samples: Tensor) -> Tensor:
        r""":math:`\operatorname{LSE}_i(\tilde X)` at the samples' nodes in the model's current mode
        (dropout in training), differentiable with respect to the parameters. The 2-hop subgraph
        holds everything the samples' logits depend on, so this is exact there too."""
        if self.method == "full":
            logits = self.model(self.x.index_copy(0, self.nodes, samples), self.edge_index, self.edge_weight)
            return torch.logsumexp(logits[self.nodes], dim=-1)
        two_hop, edge_index, edge_weight = self._induced
        x = self.x[two_hop].index_copy(0, self.samples_in_two_hop, samples.detach())
        logits = self.model(x, edge_index, edge_weight)
        return torch.logsumexp(logits[self.samples_in_two_hop], dim=-1)
