"""Paper 1's models trained on mini-batches: Table 1 cells on random node partitions against the
same cells trained full-batch (issue "scaling out")."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ..entropy import entropy_gradient, node_energy
from ..minibatch import interior_nodes, partition_loader, train_partitions
from ..runtime import torch_threads
from .paper1 import training_config
from .runner import Run
from .training import build_training, train_node_classifier


def minibatch_runs(config, results: Path | None = None, seeds=None, name: str = "minibatch") -> list[Run]:
    """The ``minibatch`` section: every dataset x model x ``num_parts`` at one depth, seed by seed.
    ``num_parts = 1`` is full-batch training, exactly Table 1's protocol (``results``: unused)."""
    section = config[name]
    depth = section["depth"]
    return [Run(name, f"{dataset}-{model}-depth{depth}-parts{parts}-seed{seed}", {
                **training_config(config, section, dataset, model, depth, seed, config["model_options"][model]),
                "num_parts": parts})
            for seed in seeds or section["seeds"] for dataset in section["datasets"]
            for model in section["models"] for parts in section["num_parts"]]


def partition_statistics(data, num_parts: int, seed: int, temperature: float = 10.0,
                         normalize: bool = True) -> dict[str, float]:
    """What the first epoch's partitions keep of the graph: the share of edges inside a batch; the
    share of nodes left without a neighbour in their batch (the step does not move them); the
    share of nodes whose 1-hop / 2-hop neighbourhood lies inside their batch (the entropy step
    sees the latter exactly as on the full graph); and, on the input features, the summed node
    energy and the norm of the entropy gradient (Theorem 3.1, at ``temperature`` and
    ``normalize``) over the batches as shares of the full graph's."""
    x = data.x.double()
    full_energy = float(node_energy(x, data.edge_index, normalize).sum())
    full_step = float(entropy_gradient(x, data.edge_index, temperature, normalize).norm())
    edges, isolated, one_hop, two_hop, energy, step_squared = 0, 0, 0, 0, 0.0, 0.0
    for batch in partition_loader(data, num_parts, seed, epoch=1):
        edges += batch.num_edges
        isolated += batch.num_nodes - int(batch.edge_index[0].unique().numel())
        one_hop += int(interior_nodes(data.edge_index, data.num_nodes, batch.node_id, 1).sum())
        two_hop += int(interior_nodes(data.edge_index, data.num_nodes, batch.node_id, 2).sum())
        energy += float(node_energy(batch.x.double(), batch.edge_index, normalize).sum())
        step_squared += float(entropy_gradient(batch.x.double(), batch.edge_index, temperature, normalize).pow(2).sum())
    return {"edges_kept": edges / data.num_edges, "isolated": isolated / data.num_nodes,
            "one_hop_interior": one_hop / data.num_nodes,
            "two_hop_interior": two_hop / data.num_nodes, "energy_kept": energy / full_energy,
            "step_kept": step_squared ** 0.5 / full_step}


def train_on_partitions(config: dict[str, Any]) -> dict[str, Any]:
    """One ``minibatch`` run: full-batch (:func:`~energygnn.experiments.training.train_node_classifier`)
    when ``config["num_parts"] == 1``, else :func:`~energygnn.minibatch.train_partitions` on that
    many random node partitions per epoch, evaluated on the full graph after every epoch, with
    :func:`partition_statistics` recorded."""
    if config["num_parts"] == 1:
        return train_node_classifier(config)
    with torch_threads(config.get("torch_threads")):
        data, model, _, _ = build_training(config)  # seeded as full-batch training
        start = time.perf_counter()
        result = train_partitions(model, data, config)
        result["wall_seconds"] = time.perf_counter() - start
        return {**result, "partitions": partition_statistics(data, config["num_parts"], config["seed"])}
