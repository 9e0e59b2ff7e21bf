import pytest
import torch
from torch_geometric.nn import GCNConv

from energygnn.data import random_sparse_graph
from energygnn.ebm.sampler import PARTITIONS, GraphSampler
from energygnn.ebm.gcn import TwoLayerGCN, logit_energy, normalized_adjacency, orthogonality_penalty
from energygnn.ebm.sgld import langevin_dynamics


def tiny_problem(num_nodes=80, features=6, classes=3, seed=0):
    generator = torch.Generator().manual_seed(seed)
    edge_index = random_sparse_graph(num_nodes, 3, generator=generator)
    x = torch.rand(num_nodes, features, generator=generator)
    torch.manual_seed(seed)
    model = TwoLayerGCN(features, classes, hidden_channels=5).eval()
    return model, x, edge_index, *normalized_adjacency(edge_index, num_nodes)


def test_energy_is_minus_logsumexp_of_the_logits():
    logits = torch.tensor([[0.0, 0.0], [1.0, -2.0]])
    expected = -torch.log(torch.exp(logits).sum(dim=1))
    assert torch.allclose(logit_energy(logits), expected)
    with pytest.raises(ValueError, match="logit_energy"):
        logit_energy(torch.zeros(3))


def test_two_layer_gcn_equals_pyg_gcn_with_its_own_normalisation():
    model, x, edge_index, *_ = tiny_problem()
    reference = [GCNConv(6, 5), GCNConv(5, 3)]
    for ours, theirs in zip((model.conv1, model.conv2), reference):
        theirs.load_state_dict(ours.state_dict())
    expected = reference[1](reference[0](x, edge_index).relu(), edge_index)
    assert torch.allclose(model(x, edge_index), expected, atol=1e-6)


def test_orthogonality_penalty_is_zero_exactly_for_orthonormal_columns():
    q, _ = torch.linalg.qr(torch.randn(7, 4, dtype=torch.float64))
    assert float(orthogonality_penalty([q, q[:, :2]])) == pytest.approx(0.0, abs=1e-12)
    assert float(orthogonality_penalty([2 * q])) == pytest.approx(3 * 2.0, rel=1e-9)  # ||4I - I||_F = 3 * sqrt(4)


@pytest.mark.parametrize("partition", PARTITIONS)
def test_subgraph_sampling_equals_full_graph_sampling(partition):
    model, x, _, edge_index, edge_weight = tiny_problem()
    nodes = torch.tensor([3, 17, 42, 60])
    start = torch.rand(4, 6) * 2 - 1
    chains, values = {}, {}
    for method in ("full", "subgraph"):
        sampler = GraphSampler(model, x, edge_index, edge_weight, nodes, method, partition)
        values[method] = sampler.log_sum_exp(start)
        chains[method] = langevin_dynamics(start, sampler.energy, 10, 1.0, 0.01, torch.Generator().manual_seed(0))
        values[method + " train"] = sampler.train_log_sum_exp(chains[method])
    assert torch.allclose(values["full"][0], values["subgraph"][0], atol=1e-5)
    assert torch.allclose(values["full"][1], values["subgraph"][1], rtol=1e-5)
    assert torch.allclose(chains["full"], chains["subgraph"], atol=1e-5)
    assert not torch.allclose(chains["full"], start, atol=1e-3)
    assert torch.allclose(values["full train"], values["subgraph train"], atol=1e-5)


def test_the_sampler_needs_evaluation_mode_and_distinct_nodes():
    model, x, _, edge_index, edge_weight = tiny_problem()
    with pytest.raises(ValueError, match="distinct"):
        GraphSampler(model, x, edge_index, edge_weight, torch.tensor([1, 1]))
    model.train()
    with pytest.raises(ValueError, match="evaluation mode"):
        GraphSampler(model, x, edge_index, edge_weight, torch.tensor([1, 2]))


def test_a_given_preactivation_gives_the_same_sampler():
    model, x, _, edge_index, edge_weight = tiny_problem()
    nodes, samples = torch.tensor([1, 5]), torch.rand(2, 6)
    given = model.preactivation(x, edge_index, edge_weight)
    ours = GraphSampler(model, x, edge_index, edge_weight, nodes, preactivation=given).log_sum_exp(samples)
    theirs = GraphSampler(model, x, edge_index, edge_weight, nodes).log_sum_exp(samples)
    assert torch.equal(ours[0], theirs[0]) and torch.equal(ours[1], theirs[1])


def reading_by_definition(logits, reading):
    """Z written out from its definition, independently of the sampler's code."""
    per_node = torch.log(torch.exp(logits).sum(dim=1))
    return {"sum": per_node.sum(), "mean": per_node.sum() / logits.size(0),
            "lse": torch.log(torch.exp(logits).sum()), "none": torch.tensor(1.0, dtype=logits.dtype)}[reading]


@pytest.mark.parametrize("method", ["subgraph", "full"])
@pytest.mark.parametrize("partition", PARTITIONS)
def test_each_reading_of_z_gives_the_gradient_of_its_definition(partition, method):
    model, x, _, edge_index, edge_weight = tiny_problem()
    model = model.double()
    x, edge_weight = x.double(), edge_weight.double()
    nodes = torch.tensor([3, 17, 42, 60])
    samples = (torch.rand(4, 6, generator=torch.Generator().manual_seed(1), dtype=torch.float64) * 2 - 1)
    samples.requires_grad_(True)
    logits = model(x.index_copy(0, nodes, samples), edge_index, edge_weight)
    z = reading_by_definition(logits, partition)
    expected_energy = -torch.log(torch.exp(logits[nodes]).sum(dim=1)).sum() / z.detach().abs()
    (expected,) = torch.autograd.grad(expected_energy, samples)
    sampler = GraphSampler(model, x, edge_index, edge_weight, nodes, method, partition)
    energy = sampler.energy(samples)
    (gradient,) = torch.autograd.grad(energy, samples)
    assert float(energy.detach()) == pytest.approx(float(expected_energy.detach()), rel=1e-10)
    assert torch.allclose(gradient, expected, rtol=1e-9, atol=1e-12)
    with torch.no_grad():
        whole_graph = reading_by_definition(model(x, edge_index, edge_weight), partition)
    assert float(sampler.partition_real) == pytest.approx(float(whole_graph), rel=1e-10)


def test_the_readings_of_z_differ_in_size_as_stated():
    model, x, _, edge_index, edge_weight = tiny_problem()
    nodes = torch.tensor([3, 17])
    z = {reading: float(GraphSampler(model, x, edge_index, edge_weight, nodes, partition=reading).partition_real)
         for reading in PARTITIONS}
    assert z["sum"] == pytest.approx(80 * z["mean"], rel=1e-5) and z["none"] == 1.0
    # one LogSumExp over n x k logits lies between the largest node's LSE and that plus log n
    with torch.no_grad():
        logits = model(x, edge_index, edge_weight)
    largest = float(torch.logsumexp(logits, dim=1).max())
    assert largest <= z["lse"] <= largest + torch.log(torch.tensor(80.0)).item()
