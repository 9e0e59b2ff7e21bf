"""Lemma 3.2, measured: cost of the exact entropy gradient (energygnn.entropy.entropy_gradient).

Three measurements, written with provenance to results/benchmarks/entropy_gradient.json:

1. scaling: time and peak extra memory of one call on random sparse graphs (average degree ~10,
   c = 64) from 10^4 to 10^6 nodes; time / (n + m) should stay flat (within 1.5x from 10^5 on);
2. dense: speed-up over the O(n^2) dense implementation at n = 2708 (Cora) and 19717 (PubMed);
3. overhead: one entropy step (energygnn.nn.EntropyAscent) against one hidden GCNConv layer
   (forward + backward, input requiring gradients) at width 256 on Cora, timed interleaved in one
   run; target <= 15 %.

Scaling and overhead run once per setting of SETTINGS, each in its own process: the package's
default (the compiled step kernels of energygnn.native), and the pure-PyTorch step under glibc's
default allocator and under a tuned one. Targets are judged on the default.

    python -m benchmarks.entropy_gradient --no-quick # full sizes (minutes)
    python -m benchmarks.entropy_gradient --quick    # small sizes, written to _build/benchmarks/
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import torch
from torch_geometric.nn import GCNConv
from torch_geometric.utils import to_dense_adj
from tqdm.auto import tqdm

from energygnn import native
from energygnn.config import repo_root
from energygnn.data import load_planetoid, random_sparse_graph
from energygnn.nn import EntropyAscent
from energygnn.entropy import entropy_gradient, entropy_gradient_dense, energy_normalization
from benchmarks import argument_parser, output_path, quick_from
from energygnn.provenance import atomic_write_json, provenance
from energygnn.sparse import Adjacency

TEMPERATURE, LAMBDA, WIDTH = 10.0, 1.0, 64
FULL_SIZES = [10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000]
QUICK_SIZES = [2_000, 10_000]


def median_time(function, repeats: int, warmup: int = 1) -> float:
    for _ in range(warmup):
        function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def naive_entropy_gradient(x, edge_index, temperature, normalize):
    """Gather/scatter over the edge list ([m, c] temporaries): the straightforward version."""
    row, col = edge_index
    n, c = x.shape
    degree = torch.bincount(row, minlength=n)
    a = energy_normalization(degree, c, normalize, x.dtype)
    difference = x[row] - x[col]
    energy = 0.5 * a * torch.zeros(n, dtype=x.dtype).index_add_(0, row, difference.pow(2).sum(1))
    p = torch.exp(-energy / temperature)
    b = a * p * (1 - energy / temperature)
    weighted = (b[row] + b[col]).unsqueeze(1) * difference
    return torch.zeros_like(x).index_add_(0, row, weighted) / temperature


def _resident_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize()


def _peak_memory_probe(path: str) -> None:
    """Subprocess mode: load inputs, call once while a thread samples the resident set size, and
    print the peak rise above the level just before the call. The parent runs this process with
    MALLOC_MMAP_THRESHOLD_=65536, so that every large block is mapped on allocation and unmapped on
    release: the resident size then follows the live tensors."""
    inputs = torch.load(path)
    x, edge_index = inputs["x"], inputs["edge_index"]
    entropy_gradient(x[:10], edge_index[:, :0], TEMPERATURE, True)  # warm up lazy initialisation
    gc.collect()
    baseline = _resident_bytes()
    peak, done = [baseline], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], _resident_bytes())
            time.sleep(1e-4)

    sampler = threading.Thread(target=sample)
    sampler.start()
    result = entropy_gradient(x, edge_index, TEMPERATURE, True)
    done.set()
    sampler.join()
    del result
    print(peak[0] - baseline)


def peak_extra_memory(x, edge_index) -> int:
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "inputs.pt")
        torch.save({"x": x, "edge_index": edge_index}, path)
        environment = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536"}
        output = subprocess.run([sys.executable, "-m", "benchmarks.entropy_gradient", "--memory-probe", path],
                                capture_output=True, text=True, check=True, cwd=repo_root() or ".", env=environment)
    return int(output.stdout.strip().splitlines()[-1])


def json_from_subprocess(module: str, arguments: list[str], setting: str):
    """Run ``python -m module *arguments`` with the environment variables of one of
    :data:`SETTINGS` added and return the JSON it prints on its last line."""
    environment = {**os.environ, **SETTINGS[setting]}
    output = subprocess.run([sys.executable, "-m", module, *arguments],
                            capture_output=True, text=True, check=True, cwd=repo_root() or ".", env=environment)
    return json.loads(output.stdout.strip().splitlines()[-1])


def scaling_in_subprocess(quick: bool, setting: str) -> list[dict]:
    return json_from_subprocess("benchmarks.entropy_gradient",
                                ["--scaling-only", "--quick" if quick else "--no-quick"], setting)


def scaling(sizes, repeats) -> list[dict]:
    rows = []
    for n in tqdm(sizes, desc="scaling"):
        generator = torch.Generator().manual_seed(n)
        edge_index = random_sparse_graph(n, 10.0, generator)
        x = torch.randn(n, WIDTH, generator=generator)
        m = edge_index.size(1)
        seconds = median_time(lambda: entropy_gradient(x, edge_index, TEMPERATURE, True), repeats)
        naive = median_time(lambda: naive_entropy_gradient(x, edge_index, TEMPERATURE, True), repeats)
        rows.append({"nodes": n, "edges": m, "width": WIDTH, "seconds": seconds,
                     "ns_per_node_plus_edge": seconds / (n + m) * 1e9,
                     "naive_gather_scatter_seconds": naive,
                     "input_bytes": x.numel() * x.element_size() + edge_index.numel() * 8,
                     "peak_extra_bytes": peak_extra_memory(x, edge_index), "compiled_step": native.available()})
    return rows


def dense_comparison(names, repeats) -> list[dict]:
    rows = []
    for name in tqdm(names, desc="dense vs sparse"):
        data = load_planetoid(name)
        n = data.num_nodes
        x = torch.randn(n, WIDTH, generator=torch.Generator().manual_seed(0))
        dense_adjacency = to_dense_adj(data.edge_index, max_num_nodes=n)[0]
        sparse = median_time(lambda: entropy_gradient(x, data.edge_index, TEMPERATURE, True), max(repeats, 5))
        dense = median_time(lambda: entropy_gradient_dense(x, dense_adjacency, TEMPERATURE, True), repeats)
        difference = (entropy_gradient(x, data.edge_index, TEMPERATURE, True)
                      - entropy_gradient_dense(x, dense_adjacency, TEMPERATURE, True)).abs().max()
        rows.append({"dataset": name, "nodes": n, "edges": data.num_edges, "width": WIDTH,
                     "sparse_seconds": sparse, "dense_seconds": dense, "speedup": dense / sparse,
                     "max_abs_difference": float(difference)})
        del dense_adjacency
    return rows


def layer_overhead(repeats, width=256) -> dict:
    data = load_planetoid("Cora")
    edge_index = data.edge_index
    # A hidden layer of a deep model: its input carries gradients back to earlier layers.
    x = torch.randn(data.num_nodes, width, generator=torch.Generator().manual_seed(0)).requires_grad_()
    result = {"dataset": "Cora", "width": width, "temperature": TEMPERATURE, "lambda": LAMBDA,
              "normalize": True, "repeats": repeats, "input_requires_grad": True,
              "compiled_step": native.available()}
    for cached in (False, True):
        torch.manual_seed(0)
        conv = GCNConv(width, width, cached=cached)

        def plain():
            conv.zero_grad(), x.grad is not None and x.grad.zero_()
            torch.relu(conv(x, edge_index)).sum().backward()

        step = EntropyAscent(LAMBDA, TEMPERATURE, normalize=True)

        def with_step():
            conv.zero_grad(), x.grad is not None and x.grad.zero_()
            torch.relu(step(conv(x, edge_index), edge_index)).sum().backward()

        def step_only(h=conv(x, edge_index).detach()):
            return step(h, edge_index)

        for function in (plain, with_step, step_only):  # warm up
            function()
        times = {"plain": [], "with_step": [], "step_only": []}
        order = [("plain", plain), ("with_step", with_step), ("step_only", step_only)]
        for repeat in range(repeats):
            # interleaved, alternating the order, so that drifts of the machine hit all alike
            for label, function in (order if repeat % 2 == 0 else order[::-1]):
                start = time.perf_counter()
                function()
                times[label].append(time.perf_counter() - start)
        medians = {label: statistics.median(values) for label, values in times.items()}
        paired = [w / p - 1 for w, p in zip(times["with_step"], times["plain"])]
        quartiles = statistics.quantiles(paired, n=4)
        key = "gcnconv_cached" if cached else "gcnconv"
        result[key] = {
            "layer_seconds": medians["plain"], "layer_with_step_seconds": medians["with_step"],
            "step_seconds": medians["step_only"],
            # the headline figure: median over repeats of (layer + step) / layer - 1, paired
            "overhead_with_step_vs_layer": statistics.median(paired),
            "overhead_interquartile_range": [quartiles[0], quartiles[2]],
            "overhead_ratio_of_medians": medians["with_step"] / medians["plain"] - 1,
            "step_vs_layer": medians["step_only"] / medians["plain"],
        }
    return result


# glibc returns large freed blocks to the OS at once, so every fresh [n, c] tensor costs page
# faults; on some machines (virtual ones especially) that makes timings slow and noisy. "tuned"
# keeps freed memory in the process. Both sides of each ratio always run under the same setting.
ALLOCATORS = {
    "default": {},
    "tuned": {"MALLOC_MMAP_THRESHOLD_": "4000000000", "MALLOC_TRIM_THRESHOLD_": "4000000000",
              "MALLOC_TOP_PAD_": "100000000"},
}
# The environment of each measured setting: the package's default (compiled step kernels), and
# the pure-PyTorch step (the fallback where they cannot be built) under both allocators.
SETTINGS = {
    "compiled": {},
    "pytorch": {"ENERGYGNN_NATIVE": "0"},
    "pytorch_tuned_allocator": {"ENERGYGNN_NATIVE": "0", **ALLOCATORS["tuned"]},
}


def overhead_in_subprocess(repeats: int, setting: str) -> dict:
    return {"environment": SETTINGS[setting],
            **json_from_subprocess("benchmarks.entropy_gradient", ["--overhead-only", str(repeats)], setting)}


def main(argv=None) -> Path:
    parser = argument_parser(__doc__, "small sizes")
    parser.add_argument("--memory-probe", help=argparse.SUPPRESS)
    parser.add_argument("--overhead-only", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--scaling-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_probe:
        _peak_memory_probe(args.memory_probe)
        return Path(args.memory_probe)
    if args.scaling_only:
        quick = quick_from(args)
        print(json.dumps(scaling(QUICK_SIZES if quick else FULL_SIZES, 3 if quick else 7)))
        return Path()
    if args.overhead_only:
        print(json.dumps(layer_overhead(args.overhead_only)))
        return Path()
    quick = quick_from(args)
    output = output_path("entropy_gradient", quick, args.output)
    start = time.perf_counter()
    payload = {
        "benchmark": "entropy_gradient", "quick": quick,
        "config": {"temperature": TEMPERATURE, "lambda": LAMBDA, "normalize": True, "width": WIDTH,
                   "average_degree": 10, "dtype": "float32"},
        "settings": SETTINGS,
        "scaling": {setting: scaling_in_subprocess(quick, setting) for setting in SETTINGS},
        "dense": dense_comparison(["Cora"] if quick else ["Cora", "PubMed"], 1 if quick else 3),
        "overhead": {setting: overhead_in_subprocess(10 if quick else 300, setting) for setting in SETTINGS},
    }
    def flatness(rows):
        large = [row["ns_per_node_plus_edge"] for row in rows if row["nodes"] >= 100_000]
        return max(large) / min(large) if large else None

    payload["summary"] = {
        "flatness_1e5_to_1e6": {setting: flatness(rows) for setting, rows in payload["scaling"].items()},
        "speedup_over_dense": {row["dataset"]: row["speedup"] for row in payload["dense"]},
        "overhead_vs_gcnconv": {setting: measured["gcnconv"]["overhead_with_step_vs_layer"]
                                for setting, measured in payload["overhead"].items()},
        "overhead_vs_cached_gcnconv": {setting: measured["gcnconv_cached"]["overhead_with_step_vs_layer"]
                                       for setting, measured in payload["overhead"].items()},
    }
    payload["wall_seconds"] = time.perf_counter() - start
    payload["provenance"] = provenance()
    atomic_write_json(output, payload)
    print(f"wrote {output}")
    for key, value in payload["summary"].items():
        print(f"  {key}: {value}")
    return output


if __name__ == "__main__":
    main()
