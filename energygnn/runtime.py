"""How a process that computes runs is set up: torch's thread count (a run repeats bit for bit
only on the thread count it was made with) and a sweep worker's reaction to Ctrl-C. The sweep
runner, the re-runs and the training loops share it."""
from __future__ import annotations

import contextlib
import os
import signal

import torch


@contextlib.contextmanager
def torch_threads(count: int | None):
    """torch's thread count is ``count`` inside the block and what it was before after it;
    ``None`` leaves it as it is."""
    previous = torch.get_num_threads()
    torch.set_num_threads(previous if count is None else count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def configure_threads(threads: int) -> None:
    """One process's torch threads for a sweep, with MKL's dynamic threading off (set before the
    first MKL call, as in a fresh worker): with a fixed thread count a run repeats bit for bit."""
    os.environ["MKL_DYNAMIC"] = "FALSE"
    os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(threads)
    torch.set_num_threads(threads)


def start_worker(threads: int) -> None:
    """A worker process's initializer: its torch threads, and Ctrl-C ends it at once. (A
    KeyboardInterrupt would only end the current run: a process pool's worker loop catches it
    and takes the next queued run.) Result files are written atomically, so no half-written one
    is left."""
    configure_threads(threads)
    signal.signal(signal.SIGINT, lambda signum, frame: os._exit(128 + signum))
