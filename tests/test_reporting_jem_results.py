"""energygnn.reporting.jem_results on hand-made runs of paper 2: tables, figures, numbers and claims."""
import math

import numpy as np
import pytest
import torch

from energygnn.calibration import expected_calibration_error, reliability_bins
from energygnn.reporting import Verdict
from energygnn.reporting import jem_results as report
from energygnn.reporting.claims import claims_table, verdict_numbers
from energygnn.reporting.runs import Paper2Results, per_seed

CLASSES = 4


def probabilities_for(confidences, correct):
    """Rows whose largest probability is the confidence; the label is the predicted class 0
    when correct, class 1 otherwise."""
    rows = [[c] + [(1 - c) / (CLASSES - 1)] * (CLASSES - 1) for c in confidences]
    return torch.tensor(rows, dtype=torch.float64), torch.tensor([0 if ok else 1 for ok in correct])


def make_run(model="gcn", seed=0, accuracy=None, dataset="Cora", variant=None, status="ok",
             confidences=(0.6, 0.7, 0.9, 0.95), correct=(1, 1, 1, 0), edges=0, walks=9780,
             covariance=(0.001, 0.002), orthogonality=None):
    """A stored run as the experiment writes it, with only what the reporting reads."""
    probabilities, labels = probabilities_for(confidences, correct)
    history = {"gen_loss": [0.1] * 100, "clf_loss": [1.0] * 100}
    if orthogonality is not None:
        history["orthogonality"] = [5.0, orthogonality]
    config = {"dataset": dataset, "model": model, "seed": seed, "epochs": 500,
              "jem": {"init_low": -1.0, "init_high": 1.0}}
    if variant:
        config["variant"] = variant
    return {"key": f"{dataset}-{variant or model}-seed{seed}", "config": config, "wall_seconds": 360.0,
            "provenance": {"git": {"commit": "abcdef0123", "dirty": False},
                           "machine": {"cpu": "test CPU", "torch_threads": 1}},
            "result": {"status": status, "ece_bins": 15,
                       "final_test_acc": float(np.mean(correct)) if accuracy is None else accuracy,
                       "test_acc_at_best_val": 0.5, "test_confidence": list(confidences),
                       "train_confidence": list(confidences), "test_ece": expected_calibration_error(probabilities, labels),
                       "test_reliability": reliability_bins(probabilities, labels),
                       "added_edges": [list(range(edges)), list(range(edges))],
                       "spectra": {"closed_3_walks": walks, "closed_3_walks_original": 9780,
                                   "adjacency_eigenvalues": [-1.0, 0.0, 2.0], "feature_samples": 8,
                                   "covariance_eigenvalues": list(covariance)},
                       "buffer": {"size": 10, "updated_entries": 8},
                       "history": history}}


def results_of(table, ablation=(), **plan):
    plan = {"datasets": ("Cora",), "seeds": 2, "ablation_seeds": 2, "planned": len(table), **plan}
    return Paper2Results(list(table), list(ablation), **plan)


def test_accuracy_table_shows_mean_std_and_the_papers_number():
    table = [make_run("gcn", 0, 0.80), make_run("gcn", 1, 0.82), make_run("jem", 0, 0.81)]
    text = report.accuracy_table(results_of(table, models=("gcn", "jem")))
    header, _, gcn, jem = text.splitlines()
    assert header == "| model | Cora |"
    assert gcn == "| GCN | 81.0 ± 1.4 <br>*paper: 81.50* |"  # std of 80 and 82 is sqrt(2)
    assert jem == "| GCN-JEM | 81.0 (n=1) <br>*paper: 82.44* |"


