"""energygnn.reporting.jem_results.sampling: the readings of paper 2's Z, judged by one rule."""
import pytest

from energygnn.reporting.jem_results import sampling
from energygnn.reporting.labels import READING_LABELS


def fake_run(partition, seed, ratio, sgld_end, noise_end, accuracy, model="jem"):
    history = {"sgld_step_ratio": [ratio, ratio], "sgld_energy_start": [-2.0, -2.0], "gen_loss": [0.2, 0.1], "clf_loss": [1.0, 1.0],
               "sgld_energy_end": [sgld_end, sgld_end], "sgld_energy_noise_only": [noise_end, noise_end],
               "data_energy": [-1.0, -1.5], "sgld_distance": [1.5, 1.7]}
    return {"key": f"{partition}-{seed}", "config": {"dataset": "Cora", "seed": seed, "model": model,
                                                     "jem": {"partition": partition}},
            "result": {"status": "ok", "final_test_acc": accuracy, "history": history,
                       "sgld_energy_steps": {"2": [-2.0, -2.5, -3.0]}}}


GCN = [fake_run(None, s, 0, 0, 0, 0.80 + 0.001 * s, model="gcn") for s in range(3)]


def test_a_reading_qualifies_only_if_its_samples_move_and_it_keeps_the_accuracy():
    runs = ([fake_run("sum", s, 0.003, -2.3 - 0.01 * s, -2.0, 0.805) for s in range(3)]      # too small a step
            + [fake_run("mean", s, 0.2, -2.5 - 0.01 * s, -2.0, 0.30) for s in range(3)]      # moves, loses accuracy
            + [fake_run("lse", s, 0.5, -2.0 + 0.01 * s, -2.0, 0.80) for s in range(3)]       # no lower than noise
            + [fake_run("none", s, 0.3, -2.6 - 0.01 * s, -2.0 + 0.01 * s, 0.797) for s in range(3)])  # qualifies
    rows = {row.reading: row for row in sampling.reading_rows(runs, GCN)}
    assert list(rows) == ["sum", "mean", "lse", "none"]
    assert rows["sum"].checks == {"step_ratio": False, "lower_than_noise": True, "accuracy": True}
    assert rows["mean"].checks == {"step_ratio": True, "lower_than_noise": True, "accuracy": False}
    assert rows["lse"].checks["lower_than_noise"] is False
    assert rows["none"].qualifies and rows["none"].accuracy_gap == pytest.approx(79.7 - 80.1)
    assert sampling.chosen_reading(list(rows.values())) == ("none", True)
    table = sampling.reading_table(list(rows.values()))
    assert table.count("**no**") == 3 and "0.003" in table and table.splitlines()[2].startswith("| `sum` | **no** | 3 |")
    assert table.splitlines()[5].startswith("| `none` | yes |") and "| 0.15 ± 0.00 | 1.000 ± 0.000 |" in table


def test_without_a_qualifying_reading_the_most_accurate_is_chosen_and_flagged():
    runs = [fake_run("sum", s, 0.003, -2.3, -2.0, 0.80) for s in range(2)] + [
        fake_run("lse", s, 0.5, -2.5, -2.0, 0.20) for s in range(2)]
    rows = sampling.reading_rows(runs, GCN)
    assert sampling.chosen_reading(rows) == ("sum", False)
    numbers = sampling.reading_numbers(rows)
    assert numbers["qualifying"] == 0 and numbers["lse_gap"] == pytest.approx(20.0 - 80.1)


def test_empty_inputs_say_which_command_makes_them():
    with pytest.raises(ValueError, match="jem_table"):
        sampling.reading_rows([fake_run("sum", 0, 1, -3, -2, 0.8)], [])
    with pytest.raises(ValueError, match="jem_readings"):
        sampling.reading_rows([], GCN)


def test_the_figures_draw_what_the_runs_recorded():
    runs = [fake_run("sum", 0, 0.003, -2.3, -2.0, 0.8), fake_run("none", 0, 0.3, -2.6, -2.0, 0.2)]
    fig = sampling.step_ratio_figure(sampling.reading_rows(runs, GCN))
    left, right = fig.axes
    assert [list(line.get_ydata()) for line in left.lines[:2]] == [[0.003, 0.003], [0.3, 0.3]]
    assert list(right.lines[0].get_ydata()) == pytest.approx([-0.3, -0.3])
    energy = sampling.sgld_energy_figure(runs[0]).axes[0]
    assert list(energy.lines[0].get_ydata()) == [-2.0, -2.5, -3.0] and energy.lines[1].get_ydata()[0] == -1.5
    assert energy.get_title() == "Cora, seed 0: " + READING_LABELS["sum"]
    with pytest.raises(ValueError, match="recorded no SGLD energies"):
        sampling.sgld_energy_figure({**runs[0], "result": {"history": {}}})


def test_the_summary_says_why_each_reading_fails():
    runs = [fake_run("sum", s, 0.003, -2.3 - 0.01 * s, -2.0, 0.805) for s in range(3)] + [
        fake_run("none", s, 0.3, -2.6 - 0.01 * s, -2.0, 0.30) for s in range(3)]
    text = sampling.reading_summary(sampling.reading_rows(runs, GCN))
    assert text.startswith("**0 of 2 readings qualify.**")
    assert "`sum` does not: its step ratio is below 0.1." in text
    assert "`none` does not: it is -50.1 points from the GCN's accuracy." in text
    assert "default stays `sum`" in text and "do not sample" in text
    good = [fake_run("none", s, 0.3, -2.6 - 0.01 * s, -2.0, 0.80) for s in range(3)]
    assert sampling.reading_summary(sampling.reading_rows(good, GCN)).endswith(
        "The default is `none`, the most accurate reading that qualifies.")


def test_a_readings_run_is_found_by_seed_or_the_command_is_named():
    runs = [fake_run("sum", s, 0.003, -2.3, -2.0, 0.8) for s in range(2)]
    rows = sampling.reading_rows(runs, GCN)
    assert sampling.reading_run(rows, "sum", 1)["key"] == "sum-1"
    with pytest.raises(LookupError, match="jem_readings"):
        sampling.reading_run(rows, "none", 0)


def test_the_numbers_give_each_readings_energy_changes_and_distance():
    runs = [fake_run("sum", s, 0.003, -2.3, -2.0, 0.80) for s in range(2)]
    numbers = sampling.reading_numbers(sampling.reading_rows(runs, GCN))
    assert numbers["sum_sgld_change"] == pytest.approx(-0.3) and numbers["sum_noise_change"] == pytest.approx(0.0)
    assert numbers["sum_distance"] == pytest.approx(1.6) and numbers["default_reading"] == "sum"
