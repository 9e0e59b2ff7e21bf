import json
from dataclasses import asdict
from pathlib import Path

import pytest
import torch

from energygnn.data import grid_graph
from energygnn.models import (MODELS, BasicGCN, EntropicGCN, G2GCN, PairNormGCN, build_model, layer_weights,
                              model_class)
from energygnn.models.grand import GRAND
from energygnn.nn import EntropicConv, EntropyAscent, StepOptions
from energygnn.entropy import entropy_gradient
from model_references import committed_config, digest
from torch_geometric.nn import GATConv, GCNConv, GINConv, SAGEConv

REFERENCES = json.loads((Path(__file__).parent / "model_references.json").read_text())


@pytest.fixture
def graph():
    return grid_graph(3, 4, num_features=5, self_loops=False, generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("depth", [2, 64])
def test_forward_shapes_and_hidden_embeddings(name, depth, graph):
    torch.manual_seed(0)
    model = build_model(name, 5, 3, depth, hidden_channels=16)
    out, hidden = model(graph.x, graph.edge_index, return_hidden=True)
    assert out.shape == (12, 3) and torch.isfinite(out).all()
    assert len(hidden) == depth and all(h.shape == (12, 16) for h in hidden)
    out.sum().backward()
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)


def test_entropic_gcn_with_zero_weight_is_the_basic_gcn(graph):
    torch.manual_seed(0)
    basic = BasicGCN(5, 3, 4, hidden_channels=8)
    entropic = EntropicGCN(5, 3, 4, hidden_channels=8, weight=0.0)
    entropic.load_state_dict(basic.state_dict())  # the same layers; the steps hold no parameters
    assert torch.equal(entropic(graph.x, graph.edge_index), basic(graph.x, graph.edge_index))


def test_entropic_gcn_with_a_weight_differs(graph):
    torch.manual_seed(0)
    basic = BasicGCN(5, 3, 2, hidden_channels=8)
    entropic = EntropicGCN(5, 3, 2, hidden_channels=8, weight=1.0, temperature=1.0)
    entropic.load_state_dict(basic.state_dict())
    assert not torch.allclose(entropic(graph.x, graph.edge_index), basic(graph.x, graph.edge_index))


def test_entropic_conv_wraps_any_layer_and_adds_the_exact_step(graph):
    conv = GCNConv(5, 6)
    wrapped = EntropicConv(conv, weight=0.3, temperature=2.0, normalize=True)
    h = conv(graph.x, graph.edge_index)
    expected = h + 0.3 * entropy_gradient(h.detach(), graph.edge_index, 2.0, normalize=True)
    torch.testing.assert_close(wrapped(graph.x, graph.edge_index), expected)
    assert torch.equal(EntropicConv(conv, weight=0.0)(graph.x, graph.edge_index), h)


def test_detached_step_passes_gradients_unchanged_and_undetached_step_does_not(graph):
    h = torch.randn(12, 4, dtype=torch.float64, requires_grad=True)
    direction = torch.randn(12, 4, dtype=torch.float64)
    (EntropyAscent(0.5, 1.0, detach=True)(h, graph.edge_index) * direction).sum().backward()
    assert torch.equal(h.grad, direction)  # the step is a constant shift
    h.grad = None
    (EntropyAscent(0.5, 1.0, detach=False)(h, graph.edge_index) * direction).sum().backward()
    assert not torch.allclose(h.grad, direction)
    assert torch.autograd.gradcheck(lambda v: EntropyAscent(0.5, 1.0, detach=False)(v, graph.edge_index),
                                    (h.detach().clone().requires_grad_(),))


def test_step_reuses_its_adjacency_until_the_edges_change(graph):
    step = EntropyAscent()
    first = step.adjacency(graph.edge_index, 12)
    assert step.adjacency(graph.edge_index, 12) is first
    assert step.adjacency(graph.edge_index.clone(), 12) is not first


def test_pairnorm_rescales_every_row(graph):
    model = PairNormGCN(5, 3, 2, hidden_channels=8)
    convolved = model.convs[0](model.encode(graph.x, graph.edge_index), graph.edge_index)
    centred_norm = (convolved - convolved.mean(dim=0)).norm(dim=1)
    # PN-SI: every centred row scaled to norm s = 3 (PyG adds eps = 1e-5 to the norm)
    torch.testing.assert_close(model.norm(convolved).norm(dim=1), 3.0 * centred_norm / (centred_norm + 1e-5))