def test_calibration_table_when_every_bin_is_under_confident_ece_is_accuracy_minus_confidence():
    runs = [make_run("gcn", seed, correct=(1, 1, 1, 1), confidences=(0.3, 0.55, 0.8 + 0.05 * seed, 0.9))
            for seed in range(2)]
    assert report.underconfident_bins(runs) == (8, 8)
    ece, gap = per_seed(runs, "ece"), per_seed(runs, "confidence_gap")
    assert ece == pytest.approx(gap, abs=1e-6)
    row = report.calibration_table(results_of(runs, models=("gcn",))).splitlines()[2]
    assert row.startswith("| GCN | 1.000 ± 0.000 |") and row.endswith("| 0.67 | 8 of 8 | +0.100 to +0.700 |")
    wrong = make_run("gcn", correct=(0, 0), confidences=(0.5, 0.9))
    assert report.underconfident_bins([wrong]) == (0, 2)
    assert report.bin_gap_range([wrong]) == pytest.approx((-0.9, -0.5))  # over-confident: negative


def test_ablation_table_lists_the_table_runs_then_every_variant():
    table = [make_run(m, s, 0.8, edges=3 if m != "gcn" else 0) for m in ("gcn", "jem", "jemo") for s in (0, 1)]
    ablation = [make_run("jem", s, 0.7, variant="tau1", edges=10) for s in (0, 1)]
    rows = report.ablation_table(results_of(table, ablation, variants=("tau1", "no-partition"))).splitlines()[2:]
    assert [row.split(" | ")[0] for row in rows] == ["| GCN (table)", "| GCN-JEM, defaults (table)",
                                                      "| GCN-JEMO, weight 1 (table)", r"| $\tau = 1$",
                                                      "| no renormalisation ($Z = 1$)"]
    assert rows[3].startswith(r"| $\tau = 1$ | 2 | 70.0 ± 0.0 | 10 ± 0 |")
    assert "| 0 of 2 | not run | not run |" in rows[4]


def test_paper_claims_on_constructed_seeds():
    table = []
    for seed, (gcn, jem, jemo) in enumerate([(0.80, 0.81, 0.30), (0.81, 0.80, 0.25), (0.82, 0.82, 0.20)]):
        table += [make_run("gcn", seed, gcn), make_run("jem", seed, jem, walks=9990 + seed, covariance=(0.2, 0.6)),
                  make_run("jemo", seed, jemo)]
    claims = {c.key: c for c in report.paper_claims(results_of(table, seeds=3))}
    verdicts = {key: claim.judgement.verdict for key, claim in claims.items()}
    # equal means, but three seeds a point apart: 2 SE = 1.6 points reach past the margin of 1 point
    assert verdicts["jem_as_accurate_Cora"] is Verdict.INCONCLUSIVE
    assert claims["jem_as_accurate_Cora"].judgement.difference == pytest.approx(0.0, abs=1e-9)
    assert claims["jem_as_accurate_Cora"].judgement.half_width > claims["jem_as_accurate_Cora"].judgement.margin.delta == 1.0
    assert verdicts["jem_beats_gcn"] is Verdict.INCONCLUSIVE
    assert verdicts["jemo_beats_jem"] is Verdict.FAILS
    assert verdicts["closed_walks_original"] is Verdict.HOLDS
    assert verdicts["more_closed_walks"] is Verdict.HOLDS
    assert verdicts["high_covariance_eigenvalues"] is Verdict.HOLDS
    assert verdicts["less_confident"] is Verdict.INCONCLUSIVE  # the same confidences
    assert verdicts["ece_as_paper_gcn"] is Verdict.FAILS  # 0.075-ish against the paper's 0.67
    assert claims["jemo_beats_jem"].judgement.difference == pytest.approx(25.0 - 81.0)
    assert verdict_numbers(claims.values())["verdict_jemo_beats_jem"] == "**fails**"
    assert "| -56.000 | 5.888 | **fails** |" in claims_table([claims["jemo_beats_jem"]])
    parts = report.paper_results(report.JemResultsRuns(results_of(table, seeds=3)))  # what the introduction counts
    # the paper's claims part by part, then the book's questions whose experiments ran (here only the ablation's)
    assert list(parts) == [*report.PAPER2_PARTS, "ablation"] and {part.chapter for part in parts.values()} == {"jem_results"}
    paper = [part for name, part in parts.items() if name in report.PAPER2_PARTS]
    assert [claim.key for part in paper for claim in part.claims] == list(claims)
    assert {claim.asked_by for claim in parts["ablation"].claims} == {"book"}


