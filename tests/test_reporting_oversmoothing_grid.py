"""energygnn.reporting.oversmoothing_grid on hand-made runs of Figure 2: collapse judged on the draws."""
import math

import pytest

from energygnn.experiments.results import group_runs
from energygnn.reporting import Verdict
from energygnn.reporting import oversmoothing_grid as report


def test_figure2_collapse_is_judged_on_the_draws():
    def entry(model, depth, energies):
        return {"config": {"model": model, "depth": depth}, "result": {"survey_energy": energies}}

    stored = [entry("basic", 1, [1.0, 2.0]), entry("basic", 100, [1e-9, 2e-10]),
              entry("g2", 1, [1.0, 1.0]), entry("g2", 100, [0.5, 0.7]),
              entry("entropic", 1, [1.0, 1.0]), entry("entropic", 100, [1e-3, 1e-9])]  # draws disagree
    groups = group_runs(stored, "model", "depth")
    claims = report.collapse_claims(groups, ["basic", "g2", "entropic"])
    assert [c.judgement.verdict for c in claims] == [Verdict.HOLDS, Verdict.HOLDS, Verdict.INCONCLUSIVE]
    assert report.figure2_outcomes(groups, ["basic", "g2", "entropic"]) == {
        "collapsed": "Basic GCN", "kept": "G2", "undecided": "Entropic GCN"}
    assert "| Basic GCN | 1.5 | 6e-10 | 4e-10 |" in report.figure2_table(groups, ["basic", "g2"])


def test_an_energy_of_exactly_zero_counts_as_a_collapse():
    stored = [{"config": {"model": "basic", "depth": d}, "result": {"survey_energy": e}}
              for d, e in ((1, [1.0, 2.0]), (1000, [0.0, 0.0]))]
    (claim,) = report.collapse_claims(group_runs(stored, "model", "depth"), ["basic"])
    assert claim.judgement.verdict is Verdict.HOLDS and math.isfinite(claim.judgement.ours)


def measured(label, features, depth, **values):
    """A hand-made figure2_measures run: every measure given per draw (the missing ones as 1.0)."""
    result = {name: values.get(name, [1.0, 1.0]) for name in report.MEASURES}
    family = "init" if label.endswith("-inithe") else "figure2"
    return {"key": f"{label}-features{features}-depth{depth}", "config": {"features": features, "depth": depth,
                                                                         "family": family}, "result": result}


def shrinking_grid():
    """The basic GCN halves its raw energy per layer at a fixed scale-free energy and loses rank on
    4 features; He's init keeps the raw energy; the entropic GCN keeps rank and energy."""
    stored = []
    for features in (1, 4):
        for depth in (1, 10, 100):
            shrink = [0.5 ** depth, 0.6 * 0.5 ** depth]
            rank = [1.0, 1.0] if features == 1 else [3.0 - depth / 50, 3.1 - depth / 50]
            stored += [measured("basic", features, depth, raw_energy=shrink, scale_free_energy=[1e-4, 1.1e-4],
                                effective_rank=rank),
                       measured("basic-inithe", features, depth, raw_energy=[0.9, 1.2], scale_free_energy=[1e-4, 1.1e-4],
                                effective_rank=rank),
                       measured("entropic", features, depth, raw_energy=[1.0, 1.1], scale_free_energy=[1e-2, 2e-2],
                                effective_rank=[3.0, 3.2])]
    return report.measure_groups(stored)


def test_a_shrink_loses_raw_energy_only_and_he_init_keeps_it():
    groups = shrinking_grid()
    assert set(groups) >= {("basic-inithe", 4, 100), ("entropic", 1, 10)}
    claims = {(c.scope, c.text.split(" from depth")[0].split(" at depth")[0]): c.judgement.verdict
              for c in report.measure_claims(groups, [1, 4], start=10)}
    assert claims["1 input feature", "the basic GCN's scale-free energy stays within an order of magnitude"] is Verdict.HOLDS
    assert claims["4 input features", "the basic GCN's raw energy stays within an order of magnitude"] is Verdict.FAILS
    assert claims["4 input features", "with He's init the basic GCN keeps its raw energy within an order of "
                                      "magnitude"] is Verdict.HOLDS
    assert claims["4 input features", "with He's init the basic GCN still loses rank: effective rank"] is Verdict.HOLDS
    assert claims["4 input features", "the entropy step at the paper's setting raises the effective rank"] is Verdict.HOLDS
    assert all(c.asked_by == "book" for c in report.measure_claims(groups, [1, 4], start=10))
    assert report.raw_decay(groups, "basic", 1) == pytest.approx(0.5)
    assert report.raw_decay(groups, "basic-inithe", 4) == pytest.approx(1.0, abs=0.01)
    table = report.shrink_table(groups, ["basic", "basic-inithe"], [4])
    assert "| Basic GCN | 4 | 0.5000 | 0.000105 | 0.000105 | 3.03 | 1.05 |" in table
    assert "| Basic GCN, He init | 4 | 1.0000 |" in table


def test_the_field_reads_figure2_on_the_scale_free_energy_and_the_rank():
    groups = shrinking_grid()
    claims = report.field_reading_claims(groups, ["basic", "entropic"], rank_collapsed=1.5)
    verdicts = [c.judgement.verdict for c in claims]
    # the basic GCN: no fall of six orders in scale-free energy (fails), and at depth 100 an effective
    # rank of 1.05 on 4 features (collapsed, holds); the entropic GCN keeps both
    assert verdicts == [Verdict.FAILS, Verdict.HOLDS, Verdict.HOLDS, Verdict.HOLDS]
    assert "4 input features" in claims[1].text and claims[0].asked_by == "paper"


def test_every_measure_is_tabulated_per_model_and_depth():
    groups = shrinking_grid()
    table = report.measures_table(groups, ["basic", "missing"], 1, [1, 100])
    assert table.count("| Basic GCN |") == 2 and "missing" not in table
    assert report.label_text("basic-inithe") == "Basic GCN, He init"
    assert report.label_text("entropic-exact-lambda10-T10-plain") == "Entropic GCN, exact-lambda10-T10-plain"
