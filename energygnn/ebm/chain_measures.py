r"""What a trained GCN-JEM's chains are, measured once after training
(:func:`final_chain_measures`, recorded by the runs that ask for it).

Chains are placed, as in training, in the rows of ``chains`` distinct candidate nodes
(:class:`~energygnn.ebm.sampler.GraphSampler`); their start is fresh noise from the replay buffer's
initial distribution. Two sets of chains are measured with
:func:`~energygnn.ebm.sample_quality.chain_quality`:

* ``short_run``: the final model's own SGLD (the run's :math:`\alpha`, :math:`\sigma` and
  :math:`\eta`) from that start; **the sample-quality rule is judged on these**
  (:func:`~energygnn.ebm.sample_quality.samples`), whose start is known exactly;
* ``buffer``: the replay buffer's chains that SGLD updated at least once (what training sampled,
  with older parameters), against the same fresh noise.

Energies here are the logit energies :math:`-\operatorname{LSE}_i` at the chains' nodes (not
divided by :math:`|Z|`), confidences the largest softmax probability there. Also recorded: the
energy along the short-run chains, the chains' and the data's 2-D projection on the data's first
two principal components (fitted on the data rows), and what sets the step ratio: the norms of
:math:`\nabla_x \operatorname{LSE}_i` and of SGLD's :math:`\nabla_x E` per chain, and :math:`|Z(X)|`
under every reading (``energygnn.ebm.sampler.PARTITIONS``).
"""
from __future__ import annotations

import math
from typing import Any

import torch

from .sample_quality import chain_quality
from .sampler import PARTITIONS, GraphSampler, partition_of
from .sgld import SGLDTrace, langevin_dynamics

#: The defaults of :func:`final_chain_measures` (a run config's ``"sample_quality"`` overrides them).
CHAIN_DEFAULTS = {"chains": 128, "data_rows": 1000, "projected_rows": 300, "seed": 0}


def _logits(trainer, nodes: torch.Tensor, rows: torch.Tensor | None) -> torch.Tensor:
    x = trainer.data.x if rows is None else trainer.data.x.index_copy(0, nodes, rows)
    with torch.no_grad():
        return trainer.model(x, trainer.edge_index, trainer.edge_weight)[nodes]


def _energy_confidence(trainer, nodes, rows) -> tuple[float, float]:
    logits = _logits(trainer, nodes, rows)
    return float(-torch.logsumexp(logits, dim=-1).mean()), float(logits.softmax(dim=-1).max(dim=-1).values.mean())


def _rounded(x: torch.Tensor, digits: int = 4) -> list:
    return [[round(float(v), digits) for v in row] for row in x]


