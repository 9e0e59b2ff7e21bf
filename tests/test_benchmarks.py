import json

from benchmarks import deep_epoch_cost, entropy_gradient, jem_epoch_cost
from energygnn import native


def test_deep_epoch_cost_quick_writes_ratios(tmp_path):
    output = deep_epoch_cost.main(["--quick", "--output", str(tmp_path / "deep.json")])
    payload = json.loads(output.read_text())
    assert set(payload["rows"]) == {"compiled", "pytorch", "pytorch_tuned_allocator"}
    [row] = payload["rows"]["compiled"]
    assert row["median_ratio"] > 0 and set(row["median_seconds"]) == {"basic", "entropic"}
    assert payload["summary"]["compiled"]["met"] == (row["median_ratio"] <= payload["target"])
    assert row["compiled_step"] == native.available()
    assert not payload["rows"]["pytorch"][0]["compiled_step"]
    assert not payload["rows"]["pytorch_tuned_allocator"][0]["compiled_step"]
    assert payload["provenance"]["git"] is not None


def test_jem_epoch_cost_quick_shows_the_samplers_agree(tmp_path):
    output = jem_epoch_cost.main(["--quick", "--output", str(tmp_path / "jem.json")])
    payload = json.loads(output.read_text())
    [equivalence] = payload["equivalence"]
    assert equivalence["largest_difference"]["samples"] < 1e-4
    assert equivalence["largest_difference"]["drift"] > 1e-3  # the chains did move
    assert payload["cost"][0]["ratio_to_gcn"]["jem_full_graph"] > payload["cost"][0]["ratio_to_gcn"]["jem"]


def test_entropy_gradient_quick_measures_every_setting(tmp_path):
    output = entropy_gradient.main(["--quick", "--output", str(tmp_path / "gradient.json")])
    payload = json.loads(output.read_text())
    assert set(payload["scaling"]) == set(payload["overhead"]) == {"compiled", "pytorch", "pytorch_tuned_allocator"}
    assert all(row["compiled_step"] == native.available() for row in payload["scaling"]["compiled"])
    assert not any(row["compiled_step"] for row in payload["scaling"]["pytorch"])
    assert not payload["overhead"]["pytorch"]["compiled_step"]
    [dense] = payload["dense"]
    assert dense["max_abs_difference"] < 1e-4 and dense["speedup"] > 1
    assert all(row["peak_extra_bytes"] > 0 for rows in payload["scaling"].values() for row in rows)


def test_deep_epoch_speed_quick_compares_the_paths_and_the_floor(tmp_path):
    from benchmarks import deep_epoch_speed

    payload = json.loads(deep_epoch_speed.main(["--quick", "--output", str(tmp_path / "speed.json")]).read_text())
    [row] = payload["rows"]
    assert set(row["median_seconds"]) == {"basic/pyg", "basic/ours", "entropic/pyg", "entropic/ours", "floor"}
    assert row["speedup"]["basic"] == row["median_seconds"]["basic/pyg"] / row["median_seconds"]["basic/ours"]
    assert payload["summary"]["speedup_met"] == (row["speedup"]["basic"] >= payload["targets"]["basic_speedup_at_depth_64"])
    assert payload["threads"] == 1 and payload["provenance"]["git"] is not None


def test_chapter_times_lists_the_pages_with_code_and_times_a_kernel(tmp_path, monkeypatch):
    import os
    from pathlib import Path

    import nbformat
    import pytest

    from benchmarks import chapter_times

    root = Path(__file__).resolve().parent.parent
    pages = [p.relative_to(root).as_posix() for p in chapter_times.chapters(root)]
    assert pages[0] == "book/intro.md" and "book/jem_results.ipynb" in pages
    assert "book/api.md" not in pages and "book/notation.md" not in pages  # no code cells
    monkeypatch.setenv("CI", "true")
    with chapter_times.environment({"ENERGYGNN_QUICK": "1"}):
        assert os.environ["ENERGYGNN_QUICK"] == "1" and "CI" not in os.environ
    assert os.environ["CI"] == "true" and "ENERGYGNN_QUICK" not in os.environ
    page = tmp_path / "page.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import os, time; time.sleep(0.5); assert os.environ.get('ENERGYGNN_QUICK') == '1'")]), page)
    with chapter_times.environment({"ENERGYGNN_QUICK": "1"}):
        assert chapter_times.execute(page, timeout=60) >= 0.5
    with pytest.raises(RuntimeError, match="page.ipynb raised"):
        chapter_times.execute(page, timeout=60)  # the kernel sees quick mode off


