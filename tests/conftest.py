import socket

import pytest


@pytest.fixture
def no_network(monkeypatch):
    """Make every connection attempt fail, as on a machine with no internet."""
    def refuse(*args, **kwargs):
        raise OSError("network access blocked by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
