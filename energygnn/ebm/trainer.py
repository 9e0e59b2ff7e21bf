r"""Paper 2's Algorithm 1: one epoch of a GCN trained as a joint energy-based model (or as a plain classifier).

One epoch of GCN-JEM:

1. :math:`L_\text{clf}`: cross-entropy of :math:`f_\theta(\tilde A, X)` on the training nodes.
2. Draw a batch :math:`\mathcal S` of ``batch_size`` distinct nodes and as many chains from the replay
   buffer; SGLD (evaluation mode) moves the chains with the samples in place of the rows of
   :math:`\mathcal S` (:class:`~energygnn.ebm.sampler.GraphSampler`); the chains are written back.
3. :math:`L_\text{gen} = \big|\sum_{i\in \mathcal S} \operatorname{LSE}_i(X)/|Z(X)| -
   \operatorname{LSE}_i(\tilde X)/|Z(\tilde X)|\big|` (``gen_loss="paper"``), or JEM's
   :math:`\operatorname{mean} E(\text{data}) - \operatorname{mean} E(\text{samples})` (``"jem"``).
4. GCN-JEMO adds ``orthogonality_weight`` times :math:`\sum_l \|W_l^\top W_l - I\|_F`.
   With ``gradient_epochs``, the first epochs also record how large the two terms' parameter
   gradients are (:func:`~energygnn.ebm.trainer.gradient_shares`; the update itself is unchanged).
5. Every ``generate_every`` epochs, edges join the nodes of :math:`\mathcal S` whose samples'
   energies (after the update) differ by at most :math:`\tau`; the generated adjacency
   :math:`A_\text{gen}` is used from then on.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch_geometric.data import Data

from ..history import HISTORY_KEYS, record_split_metrics
from .gcn import TwoLayerGCN, normalized_adjacency, orthogonality_penalty
from .graph_generation import GeneratedGraph
from .options import GEN_LOSSES, EnergyGCNOptions
from .sampler import GraphSampler
from .sgld import ReplayBuffer, SGLDTrace, langevin_dynamics

SGLD_DIAGNOSTICS = ("sgld_step_ratio", "sgld_energy_start", "sgld_energy_end", "sgld_energy_noise_only",
                    "sgld_distance")
r"""Recorded per epoch: the mean step ratio :math:`\lVert\alpha\nabla E\rVert/\lVert\sigma\varepsilon\rVert`,
the chains' mean energy :math:`-\operatorname{LSE}_i` before SGLD, after it and after the same noise
without the gradient, and the mean distance the chains travelled from their start."""


GRADIENT_DIAGNOSTICS = ("grad_norm_clf", "grad_norm_gen", "grad_cosine")
r"""Recorded per epoch in the first ``gradient_epochs`` epochs (:func:`~energygnn.ebm.trainer.gradient_shares`):
:math:`\lVert\nabla_\theta L_\text{clf}\rVert`, :math:`\lVert\nabla_\theta L_\text{gen}\rVert` and the
cosine of the two gradients, over all of the model's parameters as one vector."""


def gradient_shares(clf_loss: torch.Tensor, gen_loss: torch.Tensor, parameters) -> tuple[float, float, float]:
    r"""The Euclidean norms of :math:`\nabla_\theta L_\text{clf}` and :math:`\nabla_\theta L_\text{gen}`
    over ``parameters`` (concatenated into one vector) and the cosine between the two gradients
    (NaN when either is zero). Neither loss's graph is freed and no ``.grad`` is touched, so the
    caller's ``backward`` afterwards computes the same update as without this measurement."""
    parameters = [p for p in parameters if p.requires_grad]
    flat = []
    for loss in (clf_loss, gen_loss):
        grads = torch.autograd.grad(loss, parameters, retain_graph=True, allow_unused=True)
        flat.append(torch.cat([(torch.zeros_like(p) if g is None else g).reshape(-1)
                               for p, g in zip(parameters, grads)]))
    clf, gen = flat
    clf_norm, gen_norm = clf.norm().item(), gen.norm().item()
    cosine = (clf @ gen).item() / (clf_norm * gen_norm) if clf_norm > 0 and gen_norm > 0 else float("nan")
    return clf_norm, gen_norm, cosine