def test_g2_gate_interpolates_between_state_and_update(graph):
    torch.manual_seed(0)
    model = G2GCN(5, 3, 1, hidden_channels=8)
    x = model.encode(graph.x, graph.edge_index)
    out = model.block(0, x, graph.edge_index)
    update = torch.relu(model.conv(x, graph.edge_index))
    low, high = torch.minimum(x, update), torch.maximum(x, update)
    assert bool(((out >= low - 1e-6) & (out <= high + 1e-6)).all())


def test_the_authors_variants_are_what_their_names_say(graph):
    torch.manual_seed(0)
    g2 = build_model("g2_authors", 5, 3, 2, hidden_channels=8)
    assert g2.relu_logits and bool((g2(graph.x, graph.edge_index) >= 0).all())
    assert not build_model("g2", 5, 3, 2, hidden_channels=8).relu_logits
    assert build_model("entropic_authors", 5, 3, 2, hidden_channels=8).steps[0].variant == "authors"
    assert build_model("g2_authors", 5, 3, 2, hidden_channels=8, relu_logits=False).relu_logits is False


def test_bad_model_arguments_are_reported(graph):
    with pytest.raises(ValueError, match="Unknown model 'gat'"):
        build_model("gat", 5, 3, 2)
    with pytest.raises(ValueError, match="BasicGCN: depth must be a positive integer"):
        BasicGCN(5, 3, 0)
    with pytest.raises(ValueError, match=r"BasicGCN: expected x of shape \[n, 7\]"):
        BasicGCN(7, 3, 1)(graph.x, graph.edge_index)
    with pytest.raises(ValueError, match="EntropyAscent: weight"):
        EntropyAscent(weight=-1.0)


def test_g2_gate_with_p_2_matches_the_edge_difference_form(graph):
    torch.manual_seed(0)
    model = G2GCN(5, 3, 1, hidden_channels=8).double()
    y = torch.rand(12, 8, dtype=torch.float64)
    fast = model.gate(y, graph.edge_index)
    model.p = 2.000001  # forces the edge-difference path with (almost) the same exponent
    slow = model.gate(y, graph.edge_index)
    torch.testing.assert_close(fast, slow, rtol=1e-4, atol=1e-5)


def test_authors_variant_of_the_step_uses_their_direction(graph):
    h = torch.randn(12, 4, dtype=torch.float64)
    from energygnn.entropy import entropy_gradient_authors
    out = EntropyAscent(0.5, 2.0, normalize=True, variant="authors")(h, graph.edge_index)
    torch.testing.assert_close(out, h + 0.5 * entropy_gradient_authors(h, graph.edge_index, 2.0, True))
    with pytest.raises(ValueError, match="EntropyAscent: variant must be one of"):
        EntropyAscent(variant="approximate")


def test_the_middle_schedule_is_applied_layer_by_layer():
    weights = layer_weights(2.0, 5, "middle", peak=4.0)
    assert weights[2] == pytest.approx(8.0) and weights[0] == pytest.approx(weights[4]) and weights[0] < weights[1]
    assert layer_weights(2.0, 3) == [2.0, 2.0, 2.0]
    model = EntropicGCN(5, 3, 5, hidden_channels=8, weight=2.0, schedule="middle", peak=4.0)
    assert [step.weight for step in model.steps] == pytest.approx(weights)
    with pytest.raises(ValueError, match="schedule must be one of"):
        layer_weights(1.0, 3, "rising")


@pytest.mark.parametrize("name, options", [("conv", {"conv": "gat"}), ("conv", {"conv": "sage"}),
                                           ("conv", {"conv": "gin"}), ("gcnii", {}), ("appnp", {})])
