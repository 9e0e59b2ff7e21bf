"""energygnn.linearised_step: the step at small energies is the linear map it claims to be."""
import numpy as np
import pytest
import torch

from energygnn.data import grid_graph
from energygnn.linearised_step import (energy_growth_per_layer, gcn_propagation_matrix, linearised_step_matrix,
                                       spectral_radius)
from energygnn.nn import EntropyAscent

PATH = torch.tensor([[0, 1, 1, 2, 2, 3], [1, 0, 2, 1, 3, 2]])


@pytest.mark.parametrize("variant", ["exact", "authors"])
@pytest.mark.parametrize("normalize", [True, False])
def test_the_step_at_small_energies_is_the_linearised_matrix(variant, normalize):
    x = 1e-4 * torch.randn(4, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    stepped = EntropyAscent(weight=2.0, temperature=5.0, normalize=normalize, variant=variant)(x, PATH)
    matrix = linearised_step_matrix(PATH, 4, 2.0, 5.0, normalize, width=3, variant=variant)
    moved, predicted = stepped.numpy() - x.numpy(), matrix @ x.numpy() - x.numpy()
    # P-bar = 1 - O(E/T) with E ~ 1e-8: the moves agree to that relative order
    assert np.allclose(moved, predicted, rtol=1e-6, atol=0)
    assert np.abs(predicted).max() > 0.1 * np.abs(x.numpy()).max()  # the step does move x


def test_the_laplacian_amplifies_a_two_node_difference_by_hand():
    edge = torch.tensor([[0, 1], [1, 0]])
    matrix = linearised_step_matrix(edge, 2, weight=1.0, temperature=10.0, normalize=False, width=1).toarray()
    # x_0 - x_1 is multiplied by 1 + 2 * lambda * (a_0 + a_1) / T = 1.4; the mean is kept
    assert np.allclose(matrix @ np.array([1.0, -1.0]), [1.4, -1.4])
    assert np.allclose(matrix @ np.array([1.0, 1.0]), [1.0, 1.0])


def test_gcn_propagation_has_spectral_radius_one_and_adds_missing_loops():
    grid = grid_graph()
    propagation = gcn_propagation_matrix(grid.edge_index, grid.num_nodes)
    assert spectral_radius(propagation) == pytest.approx(1.0)
    assert np.allclose(gcn_propagation_matrix(PATH, 4).diagonal(), [1 / 2, 1 / 3, 1 / 3, 1 / 2])


def test_energy_growth_is_one_without_a_step_and_grows_with_lambda():
    grid = grid_graph()
    growth = [energy_growth_per_layer(grid.edge_index, grid.num_nodes, w, 10.0, False, 256) for w in (0.0, 1.0, 10.0)]
    assert growth[0] == pytest.approx(1.0) and growth[0] < growth[1] < growth[2]
    with pytest.raises(ValueError, match="EntropyAscent: temperature must be > 0"):
        energy_growth_per_layer(grid.edge_index, grid.num_nodes, 1.0, 0.0, False, 256)
