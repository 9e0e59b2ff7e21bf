"""Paper 1's cost, measured: a training epoch of the entropic GCN against the basic GCN of the
same depth (target: at most 1.15x), with the training code the Table 1 runs use.

For each dataset and depth, both models are built as in Table 1 (seed 0) and trained epoch by
epoch, interleaved in one process (alternating which goes first), so that both see the same
machine state; the result is the
median of the per-epoch ratios, written with provenance to results/benchmarks/deep_epoch_cost.json.
Each setting runs in its own process: the package's default (the compiled step kernels of
energygnn.native), and the pure-PyTorch step (the fallback where they cannot be built) under
glibc's default allocator and under one that reuses freed memory instead of mapping it afresh.
The target is judged on the default.

    python -m benchmarks.deep_epoch_cost --no-quick   # Cora and CiteSeer, depths 16 and 64
    python -m benchmarks.deep_epoch_cost --quick      # Cora, depth 4, to _build/benchmarks/
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from tqdm.auto import tqdm

from energygnn import native
from energygnn.config import repo_root
from energygnn.experiments import paper1
from energygnn.experiments.training import build_training, train_epoch
from benchmarks import argument_parser, output_path, quick_from
from energygnn.provenance import atomic_write_json, provenance

from .entropy_gradient import SETTINGS, json_from_subprocess

TARGET = 1.15


def _config(config: dict, dataset: str, model: str, depth: int, results: Path) -> dict:
    [run] = [r for r in paper1.table1_runs(config, results, depths=[depth], seeds=[0])
             if r.config["dataset"] == dataset and r.config["model"] == model]
    return run.config


def epoch_ratio(dataset: str, depth: int, repeats: int, results: Path, quick: bool, warmup: int = 2) -> dict:
    config = paper1.load_config(quick)
    runs = {model: build_training(_config(config, dataset, model, depth, results)) for model in ("basic", "entropic")}
    seconds = {model: [] for model in runs}
    for epoch in tqdm(range(warmup + repeats), desc=f"{dataset} depth {depth}", leave=False):
        # alternate which model goes first, so that neither always inherits the other's memory state
        for model, (data, net, optimizer, scheduler) in list(runs.items())[::1 if epoch % 2 == 0 else -1]:
            start = time.perf_counter()
            train_epoch(net, optimizer, scheduler, data)  # the step (metrics: see deep_epoch_speed)
            if epoch >= warmup:
                seconds[model].append(time.perf_counter() - start)
    ratios = [e / b for e, b in zip(seconds["entropic"], seconds["basic"])]
    return {"dataset": dataset, "depth": depth, "repeats": repeats, "compiled_step": native.available(),
            "median_seconds": {model: statistics.median(values) for model, values in seconds.items()},
            "median_ratio": statistics.median(ratios),
            "ratio_quartiles": statistics.quantiles(ratios, n=4) if len(ratios) > 1 else ratios * 3}


def rows_in_subprocess(quick: bool, setting: str) -> list[dict]:
    return json_from_subprocess("benchmarks.deep_epoch_cost", ["--rows-only", "--quick" if quick else "--no-quick"],
                                setting)


def rows(quick: bool) -> list[dict]:
    root = repo_root() or Path.cwd()
    cases = [("Cora", 4)] if quick else [(d, depth) for d in ("Cora", "CiteSeer") for depth in (16, 64)]
    return [epoch_ratio(dataset, depth, 3 if quick else 30, root / "results", quick) for dataset, depth in cases]


def main(argv=None) -> Path:
    parser = argument_parser(__doc__, "Cora, depth 4, few epochs")
    parser.add_argument("--rows-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    quick = quick_from(args)
    if args.rows_only:
        print(json.dumps(rows(quick)))
        return Path()
    output = output_path("deep_epoch_cost", quick, args.output)
    origin, start = provenance(), time.perf_counter()
    by_setting = {setting: rows_in_subprocess(quick, setting) for setting in SETTINGS}
    payload = {"benchmark": "deep_epoch_cost", "quick": quick, "target": TARGET, "settings": SETTINGS,
               "rows": by_setting,
               "summary": {name: {"worst_median_ratio": max(row["median_ratio"] for row in table),
                                  "met": all(row["median_ratio"] <= TARGET for row in table)}
                           for name, table in by_setting.items()},
               "wall_seconds": time.perf_counter() - start, "provenance": origin}
    atomic_write_json(output, payload)
    print(f"wrote {output}: entropic/basic epoch, worst median ratio "
          + ", ".join(f"{name} {value['worst_median_ratio']:.3f}" for name, value in payload["summary"].items()))
    return output


if __name__ == "__main__":
    main()
