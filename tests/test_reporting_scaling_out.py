"""energygnn.reporting.scaling_out on hand-made runs: grouping, tables and claims."""
from energygnn.reporting import Verdict
from energygnn.reporting import scaling_out as scaling


def run(dataset, model, parts, seed, accuracy, status="ok"):
    result = {"status": status, "test_acc_at_best_val": accuracy, "best_val_acc": accuracy}
    if parts > 1:
        result["partitions"] = {"edges_kept": 1 / parts, "isolated": 0.5, "one_hop_interior": 0.1 / parts, "two_hop_interior": 0.01 / parts,
                                "energy_kept": 1.6 / parts, "step_kept": 2 / parts}
    return {"config": {"dataset": dataset, "model": model, "num_parts": parts, "seed": seed}, "result": result}


def stored():
    runs = []
    for seed in range(3):
        noise = 0.01 * seed
        runs += [run("Cora", "basic", 1, seed, 0.70 + noise), run("Cora", "basic", 4, seed, 0.50 + noise),
                 run("Cora", "entropic", 1, seed, 0.75 + noise / 10), run("Cora", "entropic", 4, seed, 0.7495 + noise / 10)]
    return runs + [run("Cora", "basic", 4, 9, 0.0, status="stopped at epoch 2: non-finite training loss nan")]


def test_groups_keep_finished_runs_by_dataset_model_and_partitions():
    groups = scaling.minibatch_groups(stored())
    assert sorted(groups) == [("Cora", "basic", 1), ("Cora", "basic", 4), ("Cora", "entropic", 1), ("Cora", "entropic", 4)]
    assert all(len(runs) == 3 for runs in groups.values())


def test_claims_follow_the_shared_rule():
    claims = {c.text: c.judgement for c in scaling.minibatch_claims(scaling.minibatch_groups(stored()), ["Cora"], [1, 4])}
    assert claims["Basic GCN: 4 partitions as accurate as full batch"].verdict is Verdict.FAILS
    # means 0.0005 apart with a spread of 0.001: the 2-SE interval lies inside the margin of one point
    assert claims["Entropic GCN: 4 partitions as accurate as full batch"].verdict is Verdict.HOLDS
    assert claims["4 partitions: entropic GCN more accurate than the basic GCN"].verdict is Verdict.HOLDS
    full = claims["full batch: entropic GCN more accurate than the basic GCN"]
    assert full.verdict is Verdict.HOLDS and abs(full.difference - 0.041) < 1e-12
    families = [c.family for c in scaling.minibatch_claims(scaling.minibatch_groups(stored()), ["Cora"], [1, 4])]
    assert families == ["partitions", "partitions", "step", "step"]


def test_tables_show_means_and_partition_shares():
    groups = scaling.minibatch_groups(stored())
    table = scaling.minibatch_table(groups, ["Cora"], ["basic", "entropic"], [1, 4], seeds=3)
    assert "| Cora | Basic GCN | 0.710 ± 0.010 | 0.510 ± 0.010 |" in table
    assert "full batch" in table.splitlines()[0] and "4 partitions" in table.splitlines()[0]
    shares = scaling.partition_table(scaling.run_partition_rows(groups, ["Cora"], [1, 4]))
    assert shares.splitlines()[2] == "| Cora | 4 | 25.0 % | 50.0 % | 2.5 % | 0.2 % | 40.0 % | 50.0 % |"
    assert len(shares.splitlines()) == 3  # full batch has no partitions to count


def test_scaling_table_lists_each_process():
    benchmark = {"jobs": [{"model": "entropic", "processes": 2, "threads": 1, "nodes_per_second": 3000.0,
                           "ranks": [{"nodes_per_second": 1000.0, "peak_memory_gib": 1.5},
                                     {"nodes_per_second": 2000.0, "peak_memory_gib": 1.25}]}]}
    assert scaling.scaling_table(benchmark).splitlines()[2] == "| Entropic GCN | 2 | 1 | 1,000, 2,000 | 3,000 | 1.50, 1.25 |"


def test_plot_scaling_stacks_each_process_of_a_job():
    def job(model, processes, threads, speed):
        return {"model": model, "processes": processes, "threads": threads, "nodes_per_second": speed * processes,
                "ranks": [{"nodes_per_second": speed, "peak_memory_gib": 1.0}] * processes}
    benchmark = {"jobs": [job("basic", 1, 1, 100.0), job("basic", 2, 1, 90.0), job("entropic", 1, 1, 80.0)]}
    figure = scaling.plot_scaling(benchmark)
    heights = sorted(round(patch.get_height()) for patch in figure.axes[0].patches)
    assert heights == [80, 90, 90, 100]  # the 2-process job as two stacked bars
    tops = [patch.get_y() + patch.get_height() for patch in figure.axes[0].patches]
    assert max(tops) == 180.0
    assert [t.get_text() for t in figure.axes[0].get_xticklabels()] == ["1 process x 1 thread", "2 processes x 1 thread"]


def test_the_expected_share_of_nodes_without_a_neighbour():
    assert scaling.expected_isolated_share([0, 0], 4) == 1.0
    assert scaling.expected_isolated_share([1, 2], 2) == (0.5 + 0.25) / 2
    # Jensen: the mean over degrees exceeds the value at the mean degree
    assert scaling.expected_isolated_share([1, 9], 4) > 0.75 ** 5
