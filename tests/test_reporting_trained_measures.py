"""energygnn.reporting.trained_measures: which oversmoothing measure of trained models predicts accuracy."""
import math

import numpy as np
import pytest

from energygnn.config import results_root
from energygnn.experiments.results import load_experiment
from energygnn.reporting import trained_measures as tm
from energygnn.reporting.verdicts import Verdict


def test_rank_correlation_is_spearmans_rho_with_a_bootstrap_error():
    from scipy.stats import spearmanr
    rng = np.random.default_rng(1)
    x = rng.normal(size=40)
    y = x + rng.normal(scale=0.5, size=40)
    rho, error, (low, high), count = tm.rank_correlation(x, y)
    assert rho == pytest.approx(spearmanr(x, y).statistic)
    assert 0 < error < 0.2 and low < rho < high and count == 40
    # monotone in either direction: |rho| = 1, and every resample agrees
    assert tm.rank_correlation(x, np.exp(x))[0] == pytest.approx(1.0)
    assert tm.rank_correlation(x, -x)[0] == pytest.approx(-1.0)
    assert tm.rank_correlation(x, -x)[1] == pytest.approx(0.0, abs=1e-12)


def test_rank_correlation_leaves_out_missing_values_and_refuses_too_few():
    x = [1.0, 2.0, math.nan, 4.0, 5.0, math.inf]
    y = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
    assert tm.rank_correlation(x, y)[3] == 4
    with pytest.raises(ValueError, match="at least 4 runs"):
        tm.rank_correlation([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])


def test_stronger_predictor_compares_absolute_correlations_pairwise():
    rng = np.random.default_rng(2)
    y = rng.normal(size=60)
    exact, noisy = -y, y + rng.normal(scale=2.0, size=60)  # a perfect (negative) and a weak predictor
    difference, error, count = tm.stronger_predictor(exact, noisy, y)
    assert difference > 0.5 and count == 60 and error > 0
    assert tm.stronger_predictor(noisy, exact, y)[0] == pytest.approx(-difference)


def _run(dataset, model, seed, accuracy, last_rank, setting=None):
    layers = {"100": {m: np.array([2.0, 1.0, float(last_rank)]) for m in tm.PREDICTORS}}
    return tm.MeasuredRun(dataset, model, setting, seed, accuracy, layers)


def test_readings_and_claims_on_constructed_runs():
    runs = [_run("Toy", "basic", s, 0.2 + 0.01 * s, 1 + s) for s in range(6)]
    runs += [_run("Toy", "chosen", s, 0.5 + 0.01 * s, 10 + s) for s in range(6)]
    measured = tm.TrainedMeasures(tuple(runs))
    assert runs[0].reading("effective_rank", "last") == 1.0 and runs[3].reading("effective_rank", "minimum") == 1.0
    with pytest.raises(ValueError, match="reading must be one of"):
        runs[0].reading("effective_rank", "first")
    # accuracy rises with the last layer's value in every run: rho = 1 for every measure read there
    assert measured.correlation("Toy", "effective_rank", "last").rho == pytest.approx(1.0)
    claims = {c.text: c for c in measured.step_claims(["effective_rank"], ["chosen"])}
    (claim,) = claims.values()
    assert claim.judgement.verdict is Verdict.HOLDS and claim.asked_by == "book"


def test_committed_reruns_reproduce_their_originals():
    """Every committed trained_measures run re-ran a committed run to the same numbers."""
    root = results_root()
    try:
        reruns = load_experiment("trained_measures", root)
    except FileNotFoundError:
        pytest.skip("trained_measures has no committed runs")
    originals = {name: {run["key"]: run for run in load_experiment(name, root)} for name in ("table1", "entropy_maps")}
    for rerun in reruns:
        original = originals[tm.original_experiment(rerun["key"])][rerun["key"]]
        assert tm.rerun_differences(rerun, original) == [], rerun["key"]


def test_rerun_differences_name_what_moved():
    old = {"result": {"best_val_acc": 0.5, "mean_epoch_seconds": 1.0, "history": {"val_acc": [0.1, 0.5]},
                      "layer_energies": {"50": {"plain": [1.0]}}}}
    same = {"result": {"best_val_acc": 0.5, "mean_epoch_seconds": 2.0, "history": {"val_acc": [0.1, 0.5]},
                       "layer_energies": {"50": {"plain": [1.0]}, "100": {"plain": [3.0]}}, "layer_measures": {}}}
    moved = {"result": {"best_val_acc": 0.6, "history": {"val_acc": [0.1, 0.6]},
                        "layer_energies": {"50": {"plain": [1.5]}}}}
    assert tm.rerun_differences(same, old) == []
    assert tm.rerun_differences(moved, old) == ["history.val_acc", "best_val_acc", "layer_energies.50"]
