import socket

import energygnn  # noqa: F401  (first: the numerics profile is in force before torch's first operation)
import pytest
import torch
from energygnn import numerics


@pytest.fixture
def no_network(monkeypatch):
    """Make every connection attempt fail, as on a machine with no internet."""
    def refuse(*args, **kwargs):
        raise OSError("network access blocked by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture
def set_torch_threads():
    """torch.set_num_threads for one test: the thread count is restored afterwards. Multi-threaded
    reductions may split sums differently (MKL's dynamic threading), which changes the last bits,
    so determinism is promised per thread count."""
    threads = torch.get_num_threads()
    yield torch.set_num_threads
    torch.set_num_threads(threads)


@pytest.fixture
def committed_numerics():
    """For tests that re-run committed runs bit for bit: skipped, with the reason, when the numerics
    profile in force cannot reproduce them (``ENERGYGNN_NUMERICS=native``, a CPU without AVX2/FMA,
    or torch used before energygnn was imported), instead of failing on a float."""
    reproducible, reason = numerics.reproduces_committed()
    if not reproducible:
        pytest.skip(f"cannot re-run committed runs bit for bit: {reason}")
