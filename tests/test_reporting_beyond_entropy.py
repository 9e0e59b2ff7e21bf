"""energygnn.reporting.beyond_entropy on hand-made runs: pairs, claims against the variants and Table 1."""
from energygnn.experiments.results import group_runs
from energygnn.reporting import Verdict
from energygnn.reporting import beyond_entropy as beyond
from energygnn.reporting.claims import claim_numbers
from energygnn.reporting.labels import variant_label

SECTION = {"datasets": ["Cora"], "depths": [16], "seeds": [0, 1, 2],
           "variants": {"gat": {}, "gat_entropic": {}, "gcnii": {}, "gcnii_entropic": {}, "lonely": {}}}


def run(variant, seed, accuracy, depth=16, model=None, test=None, status="ok"):
    config = {"dataset": "Cora", "variant": variant, "depth": depth, "seed": seed}
    if model is not None:
        config = {**config, "model": model}
        del config["variant"]
    return {"config": config, "result": {"status": status, "best_val_acc": accuracy,
                                         "test_acc_at_best_val": accuracy if test is None else test}}


def test_labels_and_pairs():
    assert variant_label("gat_entropic") == "GAT + entropy step"
    assert variant_label("middle_schedule") == "middle schedule (peak 10)"
    assert beyond.step_pairs(SECTION) == [("gat", "gat_entropic"), ("gcnii", "gcnii_entropic")]


def test_step_claims_compare_each_model_with_its_stepped_twin():
    stored = [run("gat", s, 0.50 + 0.01 * s) for s in range(3)] + [run("gat_entropic", s, 0.60 + 0.01 * s) for s in range(3)]
    stored += [run("gcnii", s, 0.80 + 0.01 * s) for s in range(3)] + [run("gcnii_entropic", s, 0.80 + 0.012 * s) for s in range(3)]
    stored += [run("gat", 7, 0.0, status="stopped at epoch 3: non-finite training loss nan")]
    claims = beyond.step_claims(beyond.beyond_groups(stored), SECTION)
    assert [c.judgement.verdict for c in claims] == [Verdict.HOLDS, Verdict.INCONCLUSIVE]
    assert claims[0].judgement.counts == (3, 3)  # the stopped run is left out
    assert [c.cell for c in claims] == [("Cora", "gat_entropic", 16), ("Cora", "gcnii_entropic", 16)]
    assert claims[0].text == "GAT + entropy step more accurate than GAT" and claims[0].family == "step:gat"


def test_variants_against_table1_use_the_sections_seeds_only():
    section = {"datasets": ["Cora"], "depths": [16], "seeds": [0, 1], "variants": {"middle_schedule": {}}}
    table1 = group_runs([run(None, s, 0.70, model="entropic") for s in range(2)]
                               + [run(None, 4, 0.99, model="entropic")], "dataset", "model", "depth")
    groups = beyond.beyond_groups([run("middle_schedule", s, 0.75 + 0.01 * s) for s in range(2)])
    (claim,) = beyond.table1_variant_claims(groups, table1, section)
    assert claim.cell == ("Cora", "middle_schedule", 16) and claim.family == "against_table1:middle_schedule"
    assert claim.judgement.counts == (2, 2) and claim.judgement.verdict is Verdict.HOLDS
    assert abs(claim.judgement.reference - 0.70) < 1e-12


def test_gcnii_anchor_in_percent_on_test_accuracy():
    groups = beyond.beyond_groups([run("gcnii", s, 0.9, depth=64, test=0.80 + 0.001 * s) for s in range(3)])
    claim = beyond.gcnii_anchor_claim(groups)
    assert claim.judgement.verdict is Verdict.FAILS and abs(claim.judgement.ours - 80.1) < 1e-9
    assert claim.judgement.reference == 85.5


