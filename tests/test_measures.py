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


TINY_FIGURE2 = {"model": "basic", "depth": 3, "draws": 2, "grid": {"rows": 3, "cols": 3}, "out_channels": 4,
                "hidden_channels": 8, "model_options": {}, "features": 1}


def test_figure2_on_every_measure_repeats_figure2s_energy_and_one_feature_keeps_rank_one():
    from energygnn.experiments.paper1 import untrained_energy, untrained_measures

    measured = untrained_measures(TINY_FIGURE2)
    assert set(measured) == set(MEASURES) and all(len(v) == 2 for v in measured.values())
    # one input feature: the same graphs and models as Figure 2's runs, so the same energies
    assert measured["raw_energy"] == untrained_energy(TINY_FIGURE2)["survey_energy"]
    # ReLU(a w^T) = a ReLU(w)^T for a >= 0 (features in [0, 1), zero biases): every layer has rank one
    assert measured["numerical_rank"] == pytest.approx([1.0, 1.0], abs=1e-9)
    wide = untrained_measures({**TINY_FIGURE2, "features": 4, "depth": 1})
    assert min(wide["effective_rank"]) > 1.1  # several features: rank can move


def test_he_init_rescales_glorots_output_so_only_the_raw_energy_moves():
    from energygnn.experiments.paper1 import untrained_measures

    glorot = untrained_measures({**TINY_FIGURE2, "features": 4})
    he = untrained_measures({**TINY_FIGURE2, "features": 4, "model_options": {"init": "he"}})
    # zero biases and ReLU(cx) = c ReLU(x): the output is multiplied by the product of the layers'
    # factors sqrt((fan_in + fan_out) / fan_in), the energy by its square (to float32 rounding: the
    # models are drawn in float32, then run in float64)
    widths = [4, 8, 8, 8, 4]
    factor = math.prod((fan_in + fan_out) / fan_in for fan_in, fan_out in zip(widths, widths[1:]))
    assert he["raw_energy"] == pytest.approx([factor * e for e in glorot["raw_energy"]], rel=1e-6)
    for name in MEASURES[1:]:
        assert he[name] == pytest.approx(glorot[name], rel=1e-6), name


def test_an_unknown_init_is_refused_and_glorot_is_the_default():
    from energygnn.models import build_model

    with pytest.raises(ValueError, match="init must be one of"):
        build_model("basic", 2, 2, 1, hidden_channels=4, init="orthogonal")
    torch.manual_seed(0)
    default = build_model("basic", 2, 2, 2, hidden_channels=4)
    torch.manual_seed(0)
    glorot = build_model("entropic", 2, 2, 2, hidden_channels=4, init="glorot")
    assert default.init == "glorot" and all(torch.equal(a, b) for a, b in zip(default.parameters(), glorot.parameters()))
