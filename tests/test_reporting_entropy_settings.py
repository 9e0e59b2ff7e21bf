"""energygnn.reporting.entropy_settings on hand-made runs: the rules, not the committed results."""
import math

import pytest

from energygnn.data import grid_graph
from energygnn.experiments.results import group_runs
from energygnn.reporting import Verdict
from energygnn.reporting import entropy_settings as settings
from energygnn.reporting.labels import setting_label
from energygnn.reporting.runs import map_groups

SECTION = {"datasets": ["Cora"], "depth": 64, "weights": [1.0, 10.0], "temperatures": [1.0, 10.0],
           "normalize": [True, False], "seeds": [0, 1, 2]}
PAPER = {"weight": 1.0, "temperature": 10.0, "normalize": True, "detach": True}


def map_run(weight, temperature, normalize, seed, score, test=None):
    return {"config": {"dataset": "Cora", "model": "entropic", "depth": 64, "seed": seed,
                       "model_options": {"weight": weight, "temperature": temperature, "normalize": normalize}},
            "result": {"best_val_acc": score, "test_acc_at_best_val": score if test is None else test}}


def basic_runs(scores):
    return group_runs([{"config": {"dataset": "Cora", "model": "basic", "depth": 64, "seed": s},
                        "result": {"best_val_acc": v, "test_acc_at_best_val": v}} for s, v in enumerate(scores)],
                      "dataset", "model", "depth")


def test_the_chosen_map_setting_is_the_best_once_the_map_is_complete_and_the_claims_judge_it():
    scores = {(1.0, 10.0, True): 0.20, (10.0, 1.0, True): 0.40, (1.0, 1.0, False): 0.95}  # others 0.10
    stored = []
    for weight in SECTION["weights"]:
        for temperature in SECTION["temperatures"]:
            for normalize in SECTION["normalize"]:
                score = scores.get((weight, temperature, normalize), 0.10)
                for seed in range(3):
                    diverged = (weight, temperature, normalize) == (1.0, 1.0, False) and seed == 0
                    stored.append(map_run(weight, temperature, normalize, seed, None if diverged else score + 0.01 * seed,
                                          test=0.35 if score == 0.40 else None))
    maps = map_groups(stored)
    # the best mean (0.95) diverged once and is not eligible; the map is complete
    assert settings.map_progress(maps, SECTION, "Cora") == (8, 8)
    assert settings.chosen_setting(maps, SECTION, "Cora") == (10.0, 1.0, True)
    table1 = basic_runs([0.19, 0.20, 0.21])
    table = settings.map_table(maps, SECTION, table1)
    assert "0.410 ± 0.010 <br>test 0.350 <br>**holds** (±0.016)" in table and "1 diverged" in table
    assert settings.cell_values(maps, ("Cora", 1.0, 1.0, False)) == ([0.96, 0.97], 1)
    settings.plot_maps(maps, SECTION, table1)
    partial = map_groups([run for run in stored if run["config"]["seed"] == 0])
    assert settings.map_progress(partial, SECTION, "Cora") == (0, 8)
    assert settings.chosen_setting(partial, SECTION, "Cora") is None  # no choice from a partial map
    assert "one seed: not judged" in settings.map_table(partial, SECTION, table1)
    shallow = group_runs([{"config": {"dataset": "Cora", "model": "basic", "depth": 4, "seed": s},
                           "result": {"best_val_acc": v, "test_acc_at_best_val": v}}
                          for s, v in enumerate([0.80, 0.81, 0.82])], "dataset", "model", "depth")
    (claim,) = settings.shallow_claims({"Cora": [0.40, 0.41, 0.42]}, shallow, 64)
    assert claim.judgement.verdict is Verdict.FAILS and claim.judgement.ours == pytest.approx(0.41)
    assert claim.asked_by == "book"
    assert settings.shallow_claims({"Cora": []}, shallow, 64)[0].judgement.verdict is Verdict.NOT_MEASURED
    settings.plot_maps(partial, SECTION, table1)  # draws with missing seeds


def test_labels_read_as_plain_text():
    assert setting_label(10.0, 0.1, False) == "λ = 10, T = 0.1, aᵢ = 1"
    assert "√" in setting_label(1.0, 10.0, True)


def figure2_run(variant, normalize, weight, depth, energies):
    return {"config": {"model": "entropic", "depth": depth, "hidden_channels": 256,
                       "model_options": {"weight": weight, "temperature": 10.0, "normalize": normalize,
                                         "variant": variant}},
            "result": {"survey_energy": energies, "authors_energy": energies}}