def test_step_pairs_draw_a_panel_per_dataset_and_model_with_and_without_the_step():
    import matplotlib

    matplotlib.use("Agg")
    section = {"datasets": ["Cora", "CiteSeer"], "depths": [4, 16], "variants": {"grand": {}, "grand_entropic": {}}}
    stored = [dict(run(v, s, 0.5 + 0.1 * s, depth=d), config={"dataset": ds, "variant": v, "depth": d, "seed": s})
              for ds in ("Cora", "CiteSeer") for v in ("grand", "grand_entropic") for d in (4, 16) for s in range(2)]
    figure = beyond.plot_step_pairs(beyond.beyond_groups(stored), section, [("Cora", "grand"), ("CiteSeer", "grand")],
                                    "integration time")
    axes = figure.axes
    assert [a.get_title() for a in axes] == ["GRAND-l, Cora", "GRAND-l, CiteSeer"]
    assert axes[0].get_xlabel() == "integration time"
    assert [line.get_label() for line in axes[1].lines] == ["without", "with the step"]
    assert list(axes[0].lines[0].get_ydata()) == [0.55, 0.55]


def test_diffusion_energies_are_drawn_as_the_mean_over_draws():
    import matplotlib
    import torch

    matplotlib.use("Agg")
    figure = beyond.plot_diffusion_energies({"plain": torch.tensor([[4.0, 2.0], [2.0, 1.0]])}, step_size=0.5)
    (line,) = figure.axes[0].lines
    assert list(line.get_xdata()) == [0.5, 1.0] and list(line.get_ydata()) == [3.0, 1.5]


def test_the_variant_table_has_a_row_per_dataset_and_variant_and_extra_line():
    groups = beyond.beyond_groups([run("gat", s, 0.5) for s in range(3)])
    rows = beyond.variant_table(groups, SECTION, extra=[("Table 1", "gat", groups)]).splitlines()[2:]
    assert [row.split(" | ")[1] for row in rows] == ["GAT", "GAT + entropy step", "GCNII", "GCNII + entropy step",
                                                     "lonely", "Table 1"]
    assert "0.500 ± 0.000" in rows[0] and "not run" in rows[1]


def test_trained_energy_curves_keep_one_row_per_run_with_that_epoch():
    def stored_run(variant, seed, energies):
        entry = run(variant, seed, 0.5, depth=3)
        entry["result"]["layer_energies"] = {"100": {"plain": energies}} if energies else {}
        return entry

    groups = beyond.beyond_groups([stored_run("grand", 0, [3.0, 2.0, 1.0]), stored_run("grand", 1, [1.0, 1.0, 1.0]),
                                   stored_run("grand_entropic", 0, None)])
    curves = beyond.trained_energy_curves(groups, "Cora", ["grand", "grand_entropic"], 3)
    assert list(curves) == ["GRAND-l"] and curves["GRAND-l"].shape == (2, 3)
    figure = beyond.plot_diffusion_energies(curves, step_size=1.0, ylabel="mean node energy")
    assert list(figure.axes[0].lines[0].get_ydata()) == [2.0, 1.5, 1.0]
    assert not beyond.plot_diffusion_energies({}, step_size=1.0).axes[0].lines  # nothing stored: an empty panel


def test_claim_numbers_are_keyed_by_cell():
    groups = beyond.beyond_groups([run("gat", s, 0.5 + 0.01 * s) for s in range(3)] +
                                  [run("gat_entropic", s, 0.6 + 0.01 * s) for s in range(3)])
    numbers = claim_numbers(beyond.step_claims(groups, {**SECTION, "variants": {"gat": {}, "gat_entropic": {}}}))
    assert numbers == {"Cora_gat_entropic_16_ours": "0.610", "Cora_gat_entropic_16_reference": "0.510",
                       "Cora_gat_entropic_16_difference": "+0.100", "Cora_gat_entropic_16_verdict": "holds"}


def seeded(variant, values, depth=64, dataset="Cora", metric="best_val_acc", energies=None):
    """Runs of ``variant``, one per value, seeds 0, 1, ...; with ``energies`` a last-layer energy each."""
    runs = []
    for seed, value in enumerate(values):
        entry = run(variant, seed, value, depth=depth, test=value)
        entry["config"]["dataset"] = dataset
        if energies is not None:
            entry["result"]["layer_energies"] = {"100": {"plain": [1.0, energies[seed]]}}
        runs.append(entry)
    return runs