def _mean_energy(sampler: GraphSampler, samples: torch.Tensor) -> float:
    with torch.no_grad():
        return -sampler.log_sum_exp(samples)[0].mean().item()


class Diverged(FloatingPointError):
    """A loss, energy or sample became non-finite; the run stops and records why."""


def _finite(value: torch.Tensor, what: str, epoch: int) -> None:
    if not torch.isfinite(value).all():
        raise Diverged(f"stopped at epoch {epoch}: non-finite {what}")


def generative_loss(lse_data, lse_samples, partition_data, partition_samples, kind: str, sampler: GraphSampler):
    """Paper 2's renormalised energy match (``"paper"``) or JEM's contrastive loss (``"jem"``)."""
    if kind == "paper":
        return (lse_data.sum() / sampler.scale(partition_data) - lse_samples.sum() / sampler.scale(partition_samples)).abs()
    if kind == "jem":
        return lse_samples.mean() - lse_data.mean()  # = mean E(data) - mean E(samples)
    raise ValueError(f"gen_loss must be one of {GEN_LOSSES}, got {kind!r}.")


class EnergyGCNTrainer:
    """The state of one run (model, optimiser, replay buffer, generated graph) and its epochs.

    Args:
        model (TwoLayerGCN): the classifier, its weights initialised by the caller.
        data (torch_geometric.data.Data): the graph, with labels ``y`` and the boolean
            ``train_mask``, ``val_mask`` and ``test_mask`` of its splits.
        options (EnergyGCNOptions, optional): the run's settings (default: ``EnergyGCNOptions()``,
            the plain GCN).

    Shapes:
        **data.x** [n, c], **data.edge_index** [2, m], **data.y** [n], the masks [n].

    Raises:
        TypeError: ``options`` is not an :class:`~energygnn.ebm.options.EnergyGCNOptions`.
        ValueError: the batch asks for more nodes than ``options.jem.sample_nodes`` offers.
    """

    def __init__(self, model: TwoLayerGCN, data: Data, options: EnergyGCNOptions = EnergyGCNOptions()):
        if not isinstance(options, EnergyGCNOptions):
            raise TypeError(f"EnergyGCNTrainer: options must be an EnergyGCNOptions, got {type(options).__name__}.")
        self.model, self.data, self.options = model, data, options
        self.generator = torch.Generator().manual_seed(options.seed)
        n = data.num_nodes
        self.optimizer = torch.optim.Adam(model.parameters(), lr=options.lr, weight_decay=options.weight_decay)
        self.graph = GeneratedGraph(data.edge_index, n)
        self.edge_index, self.edge_weight = normalized_adjacency(self.graph.edge_index, n)
        self.buffer = self.candidates = None
        keys = list(HISTORY_KEYS)
        jem = options.jem
        if jem is not None:
            self.buffer = ReplayBuffer(jem.buffer_size, data.num_features, jem.reinit_prob, jem.init_low,
                                       jem.init_high, generator=self.generator)
            self.candidates = data.train_mask.nonzero().view(-1) if jem.sample_nodes == "train" else torch.arange(n)
            if jem.batch_size > self.candidates.numel():
                raise ValueError(f"EnergyGCNTrainer: batch_size {jem.batch_size} exceeds the "
                                 f"{self.candidates.numel()} candidate nodes ({jem.sample_nodes!r}).")
            keys += ["clf_loss", "gen_loss", "orthogonality", "data_energy", "sample_energy", "subgraph_nodes",
                     *SGLD_DIAGNOSTICS]
            if jem.gradient_epochs:
                keys += GRADIENT_DIAGNOSTICS
        self.history: dict[str, list] = {key: [] for key in keys}
        # per generation epoch (and the last): the chains' mean energy at every SGLD step
        self.sgld_energy_steps: dict[int, list[float]] = {}

    def train_epoch(self, epoch: int) -> None:
        """One optimisation step (Algorithm 1's loop body); appends to the history.

        Raises:
            Diverged: a loss, an energy or a sample became non-finite.
        """
        model, data, jem = self.model, self.data, self.options.jem
        model.train()
        self.optimizer.zero_grad()
        preactivation = model.preactivation(data.x, self.edge_index, self.edge_weight)
        logits = model.output(preactivation.relu(), self.edge_index, self.edge_weight)
        loss = clf_loss = F.cross_entropy(logits[data.train_mask], data.y[data.train_mask])
        _finite(loss, "classification loss", epoch)
        if jem is not None:
            nodes = self.candidates[torch.randperm(self.candidates.numel(), generator=self.generator)[:jem.batch_size]]
            indices, chains = self.buffer.sample(jem.batch_size)
            model.eval()
            sampler = GraphSampler(model, data.x, self.edge_index, self.edge_weight, nodes, jem.sampler, jem.partition,
                                   preactivation)
            trace, steps = SGLDTrace(final_energy=False), None  # the samples are evaluated below
            if epoch % jem.generate_every == 0 or epoch == self.options.epochs:
                steps = self.sgld_energy_steps[epoch] = []
            try:
                samples = langevin_dynamics(
                    chains, sampler.energy, jem.sgld_steps, jem.sgld_step_size, jem.sgld_noise,
                    self.generator, trace=trace,
                    callback=None if steps is None else lambda t, x, _: steps.append(_mean_energy(sampler, x)))
            except FloatingPointError as error:
                raise Diverged(f"stopped at epoch {epoch}: {error}") from None
            self.buffer.write(indices, samples)
            with torch.no_grad():
                lse_after, partition_samples = sampler.log_sum_exp(samples)
            if steps is not None:
                steps.append(-lse_after.mean().item())
            self._record_sgld(sampler, trace, samples, lse_after)
            model.train()
            lse_data = torch.logsumexp(logits[nodes], dim=-1)
            lse_samples = sampler.train_log_sum_exp(samples)
            gen = generative_loss(lse_data, lse_samples, sampler.partition_real, partition_samples, jem.gen_loss, sampler)
            _finite(gen, "generative loss", epoch)
            ortho = orthogonality_penalty(model.weight_matrices())
            loss = loss + gen + self.options.orthogonality_weight * ortho
            if epoch <= jem.gradient_epochs:
                for key, value in zip(GRADIENT_DIAGNOSTICS, gradient_shares(clf_loss, gen, model.parameters())):
                    self.history[key].append(value)
            for key, value in (("clf_loss", clf_loss), ("gen_loss", gen), ("orthogonality", ortho),
                               ("data_energy", -lse_data.mean()), ("sample_energy", -lse_samples.mean())):
                self.history[key].append(value.item())
            self.history["subgraph_nodes"].append(sampler.num_subgraph_nodes)
        loss.backward()
        self.optimizer.step()
        if jem is not None and epoch % jem.generate_every == 0:
            model.eval()
            with torch.no_grad():
                energies = -sampler.train_log_sum_exp(samples)  # evaluation mode, updated parameters
            _finite(energies, "sample energies", epoch)
            self.graph.add_close_pairs(nodes, energies, jem.tau, epoch)
            self.edge_index, self.edge_weight = normalized_adjacency(self.graph.edge_index, data.num_nodes)

    def _record_sgld(self, sampler: GraphSampler, trace: SGLDTrace, samples, lse_after) -> None:
        """Did the chains move, and by more than their noise alone would have moved them?"""
        start_energy, noise_only_energy = (_mean_energy(sampler, x) for x in (trace.start, trace.start + trace.noise))
        for key, value in zip(SGLD_DIAGNOSTICS, (
                trace.mean_step_ratio, start_energy, -lse_after.mean().item(), noise_only_energy,
                (samples - trace.start).norm(dim=1).mean().item())):
            self.history[key].append(value)

    def logits(self) -> torch.Tensor:
        """The model's logits on the current graph, evaluation mode, no gradient."""
        self.model.eval()
        with torch.no_grad():
            return self.model(self.data.x, self.edge_index, self.edge_weight)

    def evaluate(self) -> None:
        """Append loss and accuracy on the train/val/test nodes to the history."""
        record_split_metrics(self.history, self.logits(), self.data)
