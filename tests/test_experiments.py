import json
from pathlib import Path

import pytest
import torch

from energygnn.__main__ import main
from energygnn.config import results_root
from energygnn.experiments import paper1, paper2, registry
from energygnn.experiments.registry import EXPERIMENTS, Experiment, experiment_runs, run_experiment, run_experiments
from energygnn.experiments.results import load_experiment, provenance_summary, result_files
from energygnn.experiments.runner import SWEEP_FOLDER, CorruptResultError, Run, SweepFailed, execute, load_cached, sweep
from energygnn.experiments.training import build_training, train_node_classifier
from energygnn.history import metrics_protocol, record_split_metrics
from energygnn.provenance import read_json


def counting_work(calls):
    def work(config):
        calls.append(config["x"])
        return {"square": config["x"] ** 2}
    return work


def test_execute_stores_provenance_and_reuses_a_matching_result(tmp_path):
    calls = []
    run = Run("demo", "x3", {"x": 3})
    first = execute(run, counting_work(calls), tmp_path)
    second = execute(run, counting_work(calls), tmp_path)
    assert calls == [3] and first == second
    stored = json.loads(run.path(tmp_path).read_text())
    assert stored["result"] == {"square": 9} and stored["config"] == {"x": 3}
    assert {"versions", "git", "machine", "created"} <= set(stored["provenance"]) and stored["wall_seconds"] >= 0


def test_a_changed_config_is_re_run(tmp_path):
    calls = []
    execute(Run("demo", "x", {"x": 2}), counting_work(calls), tmp_path)
    assert load_cached(Run("demo", "x", {"x": 5}), tmp_path) is None
    assert execute(Run("demo", "x", {"x": 5}), counting_work(calls), tmp_path)["result"] == {"square": 25}
    assert calls == [2, 5]


def test_a_corrupt_file_is_reported_not_used(tmp_path):
    run = Run("demo", "x", {"x": 1})
    run.path(tmp_path).parent.mkdir(parents=True)
    run.path(tmp_path).write_text('{"config": {"x": 1}, "result": ')  # cut off mid-write
    with pytest.raises(CorruptResultError, match=r"x\.json is not valid JSON.*remove"):
        execute(run, counting_work([]), tmp_path)
    run.path(tmp_path).write_text('{"something": "else"}')
    with pytest.raises(CorruptResultError, match="not a results file"):
        execute(run, counting_work([]), tmp_path)


def test_an_experiments_files_are_listed_in_key_order_without_reading_them(tmp_path):
    assert result_files("demo", tmp_path) == []
    with pytest.raises(FileNotFoundError, match="python -m energygnn run demo"):
        load_experiment("demo", tmp_path)
    (tmp_path / "demo").mkdir()
    for key in ("b", "a"):
        (tmp_path / "demo" / f"{key}.json").write_text("not read")  # a listing does not parse them
    assert [path.name for path in result_files("demo", tmp_path)] == ["a.json", "b.json"]


def test_an_interrupted_sweep_resumes_where_it_stopped(tmp_path):
    runs = [Run("demo", f"x{i}", {"x": i}) for i in range(5)]
    calls = []

    def interrupted(config):
        if config["x"] == 3:
            raise KeyboardInterrupt
        return counting_work(calls)(config)

    with pytest.raises(KeyboardInterrupt):
        sweep(runs, interrupted, tmp_path)
    assert sorted(p.name for p in (tmp_path / "demo").glob("*.json")) == ["x0.json", "x1.json", "x2.json"]
    assert not list((tmp_path / "demo").glob(".*"))  # no half-written file
    resumed = sweep(runs, counting_work(calls), tmp_path)
    assert calls == [0, 1, 2, 3, 4] and [r["result"]["square"] for r in resumed] == [0, 1, 4, 9, 16]


def tiny_config(**changes):
    config = {"dataset": "Cora", "model": "entropic", "depth": 2, "seed": 0, "epochs": 3, "lr": 0.01,
              "weight_decay": 0.0, "hidden_channels": 8, "model_options": {"temperature": 1.0},
              "energy_epochs": [2]}
    config.update(changes)
    return config


def test_training_records_history_energies_and_is_deterministic():
    first = train_node_classifier(tiny_config())
    second = train_node_classifier(tiny_config())
    assert first["status"] == "ok" and len(first["history"]["val_acc"]) == 3
    assert first["best_val_acc"] == max(first["history"]["val_acc"])
    assert len(first["layer_energies"]["2"]["plain"]) == 2
    for key in ("train_loss", "val_acc", "test_acc"):
        assert first["history"][key] == second["history"][key]
    assert first["layer_energies"] == second["layer_energies"]


def test_a_diverging_entropy_step_stops_the_run_with_its_reason():
    # lambda = 1e30 with a_i = 1 overflows float32's energies in the first forward
    result = train_node_classifier(tiny_config(depth=8, model_options={"weight": 1e30, "temperature": 0.1,
                                                                       "normalize": False}))
    assert result["status"].startswith("stopped at epoch 1:") and "overflow" in result["status"]
    assert result["best_val_acc"] is None and result["history"]["val_acc"] == []