def test_gcnii_protocol_claims_judge_the_anchor_and_the_protocols_gain_on_test_accuracy():
    table1 = beyond.beyond_groups(seeded("gcnii", [0.79, 0.78, 0.80]))
    own = beyond.beyond_groups(seeded("gcnii_own_protocol", [0.850, 0.852, 0.848]))
    anchor, gain = beyond.gcnii_protocol_claims(table1, own)
    assert anchor.asked_by == gain.asked_by == "book"
    assert anchor.judgement.verdict is Verdict.HOLDS and anchor.judgement.margin.delta == 2.0  # percent
    assert abs(anchor.judgement.ours - 85.0) < 1e-9 and anchor.judgement.reference == 85.5
    assert gain.judgement.verdict is Verdict.HOLDS and abs(gain.judgement.difference - 6.0) < 1e-9
    nothing = beyond.gcnii_protocol_claims(table1, {})
    assert [c.judgement.verdict for c in nothing] == [Verdict.NOT_MEASURED] * 2
    assert beyond.gcnii_anchor_claim(table1).asked_by == "book"


def test_the_ode_check_pairs_runs_by_seed_for_accuracy_and_energy():
    section = {"datasets": ["Cora"], "depths": [4, 64], "energy_epochs": {"64": [100]}}
    # the seeds differ by 5 points, the two solvers by 0.1 point per seed: the pairs decide
    fine = beyond.beyond_groups(seeded("grand_entropic_fine", [0.60, 0.65, 0.70], energies=[10.0, 20.0, 30.0])
                                + seeded("grand_entropic_fine", [0.70, 0.75], depth=4))
    finer = beyond.beyond_groups(seeded("grand_entropic_finer", [0.601, 0.651, 0.699], energies=[10.1, 19.9, 30.2])
                                 + seeded("grand_entropic_finer", [0.70], depth=4))
    claims = beyond.ode_check_claims(fine, finer, section, 100)
    assert [c.cell for c in claims] == [("Cora", "grand_entropic_finer", 4), ("Cora", "grand_entropic_finer", 64),
                                        ("Cora", "grand_entropic_finer_energy", 64)]
    assert all(c.asked_by == "book" and c.family == "ode_check" for c in claims)
    assert claims[0].judgement.counts == (1, 1)  # only seed 0 ran both at t = 4
    assert claims[1].judgement.verdict is Verdict.HOLDS and claims[1].judgement.margin.family == "accuracy"
    assert claims[2].judgement.verdict is Verdict.HOLDS and claims[2].judgement.margin is beyond.SOLVER_ENERGY_MARGIN
    unpaired = beyond.judge([0.601, 0.651, 0.699], [0.60, 0.65, 0.70], "=", "accuracy")
    assert unpaired.verdict is Verdict.INCONCLUSIVE  # what the seeds' spread alone would allow
    far = beyond.beyond_groups(seeded("grand_entropic_finer", [0.50, 0.55, 0.60], energies=[20.0, 40.0, 60.0]))
    assert [c.judgement.verdict for c in beyond.ode_check_claims(fine, far, section, 100)[1:]] == [Verdict.FAILS] * 2


def test_schedule_shape_claims_separate_the_shape_from_the_total_weight():
    section = {"datasets": ["Cora"], "depths": [64], "seeds": [0, 1, 2]}
    schedule = beyond.beyond_groups(seeded("middle_schedule", [0.40, 0.41, 0.42]))
    constant = beyond.beyond_groups(seeded("schedule_mean_constant", [0.40, 0.42, 0.41]))
    table1 = group_runs([run(None, s, 0.30 + 0.01 * s, depth=64, model="entropic") for s in range(3)]
                        + [run(None, 3, 0.99, depth=64, model="entropic")], "dataset", "model", "depth")
    shape, weight = beyond.schedule_shape_claims(schedule, constant, table1, section)
    assert (shape.family, shape.cell, weight.family, weight.cell) == (
        "shape", ("Cora", "shape", 64), "weight", ("Cora", "schedule_mean_constant", 64))
    assert shape.asked_by == weight.asked_by == "book"
    assert shape.judgement.verdict is Verdict.INCONCLUSIVE and abs(shape.judgement.difference) < 1e-12
    assert weight.judgement.verdict is Verdict.HOLDS and weight.judgement.counts == (3, 3)  # seed 3 left out


