"""The six-node graph of book/small_graph: GCN's propagation by hand, layers with and without the
entropy step, the interactive figure's frames and HTML, and SGLD chains placed in the graph."""
import json
import re

import numpy as np
import pytest
import torch

from energygnn.reporting.slider_figure import FIGURE_CLASS, PLOTLY_SRC, plotly_js_path, slider_scatter_html
from energygnn.reporting.small_graph import (
    embedding_frames, layer_embeddings, propagation_by_hand, small_graph, spread,
)
from energygnn.reporting.small_graph.sgld import (
    node_energy_landscape, replaced_features, sgld_chains, tiny_classifier,
)


@pytest.fixture(scope="module")
def graph():
    return small_graph()


@pytest.fixture(scope="module")
def classifier(graph):
    return tiny_classifier(graph, epochs=60)


def test_propagation_by_hand_is_gcns(graph):
    by_hand = propagation_by_hand(graph.edge_index, 6)
    assert by_hand.degree_hat.tolist() == [3, 3, 4, 4, 3, 3]
    package = graph.adjacency.operator("gcn").matmul(torch.eye(6, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(by_hand.A_tilde, package, rtol=0, atol=1e-15)
    assert by_hand.A_tilde[0, 1] == pytest.approx(1 / 3) and by_hand.A_tilde[2, 3] == pytest.approx(1 / 4)
    # symmetric, with eigenvalue 1 along D_hat^1/2 1
    v = np.sqrt(by_hand.degree_hat)
    np.testing.assert_allclose(by_hand.A_tilde, by_hand.A_tilde.T)
    np.testing.assert_allclose(by_hand.A_tilde @ v, v)


def test_propagation_by_hand_refuses_self_loops_and_one_way_edges():
    with pytest.raises(ValueError, match="self loops"):
        propagation_by_hand(torch.tensor([[0, 1, 1], [1, 0, 1]]), 2)
    with pytest.raises(ValueError, match="symmetric"):
        propagation_by_hand(torch.tensor([[0], [1]]), 2)


def test_smoothing_merges_the_points_and_the_step_keeps_them_apart(graph):
    plain = layer_embeddings(graph, 20)
    stepped = layer_embeddings(graph, 20, weight=0.1, temperature=0.2)
    assert torch.equal(plain[0], graph.x) and torch.equal(stepped[0], graph.x)
    spreads = [spread(layer) for layer in plain]
    assert spreads[20] < 0.1 * spreads[0] and spreads[20] < spreads[5] < spreads[0]
    assert spread(stepped[20]) > 5 * spreads[20]
    # nodes 0 and 1 share their closed neighbourhood: equal from layer 1 on, step or no step
    for layers in (plain, stepped):
        assert not torch.allclose(layers[0, 0], layers[0, 1])
        assert torch.allclose(layers[1:, 0], layers[1:, 1], atol=1e-12)
    with pytest.raises(ValueError, match="depth"):
        layer_embeddings(graph, -1)


def test_frames_cover_every_slider_setting(graph):
    frames = embedding_frames(graph, 4, weights=(0.0, 0.1), temperatures=(0.2, 1.0))
    assert frames.positions.shape == (2, 2, 5, 6, 2) and frames.energy.shape == (2, 2, 5)
    np.testing.assert_array_equal(frames.positions[0, 0], frames.positions[0, 1])  # lambda = 0: T plays no part
    assert not np.allclose(frames.positions[1, 0, 4], frames.positions[1, 1, 4])
    np.testing.assert_allclose(frames.positions[1, 0], layer_embeddings(graph, 4, 0.1, 0.2).numpy())


def _html(positions, captions, **options):
    return slider_scatter_html(positions, [(0, 1)], [("a", (0, 1)), ("b", (0.5, 1.0, 2.0))], captions, "fig-1", **options)


def test_slider_html_holds_every_frame_and_loads_plotly_from_the_book():
    rng = np.random.default_rng(0)
    positions = rng.normal(size=(2, 3, 2, 2))
    captions = np.array([[f"{a}-{b}" for b in range(3)] for a in range(2)], dtype=object)
    page = _html(positions, captions, initial=(1, 2))
    spec = json.loads(re.search(r"const spec = (\{.*?\});\n", page).group(1))
    assert spec["shape"] == [2, 3] and len(spec["frames"]) == 6
    # frame index = a * 3 + b, as the script computes it
    np.testing.assert_allclose(spec["frames"][1 * 3 + 2], positions[1, 2], atol=1e-3)
    assert spec["captions"][5] == "1-2"
    assert f'class="{FIGURE_CLASS}"' in page and f'src="{PLOTLY_SRC}"' in page
    assert not re.search(r'src="(https?:)?//', page), "Plotly must come from the book, not a CDN"
    assert 'value="2"' in page and plotly_js_path().stat().st_size > 1_000_000


def test_slider_html_rejects_mismatched_frames():
    with pytest.raises(ValueError, match="positions must have shape"):
        _html(np.zeros((2, 2, 2, 2)), np.empty((2, 3), dtype=object))
    with pytest.raises(ValueError, match="captions"):
        _html(np.zeros((2, 3, 2, 2)), np.empty((3, 2), dtype=object))
    with pytest.raises(ValueError, match="initial"):
        _html(np.zeros((2, 3, 2, 2)), np.empty((2, 3), dtype=object), initial=(0, 3))
    with pytest.raises(ValueError, match="NaN"):
        _html(np.full((2, 3, 2, 2), np.nan), np.empty((2, 3), dtype=object))


def test_the_tiny_classifier_separates_the_triangles(graph, classifier):
    assert classifier(graph.x, graph.edge_index).argmax(dim=1).tolist() == graph.y.tolist()
    assert not classifier.training


def test_samples_replace_their_rows_and_the_landscape_reads_the_energy_there(graph, classifier):
    nodes, samples = torch.tensor([1, 4]), torch.tensor([[0.3, 0.3], [-2.0, 1.0]], dtype=torch.float64)
    tilde = replaced_features(graph, nodes, samples)
    assert torch.equal(tilde[nodes], samples)
    keep = torch.tensor([0, 2, 3, 5])
    assert torch.equal(tilde[keep], graph.x[keep])
    with torch.no_grad():
        expected = -torch.logsumexp(classifier(tilde, graph.edge_index), dim=1)[1]
    landscape = node_energy_landscape(classifier, graph, 1, np.array([[0.3, 0.3]]))
    assert landscape[0] == pytest.approx(float(expected), rel=1e-10)


def test_chains_are_reproducible_and_descend_the_energy(graph, classifier):
    first = sgld_chains(classifier, graph, [1, 4], chains=2, steps=5, seed=3)
    again = sgld_chains(classifier, graph, [1, 4], chains=2, steps=5, seed=3)
    np.testing.assert_array_equal(first.positions, again.positions)
    assert first.positions.shape == (2, 6, 2, 2) and first.energies.shape == (2, 6)
    assert (np.diff(first.energies, axis=1) < 0).all()  # alpha = 1 >> sigma = 0.01: every step goes down
    # dividing by |Z| shortens the step: the chains travel less far from the same starts
    renormalised = sgld_chains(classifier, graph, [1, 4], chains=2, steps=5, seed=3, partition="sum")
    np.testing.assert_array_equal(renormalised.positions[:, 0], first.positions[:, 0])
    assert renormalised.travelled() < first.travelled()
