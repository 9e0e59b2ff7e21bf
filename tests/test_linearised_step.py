"""energygnn.linearised_step: the step at small energies is the linear map it claims to be."""
import numpy as np
import pytest
import torch

from energygnn.data import grid_graph
from energygnn.linearised_step import (dominant_mode, energy_growth_per_layer, gcn_propagation_matrix, graph_laplacian,
                                       linearised_step_matrix, propagation_eigenvector, spectral_radius)
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


def test_the_gcn_propagation_is_dominated_by_its_nearly_constant_eigenvector():
    # path of 4 nodes with loops: D-hat = diag(2, 3, 3, 2); D-hat^{1/2} 1 = (sqrt 2, sqrt 3, sqrt 3, sqrt 2)
    # carries sum over edges (x_i - x_j)^2 = 2 (sqrt 3 - sqrt 2)^2 over |x|^2 = 10
    mode = dominant_mode(PATH, 4, 0.0, 10.0, False, width=1)
    by_hand = 2 * (np.sqrt(3) - np.sqrt(2)) ** 2 / 10
    assert mode.eigenvalue == pytest.approx(1.0) and mode.cosine == pytest.approx(1.0)
    assert mode.rayleigh == pytest.approx(by_hand) and mode.reference_rayleigh == pytest.approx(by_hand)
    assert mode.kind == "smooth" and mode.scale_free_energy == pytest.approx(2 * by_hand / 4)
    assert mode.laplacian_top == pytest.approx(2 + np.sqrt(2))  # the path's largest Laplacian eigenvalue


def test_a_strong_step_makes_a_rough_eigenvector_dominate():
    weak = dominant_mode(PATH, 4, 0.01, 10.0, False, width=1)
    strong = dominant_mode(PATH, 4, 100.0, 10.0, False, width=1)
    assert weak.kind == "smooth"
    assert strong.kind == "rough" and strong.rayleigh > 100 * strong.reference_rayleigh
    assert abs(strong.eigenvalue) > 1  # it grows per layer, while D-hat^{1/2} 1 does not
    # the radius energy_growth_per_layer compares is this eigenvalue's
    assert energy_growth_per_layer(PATH, 4, 100.0, 10.0, False, 1) == pytest.approx(strong.eigenvalue ** 2)


def test_the_laplacian_gives_the_raw_energy_of_one_channel():
    from energygnn.measures import raw_energy

    grid = grid_graph(3, 4, generator=torch.Generator().manual_seed(0))
    laplacian = graph_laplacian(grid.edge_index, grid.num_nodes)
    x = grid.x.double().numpy()[:, 0]
    assert raw_energy(grid.x.double(), grid.edge_index) == pytest.approx(2 / grid.num_nodes * x @ laplacian @ x)


def test_the_propagation_eigenvector_is_fixed_by_the_propagation():
    vector = propagation_eigenvector(PATH, 4)
    assert np.allclose(vector[:, 0].numpy(), np.sqrt([2, 3, 3, 2]))
    assert np.allclose(gcn_propagation_matrix(PATH, 4) @ vector.numpy(), vector.numpy())
