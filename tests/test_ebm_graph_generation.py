import pytest
import torch

from energygnn.ebm.graph_generation import GeneratedGraph, pairs_within


def test_exactly_the_pairs_within_tau_are_added():
    edge_index = torch.tensor([[0, 1], [1, 0]])  # one original edge 0-1
    graph = GeneratedGraph(edge_index, num_nodes=6)
    nodes = torch.tensor([0, 1, 2, 3, 5])
    energies = torch.tensor([-1.0, -1.05, -1.3, -0.98, -3.0])
    added = graph.add_close_pairs(nodes, energies, tau=0.1, epoch=50)
    # within 0.1: (0,1) exists already, (0,3), (1,3); nothing else
    assert sorted(map(tuple, added.t().tolist())) == [(0, 3), (1, 3)]
    assert graph.edge_index.size(1) == 2 + 2 * 2  # both directions
    assert graph.events[0]["epoch"] == 50


def test_repeated_events_never_duplicate_edges_and_keep_the_original():
    graph = GeneratedGraph(torch.empty(2, 0, dtype=torch.long), num_nodes=4)
    nodes, energies = torch.tensor([0, 1, 2]), torch.zeros(3)
    assert graph.add_close_pairs(nodes, energies, 0.0, epoch=1).size(1) == 3
    assert graph.add_close_pairs(nodes, energies, 0.0, epoch=2).size(1) == 0
    assert graph.added_edges.size(1) == 3 and graph.original.numel() == 0


def test_pairs_within_and_bad_input():
    assert pairs_within(torch.tensor([0.0, 0.5, 1.2]), 0.5).t().tolist() == [[0, 1]]
    with pytest.raises(ValueError, match="tau"):
        pairs_within(torch.zeros(3), -1.0)
    with pytest.raises(ValueError, match="GeneratedGraph"):
        GeneratedGraph(torch.tensor([[0], [9]]), num_nodes=3)