def test_entropy_map_runs_cover_the_grid_once_per_seed():
    config = paper1.load_config(quick=False)
    section = config["entropy_maps"]
    runs = paper1.entropy_map_runs(config)
    settings = {(r.config["dataset"], r.config["seed"], r.config["model_options"]["weight"],
                 r.config["model_options"]["temperature"], r.config["model_options"]["normalize"]) for r in runs}
    assert len(settings) == len(runs) == (len(section["datasets"]) * len(section["seeds"]) * len(section["weights"])
                                          * len(section["temperatures"]) * len(section["normalize"]))
    assert {r.config["depth"] for r in runs} == {64} and {r.config["model"] for r in runs} == {"entropic"}
    assert [r.config["seed"] for r in runs] == sorted(r.config["seed"] for r in runs)  # seed by seed
    paper_setting = config["model_options"]["entropic"]
    assert any(r.config["model_options"] == paper_setting for r in runs)  # the paper's lambda, T and a_i


def test_the_chosen_entropy_setting_is_the_best_complete_one():
    scores = {(1.0, 10.0, True): [0.3, 0.3, 0.3], (10.0, 1.0, True): [0.5, 0.6, 0.7],
              (100.0, 0.1, False): [0.9, None, 0.9],  # diverged once: not eligible
              (1.0, 0.1, True): [0.95, 0.95]}  # a seed missing: not eligible
    assert paper1.choose_entropy_setting(scores, seeds=3) == (10.0, 1.0, True)
    assert paper1.choose_entropy_setting({(1.0, 1.0, True): [0.5], (2.0, 1.0, True): [0.5]}, seeds=1) == (1.0, 1.0, True)
    assert paper1.choose_entropy_setting({}, seeds=3) is None


def test_beyond_runs_plan_every_variant_with_its_step():
    config = paper1.load_config(quick=False)
    section = config["beyond_deep"]
    runs = paper1.variant_runs(config, results_root(), "beyond_deep")
    cells = {(r.config["dataset"], r.config["variant"], r.config["depth"], r.config["seed"]) for r in runs}
    assert len(cells) == len(runs) == (len(section["datasets"]) * len(section["variants"]) * len(section["depths"])
                                       * len(section["seeds"]))
    assert [r.config["seed"] for r in runs] == sorted(r.config["seed"] for r in runs)  # seed by seed
    chosen = {d: paper1.step_options(config, results_root(), d, "chosen") for d in section["datasets"]}
    assert chosen["Cora"] != chosen["CiteSeer"]  # each dataset's own map
    for r in runs:
        step, spec = r.config["model_options"].get("step"), section["variants"][r.config["variant"]]
        if "step" not in spec:
            assert step is None
        elif spec["step"] == "chosen":
            assert step == chosen[r.config["dataset"]]
        else:  # a dict of options over Table 1's, e.g. GRAND-l's
            assert step == {**paper1.table1_options(config, results_root(), r.config["dataset"]), **spec["step"]}
    assert {r.config["hidden_channels"] for r in runs} == {section["hidden_channels"]}


def test_table1_chosen_needs_the_whole_map_first(tmp_path):
    config = paper1.load_config(quick=True)
    with pytest.raises(FileNotFoundError, match="python -m energygnn run entropy_maps"):
        paper1.table1_chosen_runs(config, tmp_path)
    assert main(["run", "table1_chosen", "--quick", "--results", str(tmp_path)]) == 0  # runs the map first
    [run] = paper1.table1_chosen_runs(config, tmp_path)
    scores = paper1.entropy_map_scores(config, tmp_path, "Cora")
    best = max(scores, key=lambda setting: sum(scores[setting]))
    options = run.config["model_options"]
    assert (options["weight"], options["temperature"], options["normalize"]) == best


def test_metrics_come_from_the_training_forward_for_models_without_dropout():
    """Epoch 1's metrics are the untrained model's (the authors' protocol); with "after_step" they
    are those of the model after its first update."""
    config = tiny_config(epochs=1, energy_epochs=[], metrics="auto")
    expected = {}
    for protocol, updates in (("training_forward", 0), ("after_step", 1)):
        data, model, optimizer, scheduler = build_training(config)
        for _ in range(updates):
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(data.x, data.edge_index)[data.train_mask],
                                              data.y[data.train_mask], reduction="sum").backward()
            optimizer.step()
        history = {f"{split}_{metric}": [] for split in ("train", "val", "test") for metric in ("loss", "acc")}
        with torch.no_grad():
            record_split_metrics(history, model.eval()(data.x, data.edge_index), data)
        expected[protocol] = history
    auto = train_node_classifier(config)
    after = train_node_classifier({**config, "metrics": "after_step"})
    assert auto["metrics"] == "training_forward" and after["metrics"] == "after_step"
    for key, values in expected["training_forward"].items():
        assert auto["history"][key] == pytest.approx(values, rel=1e-6)
        assert after["history"][key] == pytest.approx(expected["after_step"][key], rel=1e-6)
    assert auto["history"]["val_loss"] != after["history"]["val_loss"]


