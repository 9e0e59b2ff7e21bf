import dataclasses

import pytest
import torch

from energygnn.data import grid_graph
from energygnn.ebm.gcn import TwoLayerGCN
from energygnn.ebm.options import EnergyGCNOptions, JEMOptions
from energygnn.ebm.trainer import EnergyGCNTrainer
from energygnn.experiments import paper2
from energygnn.experiments.jem_training import build_trainer, load_graph, train_energy_gcn, trainer_options


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
    with pytest.raises(ValueError, match=r"JEMOptions: sample_nodes must be one of \('train', 'all'\), got 'some'"):
        build_trainer(quick_config(sample_nodes="some"))
    with pytest.raises(ValueError, match="EnergyGCNTrainer: batch_size 500 exceeds"):
        build_trainer(quick_config(batch_size=500))
    with pytest.raises(TypeError, match="JEMOptions.__init__.. got an unexpected keyword argument 'temperature'"):
        build_trainer(quick_config(temperature=1.0))


@pytest.mark.parametrize("options, message", [
    (lambda: JEMOptions(sgld_steps=-1), "JEMOptions: sgld_steps must be an integer >= 0, got -1"),
    (lambda: JEMOptions(batch_size=2.5), "JEMOptions: batch_size must be an integer >= 1, got 2.5"),
    (lambda: JEMOptions(reinit_prob=1.5), r"JEMOptions: reinit_prob must be a number in \[0, 1\], got 1.5"),
    (lambda: JEMOptions(partition="all"), "JEMOptions: partition must be one of"),
    (lambda: JEMOptions(gen_loss="ebm"), "JEMOptions: gen_loss must be one of"),
    (lambda: JEMOptions(sampler="half"), "JEMOptions: sampler must be one of"),
    (lambda: JEMOptions(init_low=1.0), "JEMOptions: init_low must be below init_high"),
    (lambda: JEMOptions(tau=float("nan")), "JEMOptions: tau must be a number >= 0, got nan"),
    (lambda: EnergyGCNOptions(epochs=0), "EnergyGCNOptions: epochs must be an integer >= 1, got 0"),
    (lambda: EnergyGCNOptions(lr=-0.1), "EnergyGCNOptions: lr must be a number >= 0, got -0.1"),
    (lambda: EnergyGCNOptions(seed=True), "EnergyGCNOptions: seed must be an integer >= 0, got True"),
    (lambda: EnergyGCNOptions(jem={"tau": 0.1}), "EnergyGCNOptions: jem must be a JEMOptions or None"),
    (lambda: EnergyGCNTrainer(TwoLayerGCN(1, 2), grid_graph(2, 2), {"lr": 0.1}),
     "EnergyGCNTrainer: options must be an EnergyGCNOptions, got dict"),
])
def test_options_name_their_class_and_what_they_must_be(options, message):
    with pytest.raises((ValueError, TypeError), match=message):
        options()


def test_the_options_defaults_are_paper_2s_settings_as_the_experiments_state_them():
    """One default per option, in the options classes; paper2.json states the same values."""
    config = paper2.load_config(quick=False)
    assert JEMOptions(**config["jem"]) == JEMOptions()
    training = config["training"]
    defaults = EnergyGCNOptions()
    assert (defaults.epochs, defaults.lr, defaults.weight_decay) == (training["epochs"], training["lr"],
                                                                     training["weight_decay"])
    assert defaults.orthogonality_weight == config["models"]["gcn"]["orthogonality_weight"] and defaults.jem is None
    model = TwoLayerGCN(1, 2)
    assert (model.conv1.out_channels, model.dropout) == (training["hidden_channels"], training["dropout"])


def test_a_run_config_becomes_a_model_data_and_options(one_thread):
    """The trainer takes no config: the experiments read it (build_trainer) and load the graph."""
    config = quick_config()
    options = trainer_options(config)
    assert options.jem == JEMOptions(**config["jem"]) and options.seed == config["seed"]
    assert options.epochs == config["epochs"] and options.orthogonality_weight == config["orthogonality_weight"]
    assert trainer_options({**config, "jem": None}).jem is None
    def trained(trainer):  # dropout draws from torch's generator: one trainer after the other
        for epoch in (1, 2):
            trainer.train_epoch(epoch)
        return trainer

    built = trained(build_trainer(config))
    torch.manual_seed(config["seed"])
    data = load_graph(config)
    by_hand = trained(EnergyGCNTrainer(TwoLayerGCN(data.num_features, int(data.y.max()) + 1,
                                                   config["hidden_channels"], config["dropout"]), data, options))
    assert built.history == by_hand.history
    assert torch.equal(built.buffer.samples, by_hand.buffer.samples)