def test_rk4s_stability_limit_and_factor():
    limit = beyond.rk4_stability_limit()
    assert abs(limit - 2.785) < 1e-3 and abs(beyond.rk4_factor(-limit) - 1) < 1e-9
    assert abs(beyond.rk4_factor(-limit + 0.01)) < 1 < abs(beyond.rk4_factor(-limit - 0.01))
    assert abs(beyond.rk4_factor(0.01) - 2.718281828459045 ** 0.01) < 1e-11  # exact to fourth order


def test_field_spectrum_matches_dense_jacobians_on_a_small_graph():
    """ARPACK on central-difference products finds the largest eigenvalues of each part's dense
    Jacobian (autograd through the pure-PyTorch entropy gradient; the diffusion is linear)."""
    import numpy as np
    import torch

    from energygnn.data import grid_graph
    from energygnn.entropy import entropy_gradient
    from energygnn.models import build_model
    from energygnn.nn import StepOptions

    graph = grid_graph(3, 4, num_features=2, generator=torch.Generator().manual_seed(0))
    step = {"weight": 2.0, "temperature": 1.0, "normalize": False, "detach": True}
    spectrum = beyond.field_spectrum(step, graph, time=1.0, step_size=0.5, hidden_channels=3, count=2)
    torch.manual_seed(0)
    model = build_model("grand", 2, 3, 2, hidden_channels=3, step_size=0.5, step=step).double().eval()
    with torch.no_grad():
        x0 = model.encoder(graph.x.double())
        field = model.field(x0, graph.edge_index)
        _, states = model(graph.x.double(), graph.edge_index, return_hidden=True)
    options = StepOptions.coerce(step, "test")

    def dense_largest(function, x):
        jacobian = torch.autograd.functional.jacobian(lambda y: function(y.reshape(x.shape)).reshape(-1), x.reshape(-1))
        values = np.linalg.eigvals(jacobian.numpy())
        return values[np.argsort(np.abs(values))][-1]

    # with x requiring a gradient, entropy_gradient takes its pure-PyTorch path, which autograd differentiates
    entropy_term = lambda y: options.weight * entropy_gradient(y, field.graph, options.temperature, options.normalize)
    expected = {"entropy_start": dense_largest(entropy_term, x0), "entropy_later": dense_largest(entropy_term, states[-1]),
                "diffusion": dense_largest(field.diffusion, x0)}
    for part, value in expected.items():
        assert abs(abs(spectrum[part][-1]) - abs(value)) < 1e-4 * max(1.0, abs(value)), part
    assert abs(spectrum["diffusion"][-1] + 1) <= 1 + 1e-6  # row-stochastic attention: within 1 of -1
    numbers = beyond.spectrum_numbers(spectrum, 1.0)
    assert numbers["rk4_limit"] == "2.79" and numbers["spectrum_time"] == "1"