def test_a_zero_weight_step_leaves_any_architecture_unchanged_and_a_weight_changes_it(name, options, graph):
    outputs = {}
    for label, step in (("none", None), ("zero", {"weight": 0.0}), ("strong", {"weight": 50.0, "temperature": 1.0})):
        torch.manual_seed(0)
        model = build_model(name, 5, 3, 4, hidden_channels=8, step=step, **options).eval()
        outputs[label] = model(graph.x, graph.edge_index)
    assert torch.allclose(outputs["none"], outputs["zero"])
    assert not torch.allclose(outputs["none"], outputs["strong"], atol=1e-4)
    with pytest.raises(ValueError, match="ConvGNN: conv must be one of"):
        build_model("conv", 5, 3, 2, conv="gcn")


def test_gcnii_propagates_exactly_as_pyg_normalising_in_every_layer(graph):
    from torch_geometric.nn import GCN2Conv

    torch.manual_seed(0)
    model = build_model("gcnii", graph.num_features, 3, 3, hidden_channels=8).double()
    x = graph.x.double()
    reference = []
    for conv in model.convs:  # PyG's default path: gcn_norm of edge_index inside every layer
        pyg = GCN2Conv(8, conv.alpha, conv.beta, layer=1).double()
        pyg.beta = conv.beta
        pyg.load_state_dict(conv.state_dict())
        reference.append(pyg)
    h0 = torch.relu(model.encoder(x))
    h = h0
    for pyg in reference:
        h = torch.relu(pyg(h, h0, graph.edge_index))
    torch.testing.assert_close(model(x, graph.edge_index), model.decoder(h), rtol=0, atol=1e-12)


@pytest.mark.parametrize("make_conv", [lambda: GATConv(5, 6), lambda: SAGEConv(5, 6),
                                       lambda: GINConv(torch.nn.Sequential(torch.nn.Linear(5, 6), torch.nn.ReLU(), torch.nn.Linear(6, 6)))],
                         ids=["gat", "sage", "gin"])
def test_wrapped_pyg_convolutions_keep_their_shapes_and_a_detached_step_their_gradients(make_conv, graph):
    torch.manual_seed(0)
    conv = make_conv()
    direction = torch.randn(12, 6)
    gradients = {}
    for label, layer in (("plain", conv), ("detached", EntropicConv(conv, weight=5.0, temperature=1.0)),
                         ("undetached", EntropicConv(conv, weight=5.0, temperature=1.0, detach=False))):
        conv.zero_grad()
        out = layer(graph.x, graph.edge_index)
        assert out.shape == (12, 6) and torch.isfinite(out).all()
        (out * direction).sum().backward()
        gradients[label] = torch.cat([p.grad.flatten() for p in conv.parameters()])
        if label != "plain":
            assert not torch.allclose(out, conv(graph.x, graph.edge_index))  # the step moved the output
    torch.testing.assert_close(gradients["detached"], gradients["plain"])
    assert torch.isfinite(gradients["undetached"]).all() and not torch.allclose(gradients["undetached"], gradients["plain"])


def test_step_options_have_the_papers_defaults_and_name_the_class_in_errors():
    assert asdict(StepOptions()) == {"weight": 1.0, "temperature": 10.0, "normalize": True, "detach": True,
                                     "variant": "exact", "schedule": "constant", "peak": 1.0}
    default = EntropyAscent()  # one set of defaults
    assert EntropyAscent.from_options(StepOptions()).extra_repr() == default.extra_repr()
    assert (default.weight, default.temperature, default.normalize, default.detach, default.variant) == \
        (1.0, 10.0, True, True, "exact")
    for bad, message in (({"weight": -1.0}, "weight"), ({"temperature": 0.0}, "temperature must be > 0"),
                         ({"variant": "approximate"}, "variant must be one of"),
                         ({"schedule": "rising"}, "schedule must be one of"), ({"peak": -1.0}, "peak must be >= 0"),
                         ({"normalize": "yes"}, "normalize must be True or False"),
                         ({"weight": "1"}, "weight must be a number")):
        with pytest.raises(ValueError, match=f"StepOptions: {message}"):
            StepOptions(**bad)
    with pytest.raises(ValueError, match="GCNII: unknown step option\\(s\\) 'weigth'; valid: weight, temperature"):
        build_model("gcnii", 5, 3, 2, step={"weigth": 1.0})
    with pytest.raises(ValueError, match="APPNPNet: temperature must be > 0"):
        build_model("appnp", 5, 3, 2, step={"temperature": -1.0})
    with pytest.raises(ValueError, match="EntropicGCN: schedule must be one of"):
        build_model("entropic", 5, 3, 2, schedule="rising")
    with pytest.raises(ValueError, match="ConvGNN: step must be a StepOptions, a dict of its options or None"):
        build_model("conv", 5, 3, 2, step=1.0)
    assert StepOptions.coerce(None, "X") is None and StepOptions.coerce({"weight": 2}, "X") == StepOptions(weight=2.0)


