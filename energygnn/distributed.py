r"""Multi-process training with ``torch.nn.parallel.DistributedDataParallel``, started by
``torchrun``. Every rank builds the same graph and model (same seed), takes its own random node
partitions (:func:`energygnn.minibatch.partition_loader`) and DDP averages the gradients, so the
ranks keep identical parameters.

One command, two CPU processes (``gloo``), a million-node block-model graph::

    torchrun --standalone --nproc_per_node 2 -m energygnn.distributed \
        --dataset block --nodes 1000000 --model entropic --depth 4 --epochs 3 --output run.json

``--backend auto`` takes ``nccl`` with one GPU per rank where CUDA is available, else ``gloo``.
A rank that raises stops the job: ``torchrun`` ends the other ranks and prints the failing
rank's :class:`RankFailed` message.
"""
from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch.distributed.elastic.multiprocessing.errors import record
from torch.nn.parallel import DistributedDataParallel

from .data import PLANETOID_NAMES, block_model_graph, canonical_planetoid_name, load_planetoid
from .experiments.configs import load_config
from .minibatch import train_partitions
from .models import MODELS, build_model

__all__ = ["RankFailed", "BACKENDS", "load_graph", "choose_backend", "train_rank", "spawn_job", "main"]

BACKENDS = ("auto", "gloo", "nccl")


class RankFailed(RuntimeError):
    """One rank of a distributed job failed; the message names the rank and the cause."""


def load_graph(config: dict[str, Any]):
    """``config["dataset"]``: a Planetoid name, or ``"block"`` for :func:`~energygnn.data.block_model_graph`
    with ``config["nodes"]`` nodes drawn from ``config.get("graph_seed", 0)``."""
    if config["dataset"] == "block":
        return block_model_graph(config["nodes"], seed=config.get("graph_seed", 0))
    return load_planetoid(canonical_planetoid_name(config["dataset"]))


def choose_backend(backend: str = "auto") -> str:
    """``"nccl"`` when asked for (or ``"auto"`` with CUDA available), else ``"gloo"``."""
    if backend not in BACKENDS:
        raise ValueError(f"energygnn.distributed: backend must be one of {BACKENDS}, got {backend!r}.")
    if backend == "auto":
        return "nccl" if torch.cuda.is_available() else "gloo"
    if backend == "nccl" and not torch.cuda.is_available():
        raise ValueError("energygnn.distributed: backend 'nccl' needs CUDA GPUs; use --backend gloo on CPUs.")
    return backend


def train_rank(config: dict[str, Any], rank: int, world_size: int, device: torch.device | None = None,
               data=None) -> dict[str, Any]:
    """Rank ``rank``'s part of a job whose process group is initialised: the seeded model wrapped in
    DDP, trained on this rank's partitions (:func:`~energygnn.minibatch.train_partitions`).
    Returns this rank's result and its final parameters (``"state"``, on the CPU).

    ``config["fail_rank"]`` / ``config["fail_epoch"]`` (tests only) make that rank raise after that epoch."""
    device = device or torch.device("cpu")
    data = load_graph(config) if data is None else data
    torch.manual_seed(config["seed"])
    model = build_model(config["model"], data.num_features, int(data.y.max()) + 1, config["depth"],
                        hidden_channels=config["hidden_channels"], **config.get("model_options", {})).to(device)
    ddp = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)

    def on_epoch(epoch: int) -> None:
        if config.get("fail_rank") == rank and config.get("fail_epoch") == epoch:
            raise RuntimeError(f"injected fault after epoch {epoch} (fail_rank={rank})")

    try:
        result = train_partitions(ddp, data, config, rank=rank, world_size=world_size,
                                  evaluate=rank == 0 and config.get("evaluate", True), on_epoch=on_epoch)
    except Exception as error:
        raise RankFailed(f"energygnn.distributed: rank {rank} of {world_size} failed: {type(error).__name__}: "
                         f"{error}. The job stops and the other ranks are ended (a rank that lost its connection "
                         "reports that too: the first failure is the cause).") from error
    result["graph"] = {"nodes": data.num_nodes, "edges": data.num_edges}
    result["state"] = {key: value.detach().cpu() for key, value in model.state_dict().items()}
    return result


def _spawned_rank(rank: int, world_size: int, store: str, config: dict[str, Any], folder: str) -> None:
    dist.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=world_size,
                            timeout=datetime.timedelta(minutes=5))
    try:
        torch.set_num_threads(1)
        torch.save(train_rank(config, rank, world_size), Path(folder) / f"rank{rank}.pt")
    finally:
        dist.destroy_process_group()


