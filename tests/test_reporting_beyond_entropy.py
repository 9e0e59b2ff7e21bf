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
    assert [c.judgement.verdict for c in claims] == [Verdict.HOLDS, Verdict.WITHIN_NOISE]
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
