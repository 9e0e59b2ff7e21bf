import math

import pytest
import torch

from energygnn.data import grid_graph
from energygnn.measures import (MEASURES, all_measures, effective_rank, layer_measures, numerical_rank, raw_energy,
                                scale_free_energy)


def path_graph():
    """0 - 1 - 2, both directions."""
    return torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])


def test_the_raw_energy_is_the_surveys_by_hand():
    x = torch.tensor([[0.0, 0.0], [1.0, 0.0], [1.0, 2.0]])
    # (1/n) sum_i sum_j |x_i - x_j|^2 = (1 + (1 + 4) + 4) / 3
    assert raw_energy(x, path_graph()) == pytest.approx(10 / 3)


def test_equal_rows_have_no_energy_and_rank_one():
    x = torch.tensor([[1.0, -2.0, 3.0]]).repeat(3, 1)
    measures = all_measures(x, path_graph())
    assert measures["raw_energy"] == 0 and measures["scale_free_energy"] == 0
    assert math.isnan(measures["centred_scale_free_energy"])  # nothing left after centring
    assert measures["numerical_rank"] == pytest.approx(1) and measures["effective_rank"] == pytest.approx(1)


def test_a_scaled_copy_keeps_every_measure_but_the_raw_energy():
    graph = grid_graph(4, 5, num_features=6, generator=torch.Generator().manual_seed(0))
    x = graph.x
    small = all_measures(1e-3 * x, graph.edge_index)
    plain = all_measures(x, graph.edge_index)
    assert small["raw_energy"] == pytest.approx(1e-6 * plain["raw_energy"], rel=1e-4)
    for name in MEASURES[1:]:
        assert small[name] == pytest.approx(plain[name], rel=1e-4), name


def test_the_ranks_count_the_directions_of_rank_k_features():
    generator = torch.Generator().manual_seed(1)
    basis = torch.linalg.qr(torch.randn(50, 3, generator=generator, dtype=torch.float64)).Q
    x = basis * torch.tensor([2.0, 2.0, 2.0], dtype=torch.float64)  # three equal singular values
    assert numerical_rank(x) == pytest.approx(3) and effective_rank(x) == pytest.approx(3)
    lopsided = basis * torch.tensor([10.0, 1.0, 0.0], dtype=torch.float64)
    assert 1 < numerical_rank(lopsided) < effective_rank(lopsided) < 2
    rotated = x @ torch.linalg.qr(torch.randn(3, 3, generator=generator, dtype=torch.float64)).Q
    assert effective_rank(rotated) == pytest.approx(effective_rank(x))


def test_centring_removes_a_shared_offset():
    graph = grid_graph(3, 3, num_features=4, generator=torch.Generator().manual_seed(2))
    shifted = graph.x + torch.tensor([5.0, -3.0, 0.0, 1.0])
    assert raw_energy(shifted, graph.edge_index) == pytest.approx(raw_energy(graph.x, graph.edge_index), rel=1e-5)
    assert scale_free_energy(shifted, graph.edge_index, centred=True) == pytest.approx(
        scale_free_energy(graph.x, graph.edge_index, centred=True), rel=1e-5)
    assert scale_free_energy(shifted, graph.edge_index) < scale_free_energy(graph.x, graph.edge_index)


def test_layer_measures_list_every_layer_under_every_measure():
    graph = grid_graph(3, 3, num_features=4, generator=torch.Generator().manual_seed(3))
    measures = layer_measures([graph.x, 2 * graph.x, graph.x[:, :1]], graph.edge_index)
    assert set(measures) == set(MEASURES) and all(len(values) == 3 for values in measures.values())
    assert measures["numerical_rank"][2] == pytest.approx(1)


def test_a_bad_input_is_named():
    with pytest.raises(ValueError, match="numerical_rank"):
        numerical_rank(torch.ones(3))
