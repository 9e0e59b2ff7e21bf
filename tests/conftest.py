import socket

import pytest
import torch


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
