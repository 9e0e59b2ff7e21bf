import math

import pytest
import torch

from energygnn.ebm.sample_quality import QUALITY_MEASURES
from energygnn.experiments import paper2
from energygnn.runtime import torch_threads
from energygnn.experiments.jem_training import feature_scale_factor, load_graph, train_energy_gcn


def test_the_map_spans_four_decades_and_both_noises_with_the_long_cells():
    config = paper2.load_config(quick=False)
    section = config["jem_sampler_map"]
    runs = paper2.sampler_map_runs(config)
    long = paper2.sampler_long_runs(config)
    cells = {run.config["variant"] for run in runs}
    assert max(section["step_sizes"]) / min(section["step_sizes"]) >= 1e4
    assert len(cells) == len(section["step_sizes"]) * len(section["noises"])
    assert len(runs) == len(cells) * len(section["seeds"]) >= 40
    long_cells = {(run.config["jem"]["sgld_step_size"], run.config["noise_setting"]) for run in long}
    assert long_cells <= {(run.config["jem"]["sgld_step_size"], run.config["noise_setting"]) for run in runs}
    assert {run.config["jem"]["sgld_steps"] for run in long} == {config["jem_sampler_long"]["steps"]}
    runs = runs + long
    for run in runs:
        jem = run.config["jem"]
        assert jem["partition"] == "sum" and run.config["sample_quality"] == section["sample_quality"]
        expected = 0.01 if run.config["noise_setting"] == "jem" else math.sqrt(2 * jem["sgld_step_size"] * section["temperature"])
        assert jem["sgld_noise"] == pytest.approx(expected)
    assert [run.config["seed"] for run in runs[:50]] == sorted(run.config["seed"] for run in runs[:50])  # whole seeds first


def test_sample_quality_is_measured_only_when_asked_and_leaves_training_unchanged():
    config = paper2.load_config(quick=True)
    [run] = [r for r in paper2.sampler_map_runs(config) if r.config["variant"].startswith("a1000-jem")]
    with torch_threads(1):  # as the sweeps run: one thread's sums are reproducible
        measured = train_energy_gcn(run.config)
        plain = train_energy_gcn({key: value for key, value in run.config.items() if key != "sample_quality"})
    assert "sample_quality" not in plain
    assert measured["history"] == {**plain["history"], "epoch_seconds": measured["history"]["epoch_seconds"]}
    quality = measured["sample_quality"]
    chains = run.config["sample_quality"]["chains"]
    assert set(quality["short_run"]["start"]) == set(QUALITY_MEASURES)
    assert len(quality["short_run_energies"]) == run.config["jem"]["sgld_steps"] + 1
    assert quality["short_run_energies"][0] == pytest.approx(quality["short_run"]["energies"]["start"], abs=1e-5)
    assert len(quality["projection"]["start"]) == chains and len(quality["projection"]["short_run"]) == chains
    gradients = quality["gradients"]
    assert gradients["features"] == 1433
    # SGLD's gradient is the LSE's divided by |Z| (under sum, |Z| is the graph's summed LSE)
    assert gradients["sgld"] == pytest.approx(gradients["lse"] / gradients["partition_scale"]["sum"], rel=1e-4)


def test_input_scale_brings_normalised_rows_to_the_raw_rows_norm():
    config = paper2.load_config(quick=True)
    runs = {run.config["variant"]: run for run in paper2.input_scale_runs(config)}
    raw = load_graph({"dataset": "Cora", "normalize_features": False})
    scaled = load_graph(runs["normalised-raw-norm"].config)
    assert float(scaled.x.norm(dim=1).mean()) == pytest.approx(float(raw.x.norm(dim=1).mean()), rel=1e-5)
    sums = scaled.x.sum(dim=1)
    assert torch.allclose(sums[sums > 0], sums[sums > 0][0])  # every row keeps the same sum
    assert feature_scale_factor(10, 1.0, raw.x) == 10.0
    with pytest.raises(ValueError, match="feature_scale"):
        feature_scale_factor("big", 1.0, raw.x)