def test_every_model_applies_its_step_through_the_base_class_hook(graph):
    h = torch.randn(12, 8)
    plain = build_model("gcnii", 5, 3, 3, hidden_channels=8)
    assert plain.steps is None and plain.step(0, h, graph.edge_index) is h  # no step: h unchanged
    for name, options in (("basic", {"step": {}}), ("entropic", {}), ("conv", {"step": {}}), ("gcnii", {"step": {}}),
                          ("appnp", {"step": {}})):
        model = build_model(name, 5, 3, 3, hidden_channels=8, **options)
        assert len(model.steps) == 3 and all(isinstance(step, EntropyAscent) for step in model.steps)
        torch.testing.assert_close(model.step(1, h, graph.edge_index), model.steps[1](h, graph.edge_index))
    # a StepOptions, a dict of it and (for the entropic GCN) its fields as options build the same model
    step = StepOptions(weight=2.0, temperature=3.0, normalize=False, schedule="middle", peak=4.0)
    outputs = []
    for name, options in (("basic", {"step": step}), ("basic", {"step": asdict(step)}), ("entropic", asdict(step)),
                          ("entropic", {"step": step}), ("entropic", {"step": {"weight": 5.0}, **asdict(step)})):
        torch.manual_seed(0)
        model = build_model(name, 5, 3, 3, hidden_channels=8, **options)
        assert model.step_options == step
        assert [s.weight for s in model.steps] == pytest.approx(step.layer_weights(3))
        outputs.append(model.eval()(graph.x, graph.edge_index))
    assert all(torch.equal(out, outputs[0]) for out in outputs[1:])


def test_grand_takes_the_same_step_options(graph):
    step = StepOptions(weight=1.0, temperature=10.0, normalize=False)
    outputs = []
    for term in (step, asdict(step)):
        torch.manual_seed(0)
        model = GRAND(5, 3, 2, hidden_channels=8, step=term).eval()
        assert model.step_options == step
        outputs.append(model(graph.x, graph.edge_index))
    assert torch.equal(*outputs)
    with pytest.raises(ValueError, match="GRAND: the entropic diffusion has one weight for all times"):
        GRAND(5, 3, 2, step={"schedule": "middle", "peak": 2.0})
    with pytest.raises(ValueError, match="GRAND: the entropic diffusion uses the exact gradient"):
        GRAND(5, 3, 2, step=StepOptions(variant="authors"))


def test_run_configs_lay_out_the_step_as_each_model_stores_it():
    step = {"weight": 1.0, "temperature": 0.1}
    assert model_class("entropic").options_with_step({}, step) == step  # Table 1's layout: the model's own
    assert model_class("entropic_authors").options_with_step({"schedule": "middle"}, step) == {"schedule": "middle", **step}
    for name in ("conv", "gcnii", "appnp", "grand"):
        assert model_class(name).options_with_step({"a": 1}, step) == {"a": 1, "step": step}
    with pytest.raises(ValueError, match="Unknown model 'gat'"):
        model_class("gat")


def test_the_references_cover_every_model():
    assert {reference["model"] for reference in REFERENCES.values()} == set(MODELS)


@pytest.mark.parametrize("case", sorted(REFERENCES))
def test_a_committed_config_builds_the_model_it_built_before_bit_for_bit(case, committed_numerics, set_torch_threads):
    """The model of a committed run's config (every kind, with and without the step): its
    parameters in creation order, logits and gradients on a tiny graph are those the code of
    commit af80b1c gave (``tests/model_references.py`` wrote them there)."""
    reference = REFERENCES[case]
    assert committed_config(reference["file"]) == {"model": reference["model"],
                                                   "model_options": reference["model_options"]}
    set_torch_threads(1)
    assert digest(reference["model"], reference["model_options"]) == reference["digest"]