def spawn_job(config: dict[str, Any], world_size: int = 2) -> list[dict[str, Any]]:
    """Run a ``gloo`` job of ``world_size`` CPU processes from Python (``torch.multiprocessing``,
    no ``torchrun``): every rank's :func:`train_rank` result, in rank order. For tests and notebooks;
    ``torchrun`` is the way to start real jobs."""
    import tempfile

    import torch.multiprocessing as mp

    with tempfile.TemporaryDirectory(prefix="energygnn-ddp-") as folder:
        store = str(Path(folder) / "store")
        mp.spawn(_spawned_rank, args=(world_size, store, config, folder), nprocs=world_size, join=True)
        return [torch.load(Path(folder) / f"rank{rank}.pt", weights_only=False) for rank in range(world_size)]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="torchrun --nproc_per_node N -m energygnn.distributed",
                                     description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--dataset", default="block", help=f"'block' or one of {', '.join(PLANETOID_NAMES)}")
    parser.add_argument("--nodes", type=int, default=1_000_000, help="nodes of the block-model graph")
    parser.add_argument("--graph-seed", type=int, default=0)
    parser.add_argument("--model", default="entropic", choices=sorted(MODELS))
    parser.add_argument("--depth", type=int, default=4)
    parser.add_argument("--hidden-channels", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--num-parts", type=int, default=16, help="partitions per epoch over all ranks")
    parser.add_argument("--eval-parts", type=int, default=16, help="partitions for evaluation (1: full graph)")
    parser.add_argument("--lr", type=float, default=0.001)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--backend", default="auto", choices=BACKENDS)
    parser.add_argument("--threads", type=int, default=1, help="torch threads per rank")
    parser.add_argument("--no-evaluate", action="store_true", help="train only (benchmarks)")
    parser.add_argument("--output", type=Path, help="JSON file rank 0 writes (with provenance)")
    parser.add_argument("--fail-rank", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--fail-epoch", type=int, help=argparse.SUPPRESS)
    return parser


def _config_from(args: argparse.Namespace) -> dict[str, Any]:
    """The run's config from the command line; the model's options are paper 1's (``paper1.json``)."""
    config = {key: value for key, value in vars(args).items() if key not in ("output", "no_evaluate", "backend")}
    config["evaluate"] = not args.no_evaluate
    config["model_options"] = load_config("paper1", quick=False)["model_options"].get(args.model, {})
    if config["dataset"] != "block":
        del config["nodes"], config["graph_seed"]
    return {key: value for key, value in config.items() if value is not None}


@record
def main(argv: list[str] | None = None) -> None:
    """Entry point for ``torchrun ... -m energygnn.distributed``."""
    args = _parser().parse_args(argv)
    if "RANK" not in os.environ or "WORLD_SIZE" not in os.environ:
        sys.exit("energygnn.distributed: start it with torchrun, e.g. "
                 "`torchrun --standalone --nproc_per_node 2 -m energygnn.distributed --nodes 100000`.")
    rank, world_size = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    backend = choose_backend(args.backend)
    torch.set_num_threads(args.threads)
    device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0))) if backend == "nccl" else torch.device("cpu")
    if device.type == "cuda":
        torch.cuda.set_device(device)
    config = _config_from(args)
    dist.init_process_group(backend, timeout=datetime.timedelta(minutes=30))
    try:
        start = time.perf_counter()
        result = train_rank(config, rank, world_size, device)
        result.pop("state")
        result["wall_seconds"] = time.perf_counter() - start
        ranks = [None] * world_size
        dist.all_gather_object(ranks, {"train_epoch_seconds": result["history"]["train_epoch_seconds"],
                                       **{key: result[key] for key in ("nodes_per_second", "train_seconds",
                                                                       "train_nodes", "peak_memory_bytes")}})
        if rank == 0:
            summary = {key: value for key, value in result.items() if key != "history"}
            print(_report(summary, ranks), flush=True)
            if args.output is not None:
                from .provenance import atomic_write_json, provenance
                atomic_write_json(args.output, {"config": {**config, "world_size": world_size, "backend": backend},
                                                "result": {**result, "ranks": ranks}, "provenance": provenance()})
    finally:
        dist.destroy_process_group()


def _report(result: dict[str, Any], ranks: list[dict[str, Any]]) -> str:
    lines = [f"rank {i}: {r['nodes_per_second']:,.0f} batch nodes/s in training, peak memory {r['peak_memory_bytes'] / 2**30:.2f} GiB"
             for i, r in enumerate(ranks)]
    if result.get("best_val_acc") is not None:
        lines.append(f"best validation accuracy {result['best_val_acc']:.3f} (epoch {result['best_epoch']}), "
                     f"test {result['test_acc_at_best_val']:.3f}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