def test_models_with_dropout_are_evaluated_after_the_step():
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout(0.5))
    assert metrics_protocol(model) == "after_step" and metrics_protocol(torch.nn.Linear(2, 2)) == "training_forward"
    with pytest.raises(ValueError, match="needs a model without dropout"):
        metrics_protocol(model, "training_forward")
    with pytest.raises(ValueError, match="metrics must be one of"):
        metrics_protocol(model, "sometimes")


def test_a_config_without_metrics_gets_the_fast_protocol():
    """One default, metrics_protocol's: "auto" (for a model without dropout, the training forward)."""
    import inspect

    assert inspect.signature(metrics_protocol).parameters["choice"].default == "auto"
    assert paper1.load_config(quick=False)["training"]["metrics"] == "auto"
    config = tiny_config(epochs=2, energy_epochs=[])
    assert "metrics" not in config
    default, auto = train_node_classifier(config), train_node_classifier({**config, "metrics": "auto"})
    assert default["metrics"] == auto["metrics"] == "training_forward"
    assert default["history"]["val_loss"] == auto["history"]["val_loss"]


def test_a_cached_quick_run_is_reproduced_when_re_run(tmp_path):
    [cached] = run_experiment("table1", True, tmp_path, seeds=[0])[-1:]
    [again] = run_experiment("table1", True, tmp_path, seeds=[0], force=True)[-1:]
    assert cached["config"] == again["config"]
    for key in ("best_val_acc", "test_acc_at_best_val", "layer_energies"):
        assert cached["result"][key] == again["result"][key]
    assert cached["result"]["history"]["train_loss"] == again["result"]["history"]["train_loss"]


@pytest.mark.parametrize("experiment", list(EXPERIMENTS))
def test_every_entry_point_runs_in_quick_mode(experiment, tmp_path, capsys):
    assert main(["run", experiment, "--quick", "--results", str(tmp_path)]) == 0
    files = list((tmp_path / experiment).glob("*.json"))
    assert files and all(json.loads(f.read_text())["config"] for f in files)
    [record] = [json.loads(f.read_text()) for f in (tmp_path / experiment / SWEEP_FOLDER).glob("*.json")]
    assert record["computed"] == len(files) and record["jobs"] == 1 and record["wall_seconds"] > 0
    assert f"{experiment}: {len(files)} runs in" in capsys.readouterr().out


def test_a_parallel_sweep_gives_the_sequential_results(tmp_path):
    sequential = run_experiment("table1", True, tmp_path / "one", jobs=1)
    parallel = run_experiment("table1", True, tmp_path / "two", jobs=2)
    assert [s["key"] for s in sequential] == [p["key"] for p in parallel]
    for one, two in zip(sequential, parallel):
        assert one["provenance"]["machine"]["torch_threads"] == two["provenance"]["machine"]["torch_threads"] == 1
        for key in ("train_loss", "val_acc", "test_acc"):
            assert one["result"]["history"][key] == two["result"]["history"][key]
    record = json.loads(next((tmp_path / "two" / "table1" / SWEEP_FOLDER).glob("*.json")).read_text())
    assert (record["jobs"], record["threads"], record["computed"]) == (2, 1, len(parallel))


def failing_when_x_is_2(config):
    if config["x"] == 2:
        raise RuntimeError("boom")
    return {"square": config["x"] ** 2}


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_failing_run_is_recorded_and_the_sweep_goes_on(jobs, tmp_path):
    runs = [Run("demo", f"x{i}", {"x": i}) for i in range(4)]
    with pytest.raises(SweepFailed, match="demo/x2: RuntimeError: boom") as failed:
        sweep(runs, failing_when_x_is_2, tmp_path, "demo", jobs=jobs)
    assert [s["key"] for s in failed.value.stored] == ["x0", "x1", "x3"]
    assert sorted(p.name for p in (tmp_path / "demo").glob("*.json")) == ["x0.json", "x1.json", "x3.json"]
    [record] = [json.loads(f.read_text()) for f in (tmp_path / "demo" / SWEEP_FOLDER).glob("*.json")]
    assert list(record["failures"]) == ["demo/x2"] and record["computed"] == 3


def test_registry_entries_name_their_functions_and_share_builders():
    """No lambdas: each entry names its run builder, work, order and config; experiments of one
    kind share one builder, which reads the section named after the experiment."""
    from collections import Counter

    for experiment in EXPERIMENTS.values():
        for function in (experiment.runs, experiment.work, experiment.order, experiment.load_config):
            assert "<lambda>" not in function.__qualname__ and "<locals>" not in function.__qualname__, experiment.name
    builders = Counter(experiment.runs for experiment in EXPERIMENTS.values())
    assert builders[paper1.table1_runs] == 5 and builders[paper1.variant_runs] == 6
    runs = experiment_runs("table1_g2_relu", False, results_root())
    assert {run.experiment for run in runs} == {"table1_g2_relu"}
    assert {run.config["model"] for run in runs} == set(paper1.load_config(False)["table1_g2_relu"]["models"])


