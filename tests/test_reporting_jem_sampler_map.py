"""energygnn.reporting.jem_results.sampler_map and .input_scale: the sampler's settings and
GCN-JEMO's rescaled inputs, judged by the rules fixed before the runs."""
import pytest

from energygnn.ebm.sample_quality import QUALITY_MEASURES
from energygnn.reporting.claims import claims_table
from energygnn.reporting.jem_results import input_scale, sampler_map


def measures(scale):
    return {name: scale for name in QUALITY_MEASURES}


def map_run(alpha, noise, seed, accuracy, ratio, end_scale, steps=20, energy_end=-2.0, lost=False):
    """A run of the map whose chains start at distance 1.0 from the data by every measure and end
    at ``end_scale`` (nearer when below 1), with chain step ratio ``ratio``."""
    history = {"sgld_step_ratio": [ratio, ratio], "sgld_energy_start": [-1.0, -1.0], "sgld_energy_end": [-1.5, -1.5],
               "sgld_energy_noise_only": [-1.0 + 0.001 * seed, -1.0], "gen_loss": [0.1, 0.1], "clf_loss": [1.0, 1.0]}
    quality = {"short_run": {"start": measures(1.0), "samples": measures(end_scale + 0.01 * seed), "step_ratio": ratio,
                             "energies": {"data": -2.0, "start": -1.0, "samples": energy_end + 0.01 * seed},
                             "confidences": {"data": 0.8, "start": 0.3, "samples": 0.7}},
               "short_run_energies": [-1.0, -1.5, energy_end], "short_run_noise_only_energy": -1.0,
               "projection": {"data": [[0.0, 0.0], [0.1, 0.0]], "start": [[1.0, 1.0]], "short_run": [[0.5, 0.5]],
                              "buffer": [[0.9, 0.8]]},
               "gradients": {"lse": 10.0, "sgld": 0.002, "features": 100,
                             "partition_scale": {"sum": 5000.0, "mean": 2.0, "lse": 10.0, "none": 1.0}}}
    result = {"status": "stopped at epoch 3: x" if lost else "ok", "final_test_acc": accuracy, "history": history}
    if not lost:
        result["sample_quality"] = quality
    return {"key": f"a{alpha}-{noise}-{steps}-{seed}",
            "config": {"dataset": "Cora", "seed": seed, "noise_setting": noise, "temperature": 2e-4,
                       "jem": {"sgld_step_size": alpha, "sgld_noise": 0.01, "sgld_steps": steps, "init_low": -1.0,
                               "init_high": 1.0}},
            "result": result}


GCN = [{"config": {"seed": s}, "result": {"status": "ok", "final_test_acc": 0.80 + 0.001 * s}} for s in range(5)]


