"""energygnn.reporting.verdicts: the one rule that judges every claim, and its wording."""
import math

import pytest

from energygnn.reporting import verdicts
from energygnn.reporting.verdicts import Verdict, judge


def test_a_difference_beyond_two_standard_errors_decides():
    assert judge([0.80, 0.82, 0.81], [0.70, 0.71, 0.69]).verdict is Verdict.HOLDS
    assert judge([0.70, 0.71, 0.69], [0.80, 0.82, 0.81]).verdict is Verdict.FAILS
    assert judge([0.70, 0.71, 0.69], [0.80, 0.82, 0.81], "<").verdict is Verdict.HOLDS


def test_a_difference_within_two_standard_errors_is_noise():
    # means 0.50 and 0.45, standard errors 0.1/sqrt(3) each: 2 SE = 0.163 > 0.05
    judgement = judge([0.4, 0.5, 0.6], [0.35, 0.45, 0.55])
    assert judgement.verdict is Verdict.WITHIN_NOISE
    assert judgement.standard_error == pytest.approx(math.sqrt(2 * 0.01 / 3))
    assert judgement.difference == pytest.approx(0.05)


def test_a_fixed_reference_adds_no_error_and_one_seed_decides_by_sign():
    assert judge([0.4, 0.5, 0.6], 0.45).standard_error == pytest.approx(0.1 / math.sqrt(3))
    assert judge([0.30], [0.29]).verdict is Verdict.HOLDS and judge([0.30], [0.29]).standard_error == 0


def test_equality_claims_hold_within_noise_and_margins_shift_thresholds():
    assert judge([0.80, 0.82], [0.81, 0.80], "=").verdict is Verdict.HOLDS
    assert judge([0.80, 0.80], [0.70, 0.70], "=").verdict is Verdict.FAILS
    assert judge([0.80, 0.80], [0.70, 0.70], "=", margin=0.11).verdict is Verdict.HOLDS
    assert judge([0.80], [0.79], ">", margin=0.02).verdict is Verdict.FAILS


def test_missing_values_are_not_measured_and_bad_relations_refused():
    assert judge([], [0.5]).verdict is Verdict.NOT_MEASURED
    assert judge([None, math.nan], [0.5]).markdown == "**not measured**"
    with pytest.raises(ValueError, match="relation must be one of"):
        judge([1.0], [0.5], ">=")


def test_the_rules_factor_decides_every_comparison_and_its_wording(monkeypatch):
    # a difference of 1.5 standard errors: within noise at 2, decided at 1
    a, b = [1.0, 2.0, 3.0], 2.0 - 1.5 / math.sqrt(3)
    equal = ([1.0, 2.0, 3.0], 2.0 + 1.5 / math.sqrt(3))
    assert verdicts.STANDARD_ERRORS == 2
    assert judge(a, b).verdict is Verdict.WITHIN_NOISE and judge(b, a, "<").verdict is Verdict.WITHIN_NOISE
    assert judge(*equal, "=").verdict is Verdict.HOLDS
    assert "2 SE 1.155" in judge(a, b).markdown  # two standard errors of 1/sqrt(3)
    monkeypatch.setattr(verdicts, "STANDARD_ERRORS", 1)
    assert judge(a, b).verdict is Verdict.HOLDS and judge(b, a, ">").verdict is Verdict.FAILS
    assert judge(*equal, "=").verdict is Verdict.FAILS
    assert "1 SE 0.577" in judge(a, b).markdown
    assert "two standard errors of the seed spread" in verdicts.RULE_TEXT
    assert verdicts.MARGIN_TEXT == "two standard errors" and verdicts.MARGIN_TEXT in verdicts.RULE_TEXT