# Experiments whose sweep has not finished: their committed runs are some of the planned ones
# (`python -m energygnn run <name>` resumes them); every other experiment is complete.
IN_PROGRESS: set[str] = set()


def test_every_committed_run_is_planned_with_its_stored_config():
    """The registry plans exactly the committed runs (a subset, for an experiment still in
    progress), each with the config it was made from."""
    root = results_root()
    for name in EXPERIMENTS:
        planned = {run.key: run for run in experiment_runs(name, False, root)}
        stored = {path.stem for path in (root / name).glob("*.json")}
        assert stored <= set(planned) if name in IN_PROGRESS else stored == set(planned), name
        for key in stored:
            run = planned[key]
            assert run.experiment == name and read_json(root / name / f"{key}.json")["config"] == run.config, key


def demo_runs(config, results, seeds=None, name="demo"):
    """Listed deepest last, to see that the runner does not sort by depth on its own."""
    return [Run(name, f"depth{depth}-seed{seed}", {"x": depth, "depth": depth, "seed": seed})
            for seed in seeds or [0] for depth in (1, 2, 3)]


def no_config(quick):
    return {}


def demo_square(config):
    return {"square": config["x"] ** 2}


def seed_then_deepest(run):
    return run.config["seed"], -run.config["depth"]


def test_each_experiment_gives_its_runs_order_in_a_sweep(tmp_path, monkeypatch):
    swept = []

    def record(runs, *args, **kwargs):
        swept.append([f"{run.experiment}/{run.key}" for run in runs])
        return [{"key": run.key} for run in runs]

    monkeypatch.setattr(registry, "sweep", record)
    for name, order in (("listed", registry.planned_order), ("ordered", seed_then_deepest)):
        monkeypatch.setitem(EXPERIMENTS, name, Experiment(name, "a demo", "book/intro.md", no_config,
                                                          demo_runs, demo_square, order=order))
    stored = run_experiments(["listed"], True, tmp_path, seeds=[1, 0])
    assert swept.pop() == [f"listed/depth{d}-seed{s}" for s in (1, 0) for d in (1, 2, 3)]  # as listed
    assert [entry["key"] for entry in stored["listed"]] == [f"depth{d}-seed{s}" for s in (1, 0) for d in (1, 2, 3)]
    run_experiments(["ordered"], True, tmp_path, seeds=[1, 0])
    assert swept.pop() == [f"ordered/depth{d}-seed{s}" for s in (0, 1) for d in (3, 2, 1)]
    # paper 1: seed by seed, deepest first; paper 2: seed by seed, across the experiments of one sweep
    run_experiments(["figure2"], True, tmp_path)
    depths = [int(key.split("depth")[1]) for key in swept.pop()]
    assert depths == sorted(depths, reverse=True)
    run_experiments(["jem_robustness", "jem_leave_out"], True, tmp_path, seeds=[1, 0])
    seeds = [int(key.rsplit("seed", 1)[1]) for key in swept.pop()]
    assert seeds == sorted(seeds) and len(seeds) == 2 * (len(paper2.robustness_runs(paper2.load_config(True), seeds=[0]))
                                                         + len(paper2.leave_out_runs(paper2.load_config(True), seeds=[0])))


def test_the_cli_refuses_bad_arguments_with_a_clear_message(tmp_path, capsys):
    for argv, message in ((["run", "table2"], "Unknown experiment 'table2'"),
                          (["run", "table1", "--seeds", "-1"], "non-negative"),
                          (["run", "table1", "--jobs", "0"], "positive integer")):
        with pytest.raises(SystemExit):
            main(argv)
        assert message in capsys.readouterr().err
    assert main(["run", "figure2", "--quick", "--seeds", "0", "--results", str(tmp_path)]) == 2
    assert "no seeds to choose" in capsys.readouterr().err
    assert main(["run", "table1", "--jobs", "64", "--quick", "--results", str(tmp_path)]) == 2
    assert "exceeds" in capsys.readouterr().err


def one_line_error(capsys) -> str:
    """The command's stderr: one line, no traceback."""
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in lines[0], lines
    return lines[0]


def test_every_path_the_cli_cannot_use_ends_in_one_line(tmp_path, capsys, monkeypatch):
    afile, missing = tmp_path / "afile", tmp_path / "missing"
    afile.write_text("")
    no_markers = tmp_path / "README.md"
    no_markers.write_text("# a README without generated sections\n")
    for argv, message in (
            (["costs", "--readme", str(missing / "README.md")], f"{missing}/README.md: No such file or directory"),
            (["list", "--readme", str(tmp_path)], f"{tmp_path}: Is a directory"),
            (["list", "--readme", str(no_markers)], f"{no_markers}: no experiments section: add the lines"),
            (["costs", "--readme", str(no_markers)], "no costs section"),
            (["run", "figure2", "--quick", "--results", str(afile)], f"figure2: --results {afile} is a file"),
            (["run", "figure2", "--quick", "--results", str(afile / "below")], f"Cannot write results to {afile}/below"),
            (["rerun", "figure2", "--results", str(afile)], f"figure2: --results {afile} is a file"),
            (["rerun", "figure2", "--results", str(missing)], f"No committed runs of 'figure2' in {missing}/figure2")):
        assert main(argv) == 2, argv
        assert message in one_line_error(capsys), argv
    assert no_markers.read_text() == "# a README without generated sections\n"
    corrupt = tmp_path / "results"
    (corrupt / "figure2").mkdir(parents=True)
    (corrupt / "figure2" / "basic-depth1.json").write_text('{"config": ')
    assert main(["rerun", "figure2", "--results", str(corrupt)]) == 2
    assert "basic-depth1.json is not valid JSON" in one_line_error(capsys)
    monkeypatch.setenv("ENERGYGNN_RESULTS", str(corrupt))
    assert main(["costs"]) == 2
    assert "basic-depth1.json is not valid JSON" in one_line_error(capsys)


