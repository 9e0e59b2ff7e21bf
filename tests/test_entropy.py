import pytest
import torch
from torch_geometric.utils import erdos_renyi_graph, to_dense_adj, to_undirected

from energygnn import native
from energygnn.entropy import (
    dirichlet_energy, entropy, entropy_ascent, entropy_gradient, entropy_gradient_authors, entropy_gradient_autograd,
    entropy_gradient_dense, node_energy, push_pull_example,
)
from energygnn.sparse import Adjacency


@pytest.fixture(params=["compiled", "pytorch"], autouse=True)
def step_backend(request):
    """Every test runs with the compiled kernels and with the pure-PyTorch step."""
    if request.param == "pytorch":
        with native.disabled():
            yield request.param
    elif not native.available():
        pytest.skip("the compiled kernels cannot be built on this machine")
    else:
        yield request.param


def irregular_graph(n=40, seed=0):
    """Random graph plus a hub (star) and an isolated node: irregular degrees."""
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    edges = erdos_renyi_graph(n, 0.1)
    hub = torch.stack([torch.zeros(n // 2, dtype=torch.long), torch.arange(1, n // 2 + 1)])
    edges = torch.cat([edges, hub], dim=1)
    isolated = n - 1
    edges = edges[:, (edges != isolated).all(dim=0)]
    edges = to_undirected(edges, num_nodes=n)
    shuffled = edges[:, torch.randperm(edges.size(1), generator=generator)]
    return shuffled, n


@pytest.mark.parametrize("normalize", [False, True])
@pytest.mark.parametrize("temperature", [0.3, 1.0, 10.0])
@pytest.mark.parametrize("seed", [0, 1])
def test_closed_form_matches_autograd(normalize, temperature, seed):
    edge_index, n = irregular_graph(seed=seed)
    x = 0.4 * torch.randn(n, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
    expected = entropy_gradient_autograd(x, edge_index, temperature, normalize)
    actual = entropy_gradient(x, edge_index, temperature, normalize)
    assert expected.abs().max() > 1e-3  # a non-trivial gradient
    torch.testing.assert_close(actual, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("normalize", [False, True])
def test_dense_reference_agrees(normalize):
    edge_index, n = irregular_graph()
    x = torch.randn(n, 3, dtype=torch.float64)
    dense = to_dense_adj(edge_index, max_num_nodes=n)[0]
    torch.testing.assert_close(entropy_gradient_dense(x, dense, 2.0, normalize),
                               entropy_gradient(x, edge_index, 2.0, normalize), rtol=1e-10, atol=1e-12)


def test_energy_by_hand_on_a_path():
    # path 0 - 1 - 2 with scalar features 0, 1, 3
    edge_index = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])
    x = torch.tensor([[0.0], [1.0], [3.0]], dtype=torch.float64)
    torch.testing.assert_close(node_energy(x, edge_index), torch.tensor([0.5, 2.5, 2.0], dtype=torch.float64))
    # normalised: a = 1/sqrt(d c) with degrees 1, 2, 1 and c = 1
    a = torch.tensor([1.0, 2 ** -0.5, 1.0], dtype=torch.float64)
    torch.testing.assert_close(node_energy(x, edge_index, normalize=True), a * torch.tensor([0.5, 2.5, 2.0], dtype=torch.float64))
    assert float(dirichlet_energy(x, edge_index)) == pytest.approx(5.0 / 3)


def test_constant_signal_has_zero_energy_entropy_and_gradient():
    edge_index, n = irregular_graph()
    x = torch.full((n, 4), 3.7, dtype=torch.float64)
    assert torch.count_nonzero(node_energy(x, edge_index)) == 0
    assert float(entropy(x, edge_index, 1.0)) == 0.0
    assert torch.count_nonzero(entropy_gradient(x, edge_index, 1.0)) == 0


def test_permutation_equivariance():
    edge_index, n = irregular_graph()
    x = torch.randn(n, 6, dtype=torch.float64)
    perm = torch.randperm(n)
    inverse = torch.empty_like(perm)
    inverse[perm] = torch.arange(n)
    permuted_edges = inverse[edge_index]  # node perm[k] becomes node k
    for normalize in (False, True):
        torch.testing.assert_close(node_energy(x[perm], permuted_edges, normalize), node_energy(x, edge_index, normalize)[perm])
        torch.testing.assert_close(entropy_gradient(x[perm], permuted_edges, 2.0, normalize),
                                   entropy_gradient(x, edge_index, 2.0, normalize)[perm])


def test_float32_path_matches_float64():
    edge_index, n = irregular_graph()
    x = 5.0 + torch.randn(n, 16, dtype=torch.float64)  # a large common offset
    for normalize in (False, True):
        reference = entropy_gradient(x, edge_index, 10.0, normalize)
        single = entropy_gradient(x.float(), edge_index, 10.0, normalize)
        assert single.dtype == torch.float32
        torch.testing.assert_close(single.double(), reference, rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(node_energy(x.float(), edge_index, normalize).double(),
                                   node_energy(x, edge_index, normalize), rtol=1e-5, atol=1e-5)


def test_affine_product_is_the_self_weighted_neighbour_sum():
    edge_index, n = irregular_graph()
    adjacency = Adjacency(edge_index, n)
    x = torch.randn(n, 3, dtype=torch.float64)
    self_weight, edge_weight = torch.randn(n, dtype=torch.float64), torch.randn(adjacency.num_edges, dtype=torch.float64)
    dense = torch.zeros(n, n, dtype=torch.float64)
    dense[adjacency.rows, adjacency.neighbours] = edge_weight
    torch.testing.assert_close(adjacency.affine_matmul(x, self_weight, edge_weight),
                               self_weight.unsqueeze(1) * x + dense @ x, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("normalize", [False, True])
def test_fused_ascent_step_is_x_plus_weight_times_the_gradient(normalize):
    edge_index, n = irregular_graph()  # includes an isolated node: it must stay where it is
    adjacency = Adjacency(edge_index, n)
    x = torch.randn(n, 8, dtype=torch.float64)
    expected = x + 2.5 * entropy_gradient_autograd(x, edge_index, 1.5, normalize)
    fused = entropy_ascent(x, adjacency, 1.5, normalize, weight=2.5)
    torch.testing.assert_close(fused, expected, rtol=1e-12, atol=1e-12)
    assert torch.equal(fused[n - 1], x[n - 1])
    # translation invariance: a common offset moves the output by exactly that offset (up to rounding)
    offset = torch.randn(1, 8, dtype=torch.float64)
    torch.testing.assert_close(entropy_ascent(x + offset, adjacency, 1.5, normalize, weight=2.5), fused + offset,
                               rtol=1e-12, atol=1e-12)
    # float32 with a large common offset: the error stays at the rounding level of the output
    shifted = 100.0 + x
    single = entropy_ascent(shifted.float(), adjacency, 1.5, normalize, weight=2.5).double()
    reference = entropy_ascent(shifted, adjacency, 1.5, normalize, weight=2.5)
    assert (single - reference).abs().max() < 50 * torch.finfo(torch.float32).eps * shifted.abs().max()


def test_edge_order_and_prebuilt_adjacency_give_the_same_gradient():
    edge_index, n = irregular_graph()
    x = torch.randn(n, 4, dtype=torch.float64)
    row_sorted = edge_index[:, torch.argsort(edge_index[0] * n + edge_index[1])]
    col_sorted = edge_index[:, torch.argsort(edge_index[1] * n + edge_index[0])]
    expected = entropy_gradient(x, edge_index, 1.5, True)
    for edges in (row_sorted, col_sorted, Adjacency(edge_index, n)):
        torch.testing.assert_close(entropy_gradient(x, edges, 1.5, True), expected)


def test_gradient_ascent_increases_the_entropy():
    edge_index, n = irregular_graph()
    x = torch.randn(n, 4, dtype=torch.float64)
    step = 1e-3 * entropy_gradient(x, edge_index, 3.0)
    assert entropy(x + step, edge_index, 3.0) > entropy(x, edge_index, 3.0)


def test_authors_variant_is_exact_only_up_to_temperature_without_normalisation():
    edge_index, n = irregular_graph()
    x = torch.randn(n, 4, dtype=torch.float64)
    exact = entropy_gradient(x, edge_index, 10.0, normalize=False)
    torch.testing.assert_close(entropy_gradient_authors(x, edge_index, 10.0, normalize=False), 10.0 * exact)
    exact = entropy_gradient(x, edge_index, 10.0, normalize=True)
    relative = (entropy_gradient_authors(x, edge_index, 10.0, normalize=True) - 10.0 * exact).norm() / (10.0 * exact).norm()
    assert relative > 0.01  # irregular degrees: a_j != a_i matters


def test_isolated_nodes_get_zero_energy_and_gradient():
    edge_index = torch.tensor([[0, 1], [1, 0]])
    x = torch.randn(4, 3, dtype=torch.float64)
    for normalize in (False, True):
        assert torch.all(node_energy(x, edge_index, normalize)[2:] == 0)
        assert torch.all(entropy_gradient(x, edge_index, 1.0, normalize)[2:] == 0)


BAD_INPUTS = [
    (dict(temperature=0.0), "temperature must be a finite number > 0"),
    (dict(temperature=-1.0), "temperature must be a finite number > 0"),
    (dict(temperature=float("nan")), "temperature must be a finite number > 0"),
    (dict(edge_index=torch.tensor([[0, 1], [1, 5]])), r"outside \[0, 4\)"),
    (dict(edge_index=torch.tensor([[0, -1], [1, 0]])), r"outside \[0, 4\)"),
    (dict(edge_index=torch.tensor([[0, 1, 2]])), r"shape \[2, m\]"),
    (dict(edge_index=torch.tensor([[0.0, 1.0], [1.0, 0.0]])), "must hold integers"),
    (dict(edge_index=[[0, 1], [1, 0]]), "must be a torch.Tensor"),
    (dict(x=torch.randn(4)), "x must be a 2-D tensor"),
    (dict(x=torch.ones(4, 2, dtype=torch.long)), "floating-point"),
    (dict(x=torch.tensor([[0.0], [float("nan")], [1.0], [2.0]])), "NaN or infinite"),
    (dict(x=torch.tensor([[0.0], [float("inf")], [1.0], [2.0]])), "NaN or infinite"),
]


@pytest.mark.parametrize("change, message", BAD_INPUTS)
@pytest.mark.parametrize("function", [entropy_gradient, entropy, entropy_gradient_authors])
def test_bad_input_is_reported(function, change, message):
    arguments = dict(x=torch.randn(4, 2), edge_index=torch.tensor([[0, 1], [1, 0]]), temperature=1.0)
    arguments.update(change)
    with pytest.raises(ValueError, match=message) as info:
        function(arguments["x"], arguments["edge_index"], arguments["temperature"])
    assert str(info.value).startswith(f"{function.__name__}:")


def test_node_energy_rejects_bad_input():
    with pytest.raises(ValueError, match="node_energy: x must be a 2-D tensor"):
        node_energy(torch.randn(3), torch.tensor([[0], [1]]))


def test_push_pull_example_has_nodes_on_both_sides_of_the_temperature():
    """Figure 1a of the book: both kinds of node occur, edges both push and pull, and push and pull
    act per edge (a node above T is pushed away from some neighbour, one below T pulled)."""
    example = push_pull_example(weight=0.2)
    temperature = example.temperature
    assert bool((example.energy < temperature).any()) and bool((example.energy > temperature).any())
    assert bool((example.edge_weight > 0).any()) and bool((example.edge_weight < 0).any())
    row, col = example.edge_index
    above = example.energy[row] > temperature
    assert bool((above & (example.edge_weight > 0)).any())
    assert bool((~above & (example.edge_weight < 0)).any())
    # the step is the exact gradient, and the sum of its per-edge terms
    torch.testing.assert_close(example.step, 0.2 * entropy_gradient(example.points, example.edge_index, temperature))
    by_edge = torch.zeros_like(example.points).index_add_(
        0, row, example.edge_weight.unsqueeze(1) * (example.points[row] - example.points[col]))
    torch.testing.assert_close(example.step, 0.2 / temperature * by_edge)
