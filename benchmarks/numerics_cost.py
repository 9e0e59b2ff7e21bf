"""What the numerics profile costs: a deep training epoch and an entropy gradient under the pinned
``x86-64-v3`` profile against the machine's native code (``ENERGYGNN_NUMERICS=native``), as
ratios in one run (target: at most 1.10 per deep epoch).

The profile is fixed per process, so each round starts one process per profile (in alternating
order, so that neither always runs second); each builds Table 1's GCNs at depth 64 on Cora
(seed 0) and times training epochs of the basic and the entropic GCN, and the entropy gradient
of :mod:`benchmarks.entropy_gradient` on Cora at width 256. The ratio of each round is pinned
over native; the result is the median over rounds. One torch thread.

    python -m benchmarks.numerics_cost --no-quick   # depth 64, 6 rounds
    python -m benchmarks.numerics_cost --quick      # depth 4, 2 rounds, to _build/benchmarks/
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from tqdm.auto import tqdm

from benchmarks import argument_parser, output_path, quick_from, write_result
from energygnn.config import repo_root
from energygnn.numerics import ENVIRONMENT_VARIABLE, NATIVE, PINNED
from energygnn.provenance import provenance

TARGET = 1.10  # pinned over native, per deep epoch


def measure(quick: bool, epochs: int, warmup: int = 2) -> dict:
    """In a process of one profile: median seconds of a training epoch per model, and of the entropy gradient."""
    import torch

    from energygnn import load_planetoid, native
    from energygnn.entropy import entropy_gradient
    from energygnn.experiments import paper1
    from energygnn.experiments.training import build_training, train_epoch
    from energygnn.numerics import describe

    from .deep_epoch_cost import _config
    from .entropy_gradient import TEMPERATURE, median_time

    torch.set_num_threads(1)
    depth = 4 if quick else 64
    config = paper1.load_config(quick)
    results = (repo_root() or Path.cwd()) / "results"
    runs = {model: build_training(_config(config, "Cora", model, depth, results)) for model in ("basic", "entropic")}
    seconds: dict[str, list[float]] = {model: [] for model in runs}
    for epoch in range(warmup + epochs):
        for model, (data, net, optimizer, scheduler) in list(runs.items())[::1 if epoch % 2 == 0 else -1]:
            start = time.perf_counter()
            train_epoch(net, optimizer, scheduler, data)
            if epoch >= warmup:
                seconds[model].append(time.perf_counter() - start)
    data = load_planetoid("Cora")
    x = torch.randn(data.num_nodes, 256, generator=torch.Generator().manual_seed(0))
    gradient = median_time(lambda: entropy_gradient(x, data.edge_index, TEMPERATURE, True), 10 if quick else 40)
    state = describe()
    return {"profile": state["profile"], "in_force": state["in_force"], "aten": state["aten_cpu_capability"],
            "compiled_step": native.available(), "depth": depth,
            "epoch_seconds": {model: statistics.median(values) for model, values in seconds.items()},
            "entropy_gradient_seconds": gradient}


def in_process(profile: str, quick: bool, epochs: int) -> dict:
    environment = {key: value for key, value in os.environ.items() if key != ENVIRONMENT_VARIABLE}
    environment.update({ENVIRONMENT_VARIABLE: profile, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
    done = subprocess.run([sys.executable, "-m", "benchmarks.numerics_cost", "--measure", str(epochs),
                           "--quick" if quick else "--no-quick"], capture_output=True, text=True,
                          cwd=repo_root() or ".", env=environment)
    if done.returncode != 0:
        raise RuntimeError(f"benchmarks.numerics_cost: the {profile} process failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None) -> Path:
    parser = argument_parser(__doc__, "depth 4, 2 rounds of 3 epochs")
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    quick = quick_from(args)
    if args.measure:
        print(json.dumps(measure(quick, args.measure)))
        return Path()
    output = output_path("numerics_cost", quick, args.output)
    rounds, epochs = (2, 3) if quick else (6, 8)
    origin, start = provenance(), time.perf_counter()
    in_process(NATIVE, True, 1)  # builds the -march=native kernels, untimed
    measured = []
    for index in tqdm(range(rounds), desc="rounds"):
        order = (PINNED, NATIVE) if index % 2 == 0 else (NATIVE, PINNED)
        measured.append({profile: in_process(profile, quick, epochs) for profile in order})

    def ratios(pick) -> list[float]:
        return [pick(row[PINNED]) / pick(row[NATIVE]) for row in measured]

    summary = {f"{model}_epoch_ratio": statistics.median(ratios(lambda m, model=model: m["epoch_seconds"][model]))
               for model in ("basic", "entropic")}
    summary["entropy_gradient_ratio"] = statistics.median(ratios(lambda m: m["entropy_gradient_seconds"]))
    summary["met"] = max(summary["basic_epoch_ratio"], summary["entropic_epoch_ratio"]) <= TARGET
    payload = {"benchmark": "numerics_cost", "quick": quick, "target": TARGET, "rounds": measured, "summary": summary}
    return write_result(output, payload, start, origin, f"{PINNED} over native, entropic epoch "
                        f"{summary['entropic_epoch_ratio']:.3f}, basic {summary['basic_epoch_ratio']:.3f}, "
                        f"entropy gradient {summary['entropy_gradient_ratio']:.3f}")


if __name__ == "__main__":
    main()