def test_claims_without_runs_are_not_measured():
    claims = report.ablation_claims(results_of([make_run("gcn", 0, 0.8)], variants=("jemo-no-generation",)))
    assert claims[0].key == "jemo_no_generation_below_gcn"
    assert claims[0].judgement.verdict is Verdict.NOT_MEASURED
    assert claims[1].key == "gcn_underconfident"


def test_numbers_for_the_prose_are_builtin_values():
    table = [make_run("gcn", 0, 0.8), make_run("jem", 0, 0.8, covariance=(0.1, 0.3, 0.5), orthogonality=600.0),
             make_run("jem", 1, 0.8, status="diverged")]
    results = results_of(table, models=("gcn", "jem"), variants=())
    status = report.status_numbers(results)
    assert (status["runs_in"], status["wall_hours"]) == (3, pytest.approx(0.3))
    assert status["runs_stopped"] == "1 stopped early (`Cora-jem-seed1`: diverged)"
    covariance = report.covariance_numbers(results)
    assert (covariance["cov_generated_above"], covariance["cov_original_max"]) == (3, 0.002)
    assert covariance["init_variance"] == pytest.approx(1 / 3)
    numbers = report.ablation_numbers(results)
    assert numbers["jem_final_orthogonality"] == 600.0 and "gcn_final_orthogonality" not in numbers
    assert numbers["gen_over_clf_min"] == pytest.approx(0.1)
    assert all(type(v) in (int, float, str) for d in (status, covariance, numbers) for v in d.values())


def test_marchenko_pastur_bounds_and_errors():
    assert report.marchenko_pastur_bounds(1, 4, 1 / 3) == pytest.approx((0.25 / 3, 2.25 / 3))
    with pytest.raises(ValueError, match="sizes must be positive"):
        report.marchenko_pastur_bounds(0, 4, 1.0)
    with pytest.raises(KeyError, match="unknown quantity"):
        per_seed([], "accuracy_percent")
    with pytest.raises(LookupError, match="python -m energygnn run jem_table"):
        results_of([make_run("gcn", 0)]).seed_run("Cora", "jem", 0)


def test_figures_are_readable():
    table = [make_run(m, s, 0.8, covariance=(0.0001, 0.0005, 0.002) if m == "gcn" else (0.2, 0.6))
             for m in ("gcn", "jem") for s in (0, 1)]
    for run in table:
        if run["config"]["model"] == "jem":
            run["result"]["history"].update(data_energy=[-2.0] * 100, sample_energy=[-5.0] * 100)
            run["result"]["generation_events"] = [{"epoch": 50, "energies": [-2.0, -3.0], "added": [[0], [1]]}]
    results = results_of(table, models=("gcn", "jem"))
    reliability = report.reliability_figure(results)
    assert len(reliability.axes) == 4 and reliability.legends  # legend outside the panels
    assert not any(axis.texts for axis in reliability.axes)  # counts drawn as bars, not printed
    covariance = report.covariance_spectrum_figure(results)
    covariance.canvas.draw()
    assert all(len(label.get_text()) <= 4 for label in covariance.axes[0].get_xticklabels())  # offset, not 0.00025
    for draw in (report.losses_figure, report.adjacency_spectrum_figure, report.generation_events_figure,
                 report.confidence_figure):
        assert draw(results).axes


def test_the_papers_ece_implies_a_near_uniform_softmax_when_every_bin_is_under_confident():
    runs = [make_run("gcn", seed, confidences=(0.6, 0.8), correct=(1, 0)) for seed in range(2)] + [
        make_run("jem", seed, confidences=(0.4, 0.6), correct=(1, 0)) for seed in range(2)]
    numbers = report.paper_ece_numbers(results_of(runs, models=("gcn", "jem")))
    # the paper's GCN: 81.5 % accurate with ECE 0.67 -> mean confidence 0.145, a hair above 1/7
    assert numbers["implied_confidence_gcn"] == pytest.approx(0.815 - 0.67)
    assert numbers["uniform_confidence"] == pytest.approx(1 / 7) and numbers["num_classes"] == 7
    assert numbers["implied_confidence_jem"] == pytest.approx(0.8244 - 0.52)
    assert numbers["largest_confidence_gcn"] == pytest.approx(2 - 0.815 - 0.67)  # 0.515: whatever the bins
    assert numbers["our_confidence_gcn"] == pytest.approx(0.7) and numbers["our_confidence_jem"] == pytest.approx(0.5)


