"""energygnn.ebm.trainer's gradient shares: the two loss terms' parameter gradients, measured
without changing the run."""
import math

import pytest
import torch
import torch.nn.functional as F

from energygnn.data import grid_graph
from energygnn.ebm.gcn import TwoLayerGCN
from energygnn.ebm.options import JEMOptions
from energygnn.ebm.trainer import GRADIENT_DIAGNOSTICS, gradient_shares
from energygnn.experiments import paper2
from energygnn.experiments.jem_training import train_energy_gcn


def test_gradient_shares_are_the_norms_and_cosine_of_each_terms_own_gradient():
    """On a 3 x 3 grid: each norm and the cosine against gradients taken one loss at a time by
    backward into fresh .grad fields, and nothing accumulated into .grad by the measurement."""
    torch.manual_seed(0)
    data = grid_graph(3, 3)
    x = torch.randn(data.num_nodes, 4)
    y = torch.arange(data.num_nodes) % 3
    model = TwoLayerGCN(4, 3, hidden_channels=5, dropout=0.0)

    def losses():
        logits = model(x, data.edge_index)
        lse = torch.logsumexp(logits, dim=-1)
        return F.cross_entropy(logits, y), (lse[:4].sum() / 7.0 - lse[4:].sum() / 9.0).abs()

    clf, gen = losses()
    norms = gradient_shares(clf, gen, model.parameters())
    assert all(p.grad is None for p in model.parameters())  # measured without touching .grad

    direct = []
    for index in range(2):
        model.zero_grad(set_to_none=True)
        losses()[index].backward()
        direct.append(torch.cat([p.grad.reshape(-1) for p in model.parameters()]))
    expected = (direct[0].norm().item(), direct[1].norm().item(),
                float(F.cosine_similarity(direct[0], direct[1], dim=0)))
    assert norms == pytest.approx(expected, rel=1e-5)
    # the gradients of the sum are the sum of the gradients: |g1 + g2|^2 = |g1|^2 + |g2|^2 + 2 |g1||g2| cos
    total = norms[0] ** 2 + norms[1] ** 2 + 2 * norms[0] * norms[1] * norms[2]
    assert (direct[0] + direct[1]).norm().item() ** 2 == pytest.approx(total, rel=1e-5)


def test_a_term_without_gradient_has_norm_zero_and_no_cosine():
    model = TwoLayerGCN(2, 2, hidden_channels=2)
    data = grid_graph(2, 2)
    clf = model(torch.ones(4, 2), data.edge_index).sum()
    clf_norm, gen_norm, cosine = gradient_shares(clf, model.conv2.bias.sum() * 0.0, model.parameters())
    assert clf_norm > 0 and gen_norm == 0.0 and math.isnan(cosine)


def quick_config(**jem):
    config = paper2.load_config(quick=True)
    [run] = [r for r in paper2.jem_runs(config, seeds=[0]) if r.config["model"] == "jem"]
    run.config["spectra"] = False
    run.config["jem"].update(jem)
    return run.config


def test_recording_the_gradients_leaves_the_run_unchanged(set_torch_threads):
    set_torch_threads(1)
    plain = train_energy_gcn(quick_config(partition="lse"))
    measured = train_energy_gcn(quick_config(partition="lse", gradient_epochs=3))
    history = measured["history"]
    assert [len(history[key]) for key in GRADIENT_DIAGNOSTICS] == [3, 3, 3]  # the first 3 of 4 epochs
    assert not set(GRADIENT_DIAGNOSTICS) & set(plain["history"])  # off by default: committed runs unchanged
    for key, values in plain["history"].items():
        if key != "epoch_seconds":
            assert history[key] == values, key
    assert measured["added_edges"] == plain["added_edges"]


def test_the_gradient_experiment_is_the_readings_experiment_with_the_measurement_on():
    config = paper2.load_config(quick=False)
    readings = {(r.config["seed"], r.config["variant"]): r.config for r in paper2.reading_runs(config)}
    gradients = paper2.gradient_runs(config)
    assert len(gradients) == len(readings) == 20
    for run in gradients:
        reference = readings[run.config["seed"], run.config["variant"]]
        assert run.config["jem"] == {**reference["jem"], "gradient_epochs": config["jem_gradients"]["gradient_epochs"]}
        assert {k: v for k, v in run.config.items() if k != "jem"} == {k: v for k, v in reference.items() if k != "jem"}


def test_gradient_epochs_is_validated():
    with pytest.raises(ValueError, match="JEMOptions: gradient_epochs must be an integer >= 0, got -1"):
        JEMOptions(gradient_epochs=-1)
    assert JEMOptions().gradient_epochs == 0  # off by default
