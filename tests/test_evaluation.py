"""energygnn.evaluation on tiny graphs: the attacks keep their budget, the shifts are what they
claim, the scores and metrics are right by hand."""
import pytest
import torch

from energygnn.calibration import fit_temperature
from energygnn.data import grid_graph
from energygnn.ebm.gcn import TwoLayerGCN
from energygnn.evaluation.attacks import (EdgeWeightedGCN, edge_budget, flipped_pairs, prbcd_attack,
                                          random_edge_flips, undirected_pairs)
from energygnn.evaluation.ood import (detection_metrics, energy_score, interpolated_features, keep_classes_above,
                                      leave_out_masks, msp_score, propagated_score, sbm_graph)


@pytest.fixture
def grid():
    return grid_graph(4, 5, num_features=6, self_loops=True, generator=torch.Generator().manual_seed(0))


def test_budgets_and_flips_count_undirected_pairs_without_loops(grid):
    pairs = undirected_pairs(grid.edge_index, 20)
    assert pairs.size(1) == 31 and bool((pairs[0] < pairs[1]).all())  # 4 x 5 grid: 4*4 + 3*5 edges
    assert edge_budget(grid.edge_index, 20, 0.1) == 3
    flipped = random_edge_flips(grid.edge_index, 20, 7, torch.Generator().manual_seed(1))
    assert flipped_pairs(grid.edge_index, flipped, 20) == 7
    assert torch.equal(flipped.flip(0).sort(dim=1).values, flipped.sort(dim=1).values) or \
        flipped_pairs(flipped, flipped.flip(0), 20) == 0  # symmetric
    again = random_edge_flips(grid.edge_index, 20, 7, torch.Generator().manual_seed(1))
    assert torch.equal(flipped, again)
    with pytest.raises(ValueError, match="budget must lie in"):
        random_edge_flips(grid.edge_index, 20, 10**6, torch.Generator())


def test_prbcd_respects_its_budget_and_lowers_the_margin(grid):
    torch.manual_seed(0)
    model = TwoLayerGCN(6, 3, hidden_channels=8, dropout=0.0).eval()
    labels = torch.arange(20) % 3
    nodes = torch.arange(20)
    attacked = prbcd_attack(model, grid.x, grid.edge_index, labels, budget=4, nodes=nodes, seed=0, epochs=20,
                            epochs_resampling=10, block_size=100, lr=100.0)
    assert 0 < flipped_pairs(grid.edge_index, attacked, 20) <= 4
    again = prbcd_attack(model, grid.x, grid.edge_index, labels, budget=4, nodes=nodes, seed=0, epochs=20,
                         epochs_resampling=10, block_size=100, lr=100.0)
    assert torch.equal(attacked, again)  # seeded


def test_the_weighted_wrapper_is_the_model_on_an_unweighted_graph(grid):
    torch.manual_seed(0)
    model = TwoLayerGCN(6, 3, hidden_channels=8).eval()
    edges = undirected_pairs(grid.edge_index, 20)
    symmetric = torch.cat([edges, edges.flip(0)], dim=1)
    assert torch.allclose(EdgeWeightedGCN(model)(grid.x, symmetric), model(grid.x, symmetric), atol=1e-6)


def test_sbm_graph_has_denser_blocks_and_the_requested_density():
    edges = sbm_graph(600, 3, num_edges=6000, seed=0)
    blocks = torch.arange(600) // 200
    inside = (blocks[edges[0]] == blocks[edges[1]]).float().mean()
    # p_ii = 3 p_ij: within-block pairs are a third of all pairs, so 3/(3 + 2) of the edges fall inside
    assert inside == pytest.approx(0.6, abs=0.03)
    assert edges.size(1) == pytest.approx(6000 * (0.5 + 1 / 3), rel=0.05)  # GNNSafe's probabilities: 5/6 of it
    assert torch.equal(edges, sbm_graph(600, 3, num_edges=6000, seed=0))
    assert bool((edges[0] != edges[1]).all())


def test_interpolated_features_lie_between_two_nodes_rows():
    x = torch.eye(5)
    mixed = interpolated_features(x, torch.Generator().manual_seed(0))
    assert torch.allclose(mixed.sum(dim=1), torch.ones(5))  # convex combinations of one-hot rows
    assert bool((mixed >= 0).all()) and bool(((mixed > 0).sum(dim=1) <= 2).all())


def test_leave_out_keeps_held_out_classes_out_of_every_mask():
    data = grid_graph(4, 5)
    data.y = torch.arange(20) % 7
    for split in ("train_mask", "val_mask", "test_mask"):
        data[split] = torch.ones(20, dtype=torch.bool)
    kept = keep_classes_above(data, 3)
    inside, outside = leave_out_masks(data.y, 3)
    for split in ("train_mask", "val_mask", "test_mask"):
        assert torch.equal(kept[split], inside) and not bool((kept[split] & outside).any())
    assert set(kept.y[inside].tolist()) == {0, 1, 2} and bool((kept.y[~inside] == -1).all())
    assert not bool((inside & outside).any()) and not bool((inside | outside)[data.y == 3].any())
    with pytest.raises(ValueError, match="threshold must leave classes on both sides"):
        leave_out_masks(data.y, 6)


def test_scores_and_metrics_by_hand():
    logits = torch.tensor([[2.0, 0.0], [0.0, 0.0]])
    assert torch.allclose(msp_score(logits), torch.tensor([torch.sigmoid(torch.tensor(2.0)), 0.5]))
    assert torch.allclose(energy_score(logits), torch.log(torch.exp(logits).sum(dim=1)))
    path = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])
    # one layer: 0.5 s + 0.5 mean of neighbours
    assert torch.allclose(propagated_score(torch.tensor([1.0, 0.0, 1.0]), path, layers=1), torch.tensor([0.5, 0.5, 0.5]))
    metrics = detection_metrics(torch.tensor([3.0, 4.0, 5.0, 6.0]), torch.tensor([1.0, 2.0, 3.5]))
    assert metrics["auroc"] == pytest.approx(11 / 12) and metrics["fpr95"] == pytest.approx(1 / 3)
    perfect = detection_metrics(torch.tensor([2.0, 3.0]), torch.tensor([0.0, 1.0]))
    assert perfect == pytest.approx({"auroc": 1.0, "aupr": 1.0, "fpr95": 0.0})


def test_temperature_scaling_recovers_a_scale_and_lowers_the_nll():
    generator = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 3, (400,), generator=generator)
    logits = torch.randn(400, 3, generator=generator)
    logits[torch.arange(400), labels] += 1.0
    overconfident = 4 * logits
    temperature = fit_temperature(overconfident, labels)
    assert temperature == pytest.approx(4 * fit_temperature(logits, labels), rel=1e-4)  # equivariant to a scale
    nll = torch.nn.functional.cross_entropy
    assert nll(overconfident / temperature, labels) < nll(overconfident, labels)
    with pytest.raises(ValueError, match="fit_temperature: logits must be"):
        fit_temperature(torch.zeros(3), labels[:3])