def test_figure2_settings_are_judged_against_the_kept_level_and_predicted():
    stored = []
    for depth, kept, collapsed in ((1, 1.0, 1.0), (100, 2.0, 1e-40)):
        stored.append(figure2_run("exact", False, 100.0, depth, [kept, kept * 1.1, kept * 0.9]))
        stored.append(figure2_run("exact", True, 1.0, depth, [collapsed, collapsed * 2, collapsed * 3]))
    groups = settings.figure2_setting_groups(stored)
    basic = group_runs([{"config": {"model": "basic", "depth": d}, "result": {"survey_energy": [e, e]}}
                        for d, e in ((1, 1.0), (100, 1e-60))], "model", "depth")
    claims = settings.figure2_setting_claims(groups)
    assert [c.judgement.verdict for c in claims] == [Verdict.FAILS, Verdict.HOLDS]  # normalised first
    assert claims[1].judgement.reference == pytest.approx(math.log10(settings.KEPT_ENERGY))
    grid = grid_graph()
    predictions = settings.figure2_predictions(groups, basic, grid.edge_index, grid.num_nodes)
    assert [p.predicts_kept for p in predictions] == [False, True]  # a_i = 1, lambda 100 outgrows the decay
    facts = settings.figure2_prediction_facts(predictions)
    assert facts["agree"] == 2 and facts["disagree"] == 0 and facts["kept"] == 1
    assert facts["kept_low"] == pytest.approx(2.0) and "aᵢ = 1, λ = 100" in facts["kept_list"]
    assert "| exact | $a_i = 1$ | 100 |" in settings.figure2_prediction_table(predictions)
    settings.plot_figure2_settings(groups, basic)


def depth64_runs(model, values):
    """Cora runs of ``model`` at depth 64, seed i scoring ``values[i]`` (validation and test)."""
    return [{"config": {"dataset": "Cora", "model": model, "depth": 64, "seed": s},
             "result": {"best_val_acc": v, "test_acc_at_best_val": v}} for s, v in enumerate(values)]


def test_chosen_row_claims_compare_the_accuracy_at_the_deepest_depth():
    table1 = group_runs(depth64_runs("basic", [0.20, 0.21, 0.19]) + depth64_runs("entropic", [0.27, 0.28, 0.26]), "dataset", "model", "depth")
    chosen = group_runs(depth64_runs("entropic", [0.40, 0.41, 0.39]), "dataset", "model", "depth")
    claims = settings.chosen_row_claims(table1, chosen, ["Cora"], 64)
    assert [c.judgement.verdict for c in claims] == [Verdict.HOLDS, Verdict.HOLDS]
    assert [c.judgement.verdict for c in settings.chosen_row_claims(table1, {}, ["Cora"], 64)] == [Verdict.NOT_MEASURED] * 2


def test_chosen_row_claims_on_chosen_seeds_judge_only_those_seeds():
    # seeds 0-2 favour the chosen setting, seeds 3-4 do not
    table1 = group_runs(depth64_runs("basic", [0.20, 0.21, 0.19, 0.50, 0.52]) + depth64_runs("entropic", [0.2, 0.2, 0.2, 0.5, 0.5]),
                        "dataset", "model", "depth")
    chosen = group_runs(depth64_runs("entropic", [0.40, 0.41, 0.39, 0.30, 0.31]), "dataset", "model", "depth")
    fresh = settings.chosen_row_claims(table1, chosen, ["Cora"], 64, seeds={3, 4})
    assert [c.judgement.verdict for c in fresh] == [Verdict.FAILS, Verdict.FAILS]
    assert [c.judgement.counts for c in fresh] == [(2, 2), (2, 2)]
    assert "seeds 3, 4" in fresh[0].text
    first = settings.chosen_row_claims(table1, chosen, ["Cora"], 64, seeds=[0, 1, 2])
    assert [c.judgement.verdict for c in first] == [Verdict.HOLDS, Verdict.HOLDS]


def fresh_run(model, seed, score, setting=None):
    options = {} if setting is None else dict(zip(("weight", "temperature", "normalize"), setting))
    return {"config": {"dataset": "Cora", "model": model, "depth": 64, "seed": seed, "model_options": options},
            "result": {"best_val_acc": score, "test_acc_at_best_val": score - 0.01}}


def test_expected_best_of_k_is_the_mean_for_one_and_the_maximum_for_all():
    values = [0.1, 0.4, 0.2, 0.3]
    assert settings.expected_best_of(values, 1) == pytest.approx(0.25)
    assert settings.expected_best_of(values, 4) == pytest.approx(0.4)
    # best of 2 of 4: the 6 pairs' maxima 0.2, 0.3, 0.4, 0.3, 0.4, 0.4
    assert settings.expected_best_of(values, 2) == pytest.approx((0.2 + 0.3 + 0.4 + 0.3 + 0.4 + 0.4) / 6)
    assert settings.best_of_curve(values) == pytest.approx([settings.expected_best_of(values, k) for k in (1, 2, 3, 4)])
    with pytest.raises(ValueError, match="k must be between 1 and 4"):
        settings.expected_best_of(values, 5)