def test_raw_feature_runs_get_their_own_labelled_rows_and_claims():
    table = [make_run(m, s, a + 0.01 * s) for m, a in (("gcn", 0.80), ("jem", 0.80), ("jemo", 0.25)) for s in (0, 1)]
    raw = [make_run("jemo", s, 0.78 + 0.01 * s) for s in (0, 1)]
    results = Paper2Results(table, [], raw, datasets=("Cora",), seeds=2, ablation_seeds=2, planned=6)
    rows = report.accuracy_table(results).splitlines()
    assert rows[-1] == "| GCN-JEMO, raw features | 78.5 ± 0.7 |" and rows[-2].startswith("| GCN-JEMO | 25.5")
    normalisation = report.normalisation_table(results).splitlines()
    assert normalisation[0] == "| model | features | Cora |"
    assert normalisation[6] == "| GCN-JEMO | row-normalised | 25.5 ± 0.7 |"
    assert normalisation[7] == "| GCN-JEMO | raw | 78.5 ± 0.7 |" and normalisation[3] == "| GCN | raw | not run |"
    claims = {c.key: c.judgement.verdict.value for c in report.ablation_claims(results)}
    assert claims["jemo_raw_beats_normalised"] == "holds"
    # 78.5 vs 80.5 with seeds a point apart: the interval -2.0 ± 1.4 reaches inside the margin of 1 point
    assert claims["jemo_raw_as_accurate_as_gcn"] == "inconclusive"
    assert report.ablation_numbers(results)["raw_jemo_Cora_accuracy"] == pytest.approx(0.785)
    assert "raw features" not in report.accuracy_table(results_of(table))  # no raw runs, no row


def test_the_generated_covariance_panel_shows_the_marchenko_pastur_band_of_the_start():
    table = [make_run(m, 0, 0.8, covariance=(0.0001, 0.002) if m == "gcn" else (0.2, 0.6)) for m in ("gcn", "jem")]
    results = results_of(table, models=("gcn", "jem"))
    band = report.covariance_spectrum_figure(results).axes[1].patches[0]
    low, high = report.marchenko_pastur_bounds(2, 8, 1 / 3)
    x0, x1 = band.get_x(), band.get_x() + band.get_width()
    assert (x0, x1) == pytest.approx((low, high))


def test_raw_jemo_variants_are_judged_against_the_gcn_and_the_papers_jemo():
    table = [make_run("gcn", s, 0.80 + 0.01 * s) for s in (0, 1)]
    ablation = [make_run("jemo", s, 0.835 + 0.002 * s, variant="jemo-raw-no-generation") for s in (0, 1)]
    results = results_of(table, ablation, variants=("jemo-raw-no-generation",))
    claims = {c.key: c for c in report.ablation_claims(results)}
    assert claims["jemo_raw_no_generation_beats_gcn"].judgement.verdict.value == "holds"  # 83.6 vs 80.5
    assert claims["jemo_raw_no_generation_as_paper"].judgement.verdict.value == "holds"
    assert claims["jemo_raw_no_generation_as_paper"].paper == "83.66 %"


