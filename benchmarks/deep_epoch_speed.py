"""Deep training at the speed of its matrix products: one training epoch of Table 1's basic and
entropic GCN (the step and the metrics the runner records), on the package's path against PyG's
default ``GCNConv`` path, interleaved in one process on one thread.

* ``pyg``: the same modules called block by block with ``edge_index`` (PyG normalises the graph in
  every layer of every forward and passes messages edge by edge), then a second, evaluation-mode
  forward for the metrics: the runner's protocol before ``metrics="auto"``.
* ``ours``: the model as the runner trains it: the graph's normalised adjacency built once,
  sparse products over neighbour lists, metrics from the training forward.
* ``floor``: the dense matrix products alone: the same linear layers (same widths, ReLU, the
  loss on the training nodes) without any propagation, forward and backward.

Targets: ``pyg / ours`` >= 2.5 for the basic GCN at depth 64; ``entropic / basic`` <= 1.15 on ours.

    python -m benchmarks.deep_epoch_speed --no-quick   # Cora and CiteSeer, depths 16 and 64
    python -m benchmarks.deep_epoch_speed --quick      # Cora, depth 4, to _build/benchmarks/
"""
from __future__ import annotations

import statistics
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from energygnn.experiments import paper1
from energygnn.experiments.training import build_training, train_epoch
from energygnn.history import record_split_metrics
from benchmarks import argument_parser, output_path, quick_from
from energygnn.provenance import atomic_write_json, provenance

SPEEDUP_TARGET = 2.5
RATIO_TARGET = 1.15


def _config(dataset: str, model: str, depth: int, quick: bool) -> dict:
    config = paper1.load_config(quick)
    config["model_options"]["entropic"]["temperature"] = 10.0  # the cost does not depend on T
    section = {**config["table1"], "datasets": [dataset], "models": [model], "depths": [depth], "seeds": [0]}
    return paper1.training_config(config, section, dataset, model, depth, 0, config["model_options"][model])


def pyg_epoch(model, optimizer, scheduler, data) -> None:
    """The PyG path: blocks called with edge_index, a step, then an evaluation forward for the metrics."""
    def forward(x, edge_index):
        h = model.encode(x, edge_index)
        for index in range(model.depth):
            h = model.block(index, h, edge_index)
        return model.decode(h, edge_index)

    model.train()
    optimizer.zero_grad()
    logits = forward(data.x, data.edge_index)
    F.cross_entropy(logits[data.train_mask], data.y[data.train_mask], reduction="sum").backward()
    optimizer.step()
    scheduler.step()
    model.eval()
    with torch.no_grad():
        record_split_metrics(_history(), forward(data.x, data.edge_index), data)


def our_epoch(model, optimizer, scheduler, data) -> None:
    """The runner's epoch for a dropout-free model: a step whose forward also gives the metrics."""
    step = train_epoch(model, optimizer, scheduler, data)
    record_split_metrics(_history(), step.logits, data)


def floor_epoch(layers, optimizer, data) -> None:
    """The dense products alone: the model's linear maps with ReLU, no propagation."""
    optimizer.zero_grad()
    h = data.x
    for layer in layers[:-1]:
        h = F.relu(layer(h))
    logits = layers[-1](h)
    F.cross_entropy(logits[data.train_mask], data.y[data.train_mask], reduction="sum").backward()
    optimizer.step()


def _history() -> dict[str, list]:
    return {f"{split}_{metric}": [] for split in ("train", "val", "test") for metric in ("loss", "acc")}


def measure(dataset: str, depth: int, repeats: int, quick: bool, warmup: int = 2) -> dict:
    jobs = {}
    for model in ("basic", "entropic"):
        for path, epoch in (("pyg", pyg_epoch), ("ours", our_epoch)):
            data, net, optimizer, scheduler = build_training(_config(dataset, model, depth, quick))
            jobs[f"{model}/{path}"] = (epoch, (net, optimizer, scheduler, data))
    net = jobs["basic/ours"][1][0]
    layers = torch.nn.ModuleList([conv.lin for conv in net.convs] + [net.output.lin])
    jobs["floor"] = (floor_epoch, (layers, torch.optim.Adam(layers.parameters(), lr=1e-3), data))
    seconds = {name: [] for name in jobs}
    for repeat in tqdm(range(warmup + repeats), desc=f"{dataset} depth {depth}", leave=False):
        order = list(jobs.items())
        for name, (epoch, arguments) in order[repeat % len(order):] + order[:repeat % len(order)]:
            start = time.perf_counter()
            epoch(*arguments)
            if repeat >= warmup:
                seconds[name].append(time.perf_counter() - start)
    median = {name: statistics.median(values) for name, values in seconds.items()}
    return {"dataset": dataset, "depth": depth, "repeats": repeats, "median_seconds": median,
            "speedup": {model: median[f"{model}/pyg"] / median[f"{model}/ours"] for model in ("basic", "entropic")},
            "entropic_over_basic": statistics.median(
                e / b for e, b in zip(seconds["entropic/ours"], seconds["basic/ours"])),
            "ours_over_floor": median["basic/ours"] / median["floor"]}


def main(argv=None) -> Path:
    parser = argument_parser(__doc__, "Cora, depth 4, few epochs")
    parser.add_argument("--repeats", type=int, help="measured epochs per path (default 10, quick 2)")
    args = parser.parse_args(argv)
    quick = quick_from(args)
    output = output_path("deep_epoch_speed", quick, args.output)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        origin, start = provenance(), time.perf_counter()
        cases = [("Cora", 4)] if quick else [(d, depth) for d in ("Cora", "CiteSeer") for depth in (16, 64)]
        repeats = args.repeats or (2 if quick else 10)
        rows = [measure(dataset, depth, repeats, quick) for dataset, depth in cases]
    finally:
        torch.set_num_threads(threads)
    deepest = [row for row in rows if row["depth"] == max(r["depth"] for r in rows)]
    payload = {"benchmark": "deep_epoch_speed", "quick": quick, "threads": 1,
               "targets": {"basic_speedup_at_depth_64": SPEEDUP_TARGET, "entropic_over_basic": RATIO_TARGET},
               "rows": rows,
               "summary": {"worst_basic_speedup_deepest": min(row["speedup"]["basic"] for row in deepest),
                           "speedup_met": all(row["speedup"]["basic"] >= SPEEDUP_TARGET for row in deepest),
                           "worst_entropic_over_basic": max(row["entropic_over_basic"] for row in rows),
                           "ratio_met": all(row["entropic_over_basic"] <= RATIO_TARGET for row in rows)},
               "wall_seconds": time.perf_counter() - start, "provenance": origin}
    atomic_write_json(output, payload)
    summary = payload["summary"]
    print(f"wrote {output}: basic speed-up at the deepest depth {summary['worst_basic_speedup_deepest']:.2f}x "
          f"(target {SPEEDUP_TARGET}), entropic/basic {summary['worst_entropic_over_basic']:.3f} (target {RATIO_TARGET})")
    return output


if __name__ == "__main__":
    main()
