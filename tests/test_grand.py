"""energygnn.models.grand: GRAND-l's attention and ODE, and the entropic term (paper 1, Appendix B)."""
import pytest
import torch

from energygnn.data import grid_graph
from energygnn.entropy import entropy
from energygnn.models.grand import GRAND, DiffusionField


@pytest.fixture
def graph():
    return grid_graph(3, 4, num_features=5, self_loops=False, generator=torch.Generator().manual_seed(0))


def test_attention_is_a_distribution_over_each_node_and_its_neighbours(graph):
    torch.manual_seed(0)
    model = GRAND(5, 3, 2, hidden_channels=8)
    looped, weights = model.attention(model.encoder(graph.x), graph.edge_index)
    sums = torch.zeros(12).index_add_(0, looped[1], weights)
    assert torch.allclose(sums, torch.ones(12)) and bool((weights > 0).all())
    assert int((looped[0] == looped[1]).sum()) == 12  # a self loop on every node


@pytest.mark.parametrize("normalize", [True, False])
def test_the_entropic_term_is_the_exact_entropy_gradient(graph, normalize):
    x = torch.randn(12, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    looped = torch.cat([graph.edge_index, torch.arange(12).repeat(2, 1)], dim=1)
    attention = torch.full((looped.size(1),), 0.0, dtype=torch.float64)  # no diffusion: f = -x + the term
    settings = {"weight": 3.0, "temperature": 2.0, "normalize": normalize}
    field = DiffusionField(looped, attention, graph.edge_index, settings)
    leaf = x.clone().requires_grad_(True)
    (gradient,) = torch.autograd.grad(entropy(leaf, graph.edge_index, 2.0, normalize), leaf)
    assert torch.allclose(field(torch.tensor(0.0), x) + x, 3.0 * gradient, rtol=1e-10, atol=1e-12)


def test_grand_integrates_trains_and_a_zero_weight_is_plain_grand(graph):
    outputs = {}
    for label, term in (("plain", None), ("zero", {"weight": 0.0, "temperature": 1.0}),
                        ("entropic", {"weight": 5.0, "temperature": 1.0, "normalize": False})):
        torch.manual_seed(0)
        model = GRAND(5, 3, 4, hidden_channels=8, step_size=0.5, step=term).eval()
        outputs[label] = model(graph.x, graph.edge_index)
    assert outputs["plain"].shape == (12, 3)
    assert torch.allclose(outputs["plain"], outputs["zero"])
    assert not torch.allclose(outputs["plain"], outputs["entropic"], atol=1e-5)
    model.train()
    assert model.time == 2.0
    logits, states = model(graph.x, graph.edge_index, return_hidden=True)
    assert len(states) == 4 and all(state.shape == (12, 8) for state in states)
    logits.sum().backward()  # gradients flow through the solver and the entropy term
    assert all(p.grad is not None for p in model.parameters())
    with pytest.raises(ValueError, match="GRAND: method must be one of"):
        GRAND(5, 3, 2, method="dopri5")


def test_diffusion_energies_converge_as_the_step_shrinks_and_refuse_a_partial_step():
    from energygnn.experiments.paper1 import diffusion_energies

    step = {"weight": 1.0, "temperature": 10.0, "normalize": False}
    coarse = diffusion_energies(step, time=2.0, step_size=0.5, draws=2, hidden_channels=8, grid=(3, 4))
    fine = diffusion_energies(step, time=2.0, step_size=0.25, draws=2, hidden_channels=8, grid=(3, 4))
    assert coarse.shape == (2, 4) and fine.shape == (2, 8)
    torch.testing.assert_close(fine[:, 1::2], coarse, rtol=1e-3, atol=0)  # the same times, RK4 converged
    assert not torch.allclose(coarse[0], coarse[1])  # draws differ
    plain = diffusion_energies(None, time=2.0, step_size=0.5, draws=2, hidden_channels=8, grid=(3, 4))
    assert (plain[:, -1] < coarse[:, -1]).all()  # the entropy term keeps energy the plain diffusion loses
    on_graph = diffusion_energies(step, time=2.0, step_size=0.5, draws=1, hidden_channels=8, graph=grid_graph(
        3, 4, num_features=5, generator=torch.Generator().manual_seed(0)))
    assert on_graph.shape == (1, 4) and torch.isfinite(on_graph).all()
    with pytest.raises(ValueError, match="multiple of step_size"):
        diffusion_energies(None, time=1.0, step_size=0.3)


def test_substeps_solve_the_same_ode_with_finer_steps(graph):
    step = {"weight": 1.0, "temperature": 10.0, "normalize": False}
    torch.manual_seed(0)
    fine = GRAND(5, 3, 3, hidden_channels=8, step=step, substeps=2).double().eval()
    torch.manual_seed(0)
    halved = GRAND(5, 3, 6, hidden_channels=8, step=step, step_size=0.5).double().eval()
    with torch.no_grad():
        out, states = fine(graph.x.double(), graph.edge_index, return_hidden=True)
        reference, reference_states = halved(graph.x.double(), graph.edge_index, return_hidden=True)
    assert len(states) == 3  # one state per unit of depth, at t = 1, 2, 3
    torch.testing.assert_close(out, reference)
    for state, same_time in zip(states, reference_states[1::2]):
        torch.testing.assert_close(state, same_time)
    with pytest.raises(ValueError, match="substeps"):
        GRAND(5, 3, 2, substeps=0)