def test_load_results_reads_the_plan_of_the_config(tmp_path):
    import json

    for experiment, runs in (("jem_table", [make_run("gcn", 0, 0.8)]),
                             ("jem_ablation", [make_run("jemo", 0, 0.7, variant="jemo-raw-no-generation")])):
        (tmp_path / experiment).mkdir()
        for run in runs:
            (tmp_path / experiment / f"{run['key']}.json").write_text(json.dumps(run))
    runs = report.load(tmp_path)
    assert (runs.readings, runs.gradients, runs.cells, runs.scales) == ([], [], [], [])  # not run: empty parts
    results = runs.results
    assert results.planned == 45 and results.seeds == 5 and results.ablation_seeds == 3
    assert results.variant_seeds["jemo-raw-no-generation"] == 5 and "tau1" not in results.variant_seeds
    assert results.raw == [] and len(results.ablation) == 1
    rows = {key: planned for key, _, _, planned in report.ablation_rows(results)}
    assert rows["jemo-raw-no-generation"] == 5 and rows["tau1"] == 3


def test_feature_scale_numbers_are_those_of_the_raw_features():
    numbers = report.feature_scale_numbers(results_of([], datasets=("Cora", "PubMed")))
    assert numbers["row_sum_Cora"] == pytest.approx(18.17, abs=0.01)  # binary: about 18 words per paper
    assert numbers["row_norm_Cora"] == pytest.approx(18.17 ** 0.5, rel=0.05)  # sqrt of the ones, about
    assert numbers["row_norm_normalised_Cora"] < numbers["row_norm_PubMed"] < 1  # TF-IDF rows are small
    assert 0 < numbers["majority_PubMed"] < 1 and numbers["majority_Cora"] > 1 / 7


def test_the_ece_bounds_the_mean_confidence_whatever_the_bins():
    # ECE = (acc - conf) + 2 * over-confident excess, excess in [0, 1 - acc]: conf in [acc - ECE, 2 - acc - ECE]
    generator = torch.Generator().manual_seed(0)
    for _ in range(20):
        probabilities = torch.softmax(4 * torch.randn(300, CLASSES, generator=generator, dtype=torch.float64), -1)
        labels = torch.randint(0, CLASSES, (300,), generator=generator)
        ece = expected_calibration_error(probabilities, labels)
        accuracy = float((probabilities.argmax(1) == labels).double().mean())
        confidence = float(probabilities.max(1).values.mean())
        assert accuracy - ece - 1e-9 <= confidence <= 2 - accuracy - ece + 1e-9


def gradient_run(reading, seed, clf, gen, cosine=0.1, epochs=4, gen_loss=0.1):
    """A jem_gradients run with constant gradient norms per epoch."""
    history = {"grad_norm_clf": [clf] * epochs, "grad_norm_gen": [gen] * epochs, "grad_cosine": [cosine] * epochs,
               "gen_loss": [gen_loss] * epochs, "clf_loss": [1.0] * epochs, "train_loss": [1.0] * epochs,
               "test_acc": [0.5] * epochs, "sgld_step_ratio": [0.01] * epochs}
    return {"key": f"Cora-jem-Z{reading}-gradients-seed{seed}",
            "config": {"dataset": "Cora", "model": "jem", "seed": seed, "jem": {"partition": reading}},
            "result": {"status": "ok", "history": history}}


def test_gradient_shares_are_read_per_reading_and_judged_against_one():
    runs = [gradient_run("lse", s, 0.05, 2.0 + s) for s in (0, 1)] + [gradient_run("sum", s, 0.05, 0.005) for s in (0, 1)]
    runs[0]["result"]["history"]["grad_norm_gen"][0] = 0.01  # one epoch with the cross-entropy's longer
    rows = report.gradient_rows(runs, epochs=4)
    assert [row.reading for row in rows] == ["sum", "lse"]  # PARTITIONS order
    lse = rows[1]
    assert lse.shares == pytest.approx(((0.01 + 3 * 2.0) / 0.05 / 4, 3.0 / 0.05))
    assert lse.gen_longer == (3, 4) and lse.loss_ratios == pytest.approx((0.1, 0.1))
    claims = {claim.key: claim for claim in report.gradient_claims(rows)}
    assert claims["lse_gen_gradient_dominates"].judgement.verdict is Verdict.HOLDS
    assert claims["sum_clf_gradient_dominates"].judgement.verdict is Verdict.HOLDS  # 0.1 < 1, no spread
    assert {claim.asked_by for claim in claims.values()} == {"book"}
    numbers = report.gradient_numbers(rows)
    assert numbers["grad_sum_share"] == pytest.approx(0.1) and numbers["grad_lse_gen_longer"] == 7
    assert numbers["grad_lse_epochs"] == 8 and numbers["grad_epochs"] == 4
    assert "| `lse` | 2 |" in report.gradient_table(rows) and "| 7 of 8 |" in report.gradient_table(rows)
    assert report.gradient_figure(rows, epochs=4).axes
    with pytest.raises(ValueError, match="recorded the gradients of 4 epochs, not the 20"):
        report.gradient_rows(runs)