def test_a_stored_run_that_cannot_be_read_is_reported_in_one_line(tmp_path, monkeypatch):
    from energygnn.experiments import runner

    run = Run("demo", "x1", {"x": 1})
    execute(run, counting_work([]), tmp_path)

    def unreadable(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(runner, "read_json", unreadable)
    with pytest.raises(CorruptResultError, match=r"Cannot read .*x1\.json \(Permission denied\)"):
        load_cached(run, tmp_path)
    with pytest.raises(SweepFailed) as failed:
        sweep([run, Run("demo", "x2", {"x": 2})], counting_work([]), tmp_path, "demo", record=False)
    assert "\n" not in str(failed.value) and "demo/x1: CorruptResultError: Cannot read" in str(failed.value)


def test_citeseer_table_needs_the_temperature_sweep_first(tmp_path):
    config = paper1.load_config(quick=False)
    with pytest.raises(FileNotFoundError, match="run citeseer_temperature"):
        paper1.table1_runs(config, tmp_path)


def test_figure2_energies_are_positive_and_per_draw(tmp_path):
    config = paper1.load_config(quick=True)
    run = paper1.figure2_runs(config)[0]
    result = paper1.untrained_energy(run.config)
    assert len(result["survey_energy"]) == run.config["draws"]
    assert all(value > 0 for value in result["survey_energy"] + result["authors_energy"])


def re_run_committed(experiment, key, work, set_torch_threads):
    # callers take the committed_numerics fixture: skipped where the profile cannot reproduce them
    """A committed full-size result and the same config run again now, on the thread count the
    result records (MKL's reductions depend on it)."""
    stored = read_json(results_root() / experiment / f"{key}.json")
    set_torch_threads(stored["provenance"]["machine"]["torch_threads"])
    return stored["result"], work(stored["config"])


@pytest.mark.parametrize("model", ["basic", "entropic", "entropic_authors", "g2", "pairnorm"])
def test_committed_figure2_runs_are_reproduced(model, set_torch_threads, committed_numerics):
    committed, again = re_run_committed("figure2", f"{model}-depth10", paper1.untrained_energy, set_torch_threads)
    for key in ("survey_energy", "authors_energy"):
        assert again[key] == pytest.approx(committed[key], rel=1e-6)


@pytest.mark.parametrize("setting", ["exact-lambda100-T10-normalized", "authors-lambda1-T10-plain"])
def test_committed_figure2_setting_runs_are_reproduced(setting, set_torch_threads, committed_numerics):
    committed, again = re_run_committed("figure2_settings", f"entropic-{setting}-depth10", paper1.untrained_energy,
                                        set_torch_threads)
    for key in ("survey_energy", "authors_energy"):
        assert again[key] == pytest.approx(committed[key], rel=1e-6)


@pytest.mark.parametrize("variant, model", [("exact", "entropic"), ("authors", "entropic_authors")])
def test_figure2_settings_repeat_figure2_at_the_papers_setting(variant, model):
    for depth in paper1.load_config(quick=False)["figure2"]["depths"]:
        setting = read_json(results_root() / "figure2_settings" / f"entropic-{variant}-lambda1-T10-normalized-depth{depth}.json")
        figure2 = read_json(results_root() / "figure2" / f"{model}-depth{depth}.json")
        assert setting["result"] == figure2["result"]  # the same models, draws and float64 arithmetic


@pytest.mark.parametrize("model", ["basic", "entropic"])
def test_a_committed_table1_run_is_reproduced_exactly(model, set_torch_threads, committed_numerics):
    # Table 1 was re-run from one commit with one step and one protocol, one thread per job
    committed, again = re_run_committed("table1", f"Cora-{model}-depth4-seed1", train_node_classifier,
                                        set_torch_threads)
    assert again["metrics"] == committed["metrics"] == "training_forward"
    for key in ("train_loss", "val_acc", "test_acc"):
        assert again["history"][key] == committed["history"][key], key
    for key in ("best_val_acc", "test_acc_at_best_val", "best_epoch"):
        assert again[key] == committed[key], key


def test_provenance_summary_counts_commits_threads_and_uncommitted_changes():
    def entry(commit, dirty, threads, **machine):
        return {"config": {"model": "entropic"}, "provenance": {"git": {"commit": commit, "dirty": dirty},
                               "machine": {"torch_threads": threads, **machine}}}
    text = provenance_summary([entry("a" * 40, False, 1), entry("a" * 40, True, 2, entropy_step="compiled"),
                               entry("b" * 40, False, 1, entropy_step="compiled")])
    assert text.startswith("3 runs from 2 commit(s) (`aaaaaaa` ×2, `bbbbbbb` ×1)")
    assert "1 made from a checkout with uncommitted changes" in text
    assert "threads per run: 1 ×2, 2 ×1" in text and "entropy step: compiled ×2 (not recorded for 1 entropic run(s)" in text
    assert "entropy step" not in provenance_summary([entry("a" * 40, False, 1)], entropy_step=False)
    assert "CPU: unknown ×3; numerics profile: not recorded (runs made before runs recorded it)" in text
    pinned = {"profile": "x86-64-v3", "in_force": True}
    text = provenance_summary([entry("a" * 40, False, 1, cpu="AMD EPYC", cpu_family_model_stepping="25/17/1",
                                     numerics=pinned),
                               entry("a" * 40, False, 1, cpu="AMD EPYC", numerics={**pinned, "in_force": False}),
                               entry("a" * 40, False, 1, cpu="AMD EPYC")])
    assert "CPU: AMD EPYC ×2, AMD EPYC 25/17/1 ×1" in text
    assert ("numerics profile: x86-64-v3 ×1, x86-64-v3 (not in force) ×1 (not recorded for 1 run(s) made before "
            "runs recorded it)") in text


def test_every_committed_result_names_the_clean_commit_it_came_from():
    files = sorted(results_root().glob("*/*.json"))
    assert files
    for path in files:
        git = read_json(path)["provenance"]["git"]
        assert git["dirty"] is False and len(git["commit"]) == 40, f"{path} was not made from a clean commit"


def test_one_quick_rule_for_both_papers_configs():
    from energygnn.experiments.configs import load_config

    full, quick = load_config("paper2", False), load_config("paper2", True)
    assert "quick" not in full["training"] and full["training"]["epochs"] == 500
    assert quick["training"]["epochs"] == 4 and quick["jem"]["sgld_steps"] == 2
    assert list(quick["jem_ablation"]["variants"]) == ["tau1"]  # a list selects entries of a mapping
    assert quick["jem_ablation"]["variants"]["tau1"] == full["jem_ablation"]["variants"]["tau1"]
    assert load_config("paper1", True)["table1"]["epochs"] == 3
    with pytest.raises(ValueError, match="no configuration 'paper3'"):
        load_config("paper3", True)


def test_ctrl_c_during_a_parallel_sweep_leaves_only_whole_files_and_it_resumes(tmp_path):
    """SIGINT to the whole process group (what Ctrl-C sends) once the first run is stored."""
    import os
    import signal
    import subprocess
    import sys
    import time

    command = [sys.executable, "-m", "energygnn", "run", "table1", "--quick", "--jobs", "2", "--results", str(tmp_path)]
    process = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not list((tmp_path / "table1").glob("*.json")) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)
    assert process.wait(timeout=60) != 0
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the workers end too, not after their queued runs
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        pytest.fail("sweep workers kept running after Ctrl-C")
    assert not [p.name for p in tmp_path.rglob("*") if p.name.endswith(".part")]
    stored = [read_json(p) for p in (tmp_path / "table1").glob("*.json")]
    assert stored and all(entry["result"]["history"] for entry in stored)
    assert main(["run", "table1", "--quick", "--results", str(tmp_path)]) == 0
    assert len(list((tmp_path / "table1").glob("*.json"))) == len(paper1.table1_runs(paper1.load_config(True), tmp_path))


