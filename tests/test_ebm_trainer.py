import pytest
import torch

from energygnn.experiments import paper2
from energygnn.ebm.trainer import EnergyGCNTrainer
from energygnn.experiments.jem_training import train_energy_gcn


def quick_config(model="jem", **jem_overrides):
    config = paper2.load_config(quick=True)
    [run] = [r for r in paper2.jem_runs(config, seeds=[0]) if r.config["model"] == model]
    run.config["spectra"] = False
    if run.config["jem"]:
        run.config["jem"].update(jem_overrides)
    return run.config


@pytest.fixture
def one_thread(set_torch_threads):
    set_torch_threads(1)


def test_jem_training_is_deterministic_and_records_its_losses(one_thread):
    first, second = train_energy_gcn(quick_config()), train_energy_gcn(quick_config())
    assert first["status"] == "ok"
    assert first["history"] == {**second["history"], "epoch_seconds": first["history"]["epoch_seconds"]}
    assert len(first["history"]["gen_loss"]) == quick_config()["epochs"]
    assert first["added_edges"] == second["added_edges"]
    assert first["buffer"]["updated_entries"] > 0
    assert 0 <= first["test_ece"] <= 1


def test_a_diverging_run_stops_with_a_recorded_reason():
    result = train_energy_gcn(quick_config(sgld_step_size=1e38, partition="none"))
    assert result["status"].startswith("stopped at epoch") and "non-finite" in result["status"]
    stopped = int(result["status"].split()[3].rstrip(":"))
    assert len(result["history"]["test_acc"]) == stopped - 1


def test_the_subgraph_and_full_samplers_train_the_same_model():
    # without dropout: the two draw different dropout masks (different numbers of nodes)
    subgraph = train_energy_gcn({**quick_config(sampler="subgraph"), "dropout": 0.0})
    full = train_energy_gcn({**quick_config(sampler="full"), "dropout": 0.0})
    assert torch.allclose(torch.tensor(subgraph["history"]["train_loss"]),
                          torch.tensor(full["history"]["train_loss"]), atol=1e-5)


def test_the_plain_gcn_has_no_generative_parts():
    result = train_energy_gcn(quick_config("gcn"))
    assert "gen_loss" not in result["history"] and result["added_edges"] == [[], []]


def test_bad_options_are_refused_before_training():
    with pytest.raises(ValueError, match="sample_nodes must be one of"):
        EnergyGCNTrainer(quick_config(sample_nodes="some"))
    with pytest.raises(ValueError, match="batch_size 500 exceeds"):
        EnergyGCNTrainer(quick_config(batch_size=500))


def test_quick_ablation_runs_change_one_setting_each():
    config = paper2.load_config(quick=False)
    runs = {run.config["variant"]: run.config for run in paper2.ablation_runs(config, seeds=[0])}
    assert runs["tau1"]["jem"]["tau"] == 1.0 and runs["tau1"]["model"] == "jem"
    assert runs["jemo-weight0.1"]["orthogonality_weight"] == 0.1
    assert runs["no-partition"]["jem"]["partition"] == "none"
    reference = paper2.jem_runs(config, seeds=[0])[1].config  # Cora, jem
    assert {k: v for k, v in runs["tau1"]["jem"].items() if k != "tau"} == {
        k: v for k, v in reference["jem"].items() if k != "tau"}