def test_the_trainer_trains_any_graph_with_its_default_options():
    torch.manual_seed(0)
    data = grid_graph(4, 4, num_features=3, generator=torch.Generator().manual_seed(0))
    data.y = torch.arange(data.num_nodes) % 2
    data.train_mask = data.val_mask = data.test_mask = torch.ones(data.num_nodes, dtype=torch.bool)
    plain = EnergyGCNTrainer(TwoLayerGCN(3, 2), data)
    assert plain.options == EnergyGCNOptions() and plain.buffer is None
    jem = EnergyGCNTrainer(TwoLayerGCN(3, 2), data, dataclasses.replace(
        EnergyGCNOptions(), jem=JEMOptions(batch_size=4, buffer_size=8, sgld_steps=2)))
    for trainer in (plain, jem):
        trainer.train_epoch(1)
        trainer.evaluate()
        assert len(trainer.history["test_acc"]) == 1
    assert len(jem.history["gen_loss"]) == 1 and "gen_loss" not in plain.history


def test_quick_ablation_runs_change_one_setting_each():
    config = paper2.load_config(quick=False)
    runs = {run.config["variant"]: run.config for run in paper2.ablation_runs(config, seeds=[0])}
    assert runs["tau1"]["jem"]["tau"] == 1.0 and runs["tau1"]["model"] == "jem"
    assert runs["jemo-weight0.1"]["orthogonality_weight"] == 0.1
    assert runs["no-partition"]["jem"]["partition"] == "none"
    reference = paper2.jem_runs(config, seeds=[0])[1].config  # Cora, jem
    assert {k: v for k, v in runs["tau1"]["jem"].items() if k != "tau"} == {
        k: v for k, v in reference["jem"].items() if k != "tau"}


@pytest.mark.parametrize("dataset", ["Cora", "CiteSeer", "PubMed"])
def test_the_feature_normalisation_option_is_honoured_by_every_dataset(dataset):
    config = {**quick_config("gcn"), "dataset": dataset}
    normalised = load_graph({**config, "normalize_features": True}).x
    raw = load_graph({**config, "normalize_features": False}).x
    nonzero = raw.sum(dim=1) > 0  # CiteSeer has feature-less nodes
    assert torch.allclose(normalised.sum(dim=1)[nonzero], torch.ones(int(nonzero.sum())), atol=1e-5)
    assert torch.allclose(normalised[nonzero], raw[nonzero] / raw[nonzero].sum(dim=1, keepdim=True), atol=1e-6)
    assert not torch.allclose(raw.sum(dim=1)[nonzero], torch.ones(int(nonzero.sum())))


def test_every_jem_epoch_records_what_sgld_did(one_thread):
    result = train_energy_gcn(quick_config(sgld_steps=3, generate_every=2))
    history, epochs = result["history"], quick_config()["epochs"]
    for key in ("sgld_step_ratio", "sgld_energy_start", "sgld_energy_end", "sgld_energy_noise_only", "sgld_distance"):
        assert len(history[key]) == epochs and all(v == v for v in history[key]), key
    assert all(distance > 0 for distance in history["sgld_distance"])
    # at generation epochs and the last: the chains' mean energy before each step and after the last
    assert sorted(result["sgld_energy_steps"], key=int) == [str(e) for e in range(2, epochs + 1, 2)]
    steps = result["sgld_energy_steps"][str(epochs)]
    assert len(steps) == 4 and steps[-1] == pytest.approx(history["sgld_energy_end"][-1], rel=1e-6)


def test_the_reading_and_normalisation_studies_change_one_setting_of_the_table():
    config = paper2.load_config(quick=False)
    table = {run.key: run.config for run in paper2.jem_runs(config, seeds=[0])}
    readings = {run.config["variant"]: run.config for run in paper2.reading_runs(config, seeds=[0])}
    assert set(readings) == {"sum", "mean", "lse", "none"}
    for reading, run in readings.items():
        assert run["jem"] == {**table["Cora-jem-seed0"]["jem"], "partition": reading}
    raw = {run.key: run.config for run in paper2.normalisation_runs(config, seeds=[0])}
    assert len(raw) == 9
    for key, run in raw.items():
        reference = table[key.replace("-raw", "")]
        assert run["normalize_features"] is False
        assert {k: v for k, v in run.items() if k not in ("normalize_features", "variant")} == {
            k: v for k, v in reference.items() if k != "normalize_features"}


def test_an_ablation_variant_may_plan_its_own_seeds_and_training_settings():
    config = paper2.load_config(quick=False)
    runs = paper2.ablation_runs(config)
    raw = [run.config for run in runs if run.config["variant"] == "jemo-raw-no-generation"]
    assert [c["seed"] for c in raw] == [0, 1, 2, 3, 4] and all(c["normalize_features"] is False for c in raw)
    assert all(c["jem"]["generate_every"] == 1000000 and c["orthogonality_weight"] == 1.0 for c in raw)
    assert [run.config["seed"] for run in runs if run.config["variant"] == "tau1"] == [0, 1, 2]
    seeds = [run.config["seed"] for run in runs]
    assert seeds == sorted(seeds)  # seed by seed, so an interrupted sweep has whole seeds
    assert [run.config["seed"] for run in paper2.ablation_runs(config, seeds=[7])] == [7] * len(config["jem_ablation"]["variants"])
