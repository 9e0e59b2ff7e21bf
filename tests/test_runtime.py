import torch

from energygnn.runtime import torch_threads


def test_torch_threads_are_restored_after_the_block():
    before = torch.get_num_threads()
    with torch_threads(None):
        assert torch.get_num_threads() == before
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def test_a_sweep_worker_ends_at_once_on_ctrl_c():
    """Not with a KeyboardInterrupt, which the pool's worker loop would catch before taking its
    next queued run, but by exiting (status 128 + SIGINT)."""
    import signal
    import subprocess
    import sys

    code = ("from energygnn.runtime import start_worker\nstart_worker(1)\n"
            "print('ready', flush=True)\nwhile True:\n    try:\n        sum(range(10 ** 6))\n"
            "    except BaseException:\n        pass  # what the pool's loop does with the interrupt\n")
    worker = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert worker.stdout.readline().strip() == "ready"
    worker.send_signal(signal.SIGINT)
    assert worker.wait(timeout=10) == 128 + signal.SIGINT