def final_chain_measures(trainer, chains: int = 128, data_rows: int = 1000, projected_rows: int = 300,
                         seed: int = 0) -> dict[str, Any]:
    r"""Measure the chains of a trained GCN-JEM (see the module).

    Args:
        trainer (EnergyGCNTrainer): a trained GCN-JEM's trainer (``options.jem`` set).
        chains (int, optional): how many chains, at as many distinct candidate nodes (fewer if
            there are fewer candidates; default: ``128``).
        data_rows (int, optional): data rows (a random subset of all nodes' rows) the chains are
            compared with (default: ``1000``).
        projected_rows (int, optional): data rows whose 2-D projection is recorded (default: ``300``).
        seed (int, optional): seeds this measurement's own draws, apart from training's (default: ``0``).

    Returns:
        dict: ``short_run`` and ``buffer`` (:meth:`~energygnn.ebm.sample_quality.ChainQuality.as_dict`),
        ``short_run_energies`` (mean :math:`-\operatorname{LSE}` at each SGLD step, the start first),
        ``short_run_noise_only_energy``, ``projection`` (``data``, ``start``, ``short_run``,
        ``buffer``: 2-D points), ``gradients`` (mean norms per chain at the start: ``lse``,
        ``sgld``; ``partition_scale``, :math:`|Z(X)|` per reading; ``features``, the width).

    Raises:
        ValueError: the trainer trains a plain GCN.
    """
    jem = trainer.options.jem
    if jem is None:
        raise ValueError("final_chain_measures: the trainer trains a plain GCN (options.jem is None); "
                         "there are no chains to measure.")
    generator = torch.Generator().manual_seed(seed)
    data, model = trainer.data, trainer.model.eval()
    count = min(chains, trainer.candidates.numel())
    nodes = trainer.candidates[torch.randperm(trainer.candidates.numel(), generator=generator)[:count]]
    start = trainer.buffer.low + (trainer.buffer.high - trainer.buffer.low) * torch.rand(
        count, data.num_features, generator=generator)
    sampler = GraphSampler(model, data.x, trainer.edge_index, trainer.edge_weight, nodes, jem.sampler, jem.partition)
    along: list[float] = []

    def record(_t, x, _value):
        with torch.no_grad():
            along.append(float(-sampler.log_sum_exp(x)[0].mean()))

    trace = SGLDTrace()
    short_run = langevin_dynamics(start, sampler.energy, jem.sgld_steps, jem.sgld_step_size, jem.sgld_noise,
                                  generator, callback=record, trace=trace)
    with torch.no_grad():
        along.append(float(-sampler.log_sum_exp(short_run)[0].mean()))
        noise_only = float(-sampler.log_sum_exp(start + trace.noise)[0].mean())
    updated = trainer.buffer.samples[trainer.buffer.updates > 0]
    buffer = updated[torch.randperm(updated.size(0), generator=generator)[:count]]
    pool = torch.randperm(data.num_nodes, generator=generator)
    reference = data.x[pool[:min(data_rows, data.num_nodes)]]
    energy_data, confidence_data = _energy_confidence(trainer, nodes, None)
    energy_start, confidence_start = _energy_confidence(trainer, nodes, start)
    energy_short, confidence_short = _energy_confidence(trainer, nodes, short_run)
    result: dict[str, Any] = {
        "chains": count,
        "short_run": chain_quality(reference, start, short_run, {"data": energy_data, "start": energy_start,
                                                                  "samples": energy_short},
                                   {"data": confidence_data, "start": confidence_start, "samples": confidence_short},
                                   trace.mean_step_ratio).as_dict(),
        "short_run_energies": along, "short_run_noise_only_energy": noise_only,
    }
    if buffer.size(0) >= 2:
        buffer_nodes = nodes[:buffer.size(0)]
        energy_buffer, confidence_buffer = _energy_confidence(trainer, buffer_nodes, buffer)
        data_b, conf_b = _energy_confidence(trainer, buffer_nodes, None)
        start_b, conf_sb = _energy_confidence(trainer, buffer_nodes, start[:buffer.size(0)])
        history = trainer.history["sgld_step_ratio"]
        result["buffer"] = chain_quality(reference, start[:buffer.size(0)], buffer,
                                         {"data": data_b, "start": start_b, "samples": energy_buffer},
                                         {"data": conf_b, "start": conf_sb, "samples": confidence_buffer},
                                         sum(history) / len(history) if history else math.nan).as_dict()
    # the data's first two principal components, fitted on all nodes' rows
    mean = data.x.mean(dim=0)
    _, _, components = torch.pca_lowrank(data.x - mean, q=2, center=False, niter=6)
    project = lambda x: _rounded((x - mean) @ components[:, :2])  # noqa: E731
    result["projection"] = {"data": project(data.x[pool[:projected_rows]]), "start": project(start),
                            "short_run": project(short_run), "buffer": project(buffer)}
    result["gradients"] = _gradients(sampler, start, data)
    return result


def _gradients(sampler: GraphSampler, start: torch.Tensor, data) -> dict[str, Any]:
    r"""Per chain at its start: the norms of :math:`\nabla_x \operatorname{LSE}_i` and of SGLD's
    :math:`\nabla_x E = -\nabla_x \sum_i \operatorname{LSE}_i / |Z|`; and :math:`|Z(X)|` per reading."""
    x = start.clone().requires_grad_(True)
    lse, _ = sampler.log_sum_exp(x)
    (lse_gradient,) = torch.autograd.grad(lse.sum(), x)
    x = start.clone().requires_grad_(True)
    (sgld_gradient,) = torch.autograd.grad(sampler.energy(x), x)
    with torch.no_grad():
        model = sampler.model
        all_lse = torch.logsumexp(model(data.x, sampler.edge_index, sampler.edge_weight), dim=-1)
    return {"lse": float(lse_gradient.norm(dim=1).mean()), "sgld": float(sgld_gradient.norm(dim=1).mean()),
            "partition_scale": {reading: float(partition_of(all_lse, reading).abs()) for reading in PARTITIONS},
            "features": int(start.size(1))}
