"""energygnn.reporting.verdicts: the one rule that judges every claim, and its wording."""
import math

import pytest

from energygnn.reporting import verdicts
from energygnn.reporting.verdicts import Verdict, judge


def test_a_difference_beyond_two_standard_errors_decides():
    assert judge([0.80, 0.82, 0.81], [0.70, 0.71, 0.69]).verdict is Verdict.HOLDS
    assert judge([0.70, 0.71, 0.69], [0.80, 0.82, 0.81]).verdict is Verdict.FAILS
    assert judge([0.70, 0.71, 0.69], [0.80, 0.82, 0.81], "<").verdict is Verdict.HOLDS


def test_a_difference_within_two_standard_errors_is_inconclusive():
    # means 0.50 and 0.45, standard errors 0.1/sqrt(3) each: 2 SE = 0.163 > 0.05
    judgement = judge([0.4, 0.5, 0.6], [0.35, 0.45, 0.55])
    assert judgement.verdict is Verdict.INCONCLUSIVE
    assert judgement.standard_error == pytest.approx(math.sqrt(2 * 0.01 / 3))
    assert judgement.half_width == pytest.approx(2 * math.sqrt(2 * 0.01 / 3))
    assert judgement.difference == pytest.approx(0.05)
    # the same spread decides once the interval clears zero: 2 sqrt(2 * 0.01 / n) < 0.05 needs n > 32
    assert judgement.seeds_to_decide == 33
    assert judge([0.4, 0.5, 0.6] * 11, [0.35, 0.45, 0.55] * 11).verdict is Verdict.HOLDS


def test_a_fixed_reference_adds_no_error_and_one_seed_decides_by_sign():
    assert judge([0.4, 0.5, 0.6], 0.45).standard_error == pytest.approx(0.1 / math.sqrt(3))
    assert judge([0.30], [0.29]).verdict is Verdict.HOLDS and judge([0.30], [0.29]).standard_error == 0


def test_equality_is_an_equivalence_test_against_the_margin():
    close = judge([0.800, 0.802, 0.801], [0.801, 0.800, 0.802], "=", "accuracy")
    assert close.verdict is Verdict.HOLDS and close.margin is verdicts.MARGINS["accuracy"]
    assert judge([0.80, 0.80], [0.70, 0.70], "=", "accuracy").verdict is Verdict.FAILS
    # no power: the interval straddles the margin, so the claim is inconclusive, never "holds"
    noisy = judge([0.70, 0.80, 0.90], [0.72, 0.80, 0.88], "=", "accuracy")
    assert noisy.verdict is Verdict.INCONCLUSIVE and abs(noisy.difference) < 0.01
    assert judge([0.70, 0.80, 0.90], [0.72, 0.80, 0.88], ">").verdict is Verdict.INCONCLUSIVE
    # the same spread with the same means would be equivalent with enough seeds
    assert noisy.seeds_to_decide > 3
    wide = verdicts.Margin("test", 0.5, "accuracy (fraction)", "a test")
    assert judge([0.70, 0.80, 0.90], [0.72, 0.80, 0.88], "=", wide).verdict is Verdict.HOLDS
    assert verdicts.MARGINS["accuracy"].in_percent.delta == pytest.approx(1.0)


def test_margins_are_required_for_equality_and_refused_elsewhere():
    with pytest.raises(ValueError, match="needs an equivalence margin"):
        judge([0.8], [0.8], "=")
    with pytest.raises(ValueError, match="unknown margin family"):
        judge([0.8], [0.8], "=", "accuracies")
    with pytest.raises(ValueError, match="for '=' claims only"):
        judge([0.8], [0.7], ">", "accuracy")


def test_missing_values_are_not_measured_and_bad_relations_refused():
    assert judge([], [0.5]).verdict is Verdict.NOT_MEASURED
    assert judge([None, math.nan], [0.5]).markdown == "**not measured**"
    assert judge([], [0.5]).seeds_to_decide is None
    with pytest.raises(ValueError, match="relation must be one of"):
        judge([1.0], [0.5], ">=")


