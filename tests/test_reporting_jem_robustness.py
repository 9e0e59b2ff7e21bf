"""energygnn.reporting.jem_robustness on hand-made runs: the rules, not the committed results."""
import pytest

from energygnn.calibration import reliability_bins
from energygnn.reporting import Verdict
from energygnn.reporting import jem_robustness as robustness

import torch


def detection(auroc):
    return {score: {"auroc": auroc, "aupr": auroc, "fpr95": 1 - auroc} for score in ("msp", "energy", "propagated_energy")}


def bins(seed):
    generator = torch.Generator().manual_seed(seed)
    probabilities = torch.softmax(torch.randn(50, 3, generator=generator), dim=-1)
    return reliability_bins(probabilities, torch.randint(0, 3, (50,), generator=generator), 15)


def run(model, seed, clean, attacked, auroc, ece, scaled_ece):
    return {"config": {"dataset": "Cora", "model": model, "seed": seed},
            "result": {"status": "ok", "test_acc": clean,
                       "attacks": {"prbcd": [{"fraction": 0.05, "budget": 264, "flipped": 264, "test_acc": attacked}],
                                   "random": [{"fraction": 0.05, "budget": 264, "flipped": 264, "test_acc": clean - 0.01}]},
                       "ood": {"structure": detection(auroc), "feature": detection(auroc)},
                       "calibration": {"temperature": 0.5,
                                       "plain": {"ece": ece, "mean_confidence": 0.6, "test_nll": 1.0, "val_nll": 1.0},
                                       "scaled": {"ece": scaled_ece, "mean_confidence": 0.8, "test_nll": 0.8, "val_nll": 0.7},
                                       "reliability": {"plain": bins(seed), "scaled": bins(seed + 10)}}}}


def leave_out(model, seed, auroc):
    return {"config": {"dataset": "Cora", "model": model, "seed": seed},
            "result": {"status": "ok", "test_acc": 0.9, "ood": {"label": detection(auroc)}}}


def test_claims_on_constructed_runs():
    stored = [run("gcn", s, 0.80, 0.60 + 0.01 * s, 0.70 + 0.01 * s, 0.15, 0.05) for s in range(3)]
    stored += [run("jem", s, 0.80, 0.70 + 0.01 * s, 0.60 + 0.01 * s, 0.10 + 0.01 * s, 0.04) for s in range(3)]
    stored.append({"config": {"dataset": "Cora", "model": "jemo", "seed": 0}, "result": {"status": "stopped", "test_acc": 0.1}})
    groups = robustness.robustness_groups(stored)
    assert ("Cora", "jemo") not in groups  # unfinished runs are left out
    leave = robustness.robustness_groups([leave_out("gcn", s, 0.9) for s in range(3)]
                                         + [leave_out("jem", s, 0.9 + 0.001 * s) for s in range(3)])
    claims = robustness.robustness_claims(groups, leave, ["Cora"])
    verdicts = [c.judgement.verdict for c in claims]
    # robust (JEM loses 10 points less); energy and propagated energy: worse under structure and
    # feature shifts, within noise under the label shift; not better calibrated than the scaled
    # GCN (0.11 vs 0.05); scaling lowers JEM's ECE
    assert verdicts == [Verdict.HOLDS] + [Verdict.FAILS] * 4 + [Verdict.INCONCLUSIVE] * 2 + [Verdict.FAILS, Verdict.HOLDS]
    assert claims[0].judgement.difference == pytest.approx(-10.0)
    assert "| Cora | GCN | 80.0 ± 0.0 | 61.0 ± 1.0 | 79.0 ± 0.0 |" in robustness.attack_table(groups, ["Cora"], ["gcn", "jem"])
    table = robustness.ood_table(groups, leave, ["Cora"], ["gcn", "jem"])
    assert "*GCN, GNNSafe's paper*" in table and "| Cora | GCN | maximum softmax | 71.0 ± 1.0 | 71.0 ± 1.0 | 90.0 ± 0.0 |" in table
    assert "| 0.5 (0.5 to 0.5) |" in robustness.temperature_scaling_table(groups, ["Cora"], ["gcn", "jem"])
    gnnsafe = robustness.gnnsafe_claims(groups, leave)
    assert len(gnnsafe) == 9 and gnnsafe[0].judgement.reference == pytest.approx(71.8)
    robustness.plot_attacks(groups, ["Cora"], ["gcn", "jem"])
    robustness.scaled_reliability_figure(groups, "Cora", ["gcn", "jem"])


