import math

import pytest

from energygnn.reporting import Verdict, judge, markdown_table, mean_std_cell


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


def test_tables_and_cells():
    assert markdown_table(["a", "b"], [[1, 2]]) == "| a | b |\n|---|---|\n| 1 | 2 |"
    assert mean_std_cell([0.5, 0.7], expected=2) == "0.600 ± 0.141"
    assert mean_std_cell([0.5], expected=3, paper=0.42) == "0.500 (n=1) <br>*paper: 0.42*"
    assert mean_std_cell([]) == "not run"


def test_stopped_runs_are_named_with_their_reason():
    from energygnn.reporting.tables import stopped_runs_text

    runs = [{"key": "a", "result": {"status": "ok"}}, {"key": "b", "result": {"status": "stopped at epoch 3: nan"}}]
    assert stopped_runs_text(runs[:1]) == "none stopped early"
    assert stopped_runs_text(runs) == "1 stopped early (`b`: stopped at epoch 3: nan)"


def test_jem_epoch_cost_facts_read_the_committed_benchmark():
    from energygnn.reporting import benchmarks

    result = benchmarks.load_benchmark("jem_epoch_cost")
    facts = benchmarks.jem_epoch_cost_facts(result)
    assert facts["jem_cost_met"] == ("met" if result["summary"]["met"] else "not met")
    assert facts["jem_largest_sample_difference"] == max(e["largest_difference"]["samples"] for e in result["equivalence"])
    assert benchmarks.jem_epoch_cost_table(result).count("\n") == 1 + len(result["cost"])
    with pytest.raises(FileNotFoundError, match="python -m benchmarks.nothing --no-quick"):
        benchmarks.load_benchmark("nothing")