def test_a_cell_samples_only_when_every_measure_is_nearer_and_the_ratio_passes():
    runs = ([map_run(1, "jem", s, 0.80, 0.004, 0.5) for s in range(5)]          # nearer, but the noise moved them
            + [map_run(100, "jem", s, 0.801, 0.3, 0.5) for s in range(5)]       # samples and classifies
            + [map_run(1000, "jem", s, 0.30, 0.5, 2.0) for s in range(5)]       # runs away, does not classify
            + [map_run(1000, "langevin", s, 0.80, 0.5, 0.5, lost=s == 4) for s in range(5)])
    cells = {(c.step_size, c.noise_setting): c for c in sampler_map.sampler_cells(runs, GCN)}
    assert not cells[1, "jem"].samples and cells[1, "jem"].sampling_checks["step_ratio"] is False
    assert all(cells[1, "jem"].sampling_checks[name] for name in QUALITY_MEASURES)
    assert cells[100, "jem"].samples and str(cells[100, "jem"].classifies) == "holds"
    assert not any(cells[1000, "jem"].sampling_checks[name] for name in QUALITY_MEASURES)
    assert str(cells[1000, "jem"].classifies) == "fails"
    assert len(cells[1000, "langevin"].runs) == 4 and cells[1000, "langevin"].stopped == 1
    ordered = sampler_map.sampler_cells(runs, GCN)
    # both sample and classify: the longer drift wins
    assert sampler_map.closest_cell(ordered) == cells[1000, "langevin"]
    numbers = sampler_map.sampler_numbers(ordered)
    assert (numbers["map_cells"], numbers["map_runs"], numbers["map_lost"]) == (4, 19, 1)
    assert numbers["map_sampling"] == 2 and numbers["map_above_threshold"] == 3
    assert numbers["map_alpha_star_sum"] == pytest.approx(0.1 * 0.01 * 10 / (10.0 / 5000.0))
    assert numbers["jem_cell_step_size"] == 1 and numbers["map_start_norm"] == pytest.approx((100 / 3) ** 0.5)
    argument = sampler_map.sampler_argument(ordered)
    assert argument.startswith("Fresh noise has a lower energy than the data nodes in 0 of 4 settings")
    assert "Of the 3 settings whose chains pass the step-ratio threshold, 0 end below" in argument
    assert "**2 of 4 settings sample and classify**" in sampler_map.sampler_summary(ordered)
    past = sampler_map.past_threshold_summary(ordered)
    assert past.startswith("Those past the threshold: α=100") and past in sampler_map.sampler_summary(ordered)
    assert past not in sampler_map.sampler_summary(ordered, past_threshold=False)
    table = sampler_map.sampler_table(ordered)
    assert "4 (+1 lost)" in table and table.count("| yes |") == 2
    assert "1 → 0.52 **holds**" in sampler_map.quality_table(ordered)
    claims = sampler_map.sampler_claims(ordered)
    assert {claim.key for claim in claims} >= {"map_100_jem_20_classifies", "map_1000_jem_20_nearer_mmd"}
    assert "**fails**" in claims_table(claims)
    # one claim per cell: its verdict holds exactly where the cell samples and classifies
    settings = {(c.cell[0], c.cell[1]) if c.cell else c.key: c for c in sampler_map.setting_claims(ordered)}
    verdicts = {claim.key: str(claim.judgement) for claim in settings.values()}
    assert verdicts == {"map_1_jem_20_samples_and_classifies": "fails",  # the step ratio, held fixed, is below 0.1
                        "map_100_jem_20_samples_and_classifies": "holds",
                        "map_1000_jem_20_samples_and_classifies": "fails",
                        "map_1000_langevin_20_samples_and_classifies": "holds"}
    assert {claim.asked_by for claim in settings.values()} == {"book"}
    assert settings["map_1_jem_20_samples_and_classifies"].ours.startswith("5 of 6 sampling checks")
    figure = sampler_map.chain_figure(ordered)
    assert len(figure.axes) == 6 and figure.axes[0].get_title().startswith("α=1000, σ=0.01, η=20")


def test_the_map_asks_for_its_runs_and_the_gcn():
    with pytest.raises(ValueError, match="jem_table"):
        sampler_map.sampler_cells([map_run(1, "jem", 0, 0.8, 0.1, 0.5)], [])
    with pytest.raises(ValueError, match="jem_sampler_map"):
        sampler_map.sampler_cells([], GCN)


def test_the_scaling_table_divides_the_lse_gradient_by_each_reading_of_z():
    cells = sampler_map.sampler_cells([map_run(1, "jem", s, 0.8, 0.004, 0.5) for s in range(2)], GCN)
    table = sampler_map.scaling_table(cells)
    assert "| `sum` | 5000 | 0.002 | 5 |" in table and "| `none` | 1 | 10 | 0.001 |" in table


def test_input_scale_claims_compare_the_intervention_with_both_neighbours():
    rows = [input_scale.ScaleRow("Cora", "GCN-JEMO, row-normalised rows", (20.0, 22.0, 24.0), 0.25),
            input_scale.ScaleRow("Cora", "GCN-JEMO, raw rows", (71.9, 72.0, 72.1), 4.2),
            input_scale.ScaleRow("Cora", f"GCN-JEMO, {input_scale.SETTINGS['normalised-raw-norm'][1]}",
                                 (71.95, 72.0, 72.05), 4.2),
            input_scale.ScaleRow("Cora", "GCN, row-normalised rows", (80.0, 81.0, 80.5), 0.25)]
    claims = {claim.key: claim for claim in input_scale.scale_claims(rows)}
    assert str(claims["scale_Cora_beats_unscaled"].judgement) == "holds"
    assert str(claims["scale_Cora_as_raw"].judgement) == "holds"
    numbers = input_scale.scale_numbers(rows)
    assert numbers["scale_Cora_accuracy"] == pytest.approx(72.0) and numbers["scale_Cora_unscaled_norm"] == 0.25
    assert "| Cora | GCN-JEMO, raw rows | 4.2 | 72.0 ± 0.1 |" in input_scale.scale_table(rows)
    with pytest.raises(ValueError, match="jem_input_scale"):
        input_scale.scale_rows(None, [])