def test_fresh_seed_claims_judge_the_best_settings_and_single_out_a_flattered_choice():
    paper, best = (1.0, 10.0, True), (10.0, 1.0, True)
    stored = ([fresh_run("basic", s, 0.200 + 0.001 * s) for s in range(5, 10)]
              + [fresh_run("entropic", s, 0.260 + 0.001 * s, paper) for s in range(5, 10)]
              + [fresh_run("entropic", s, 0.400 + 0.001 * s, best) for s in range(5, 10)])
    fresh = settings.fresh_groups(stored, {"Cora": paper})
    assert set(fresh) == {("Cora", (10.0, 1.0, True)), ("Cora", "basic"), ("Cora", "table1")}
    claims = settings.fresh_claims(fresh, {"Cora": [best, paper]}, {"Cora": paper}, 64)
    assert [c.judgement.verdict for c in claims] == [Verdict.HOLDS, Verdict.HOLDS]  # Table 1's own setting skipped
    assert all(c.asked_by == "book" for c in claims) and "no. 1" in claims[0].text
    # about double: log2(0.40 / 0.20) seed by seed, close to 1
    (double,) = settings.double_claims(fresh, {"Cora": best}, ["Cora"], 64)
    assert double.judgement.verdict is Verdict.HOLDS and double.judgement.counts == (5, 1)
    # the choosing seeds (0-2 on the map) flattered the choice: 0.50 there, 0.40 fresh; the others stay level
    maps = map_groups([map_run(*best, seed, 0.500 + 0.001 * seed) for seed in range(3)])
    table1 = group_runs([{"config": {"dataset": "Cora", "model": model, "depth": 64, "seed": s},
                          "result": {"best_val_acc": base + 0.001 * (s + 5)}}
                         for model, base in (("basic", 0.200), ("entropic", 0.260)) for s in range(5)],
                        "dataset", "model", "depth")
    split = settings.selection_claims(fresh, maps, table1, {"Cora": best}, [0, 1, 2], 64)
    assert [c.judgement.verdict for c in split] == [Verdict.FAILS, Verdict.HOLDS, Verdict.HOLDS]
    assert split[0].judgement.difference == pytest.approx(0.407 - 0.501)
    table = settings.fresh_table(fresh, {"Cora": [best]}, maps, [0, 1, 2])
    assert "| Cora | no. 1 λ = 10, T = 1, aᵢ = 1/√(dᵢc) | 5 | 0.407 ± 0.002 | 0.397 | 0.501 |" in table
    settings.plot_selection({"Cora": [0.1, 0.5, 0.3]}, fresh, {"Cora": best})


def test_last_layers_p_bar_averages_the_last_layers_of_every_draw():
    from energygnn.reporting.entropy_settings.figure2 import SATURATION_LAYERS, last_layers_p_bar

    layers = [1.0] * 10 + [0.2] * SATURATION_LAYERS
    stored = [{"config": {"model_options": {"variant": "exact", "normalize": True, "weight": 100.0}, "depth": 1000},
               "result": {"mean_p_bar": [layers, [0.0] * (10 + SATURATION_LAYERS)]}}]
    groups = settings.figure2_setting_groups(stored)
    assert last_layers_p_bar(groups, "exact", True, 100.0) == pytest.approx(0.1)
    assert last_layers_p_bar(groups, "exact", True, 1.0) is None


def test_every_setting_is_measured_against_the_basic_gcn_on_the_wide_grid():
    from energygnn.reporting.entropy_settings import setting_measure_claims, setting_measure_groups, setting_measure_table

    def run(family, options, model, ranks, energies):
        return {"config": {"family": family, "model": model, "model_options": options, "features": 16, "depth": 1000},
                "result": {"scale_free_energy": energies, "centred_scale_free_energy": [0.02, 0.02],
                           "numerical_rank": [1.0, 1.0], "effective_rank": ranks}}

    strong = {"variant": "authors", "normalize": False, "weight": 100.0}
    stored = [run("figure2", {}, "basic", [1.01, 1.02], [1e-4, 1.1e-4]),
              run("settings", strong, "entropic", [9.0, 11.0], [1e-2, 2e-2])]
    settings, models = setting_measure_groups(stored)
    assert list(settings) == [("authors", False, 100.0, 16, 1000)] and list(models) == [("basic", 16, 1000)]
    claims = setting_measure_claims(settings, models, 16, 1000)
    assert [c.judgement.verdict for c in claims] == [Verdict.HOLDS, Verdict.HOLDS]
    assert all(c.asked_by == "book" for c in claims)
    table = setting_measure_table(settings, models, 16, 1000)
    assert "| basic GCN |  |  | 0.000105 | 0.02 | 1 | 1.02 |" in table and "| 100 | 0.015 |" in table


def test_the_dominant_mode_table_names_the_smooth_and_the_rough_modes():
    from energygnn.data import grid_graph
    from energygnn.reporting.entropy_settings import dominant_mode_table, dominant_modes

    grid = grid_graph(3, 3)
    modes = dominant_modes([("exact", False, 100.0)], grid.edge_index, grid.num_nodes, 10.0, 8)
    assert [mode.kind for _, mode in modes] == ["smooth", "rough"]
    table = dominant_mode_table(modes)
    assert "| none (Ã) |" in table and "rough |" in table
