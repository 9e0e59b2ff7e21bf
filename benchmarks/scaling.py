"""Scaling out: mini-batch training of the basic and entropic GCN on the block-model graph, started
with ``torchrun`` as 1 process (1 and 2 torch threads) and as 2 processes (1 thread each).

Per process: training nodes per second (median over the epochs after the first), peak resident
memory. Per job: the summed throughput, the 2-process speed-up over 1 process on 1 thread and on
2 threads, and the entropic/basic epoch-time ratio. Every process loads the whole graph. Then one
end-to-end run of the entropic GCN with evaluation, 2 processes.

    python -m benchmarks.scaling --no-quick   # 1,000,000 nodes
    python -m benchmarks.scaling --quick      # 3,000 nodes, to _build/benchmarks/
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tqdm.auto import tqdm

from benchmarks import argument_parser, output_path, quick_from
from energygnn.provenance import atomic_write_json, provenance

JOBS = [(1, 1), (1, 2), (2, 1)]  # (processes, torch threads per process)


def torchrun(processes: int, threads: int, arguments: list[str], folder: Path) -> dict:
    """One ``torchrun`` job of ``energygnn.distributed``; its rank-0 JSON."""
    output = folder / f"job-{processes}x{threads}-{len(list(folder.iterdir()))}.json"
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(processes),
               "-m", "energygnn.distributed", "--threads", str(threads), "--output", str(output), *arguments]
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": str(threads)})
    if done.returncode != 0:
        raise RuntimeError(f"benchmarks.scaling: {' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return json.loads(output.read_text())


def per_process(job: dict) -> list[dict]:
    """Per rank: nodes per second over the epochs after the first, and peak memory."""
    ranks = job["result"]["ranks"]
    if job["config"]["epochs"] < 2:
        raise ValueError("benchmarks.scaling: the speed is the median over the epochs after the first; run >= 2 epochs.")
    nodes_per_epoch = [rank["train_nodes"] / job["config"]["epochs"] for rank in ranks]
    return [{"nodes_per_second": nodes / statistics.median(rank["train_epoch_seconds"][1:]),
             "peak_memory_gib": rank["peak_memory_bytes"] / 2**30}
            for nodes, rank in zip(nodes_per_epoch, ranks)]


def summarise(measured: list[dict]) -> dict:
    """Speed-ups of 2 processes over 1 (on 1 and on 2 threads) per model, and the entropic/basic
    epoch-time ratio per job shape (throughputs summed over a job's processes)."""
    speed = {(m["model"], m["processes"], m["threads"]): m["nodes_per_second"] for m in measured}
    summary = {
        model: {"two_processes_over_one_thread": speed[model, 2, 1] / speed[model, 1, 1],
                "two_processes_over_two_threads": speed[model, 2, 1] / speed[model, 1, 2]}
        for model in ("basic", "entropic")}
    summary["entropic_over_basic_time"] = {f"{p}x{t}": speed["basic", p, t] / speed["entropic", p, t] for p, t in JOBS}
    return summary


def main(argv=None) -> Path:
    parser = argument_parser(__doc__, "3,000 nodes, 3 epochs")
    args = parser.parse_args(argv)
    quick = quick_from(args)
    output = output_path("scaling", quick, args.output)
    nodes, epochs = (3_000, 3) if quick else (1_000_000, 3)
    graph = ["--dataset", "block", "--nodes", str(nodes), "--depth", "4", "--hidden-channels", "64",
             "--num-parts", "16", "--eval-parts", "16"]
    origin, start = provenance(), time.perf_counter()
    measured = []
    with tempfile.TemporaryDirectory(prefix="energygnn-scaling-") as tmp:
        folder = Path(tmp)
        cases = [(model, processes, threads) for model in ("basic", "entropic") for processes, threads in JOBS]
        for model, processes, threads in tqdm(cases, desc="scaling jobs"):
            job = torchrun(processes, threads, [*graph, "--model", model, "--epochs", str(epochs), "--no-evaluate"], folder)
            ranks = per_process(job)
            measured.append({"model": model, "processes": processes, "threads": threads, "ranks": ranks,
                             "nodes_per_second": sum(rank["nodes_per_second"] for rank in ranks),
                             "wall_seconds": job["result"]["wall_seconds"]})
        end_to_end = torchrun(2, 1, [*graph, "--model", "entropic", "--epochs", str(epochs)], folder)
    summary = summarise(measured)
    payload = {"benchmark": "scaling", "quick": quick, "nodes": nodes, "edges": end_to_end["result"]["graph"]["edges"],
               "epochs": epochs, "graph_arguments": graph, "jobs": measured, "summary": summary,
               "end_to_end": {key: end_to_end["result"][key] for key in
                              ("best_val_acc", "test_acc_at_best_val", "best_epoch", "wall_seconds", "ranks")},
               "cpu_count": os.cpu_count(), "wall_seconds": time.perf_counter() - start, "provenance": origin}
    atomic_write_json(output, payload)
    print(f"wrote {output}: 2 processes / 1 process (1 thread) = {summary['entropic']['two_processes_over_one_thread']:.2f} "
          f"(entropic); entropic/basic time = {summary['entropic_over_basic_time']['2x1']:.2f} on 2 processes")
    return output


if __name__ == "__main__":
    main()