def test_the_chapter_times_table_has_a_row_per_page_and_the_totals():
    from energygnn.reporting.benchmarks import chapter_times_table

    result = {"modes": ["quick", "full"], "seconds": {"book/a.ipynb": {"quick": 1.2, "full": 30.4},
                                                       "book/b.md": {"quick": 2.0, "full": 2.6}},
              "total_seconds": {"quick": 3.2, "full": 33.0}, "wall_seconds": 40.0,
              "provenance": {"machine": {"cpu": "AMD EPYC", "cpu_count": 2, "torch_threads": 1},
                             "versions": {"torch": "2.13.0"}, "git": {"commit": "0123456789abcdef"},
                             "created": "2026-11-29T19:00:00"}}
    lines = chapter_times_table(result).splitlines()
    assert lines[0] == "| page | quick mode (s) | full mode (s) |"
    assert lines[2] == "| `book/a.ipynb` | 1 | 30 |" and lines[4] == "| **all pages** | **3** | **33** |"
    assert "AMD EPYC (2 cores" in lines[-1] and "`0123456789`" in lines[-1]


def test_scaling_summary_from_measured_jobs():
    from benchmarks.scaling import per_process, summarise

    job = {"config": {"epochs": 3}, "result": {"ranks": [
        {"train_nodes": 300, "train_epoch_seconds": [9.0, 1.0, 3.0], "peak_memory_bytes": 2**30},
        {"train_nodes": 300, "train_epoch_seconds": [9.0, 2.0, 2.0], "peak_memory_bytes": 2**31}]}}
    ranks = per_process(job)  # the first epoch (warm-up) is left out: medians 2 and 2
    assert [r["nodes_per_second"] for r in ranks] == [50.0, 50.0]
    assert [r["peak_memory_gib"] for r in ranks] == [1.0, 2.0]
    speeds = {("basic", 1, 1): 100.0, ("basic", 1, 2): 150.0, ("basic", 2, 1): 180.0,
              ("entropic", 1, 1): 80.0, ("entropic", 1, 2): 100.0, ("entropic", 2, 1): 120.0}
    summary = summarise([{"model": m, "processes": p, "threads": t, "nodes_per_second": v}
                         for (m, p, t), v in speeds.items()])
    assert summary["basic"] == {"two_processes_over_one_thread": 1.8, "two_processes_over_two_threads": 1.2}
    assert summary["entropic"]["two_processes_over_one_thread"] == 1.5
    assert summary["entropic_over_basic_time"] == {"1x1": 1.25, "1x2": 1.5, "2x1": 1.5}


def test_numerics_cost_measures_a_process_under_the_profile_in_force():
    from benchmarks import numerics_cost
    from energygnn import numerics

    measured = numerics_cost.measure(quick=True, epochs=1, warmup=0)
    assert measured["profile"] == numerics.profile() and measured["in_force"]
    assert set(measured["epoch_seconds"]) == {"basic", "entropic"} and measured["entropy_gradient_seconds"] > 0


def test_reproduction_quick_re_runs_committed_runs_bit_for_bit(tmp_path, committed_numerics):
    from benchmarks import reproduction

    payload = json.loads(reproduction.main(["--quick", "--output", str(tmp_path / "r.json")]).read_text())
    assert payload["summary"]["experiments"] == ["figure2"] and payload["summary"]["all_identical"]
    assert all(row["numbers"] > 0 and row["profile"] == "x86-64-v3" for row in payload["rows"])
