"""Paper 2's cost, measured: one GCN-JEM epoch against one plain GCN epoch, and the exactness of
the 2-hop sampler (energygnn.ebm.sampler.GraphSampler).

Two measurements, written with provenance to results/benchmarks/jem_epoch_cost.json:

1. cost: training epochs (EnergyGCNTrainer.train_epoch, the code the runs use) of the plain GCN,
   of GCN-JEM with the 2-hop sampler and of GCN-JEM with the whole-graph sampler, timed
   interleaved in one process on PubMed (and Cora); target: JEM <= 3x GCN on PubMed.
2. equivalence: 20 SGLD steps from the same chains with the same noise, 2-hop vs whole graph,
   on several random batches: largest difference of the samples, their LSE and Z.

    python -m benchmarks.jem_epoch_cost --no-quick   # full (a few minutes)
    python -m benchmarks.jem_epoch_cost --quick      # Cora only, few epochs, to _build/benchmarks/
"""
from __future__ import annotations

import statistics
import time
from pathlib import Path

import torch
from tqdm.auto import tqdm

from energygnn.experiments import paper2
from energygnn.experiments.jem_training import build_trainer
from energygnn.ebm.sampler import GraphSampler
from benchmarks import argument_parser, output_path, quick_from
from energygnn.provenance import atomic_write_json, provenance
from energygnn.ebm.sgld import ReplayBuffer, langevin_dynamics

VARIANTS = {"gcn": ("gcn", None), "jem": ("jem", "subgraph"), "jem_full_graph": ("jem", "full")}


def _config(dataset: str, model: str, sampler: str | None) -> dict:
    config = paper2.load_config(quick=False)
    [run] = [r for r in paper2.jem_runs(config, seeds=[0]) if r.config["dataset"] == dataset and r.config["model"] == model]
    if sampler:
        run.config["jem"]["sampler"] = sampler
    return run.config


def epoch_costs(dataset: str, repeats: int, warmup: int = 3) -> dict:
    """Median seconds per training epoch of each variant, interleaved epoch by epoch, and the
    median of the per-round ratios to the GCN epoch."""
    trainers = {name: build_trainer(_config(dataset, *spec)) for name, spec in VARIANTS.items()}
    seconds = {name: [] for name in trainers}
    for epoch in tqdm(range(1, warmup + repeats + 1), desc=f"epochs ({dataset})", leave=False):
        for name, trainer in trainers.items():
            start = time.perf_counter()
            trainer.train_epoch(epoch)
            if epoch > warmup:
                seconds[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(values) for name, values in seconds.items()}
    ratios = {name: statistics.median(a / b for a, b in zip(values, seconds["gcn"]))
              for name, values in seconds.items() if name != "gcn"}
    return {"dataset": dataset, "repeats": repeats, "median_seconds": medians, "ratio_to_gcn": ratios,
            "mean_subgraph_nodes": statistics.fmean(trainers["jem"].history["subgraph_nodes"]),
            "num_nodes": trainers["gcn"].data.num_nodes}


def sampler_equivalence(dataset: str, batches: int, steps: int = 20) -> dict:
    """Largest differences between 2-hop and whole-graph SGLD over ``batches`` random batches,
    at a model trained for 50 epochs (so that logits and gradients are not trivial)."""
    trainer = build_trainer(_config(dataset, "gcn", None))
    for epoch in range(1, 51):
        trainer.train_epoch(epoch)
    model, data = trainer.model.eval(), trainer.data
    generator = torch.Generator().manual_seed(0)
    buffer = ReplayBuffer(1000, data.num_features, generator=generator)
    worst = {"samples": 0.0, "lse": 0.0, "partition_relative": 0.0, "drift": 0.0}
    for _ in range(batches):
        nodes = torch.randperm(data.num_nodes, generator=generator)[:32]
        _, chains = buffer.sample(32)
        seed = int(torch.randint(2 ** 31, (1,), generator=generator))
        out = {}
        for method in ("full", "subgraph"):
            sampler = GraphSampler(model, data.x, trainer.edge_index, trainer.edge_weight, nodes, method)
            samples = langevin_dynamics(chains, sampler.energy, steps, 1.0, 0.01, torch.Generator().manual_seed(seed))
            with torch.no_grad():
                out[method] = (samples, *sampler.log_sum_exp(samples))
        worst["samples"] = max(worst["samples"], float((out["full"][0] - out["subgraph"][0]).abs().max()))
        worst["lse"] = max(worst["lse"], float((out["full"][1] - out["subgraph"][1]).abs().max()))
        worst["partition_relative"] = max(worst["partition_relative"],
                                          float((out["full"][2] - out["subgraph"][2]).abs() / out["full"][2].abs()))
        worst["drift"] = max(worst["drift"], float((out["full"][0] - chains).abs().max()))
    return {"dataset": dataset, "batches": batches, "steps": steps, "largest_difference": worst}


def main(argv=None) -> Path:
    parser = argument_parser(__doc__, "Cora only, few epochs")
    args = parser.parse_args(argv)
    quick = quick_from(args)
    output = output_path("jem_epoch_cost", quick, args.output)
    origin, start = provenance(), time.perf_counter()
    datasets = ["Cora"] if quick else ["PubMed", "Cora"]
    payload = {"benchmark": "jem_epoch_cost", "quick": quick,
               "cost": [epoch_costs(name, 3 if quick else 40) for name in datasets],
               "equivalence": [sampler_equivalence(name, 2 if quick else 10) for name in datasets]}
    headline = payload["cost"][0]
    payload["summary"] = {"dataset": headline["dataset"], "jem_over_gcn": headline["ratio_to_gcn"]["jem"],
                          "jem_full_graph_over_gcn": headline["ratio_to_gcn"]["jem_full_graph"],
                          "target": 3.0, "met": headline["ratio_to_gcn"]["jem"] <= 3.0,
                          "largest_sample_difference": max(e["largest_difference"]["samples"] for e in payload["equivalence"])}
    payload["wall_seconds"] = time.perf_counter() - start
    payload["provenance"] = origin
    atomic_write_json(output, payload)
    print(f"wrote {output}: JEM/GCN epoch = {payload['summary']['jem_over_gcn']:.2f} on {headline['dataset']}")
    return output


if __name__ == "__main__":
    main()
