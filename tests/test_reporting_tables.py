"""energygnn.reporting.tables: Markdown tables, their cells, and Table 1's rows side by side."""
from energygnn.experiments.results import group_runs
from energygnn.reporting.tables import comparison_table, markdown_table, mean_std_cell, stopped_runs_text


def test_tables_and_cells():
    assert markdown_table(["a", "b"], [[1, 2]]) == "| a | b |\n|---|---|\n| 1 | 2 |"
    assert mean_std_cell([0.5, 0.7], expected=2) == "0.600 ± 0.141"
    assert mean_std_cell([0.5], expected=3, paper=0.42) == "0.500 (n=1) <br>*paper: 0.42*"
    assert mean_std_cell([]) == "not run"


def test_stopped_runs_are_named_with_their_reason():
    runs = [{"key": "a", "result": {"status": "ok"}}, {"key": "b", "result": {"status": "stopped at epoch 3: nan"}}]
    assert stopped_runs_text(runs[:1]) == "none stopped early"
    assert stopped_runs_text(runs) == "1 stopped early (`b`: stopped at epoch 3: nan)"


def test_comparison_table_sets_lines_side_by_side_with_the_papers_row():
    groups = group_runs([{"config": {"dataset": "Cora", "model": "basic", "depth": 64, "seed": s},
                          "result": {"best_val_acc": v}} for s, v in enumerate((0.2, 0.3))], "dataset", "model", "depth")
    section = {"datasets": ["Cora"], "depths": [64], "seeds": [0, 1, 2]}
    rows = comparison_table([("ours", "basic", groups), ("none", "basic", {})], section).splitlines()
    assert rows[0] == "| dataset | model | 64 |"
    assert rows[2:] == ["| Cora | ours | 0.250 ± 0.071 (n=2) |", "| Cora | none | not run |",
                        "| Cora | *Entropic GCN, paper* | *0.35* |"]
    assert len(comparison_table([("ours", "basic", groups)], section, paper_model=None).splitlines()) == 3
