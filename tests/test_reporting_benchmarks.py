"""energygnn.reporting.benchmarks: the committed benchmarks read back, and their headline numbers."""
import pytest

from energygnn.reporting import benchmarks


def test_jem_epoch_cost_facts_read_the_committed_benchmark():
    result = benchmarks.load_benchmark("jem_epoch_cost")
    facts = benchmarks.jem_epoch_cost_facts(result)
    assert facts["jem_cost_met"] == ("met" if result["summary"]["met"] else "not met")
    assert facts["jem_largest_sample_difference"] == max(e["largest_difference"]["samples"] for e in result["equivalence"])
    assert benchmarks.jem_epoch_cost_table(result).count("\n") == 1 + len(result["cost"])
    with pytest.raises(FileNotFoundError, match="python -m benchmarks.nothing --no-quick"):
        benchmarks.load_benchmark("nothing")


def test_deep_epoch_speed_facts_judge_the_deepest_rows_against_the_targets():
    def row(dataset, depth, pyg, ours, floor, entropic_over_basic):
        return {"dataset": dataset, "depth": depth, "speedup": {"basic": pyg / ours},
                "median_seconds": {"basic/pyg": pyg, "basic/ours": ours, "floor": floor},
                "ours_over_floor": ours / floor, "entropic_over_basic": entropic_over_basic}

    result = {"threads": 1, "targets": {"basic_speedup_at_depth_64": 2.5, "entropic_over_basic": 1.15},
              "wall_seconds": 60.0,
              "provenance": {"machine": {"cpu": "a CPU", "cpu_count": 2, "torch_threads": 1},
                             "versions": {"torch": "2"}, "git": {"commit": "0123456789abcdef"}, "created": "now"},
              "rows": [row("A", 16, 1.0, 0.2, 0.19, 1.2), row("A", 64, 3.0, 1.0, 0.9, 1.05),
                       row("B", 64, 2.0, 0.8, 0.8, 1.1)]}
    facts = benchmarks.deep_epoch_speed_facts(result)
    assert facts["speed_depth"] == 64 and facts["speedup_worst"] == pytest.approx(2.5)  # depth 16's 5x not counted
    assert facts["speedup_met"] == "met" and facts["speedup_ceiling"] == pytest.approx(2.5)
    assert facts["ratio_worst"] == pytest.approx(1.2) and facts["ratio_met"] == "not met"
    assert (facts["speed_machine"], facts["speed_commit"]) == ("a CPU", "0123456789")
