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
    assert verdicts == [Verdict.HOLDS] + [Verdict.FAILS] * 4 + [Verdict.WITHIN_NOISE] * 2 + [Verdict.FAILS, Verdict.HOLDS]
    assert claims[0].judgement.difference == pytest.approx(-10.0)
    assert "| Cora | GCN | 80.0 ± 0.0 | 61.0 ± 1.0 | 79.0 ± 0.0 |" in robustness.attack_table(groups, ["Cora"], ["gcn", "jem"])
    table = robustness.ood_table(groups, leave, ["Cora"], ["gcn", "jem"])
    assert "*GCN, GNNSafe's paper*" in table and "| Cora | GCN | maximum softmax | 71.0 ± 1.0 | 71.0 ± 1.0 | 90.0 ± 0.0 |" in table
    assert "| 0.5 (0.5 to 0.5) |" in robustness.temperature_scaling_table(groups, ["Cora"], ["gcn", "jem"])
    gnnsafe = robustness.gnnsafe_claims(groups, leave)
    assert len(gnnsafe) == 9 and gnnsafe[0].judgement.reference == pytest.approx(71.8)
    robustness.plot_attacks(groups, ["Cora"], ["gcn", "jem"])
    robustness.scaled_reliability_figure(groups, "Cora", ["gcn", "jem"])