def test_a_folder_that_cannot_be_written_stops_the_sweep_before_any_work(tmp_path):
    from energygnn.experiments.runner import ResultsNotWritable

    blocker = tmp_path / "not-a-folder"  # a file where the results folder should go: refused even for root
    blocker.write_text("")
    calls = []
    with pytest.raises(ResultsNotWritable, match=f"Cannot write results to {blocker}/demo .*--results"):
        sweep([Run("demo", "x1", {"x": 1})], counting_work(calls), blocker, "demo")
    assert calls == [] and blocker.read_text() == ""


def test_a_write_that_fails_midway_leaves_no_partial_file_and_is_recorded(tmp_path, monkeypatch):
    import json as json_module

    from energygnn import provenance

    def full_disk(payload, handle, **kwargs):
        handle.write('{"config": ')
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(provenance.json, "dump", full_disk)
    with pytest.raises(SweepFailed, match="No space left on device"):
        sweep([Run("demo", "x1", {"x": 1})], counting_work([]), tmp_path, "demo", record=False)
    monkeypatch.setattr(provenance.json, "dump", json_module.dump)
    assert [p.name for p in (tmp_path / "demo").iterdir()] == []


def test_stale_partial_files_are_removed_and_fresh_ones_kept(tmp_path):
    import os
    import time

    from energygnn.experiments.runner import STALE_PART_SECONDS, remove_stale_parts

    stale, fresh = tmp_path / ".a.json.x1.part", tmp_path / ".b.json.x2.part"
    for path in (stale, fresh):
        path.write_text('{"conf')
    old = time.time() - STALE_PART_SECONDS - 5
    os.utime(stale, (old, old))
    assert remove_stale_parts(tmp_path) == [stale] and fresh.exists() and not stale.exists()