def test_the_readings_follow_the_verdicts():
    table1 = beyond.beyond_groups(seeded("gcnii", [0.79, 0.78, 0.80]))
    own = beyond.beyond_groups(seeded("gcnii_own_protocol", [0.850, 0.852, 0.848]))
    short = beyond.beyond_groups(seeded("gcnii_own_protocol", [0.820, 0.822, 0.818]))
    assert "the gap was the protocol's" in beyond.gcnii_reading(beyond.gcnii_protocol_claims(table1, own), 6.5)
    assert "part of the gap, not all" in beyond.gcnii_reading(beyond.gcnii_protocol_claims(table1, short), 6.5)
    assert "not stored yet" in beyond.gcnii_reading(beyond.gcnii_protocol_claims(table1, {}), 6.5)
    section = {"datasets": ["Cora"], "depths": [64], "energy_epochs": {}}
    fine = beyond.beyond_groups(seeded("grand_entropic_fine", [0.60, 0.65, 0.70]))
    same = beyond.beyond_groups(seeded("grand_entropic_finer", [0.601, 0.651, 0.699]))
    apart = beyond.beyond_groups(seeded("grand_entropic_finer", [0.50, 0.55, 0.60]))
    assert "steps of 1/4 follow the ODE" in beyond.ode_check_reading(beyond.ode_check_claims(fine, same, section, 100))
    assert "not converged" in beyond.ode_check_reading(beyond.ode_check_claims(fine, apart, section, 100))
    assert "not stored yet" in beyond.ode_check_reading(beyond.ode_check_claims(fine, {}, section, 100))
    shape_section = {"datasets": ["Cora"], "depths": [64], "seeds": [0, 1, 2]}
    schedule = beyond.beyond_groups(seeded("middle_schedule", [0.40, 0.41, 0.42]))
    even = beyond.beyond_groups(seeded("schedule_mean_constant", [0.40, 0.42, 0.41]))
    low = beyond.beyond_groups(seeded("schedule_mean_constant", [0.30, 0.31, 0.32]))
    assert "no cell shows the shape" in beyond.shape_reading(beyond.schedule_shape_claims(schedule, even, {}, shape_section))
    assert "helps, beyond its total weight" in beyond.shape_reading(beyond.schedule_shape_claims(schedule, low, {}, shape_section))


def test_claims_say_who_asks_them():
    stored = [run("gat", s, 0.5) for s in range(2)] + [run("gat_entropic", s, 0.6) for s in range(2)]
    groups, section = beyond.beyond_groups(stored), {**SECTION, "variants": {"gat": {}, "gat_entropic": {}}}
    assert [c.asked_by for c in beyond.step_claims(groups, section)] == ["paper"]  # paper 1's generality claim
    assert [c.asked_by for c in beyond.pair_claims(groups, section, [("gat", "gat_entropic")], asked_by="book")] == ["book"]


def test_push_and_pull_along_an_edge_peak_where_theorem_3_1_puts_them():
    import math

    extremes = beyond.edge_push_pull()
    # the energy's rate u e^-u (1 - u) peaks where u^2 - 3u + 1 = 0
    assert math.isclose(extremes["rate_push"][0], (3 - math.sqrt(5)) / 2, abs_tol=1e-4)
    assert math.isclose(extremes["rate_pull"][0], (3 + math.sqrt(5)) / 2, abs_tol=1e-4)
    assert math.isclose(extremes["rate_pull"][1], -0.309, abs_tol=1e-3) and math.isclose(extremes["rate_push"][1], 0.161, abs_tol=1e-3)
    # the move e^-u (1 - u) sqrt(u): a pull about two thirds of the push
    assert math.isclose(extremes["move_push"][0], 0.219, abs_tol=1e-3) and math.isclose(extremes["move_pull"][0], 2.281, abs_tol=1e-3)
    assert beyond.push_pull_numbers() == {"rate_push_u": "0.38", "rate_pull_u": "2.62", "rate_ratio": "1.9",
                                          "move_ratio": "0.67"}


def test_citeseers_temperature_is_the_single_seed_sweeps_pick_with_its_spread():
    runs = beyond.load()
    numbers = beyond.citeseer_temperature_numbers(runs)
    assert numbers["citeseer_T"] == "30" and numbers["citeseer_sweep_depth"] == "16"
    assert float(numbers["citeseer_T_score"]) - float(numbers["citeseer_T10_score"]) < float(numbers["citeseer_two_sd"])
    assert "10" in numbers["citeseer_close"].split(", ")


def test_the_chapters_results_hold_the_papers_claims_and_the_books_questions():
    runs = beyond.load()
    results = beyond.paper_results(runs)
    assert {c.asked_by for key in ("architectures", "future_work") for c in results[key].claims} == {"paper"}
    assert {c.asked_by for key in ("diffusion", "diffusion_coarse", "deep_models", "checks")
            for c in results[key].claims} == {"book"}
    items = beyond.glance_items(runs)
    grouped = [claim for item in items if isinstance(item, tuple) for claim in item[1]]
    assert len(grouped) == len(set(grouped)) and all(item[1] for item in items if isinstance(item, tuple))
