"""energygnn.reporting.runs: committed runs read back, seed by seed, and facts about them."""
from collections import Counter

import numpy as np
import pytest
import torch

from energygnn.calibration import ece_from_bins, reliability_bins
from energygnn.experiments.results import group_runs
from energygnn.reporting import runs as report
from energygnn.reporting.claims import format_counts

SECTION = {"datasets": ["Cora"], "models": ["basic", "entropic", "g2", "pairnorm"], "depths": [4, 64], "seeds": [0, 1, 2]}


def run(model, depth, seed, score, **result):
    return {"config": {"dataset": "Cora", "model": model, "depth": depth, "seed": seed},
            "result": {"status": "ok", "best_val_acc": score, **result}, "wall_seconds": 1800.0}


def test_facts_about_runs():
    stored = [run("basic", 4, 0, 0.8), run("basic", 4, 1, 0.8, metrics="training_forward"),
              run("basic", 4, 2, 0.8, metrics="training_forward")]
    assert report.metrics_protocols(stored) == Counter({"training_forward": 2, "after_step": 1})
    assert format_counts(report.metrics_protocols(stored)) == "training_forward ×2, after_step ×1"
    assert report.seeds_run(stored) == "0, 1, 2"
    assert report.planned_runs(SECTION) == 1 * 4 * 2 * 3
    assert report.planned_runs({"datasets": ["Cora"], "variants": {"a": {}, "b": {}}, "depths": [4], "seeds": [0, 1]}) == 4
    assert report.planned_runs({"datasets": ["Cora", "PubMed"], "models": ["gcn"], "seeds": [0, 1, 2]}) == 6  # no depths
    assert report.planned_runs({"weights": [1, 10], "seeds": [0, 1, 2], "depth": 64}, ("weights", "seeds")) == 6
    assert report.wall_hours(stored) == pytest.approx(1.5)


def test_seed_values_read_a_cell_and_finished_groups_leave_stopped_runs_out():
    stored = [run("basic", 4, seed, 0.1 * seed) for seed in range(3)] + [
        {**run("basic", 4, 3, 0.0), "result": {"status": "stopped at epoch 2: nan", "best_val_acc": None}}]
    groups = report.finished_groups(stored, "dataset", "model", "depth")
    assert report.seed_values(groups, ("Cora", "basic", 4)) == pytest.approx([0.0, 0.1, 0.2])
    assert report.seed_values(groups, ("Cora", "basic", 4), seeds={1, 2}) == pytest.approx([0.1, 0.2])
    assert report.seed_values(groups, ("Cora", "basic", 64)) == []
    assert len(group_runs(stored, "dataset", "model", "depth")["Cora", "basic", 4]) == 4


def test_figure2_energies_and_their_decay_per_layer():
    stored = [{"config": {"model": "basic", "depth": d}, "result": {"survey_energy": e}}
              for d, e in ((1, [1.0, 3.0]), (3, [0.02, 0.06]))]
    depths, values = report.figure2_energies(group_runs(stored, "model", "depth"), "basic")
    assert depths == [1, 3] and values.shape == (2, 2)
    assert report.decay_per_layer(depths, values) == pytest.approx(0.02 ** 0.5)


def reliability_run(probabilities, labels, **options):
    return {"result": {"test_reliability": reliability_bins(probabilities, labels, **options)}}


def test_pooled_reliability_equals_binning_the_pooled_nodes_and_conserves_counts():
    generator = torch.Generator().manual_seed(0)
    runs, all_probabilities, all_labels = [], [], []
    for _ in range(3):
        probabilities = torch.softmax(3 * torch.randn(50, 4, generator=generator, dtype=torch.float64), -1)
        labels = torch.randint(0, 4, (50,), generator=generator)
        runs.append(reliability_run(probabilities, labels))
        all_probabilities.append(probabilities)
        all_labels.append(labels)
    pooled = report.pooled_reliability(runs)
    direct = reliability_bins(torch.cat(all_probabilities), torch.cat(all_labels))
    assert sum(pooled["count"]) == 150
    for key in ("count", "accuracy", "confidence"):
        assert pooled[key] == pytest.approx(direct[key])
    # pooling can only cancel gaps: the pooled ECE is at most the count-weighted mean of the runs'
    per_run = [ece_from_bins(run["result"]["test_reliability"]) for run in runs]
    assert ece_from_bins(pooled) <= np.mean(per_run) + 1e-12


def test_pooled_reliability_refuses_nothing_and_mixed_bins():
    with pytest.raises(ValueError, match="no runs"):
        report.pooled_reliability([])
    one = (torch.tensor([[0.6, 0.4]], dtype=torch.float64), torch.tensor([0]))
    with pytest.raises(ValueError, match="different bin edges"):
        report.pooled_reliability([reliability_run(*one), reliability_run(*one, num_bins=10)])