def test_a_sweep_killed_again_and_again_ends_with_the_uninterrupted_results(tmp_path):
    """SIGKILL to the whole sweep (parent and workers) at random moments, resuming after each; then
    every result parses, none is missing or duplicated, and the numbers equal an uninterrupted
    sweep's. ENERGYGNN_KILLS sets the number of kills (3 here; `make faults` runs 20)."""
    import os
    import random
    import signal
    import subprocess
    import sys
    import time

    kills = int(os.environ.get("ENERGYGNN_KILLS", "3"))
    folder = tmp_path / "killed"
    command = [sys.executable, "-m", "energygnn", "run", "table1", "--quick", "--jobs", "2", "--results", str(folder)]
    chance = random.Random(0)
    for _ in range(kills):
        process = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(chance.uniform(0.5, 8.0))
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert main(["run", "table1", "--quick", "--results", str(folder)]) == 0
    reference = run_experiment("table1", True, tmp_path / "reference")
    stored = {path.name: read_json(path) for path in (folder / "table1").glob("*.json")}
    assert sorted(stored) == sorted(f"{entry['key']}.json" for entry in reference)
    for entry in reference:
        again = stored[f"{entry['key']}.json"]["result"]
        for key in ("train_loss", "val_acc", "test_acc"):
            assert again["history"][key] == entry["result"]["history"][key]


@pytest.mark.parametrize("change, message", [
    ({"datasets": ["Coraa"]}, "Unknown dataset|valid"),
    ({"models": ["basik"]}, "unknown model 'basik'"),
    ({"depths": [0]}, "depth must be a positive integer, got 0"),
])
def test_a_bad_config_is_refused_before_any_run_trains(change, message, tmp_path):
    from energygnn.experiments import paper2

    config = paper1.load_config(quick=True)
    config["table1_after_step"].update(change)
    with pytest.raises(ValueError, match=message):
        paper1.table1_runs(config, tmp_path, name="table1_after_step")
    config2 = paper2.load_config(quick=True)
    config2["jem_table"]["models"] = ["gcm"]
    with pytest.raises(ValueError, match="unknown model 'gcm'"):
        paper2.jem_runs(config2)


def test_two_sweeps_writing_one_folder_at_once_store_each_run_once(tmp_path):
    import subprocess
    import sys

    command = [sys.executable, "-m", "energygnn", "run", "table1", "--quick", "--results", str(tmp_path)]
    first, second = (subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                     for _ in range(2))
    assert first.wait(timeout=600) == 0 and second.wait(timeout=600) == 0, first.stderr.read() + second.stderr.read()
    expected = {f"{run.key}.json" for run in paper1.table1_runs(paper1.load_config(True), tmp_path)}
    files = list((tmp_path / "table1").glob("*.json"))
    assert {path.name for path in files} == expected
    assert all(read_json(path)["result"]["status"] == "ok" for path in files)
    records = [read_json(p) for p in (tmp_path / "table1" / SWEEP_FOLDER).glob("*.json")]
    assert sum(record["computed"] for record in records) <= 2 * len(expected)  # each computed at most twice


def test_a_committed_deep_entropic_run_of_the_re_run_is_reproduced(set_torch_threads, committed_numerics):
    stored = read_json(results_root() / "table1" / "Cora-entropic-depth16-seed0.json")
    assert stored["result"]["metrics"] == "training_forward"
    assert stored["provenance"]["machine"]["entropy_step"] == "compiled"
    set_torch_threads(stored["provenance"]["machine"]["torch_threads"])
    again = train_node_classifier(stored["config"])
    committed = stored["result"]
    assert again["history"]["train_loss"] == pytest.approx(committed["history"]["train_loss"], rel=1e-6)
    for key in ("val_acc", "test_acc"):
        assert again["history"][key] == committed["history"][key]
    assert again["layer_energies"] == committed["layer_energies"]


def test_robustness_runs_train_exactly_the_accuracy_tables_models():
    from energygnn.experiments import paper2
    from energygnn.experiments.jem_evaluation import evaluate_energy_gcn
    from energygnn.experiments.jem_training import train_energy_gcn

    config = paper2.load_config(quick=True)
    [table_run] = [r for r in paper2.jem_runs(config) if r.config["model"] == "jem"]
    [robustness_run] = [r for r in paper2.robustness_runs(config) if r.config["model"] == "jem"]
    evaluated = evaluate_energy_gcn(robustness_run.config)
    assert evaluated["test_acc"] == pytest.approx(train_energy_gcn(table_run.config)["final_test_acc"], abs=1e-7)
    calibration = evaluated["calibration"]
    assert calibration["scaled"]["val_nll"] <= calibration["plain"]["val_nll"] + 1e-9  # fitted on these nodes
    [prbcd], [flips] = evaluated["attacks"]["prbcd"], evaluated["attacks"]["random"]
    assert prbcd["budget"] == flips["budget"] == flips["flipped"] and prbcd["flipped"] <= prbcd["budget"]
    assert set(evaluated["ood"]) == {"structure", "feature"}


