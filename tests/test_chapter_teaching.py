"""The by-hand numbers and claims the chapters teach with, pinned to the package.

book/entropy.ipynb works the path 0 - 1 - 2 (features 0, 1, 3, T = 1) by hand, plots
P-bar = e^{-u} (1 - u) against u = E / T, and smooths a grid with and without the entropy step.
"""
import math

import torch

from energygnn.data import grid_graph
from energygnn.entropy import (
    boltzmann_p_bar, dirichlet_energy, entropy, entropy_ascent, entropy_gradient, node_energy,
)
from energygnn.sparse import Adjacency

PATH_EDGES = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])
PATH_X = torch.tensor([[0.0], [1.0], [3.0]], dtype=torch.float64)


def test_path_example_by_hand():
    assert node_energy(PATH_X, PATH_EDGES).tolist() == [0.5, 2.5, 2.0]
    s = 0.5 * math.exp(-0.5) + 2.5 * math.exp(-2.5) + 2 * math.exp(-2)
    assert math.isclose(float(entropy(PATH_X, PATH_EDGES, 1.0)), s, rel_tol=1e-14)
    assert round(s, 6) == 0.779148
    p_bar = [0.5 * math.exp(-0.5), -1.5 * math.exp(-2.5), -math.exp(-2)]
    w01, w12 = p_bar[0] + p_bar[1], p_bar[1] + p_bar[2]
    by_hand = torch.tensor([[-w01], [w01 - 2 * w12], [2 * w12]], dtype=torch.float64)
    gradient = entropy_gradient(PATH_X, Adjacency(PATH_EDGES, 3), 1.0)
    torch.testing.assert_close(gradient, by_hand, rtol=1e-12, atol=1e-14)
    # node 1 is above T, yet its edge to node 0 pushes it away from node 0 (w01 > 0), and it moves
    # away from node 0 overall (towards node 2)
    assert w01 > 0 and float(gradient[1]) > 0
    assert round(w01, 4) == 0.1801 and round(w12, 4) == -0.2585


def test_p_bar_changes_sign_at_t_and_is_smallest_at_2t():
    temperature = 0.7
    u = torch.linspace(0, 10, 100001, dtype=torch.float64)
    p_bar = boltzmann_p_bar(u * temperature, temperature)
    assert float(p_bar[0]) == 1.0
    assert bool((p_bar[u < 1] > 0).all()) and bool((p_bar[u > 1] < 0).all())
    assert math.isclose(float(u[p_bar.argmin()]), 2.0, abs_tol=1e-4)
    assert math.isclose(float(p_bar.min()), -math.exp(-2), rel_tol=1e-9)


def test_entropy_step_stops_the_energy_from_collapsing_on_the_grid():
    grid = grid_graph(generator=torch.Generator().manual_seed(0))
    adjacency = Adjacency(grid.edge_index, grid.num_nodes)
    propagate = adjacency.operator("gcn")
    smooth = stepped = grid.x.double()
    for _ in range(100):
        smooth = propagate.matmul(smooth)
        stepped = entropy_ascent(propagate.matmul(stepped), adjacency, 0.1, False, weight=0.01)
    plain, kept = float(dirichlet_energy(smooth, adjacency)), float(dirichlet_energy(stepped, adjacency))
    # GCN's propagation keeps the component along sqrt(degree), whose energy is not zero on a grid
    v = adjacency.degree.double().sqrt().unsqueeze(1)
    limit = v * (v * grid.x.double()).sum() / (v * v).sum()
    assert math.isclose(plain, float(dirichlet_energy(limit, adjacency)), rel_tol=1e-2)
    assert kept > 30 * plain and kept < 0.1
