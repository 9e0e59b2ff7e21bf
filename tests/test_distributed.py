"""DistributedDataParallel over gloo: two ranks against one process that sees both ranks'
batches, and a failing rank stopping the job."""
import datetime
import math
import os
import subprocess
import sys

import pytest
import torch

from energygnn.distributed import choose_backend, load_graph, main, spawn_job
from energygnn.minibatch import _all_ranks_sum, train_partitions
from energygnn.models import build_model

CONFIG = {"dataset": "block", "nodes": 300, "model": "entropic", "depth": 2, "hidden_channels": 16, "epochs": 3,
          "num_parts": 4, "lr": 0.01, "seed": 0, "model_options": {"weight": 1.0, "temperature": 10.0, "normalize": True}}


def test_two_gloo_ranks_train_as_one_process_seeing_both_ranks_batches():
    ranks = spawn_job(CONFIG, world_size=2)
    data = load_graph(CONFIG)
    torch.manual_seed(CONFIG["seed"])
    model = build_model("entropic", data.num_features, int(data.y.max()) + 1, 2, hidden_channels=16,
                        **CONFIG["model_options"])
    start = {key: value.clone() for key, value in model.state_dict().items()}
    train_partitions(model, data, CONFIG, world_size=2, ranks=[0, 1], evaluate=False)
    for key, value in model.state_dict().items():
        assert not torch.allclose(value, start[key])  # training moved every parameter
        torch.testing.assert_close(ranks[0]["state"][key], value, rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(ranks[1]["state"][key], ranks[0]["state"][key], rtol=0, atol=0)
    assert ranks[0]["train_nodes"] == ranks[1]["train_nodes"] == 3 * 150  # each rank: half the nodes an epoch
    assert ranks[0]["best_val_acc"] is not None and "best_val_acc" not in ranks[1]  # rank 0 evaluates


def test_a_failing_rank_stops_the_job_with_its_message(tmp_path):
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
               "-m", "energygnn.distributed", "--nodes", "400", "--depth", "2", "--hidden-channels", "8",
               "--epochs", "5", "--num-parts", "4", "--fail-rank", "1", "--fail-epoch", "1",
               "--output", str(tmp_path / "run.json")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=240, cwd=tmp_path,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert "rank 1 of 2 failed: RuntimeError: injected fault after epoch 1" in output
    root_cause = output[output.index("Root Cause"):]
    first_rank_line = next(line for line in root_cause.splitlines() if line.strip().startswith("rank "))
    assert first_rank_line.split(":")[1].split()[0] == "1"  # torchrun names the failing rank as the cause
    assert not (tmp_path / "run.json").exists()


def test_outside_torchrun_the_entry_point_says_how_to_start_it(monkeypatch):
    monkeypatch.delenv("RANK", raising=False)
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    with pytest.raises(SystemExit, match="start it with torchrun"):
        main([])


def test_backend_choice():
    assert choose_backend("gloo") == "gloo"
    assert choose_backend("auto") == ("nccl" if torch.cuda.is_available() else "gloo")
    with pytest.raises(ValueError, match="backend must be one of"):
        choose_backend("mpi")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="needs CUDA GPUs"):
            choose_backend("nccl")


def _sum_a_nan_on_rank_one(rank, store, folder):
    torch.distributed.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=2,
                                         timeout=datetime.timedelta(minutes=2))
    try:
        total = _all_ranks_sum(float("nan") if rank == 1 else 2.0, True, torch.device("cpu"))
        torch.save(total, os.path.join(folder, f"rank{rank}.pt"))
    finally:
        torch.distributed.destroy_process_group()


def test_a_non_finite_loss_on_one_rank_reaches_every_rank(tmp_path):
    # train_partitions stops when this sum is not finite, so every rank stops at the same epoch
    torch.multiprocessing.spawn(_sum_a_nan_on_rank_one, args=(str(tmp_path / "store"), str(tmp_path)), nprocs=2)
    assert all(math.isnan(torch.load(tmp_path / f"rank{rank}.pt")) for rank in range(2))
    assert _all_ranks_sum(3.0, False, torch.device("cpu")) == 3.0
