"""energygnn.reporting.oversmoothing_grid on hand-made runs of Figure 2: collapse judged on the draws."""
import math

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