def test_a_gradient_run_retraces_its_readings_run_only_when_every_epoch_agrees():
    runs = [gradient_run("lse", s, 0.05, 2.0) for s in (0, 1)]
    readings = [gradient_run("lse", s, 0.05, 2.0) for s in (0, 1)]
    readings[1]["result"]["history"]["clf_loss"][-1] = 1.0000001
    assert report.retraced_runs(report.gradient_rows(runs, epochs=4), readings) == (1, 2)
    assert report.gradient_numbers(report.gradient_rows(runs, epochs=4), readings)["grad_retraced"] == 1


def test_the_books_questions_are_marked_as_the_books():
    table = [make_run(m, s, 0.8) for m in ("gcn", "jem", "jemo") for s in (0, 1)]
    results = results_of(table)
    assert {claim.asked_by for claim in report.paper_claims(results)} == {"paper"}
    assert {claim.asked_by for claim in report.ablation_claims(results)} == {"book"}


# -- on the committed runs --------------------------------------------------------------------------

def test_committed_sum_reading_fails_only_the_step_ratio_threshold():
    """What the chapter says of `sum`: it classifies and its SGLD descends, and only the step ratio
    fails the rule's threshold."""
    rows = {row.reading: row for row in report.load_reading_rows()}
    assert rows["sum"].checks == {"step_ratio": False, "lower_than_noise": True, "accuracy": True}
    numbers = report.reading_numbers(list(rows.values()))
    assert numbers["sum_checks_failed"] == 1 and numbers["sum_step_ratio"] < numbers["min_step_ratio"] / 10
    assert numbers["sum_moves"] == "**holds**"
    for reading in ("mean", "lse", "none"):  # the others fail the threshold and the accuracy
        assert rows[reading].checks == {"step_ratio": False, "lower_than_noise": True, "accuracy": False}, reading


def test_committed_gradient_runs_retrace_the_readings_and_lse_is_driven_by_its_generative_term():
    rows = report.load_gradient_rows()
    readings = [run for row in report.load_reading_rows() for run in row.runs]
    assert report.retraced_runs(rows, readings) == (20, 20)  # the measurement changed no run
    by_reading = {row.reading: row for row in rows}
    assert set(by_reading) == {"sum", "mean", "lse", "none"} and all(len(row.runs) == 5 for row in rows)
    claims = {claim.key: claim.judgement.verdict for claim in report.gradient_claims(rows)}
    assert claims["lse_gen_gradient_dominates"] is Verdict.HOLDS
    assert claims["sum_clf_gradient_dominates"] is Verdict.HOLDS
    # under lse the generative term is small as a loss and large as a gradient
    lse = by_reading["lse"]
    assert max(lse.loss_ratios) < 0.2 and min(lse.shares) > 1


def test_the_headline_pools_the_tables_seeds_with_jem_more_seeds():
    table = [make_run(model, seed, 0.80 + 0.001 * seed) for model in ("gcn", "jem") for seed in (0, 1)]
    more = [make_run(model, seed, 0.80 + 0.001 * seed) for model in ("gcn", "jem") for seed in (2, 3)]
    results = Paper2Results(table, [], datasets=("Cora",), models=("gcn", "jem"), seeds=2, planned=4, more=more)
    assert [run["config"]["seed"] for run in results.pooled_runs("Cora", "jem")] == [0, 1, 2, 3]
    assert len(results.runs("Cora", "jem")) == 2  # the table's own runs stay the table's
