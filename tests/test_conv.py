"""energygnn.nn.conv and energygnn.sparse.SparseOperator: the same function as PyG's default path."""
import pytest
import torch
from torch_geometric import nn as pyg_nn

from energygnn.models import build_model
from energygnn.nn import GCNConv, RowNormalizedConv
from energygnn.sparse import Adjacency, weighted_lists


@pytest.fixture
def irregular_graph():
    """30 nodes: random symmetric edges among the first 24 (degrees vary), nodes 24-29 isolated,
    two self loops, edges in shuffled order."""
    generator = torch.Generator().manual_seed(0)
    edges = torch.randint(0, 24, (2, 70), generator=generator)
    edges = edges[:, edges[0] != edges[1]]
    edge_index = torch.cat([edges, edges.flip(0), torch.tensor([[3, 7], [3, 7]])], dim=1)
    edge_index = edge_index[:, torch.randperm(edge_index.size(1), generator=generator)]
    x = torch.randn(30, 5, dtype=torch.float64, generator=generator)
    return x, edge_index


def outputs_and_gradients(module, x, edges):
    module.zero_grad()
    x = x.clone().requires_grad_(True)
    out = module(x, edges)
    (out.sin() * torch.arange(out.numel(), dtype=out.dtype).view_as(out)).sum().backward()
    return [out.detach(), x.grad] + [p.grad.clone() for p in module.parameters()]


@pytest.mark.parametrize("reference, ours", [
    (lambda: pyg_nn.GCNConv(5, 4), lambda: GCNConv(5, 4)),
    (lambda: pyg_nn.GCNConv(5, 4, bias=False), lambda: GCNConv(5, 4, bias=False)),
    (lambda: RowNormalizedConv(5, 4), lambda: RowNormalizedConv(5, 4)),
])
def test_the_adjacency_path_is_pyg_s_function_forward_and_backward(reference, ours, irregular_graph):
    x, edge_index = irregular_graph
    torch.manual_seed(1)
    pyg_layer, layer = reference().double(), ours().double()
    layer.load_state_dict(pyg_layer.state_dict())  # same parameter layout
    expected = outputs_and_gradients(pyg_layer, x, edge_index)
    got = outputs_and_gradients(layer, x, Adjacency(edge_index, 30))
    for a, b in zip(got, expected):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["basic", "entropic", "entropic_authors", "g2", "pairnorm"])
def test_deep_models_compute_what_pyg_s_layers_compute(name, irregular_graph):
    """The model (propagating over the Adjacency it builds once) against the same modules called
    block by block with the raw edge_index (PyG's per-call normalisation and message passing)."""
    x, edge_index = irregular_graph
    options = {"variant": "authors"} if name == "entropic_authors" else {}
    torch.manual_seed(0)
    model = build_model(name, 5, 3, 3, hidden_channels=8, **options).double()

    def block_by_block(x, edge_index):
        h = model.encode(x, edge_index)
        for index in range(model.depth):
            h = model.block(index, h, edge_index)
        return model.decode(h, edge_index)

    fast = outputs_and_gradients(model, x, edge_index)
    model.forward = block_by_block
    reference = outputs_and_gradients(model, x, edge_index)
    for a, b in zip(fast, reference):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


def test_the_adjacency_path_refuses_options_it_does_not_implement(irregular_graph):
    x, edge_index = irregular_graph
    adjacency = Adjacency(edge_index, 30)
    with pytest.raises(ValueError, match="GCNConv: an Adjacency carries its own normalisation"):
        GCNConv(5, 4, improved=True).double()(x, adjacency)
    with pytest.raises(ValueError, match="GCNConv: an Adjacency"):
        GCNConv(5, 4).double()(x, adjacency, torch.ones(edge_index.size(1), dtype=torch.float64))


def test_a_pyg_model_state_dict_loads_into_ours():
    pyg_layer, layer = pyg_nn.GCNConv(6, 3), GCNConv(6, 3)
    assert layer.load_state_dict(pyg_layer.state_dict()).missing_keys == []
    assert repr(layer) == repr(pyg_layer) == "GCNConv(6, 3)"


def test_sparse_operator_is_its_matrix_and_its_transpose_in_backward():
    """A directed weighted graph: forward M X, gradient M^T G (checked against dense matrices)."""
    generator = torch.Generator().manual_seed(3)
    edge_index = torch.tensor([[0, 1, 2, 2, 4], [1, 2, 0, 1, 1]])
    adjacency = Adjacency(torch.cat([edge_index, edge_index.flip(0)], 1), 5)
    x = torch.randn(5, 3, dtype=torch.float64, generator=generator, requires_grad=True)
    operator = adjacency.operator("gcn")
    (edges, weight), = [operator._edge_weights(torch.float64)]
    dense = torch.zeros(5, 5, dtype=torch.float64).index_put_((edges[1], edges[0]), weight, accumulate=True)
    grad = torch.randn(5, 3, dtype=torch.float64, generator=generator)
    out = operator.matmul(x)
    out.backward(grad)
    torch.testing.assert_close(out, dense @ x, rtol=1e-12, atol=0)
    torch.testing.assert_close(x.grad, dense.T @ grad, rtol=1e-12, atol=0)
    with pytest.raises(ValueError, match=r"SparseOperator: expected x of shape \[5, c\]"):
        operator.matmul(torch.ones(4, 3))
    with pytest.raises(ValueError, match="kind must be one of"):
        adjacency.operator("laplacian")


def test_the_model_builds_its_adjacency_once_per_graph(irregular_graph):
    x, edge_index = irregular_graph
    model = build_model("basic", 5, 3, 2, hidden_channels=8).double()
    model(x, edge_index)
    first = model._adjacency_cache(edge_index, 30)
    model(x, edge_index)
    assert model._adjacency_cache(edge_index, 30) is first
    assert model._adjacency_cache(edge_index.clone(), 30) is not first


def test_the_sparse_tensor_of_a_propagation_is_its_operator():
    from energygnn.data import grid_graph
    from energygnn.sparse import Adjacency

    graph = grid_graph(3, 4, num_features=5, self_loops=False)
    adjacency = Adjacency(graph.edge_index, 12)
    x = torch.randn(12, 5, dtype=torch.float64)
    for kind in ("gcn", "row", "adjacency"):
        matrix = adjacency.sparse_tensor(kind, torch.float64)
        torch.testing.assert_close(matrix @ x, adjacency.operator(kind).matmul(x), rtol=0, atol=1e-12)
        assert adjacency.sparse_tensor(kind, torch.float64) is matrix  # built once


def test_weighted_lists_give_the_sparse_product_with_repeated_entries_summed():
    rows, columns = torch.tensor([2, 0, 2, 0, 2]), torch.tensor([1, 1, 0, 1, 2])
    weight = torch.tensor([0.5, 2.0, -1.0, 3.0, 4.0], dtype=torch.float64)
    dense = torch.zeros(4, 3, dtype=torch.float64).index_put_((rows, columns), weight, accumulate=True)
    x = torch.randn(3, 2, dtype=torch.float64)
    neighbours, offsets, values = weighted_lists(rows, columns, weight, num_nodes=4)
    assert offsets.tolist() == [0, 2, 2, 5]  # rows 1 and 3 are empty
    product = torch.nn.functional.embedding_bag(neighbours, x, offsets, mode="sum", per_sample_weights=values)
    assert torch.allclose(product, dense @ x)
    assert torch.equal(product[3], torch.zeros(2, dtype=torch.float64))