def test_the_rules_factor_decides_every_comparison_and_its_wording(monkeypatch):
    # a difference of 1.5 standard errors: inconclusive at 2, decided at 1
    a, b = [1.0, 2.0, 3.0], 2.0 - 1.5 / math.sqrt(3)
    assert verdicts.STANDARD_ERRORS == 2
    assert judge(a, b).verdict is Verdict.INCONCLUSIVE and judge(b, a, "<").verdict is Verdict.INCONCLUSIVE
    assert "± 1.155" in judge(a, b).markdown  # two standard errors of 1/sqrt(3)
    monkeypatch.setattr(verdicts, "STANDARD_ERRORS", 1)
    assert judge(a, b).verdict is Verdict.HOLDS and judge(b, a, ">").verdict is Verdict.FAILS
    assert "± 0.577" in judge(a, b).markdown
    assert "two standard errors of the seed spread" in verdicts.RULE_TEXT
    assert verdicts.MARGIN_TEXT == "two standard errors" and verdicts.MARGIN_TEXT in verdicts.RULE_TEXT


def test_the_margins_table_lists_every_family_with_its_reason():
    table = verdicts.margins_table().splitlines()
    assert len(table) == 2 + len(verdicts.MARGINS)
    assert all(margin.family in "\n".join(table) and margin.reason in "\n".join(table)
               for margin in verdicts.MARGINS.values())


def test_edge_cases_a_fixed_nan_numpy_numbers_and_exact_boundaries():
    import numpy as np

    assert judge(float("nan"), [0.5, 0.6]).verdict is Verdict.NOT_MEASURED
    assert judge(np.float32(0.7), [0.5, 0.5]).verdict is Verdict.HOLDS and judge(np.float64(0.7), 0.5).counts == (1, 1)
    # d - 2 SE = 0 exactly: inconclusive, and the present two seeds do not decide it; three would
    boundary = judge([1.0, 3.0], 0.0)
    assert boundary.verdict is Verdict.INCONCLUSIVE and boundary.seeds_to_decide == 3
    # no spread and |d| = delta: the point lies within +-delta, decided now
    edge = judge([0.75, 0.75], [0.5, 0.5], "=", verdicts.Margin("test", 0.25, "accuracy (fraction)", "a test"))
    assert edge.verdict is Verdict.HOLDS and edge.seeds_to_decide == 2
    assert judge([0.5, 0.5], 0.5).seeds_to_decide is None  # d = 0 with no spread: no seeds decide '>'


def test_an_estimate_with_its_own_standard_error_is_judged_by_the_same_rule():
    from energygnn.reporting.verdicts import judge_estimate
    assert judge_estimate(0.3, 0.1, 60).verdict is Verdict.HOLDS  # 0.3 - 0.2 > 0
    assert judge_estimate(0.1, 0.1, 60).verdict is Verdict.INCONCLUSIVE
    assert judge_estimate(-0.3, 0.1, 60).verdict is Verdict.FAILS
    assert judge_estimate(0.3, 0.1, 60, relation="<").verdict is Verdict.FAILS
    assert judge_estimate(0.5, 0.1, 60, reference=0.45, relation="=", margin="accuracy").verdict \
        is Verdict.INCONCLUSIVE
    judgement = judge_estimate(0.3, 0.1, 60)
    assert judgement.half_width == pytest.approx(0.2)
    # the interval shrinks as 1/sqrt(runs): 0.3 clears 2 SE from 27 runs on (4 * 0.6 / 0.09 = 26.7)
    assert judgement.seeds_to_decide == 27
    assert judge_estimate(float("nan"), 0.1, 60).verdict is Verdict.NOT_MEASURED
    with pytest.raises(ValueError, match="standard error"):
        judge_estimate(0.3, -0.1, 60)


def test_a_conjunction_is_decided_by_its_first_part_with_the_weakest_verdict():
    from energygnn.reporting.verdicts import conjunction

    holds, fails = judge([3.0, 3.1, 2.9], 0.0, ">"), judge([-3.0, -3.1, -2.9], 0.0, ">")
    open_ = judge([1.0, -1.0, 0.5], 0.0, ">")
    missing = judge([], 0.0, ">")
    assert conjunction([holds, holds]) is holds
    assert conjunction([holds, open_, fails]) is fails  # a failing part decides, wherever it sits
    assert conjunction([holds, open_]) is open_
    assert conjunction([fails, missing]) is missing  # a part not measured leaves the whole unmeasured
    with pytest.raises(ValueError, match="conjunction"):
        conjunction([])
