"""One edge under the entropy step: the closed forms of energygnn.edge_response against the
package's gradient and step on a two-node graph."""
import math

import numpy as np
import pytest
import torch

from energygnn.edge_response import edge_response, edge_response_extremes
from energygnn.entropy import entropy_ascent, entropy_gradient, node_energy
from energygnn.sparse import Adjacency

EDGE = torch.tensor([[0, 1], [1, 0]])


def _pair(u, temperature):
    r = math.sqrt(2 * u * temperature)  # E = r^2 / 2 = u T
    return torch.tensor([[0.0, 0.0], [r, 0.0]], dtype=torch.float64)


@pytest.mark.parametrize("temperature", [0.3, 1.0, 10.0])
@pytest.mark.parametrize("u", [0.1, 0.5, 1.0, 2.3, 6.0])
def test_move_and_energy_rate_are_the_gradients(u, temperature):
    x = _pair(u, temperature)
    assert float(node_energy(x, EDGE)[0]) == pytest.approx(u * temperature)
    response = edge_response([u], temperature)
    gradient = entropy_gradient(x, EDGE, temperature)
    # node 1 sits on the +x side: its move away from node 0 is its gradient's first component
    assert float(gradient[1, 0]) == pytest.approx(float(response.move[0]), abs=1e-12)
    assert float(gradient[0, 0]) == pytest.approx(-float(response.move[0]), abs=1e-12)
    h = 1e-6
    energy = [float(node_energy(entropy_ascent(x, Adjacency(EDGE, 2), temperature, False, weight=s * h), EDGE)[0]) for s in (-1, 1)]
    assert (energy[1] - energy[0]) / (2 * h) == pytest.approx(float(response.energy_rate[0]), rel=1e-6, abs=1e-9)


def test_extremes_are_where_a_fine_grid_finds_them():
    u = np.linspace(0, 12, 1_200_001)
    response = edge_response(u)
    for name, extreme in edge_response_extremes().items():
        curve = getattr(response, name)
        assert extreme.u_push == pytest.approx(u[curve.argmax()], abs=1e-4), name
        assert extreme.u_pull == pytest.approx(u[curve.argmin()], abs=1e-4), name
        assert extreme.push == pytest.approx(curve.max(), rel=1e-9) and extreme.pull == pytest.approx(curve.min(), rel=1e-9)


def test_the_pull_is_weak_only_in_the_weights():
    extremes = edge_response_extremes()
    assert extremes["weight"].ratio == pytest.approx(math.exp(-2))
    assert round(extremes["move"].u_push, 2) == 0.22 and round(extremes["move"].u_pull, 2) == 2.28
    assert 0.6 < extremes["move"].ratio < 0.7
    assert round(extremes["energy_rate"].u_push, 2) == 0.38 and round(extremes["energy_rate"].u_pull, 2) == 2.62
    assert 1.9 < extremes["energy_rate"].ratio < 2.0


def test_edge_response_rejects_negative_energies():
    with pytest.raises(ValueError, match="u = E/T"):
        edge_response([-0.1])
