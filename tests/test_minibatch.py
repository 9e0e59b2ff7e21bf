"""Mini-batch training on random node partitions: batches, interior nodes, and the entropy step
on a batch against the full graph."""
import pytest
import torch
from torch_geometric.data import Data
from torch_geometric.utils import to_undirected

from energygnn.data import block_model_graph, random_sparse_graph
from energygnn.experiments.paper1 import load_config
from energygnn.experiments.scaling import minibatch_runs, partition_statistics, train_on_partitions
from energygnn.minibatch import interior_nodes, partition_loader, predict, train_partitions
from energygnn.models import build_model
from energygnn.nn import EntropyAscent

STEP = {"weight": 1.0, "temperature": 2.0, "normalize": True}


def test_interior_nodes_of_a_path_by_hand():
    path = to_undirected(torch.tensor([[0, 1, 2, 3], [1, 2, 3, 4]]))
    batch = torch.tensor([3, 0, 2, 1])  # node 4 is outside
    assert interior_nodes(path, 5, batch, hops=0).tolist() == [True] * 4
    assert interior_nodes(path, 5, batch, hops=1).tolist() == [False, True, True, True]
    assert interior_nodes(path, 5, batch, hops=2).tolist() == [False, True, False, True]


@pytest.mark.parametrize("world_size", [1, 2, 3])
def test_partitions_split_the_nodes_among_ranks_and_reshuffle_every_epoch(world_size):
    graph = block_model_graph(121, num_classes=3, num_features=4, seed=0)
    epoch_nodes = {}
    for epoch in (1, 2):
        batches = [[b.node_id for b in partition_loader(graph, 6, seed=5, epoch=epoch, rank=r, world_size=world_size)]
                   for r in range(world_size)]
        assert [len(b) for b in batches] == [6 // world_size] * world_size  # B / R batches each
        nodes = torch.cat([n for rank in batches for n in rank])
        assert nodes.unique().numel() == nodes.numel() == 121 - 121 % world_size  # disjoint; n mod R left out
        epoch_nodes[epoch] = [n for rank in batches for n in rank]
    again = [b.node_id for b in partition_loader(graph, 6, seed=5, epoch=1, rank=0, world_size=world_size)]
    assert all(torch.equal(a, b) for a, b in zip(again, epoch_nodes[1]))
    assert not torch.equal(epoch_nodes[1][0], epoch_nodes[2][0])


def test_seeds_do_not_share_partitions_an_epoch_apart():
    graph = block_model_graph(100, num_classes=2, num_features=2, seed=0)
    first = next(iter(partition_loader(graph, 4, seed=0, epoch=2))).node_id
    second = next(iter(partition_loader(graph, 4, seed=1, epoch=1))).node_id
    assert not torch.equal(first, second)


def test_a_batch_keeps_exactly_the_edges_inside_it():
    graph = block_model_graph(200, num_classes=2, num_features=3, seed=1)
    batch = next(iter(partition_loader(graph, 3, seed=0)))
    inside = torch.zeros(200, dtype=torch.bool)
    inside[batch.node_id] = True
    kept = inside[graph.edge_index[0]] & inside[graph.edge_index[1]]
    assert batch.num_edges == int(kept.sum())
    assert torch.equal(batch.x, graph.x[batch.node_id]) and torch.equal(batch.y, graph.y[batch.node_id])
    original = batch.node_id[batch.edge_index]
    assert set(map(tuple, original.t().tolist())) == set(map(tuple, graph.edge_index[:, kept].t().tolist()))


def test_the_step_on_a_batch_is_the_full_graph_step_on_two_hop_interior_nodes():
    generator = torch.Generator().manual_seed(0)
    edge_index = random_sparse_graph(300, average_degree=2, generator=generator)
    x = torch.randn(300, 8, generator=generator, dtype=torch.float64)
    nodes = torch.randperm(300, generator=generator)[:240].sort().values
    inside = torch.zeros(300, dtype=torch.bool)
    inside[nodes] = True
    relabel = torch.full((300,), -1)
    relabel[nodes] = torch.arange(240)
    keep = inside[edge_index[0]] & inside[edge_index[1]]
    batch_edges = relabel[edge_index[:, keep]]
    step = EntropyAscent(**STEP)
    full, batch = step(x, edge_index)[nodes], step(x[nodes], batch_edges)
    exact = interior_nodes(edge_index, 300, nodes, hops=2)
    one_hop_only = interior_nodes(edge_index, 300, nodes, hops=1) & ~exact
    boundary = ~interior_nodes(edge_index, 300, nodes, hops=1)
    assert exact.sum() > 20 and one_hop_only.sum() > 20 and boundary.sum() > 20
    torch.testing.assert_close(batch[exact], full[exact], rtol=0, atol=1e-12)
    # one hop is not enough: the step reads the neighbours' energies, which lose edges
    assert (batch[one_hop_only] - full[one_hop_only]).abs().amax(1).gt(1e-9).float().mean() > 0.5
    assert (batch[boundary] - full[boundary]).abs().amax(1).gt(1e-9).all()


def test_a_deep_entropic_gcn_on_a_batch_holding_a_whole_component_predicts_it_as_on_the_full_graph():
    generator = torch.Generator().manual_seed(2)
    edges = [random_sparse_graph(60, average_degree=4, generator=generator) + offset for offset in (0, 60)]
    graph = Data(x=torch.randn(120, 5, generator=generator, dtype=torch.float64),
                 edge_index=torch.cat(edges, dim=1), num_nodes=120)
    nodes = torch.cat([torch.arange(60), torch.arange(60, 120, 2)])  # component one whole, half of two
    batch = graph.subgraph(nodes)
    torch.manual_seed(0)
    model = build_model("entropic", 5, 3, 4, hidden_channels=8, **STEP).double().eval()
    with torch.no_grad():
        full, part = model(graph.x, graph.edge_index), model(batch.x, batch.edge_index)
    torch.testing.assert_close(part[:60], full[:60], rtol=0, atol=1e-12)
    assert not torch.allclose(part[60:], full[nodes[60:]], atol=1e-6)


def test_partitioned_prediction_covers_every_node_and_full_graph_prediction_is_the_model():
    graph = block_model_graph(150, num_classes=3, num_features=4, seed=2)
    torch.manual_seed(0)
    model = build_model("entropic", 4, 3, 2, hidden_channels=8, **STEP)
    logits = predict(model, graph, num_parts=4)
    assert logits.shape == (150, 3) and logits.abs().sum(1).gt(0).all()
    with torch.no_grad():
        torch.testing.assert_close(predict(model, graph, num_parts=1), model(graph.x, graph.edge_index))


def test_training_on_partitions_is_seeded_and_learns():
    graph = block_model_graph(400, num_classes=2, num_features=8, feature_signal=1.0, seed=0)
    config = {"num_parts": 4, "epochs": 15, "lr": 0.01, "seed": 0}
    results = []
    for _ in range(2):
        torch.manual_seed(0)
        model = build_model("entropic", 8, 2, 2, hidden_channels=16, **STEP)
        results.append(train_partitions(model, graph, config))
    first, second = results
    assert first["history"]["train_batch_loss"] == second["history"]["train_batch_loss"]
    assert first["history"]["train_batch_loss"][-1] < 0.5 * first["history"]["train_batch_loss"][0]
    assert first["best_val_acc"] > 0.8 and first["train_nodes"] == 15 * 400
    assert first["history"]["evaluated_epochs"] == list(range(1, 16))


def test_bad_partitions_are_refused():
    graph = block_model_graph(50, num_classes=2, num_features=2, seed=0)
    with pytest.raises(ValueError, match="positive multiple of the 1 rank"):
        partition_loader(graph, 0)
    with pytest.raises(ValueError, match="positive multiple of the 4 rank"):
        partition_loader(graph, 6, rank=0, world_size=4)
    with pytest.raises(ValueError, match="rank must lie in"):
        partition_loader(graph, 4, rank=4, world_size=4)
    with pytest.raises(ValueError, match="would leave batches empty"):
        partition_loader(graph, 60)
    with pytest.raises(ValueError, match="must be integers"):
        partition_loader(graph, 2.5)


def test_a_config_without_its_settings_is_refused_by_name():
    graph = block_model_graph(50, num_classes=2, num_features=2, seed=0)
    model = build_model("basic", 2, 2, 1, hidden_channels=4)
    with pytest.raises(ValueError, match="lacks num_parts, lr"):
        train_partitions(model, graph, {"epochs": 1, "seed": 0})


def test_statistics_of_one_partition_keep_everything_and_of_four_about_a_quarter_of_the_edges():
    graph = block_model_graph(400, num_classes=2, num_features=6, seed=3)
    whole = partition_statistics(graph, 1, seed=0)
    whole_isolated = whole["isolated"]
    assert whole.pop("isolated") == pytest.approx(float((torch.bincount(graph.edge_index[0], minlength=400) == 0).float().mean()))
    for key, value in whole.items():
        assert value == pytest.approx(1.0, abs=1e-12), key
    quarter = partition_statistics(graph, 4, seed=0)
    assert 0.2 < quarter["edges_kept"] < 0.3 and quarter["isolated"] > whole_isolated
    assert quarter["two_hop_interior"] <= quarter["one_hop_interior"] < quarter["edges_kept"]
    assert quarter["edges_kept"] < quarter["energy_kept"] < 1  # a larger a_i makes up for part of it


def test_the_minibatch_experiment_runs_partitioned_and_full_batch_cells(monkeypatch):
    config = load_config(quick=True)
    runs = minibatch_runs(config)
    assert {run.config["num_parts"] for run in runs} == {1, 4}
    assert all(run.config["metrics"] == "after_step" for run in runs)
    partitioned = next(run for run in runs if run.config["num_parts"] == 4 and run.config["model"] == "entropic")
    result = train_on_partitions(partitioned.config)
    assert result["status"] == "ok" and result["history"]["evaluated_epochs"] == [1, 2, 3]
    assert set(result["partitions"]) >= {"edges_kept", "two_hop_interior", "step_kept"}
    full = train_on_partitions(next(run for run in runs if run.config["num_parts"] == 1).config)
    assert full["metrics"] == "after_step" and "partitions" not in full