def test_a_committed_paper2_run_is_reproduced_with_its_spectra(committed_numerics):
    """GCN training and float64 eigenvalues (oneMKL's LAPACK, which its reproducibility mode would
    change): every stored number again, bit for bit, in a fresh process."""
    from energygnn.experiments.rerun import committed_runs, rerun

    [entry] = [e for e in committed_runs("jem_table", results_root()) if e["key"] == "Cora-gcn-seed4"]
    again = rerun(entry)
    assert again.numbers > 8000 and again.identical, again.first_difference


def test_comparing_results_counts_every_number_and_leaves_out_times():
    from energygnn.experiments.rerun import compare_results

    committed = {"loss": [1.0, float("nan")], "epoch_seconds": [0.1], "best": 3, "name": "a"}
    same = compare_results(committed, {"loss": [1.0, float("nan")], "epoch_seconds": [9.9], "best": 3, "name": "a"})
    assert same.identical and same.numbers == 3
    changed = compare_results(committed, {"loss": [1.0 + 2 ** -52, 0.0], "epoch_seconds": [0.1], "best": 3, "name": "b"})
    assert (changed.differing, changed.first_difference) == (3, "/loss/0")
    assert not compare_results(committed, {**committed, "loss": [1.0]}).identical
    assert compare_results(committed, {"loss": [1.0, float("nan")], "best": 3, "name": "a"}).first_difference == "/ (keys)"


def test_fresh_seeds_are_seeds_no_choice_saw_and_a_setting_runs_once(monkeypatch):
    config = paper1.load_config(quick=False)
    section = config["fresh_seeds"]
    assert not set(section["seeds"]) & (set(config["entropy_maps"]["seeds"]) | set(config["table1_chosen"]["seeds"]))
    runs = paper1.fresh_seed_runs(config, results_root())
    assert len(runs) == len(section["seeds"]) * len(section["datasets"]) * (2 + section["top_settings"])
    assert all(run.config["layer_measures"] and run.config["depth"] == 64 for run in runs)
    cora = paper1.table1_options(config, results_root(), "Cora")
    best = [cora, {**cora, "weight": 10.0}, {**cora, "weight": 100.0}]  # Table 1's setting among the best
    monkeypatch.setattr(paper1, "best_entropy_options", lambda *args: best)
    keys = [run.key for run in paper1.fresh_seed_runs(config, results_root(), seeds=[5]) if run.key.startswith("Cora")]
    assert keys == ["Cora-basic-depth64-seed5", "Cora-entropic-table1-depth64-seed5",
                    "Cora-entropic-lambda10-T10-normalized-depth64-seed5",
                    "Cora-entropic-lambda100-T10-normalized-depth64-seed5"]


def test_layer_measures_are_recorded_only_when_a_config_asks():
    [run] = [r for r in paper1.table1_runs(paper1.load_config(True), Path("unused")) if r.key == "Cora-entropic-depth4-seed0"]
    plain = train_node_classifier(run.config)
    measured = train_node_classifier({**run.config, "layer_measures": True})
    assert "layer_measures" not in plain
    assert measured["history"] == {**plain["history"], "epoch_seconds": measured["history"]["epoch_seconds"]}
    [epoch] = run.config["energy_epochs"]
    layers = measured["layer_measures"][str(epoch)]
    assert all(len(values) == run.config["depth"] for values in layers.values())
    # the raw energy is twice the plain mean node energy recorded beside it
    assert layers["raw_energy"] == pytest.approx([2 * e for e in measured["layer_energies"][str(epoch)]["plain"]])


def test_provenance_records_the_checkout_as_imported_not_as_it_is_when_a_run_ends(monkeypatch):
    # a sweep's runs must name the code that ran, even if the checkout is edited while it runs
    from energygnn import provenance

    monkeypatch.setattr(provenance, "git_commit", lambda: {"commit": "edited", "dirty": True})
    assert provenance.provenance()["git"] == provenance.CODE_AT_IMPORT
    assert provenance.CODE_AT_IMPORT["commit"] != "edited"


def test_step_saturation_is_one_in_the_linear_regime_and_falls_where_energies_reach_t():
    from energygnn.experiments.paper1 import saturation, step_saturation

    def config(temperature):
        return {"model": "entropic", "grid": {"rows": 3, "cols": 3}, "out_channels": 2, "depth": 3,
                "hidden_channels": 8, "draws": 2,
                "model_options": {"weight": 1.0, "temperature": temperature, "normalize": False}}

    linear = step_saturation(config(1e9))
    assert len(linear) == 3 and all(abs(value - 1) < 1e-6 for value in linear)
    hot = step_saturation(config(1e-3))  # energies far above T: P-bar near 0 or below
    assert all(value < 0.5 for value in hot)
    assert len(saturation(config(1e9))["mean_p_bar"]) == 2