def table_run(dataset, model, seed, test_acc, gen_over_clf, step_ratio):
    config = {"dataset": dataset, "model": model, "seed": seed, "epochs": 500, "spectra": True}
    history = {"gen_loss": [gen_over_clf] * 100, "clf_loss": [1.0] * 100, "sgld_step_ratio": [step_ratio] * 100}
    return {"key": f"{dataset}-{model}-seed{seed}", "config": config,
            "result": {"status": "ok", "final_test_acc": test_acc, "history": history}}


def test_nearly_a_gcn_reads_the_histories_of_the_same_trainings():
    stored = [run("gcn", s, 0.80, 0.60, 0.70, 0.15, 0.05) for s in range(2)]
    stored += [run("jem", s, 0.80 + 0.001 * s, 0.70, 0.60, 0.14, 0.04) for s in range(2)]
    for entry in stored:
        entry["config"].update(epochs=500, spectra=False, evaluation={"budgets": [0.05]})
    table = [table_run("Cora", "jem", 0, 0.80, 0.1, 0.004), table_run("Cora", "jem", 1, 0.99, 0.2, 0.002),
             table_run("Cora", "gcn", 0, 0.80, 0.0, 0.0)]
    groups = robustness.robustness_groups(stored)
    pairs = robustness.training_pairs(groups, table, "Cora")
    assert [(r["config"]["seed"], t["config"]["seed"]) for r, t in pairs] == [(0, 0), (1, 1)]
    runs = robustness.RobustnessRuns({"jem_robustness": {"datasets": ["Cora"]}}, stored, [], groups, {}, table)
    numbers = robustness.nearly_a_gcn_numbers(runs)
    assert numbers["gcnlike_pairs"] == 2 and numbers["gcnlike_same_accuracy"] == 1  # seed 1 ends elsewhere
    assert (numbers["gcnlike_gen_over_clf_min"], numbers["gcnlike_gen_over_clf_max"]) == pytest.approx((0.1, 0.2))
    assert numbers["gcnlike_step_ratio_median"] == pytest.approx(0.003) and numbers["gcnlike_step_threshold"] == 0.1
    other = dict(table[0], config={**table[0]["config"], "seed": 7})
    assert robustness.training_pairs(groups, [other], "Cora") == []  # another training is no partner
    claims = robustness.gcn_likeness_claims(groups, ["Cora"])
    assert [c.judgement.verdict for c in claims] == [Verdict.HOLDS, Verdict.HOLDS]  # 80.05 vs 80 %; 0.14 vs 0.15
    assert {c.asked_by for c in claims} == {"book"}


def test_only_robustness_is_paper_2s_claim():
    stored = [run(m, s, 0.80, 0.60, 0.70, 0.15, 0.05) for m in ("gcn", "jem") for s in range(2)]
    groups = robustness.robustness_groups(stored)
    leave = robustness.robustness_groups([leave_out(m, s, 0.9) for m in ("gcn", "jem") for s in range(2)])
    askers = {(c.family, c.asked_by) for c in robustness.robustness_claims(groups, leave, ["Cora"])}
    assert askers == {("robustness", "paper"), ("detection", "book"), ("calibration against a scaled GCN", "book"),
                      ("control: scaling helps GCN-JEM", "book")}
    assert {c.asked_by for c in robustness.gnnsafe_claims(groups, leave)} == {"book"}


def test_committed_gcn_jem_of_the_robustness_runs_is_nearly_a_gcn():
    runs = robustness.load()
    numbers = robustness.chapter_numbers(runs)
    assert numbers["gcnlike_pairs"] == numbers["gcnlike_same_accuracy"] == 10  # the table's trainings, exactly
    assert 0.05 < numbers["gcnlike_gen_over_clf_min"] < numbers["gcnlike_gen_over_clf_max"] < 0.2
    assert numbers["gcnlike_step_ratio_max"] < numbers["gcnlike_step_threshold"] / 10  # the chains do not sample
    for dataset in ("cora", "citeseer"):
        assert abs(numbers[f"{dataset}_jem_ece"] - numbers[f"{dataset}_gcn_ece"]) < 0.01
        assert abs(numbers[f"{dataset}_jem_temperature"] - numbers[f"{dataset}_gcn_temperature"]) < 0.01
    verdicts = [(c.scope, c.text.split(" is ")[0], c.judgement.verdict) for c in
                robustness.gcn_likeness_claims(runs.groups, runs.section["datasets"])]
    assert verdicts == [("Cora", "GCN-JEM's test accuracy", Verdict.INCONCLUSIVE),  # +0.4 ± 0.9 reaches past 1 point
                        ("Cora", "GCN-JEM's test ECE (unscaled)", Verdict.HOLDS),
                        ("CiteSeer", "GCN-JEM's test accuracy", Verdict.HOLDS),
                        ("CiteSeer", "GCN-JEM's test ECE (unscaled)", Verdict.HOLDS)]
