"""Benchmark results (``results/benchmarks/<name>.json``), loaded and tabulated for the chapters."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..config import results_root
from ..provenance import read_json
from .labels import STEP_SETTING_LABELS
from .tables import markdown_table


def load_benchmark(name: str, root: Path | None = None) -> dict[str, Any]:
    """The stored benchmark ``name``.

    Raises:
        FileNotFoundError: not run yet; the message gives the command.
    """
    path = Path(root or results_root()) / "benchmarks" / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `python -m benchmarks.{name} --no-quick`.")
    return read_json(path)


def deep_epoch_speed_table(result: dict[str, Any]) -> str:
    """Seconds per epoch (step and metrics) of the basic GCN on PyG's path and ours, the
    dense-product floor, the speed-up, and the entropic GCN's epoch on our path over the basic one's."""
    rows = []
    for row in result["rows"]:
        s = row["median_seconds"]
        rows.append([row["dataset"], row["depth"], f"{s['basic/pyg']:.3f}", f"{s['basic/ours']:.3f}",
                     f"{s['floor']:.3f}", f"**{row['speedup']['basic']:.2f}x**", f"{row['ours_over_floor']:.2f}",
                     f"{row['entropic_over_basic']:.3f}"])
    return markdown_table(["dataset", "depth", "PyG (s)", "ours (s)", "floor (s)", "speed-up",
                           "ours / floor", "entropic / basic"], rows)


# Targets of benchmarks/entropy_gradient.py, judged on the package's default (compiled) step.
ENTROPY_GRADIENT_TARGETS = {"flatness": 1.5, "speedup_over_dense": 100.0, "overhead": 0.15}


def _met(met: bool) -> str:
    return "met" if met else "not met"


def benchmark_provenance(result: dict[str, Any]) -> dict[str, Any]:
    """Where and when a benchmark ran, as named values: ``cpu``, ``cores``, ``threads``, ``torch``,
    ``commit`` (10 characters), ``created``, ``minutes`` (its wall time)."""
    provenance = result["provenance"]
    return {"cpu": provenance["machine"]["cpu"], "cores": provenance["machine"]["cpu_count"],
            "threads": provenance["machine"]["torch_threads"], "torch": provenance["versions"]["torch"],
            "commit": (provenance["git"]["commit"] or "unknown")[:10], "created": provenance["created"],
            "minutes": result["wall_seconds"] / 60}


def deep_epoch_speed_facts(result: dict[str, Any]) -> dict[str, Any]:
    """The headline numbers of ``deep_epoch_speed`` (and where it ran: ``speed_machine``, ``speed_commit``):
    the basic GCN's speed-up over PyG's path at
    the deepest depth (worst and best over datasets) against its target, the speed-up an epoch at
    the dense-product floor would give there (``speedup_ceiling``, worst over datasets: PyG / floor),
    how close our epoch comes to the floor (worst ``ours / floor``), and the worst entropic/basic
    ratio against its target; ``*_met`` are ``"met"`` or ``"not met"``."""
    rows, targets, where = result["rows"], result["targets"], benchmark_provenance(result)
    deepest = [row for row in rows if row["depth"] == max(r["depth"] for r in rows)]
    speedups = [row["speedup"]["basic"] for row in deepest]
    ratio = max(row["entropic_over_basic"] for row in rows)
    ceiling = min(row["median_seconds"]["basic/pyg"] / row["median_seconds"]["floor"] for row in deepest)
    return {"speed_depth": deepest[0]["depth"], "speedup_worst": min(speedups), "speedup_best": max(speedups),
            "speedup_ceiling": ceiling,
            "speedup_target": targets["basic_speedup_at_depth_64"],
            "speedup_met": _met(min(speedups) >= targets["basic_speedup_at_depth_64"]),
            "floor_worst": max(row["ours_over_floor"] for row in rows),
            "ratio_worst": ratio, "ratio_target": targets["entropic_over_basic"],
            "ratio_met": _met(ratio <= targets["entropic_over_basic"]), "speed_threads": result["threads"],
            "speed_machine": where["cpu"], "speed_commit": where["commit"]}


def deep_epoch_cost_table(result: dict[str, Any]) -> str:
    """``deep_epoch_cost``: seconds per epoch of the basic and the entropic GCN and the median of
    the paired ratios, per dataset, depth and entropy step."""
    rows = [[row["dataset"], row["depth"], STEP_SETTING_LABELS[setting], f"{row['median_seconds']['basic']:.3f}",
             f"{row['median_seconds']['entropic']:.3f}", f"{row['median_ratio']:.3f}"]
            for setting, table in result["rows"].items() for row in table]
    return markdown_table(["dataset", "depth", "step", "basic (s/epoch)", "entropic (s/epoch)", "median ratio"], rows)


def deep_epoch_cost_facts(result: dict[str, Any]) -> dict[str, Any]:
    """``deep_epoch_cost``'s target and, per entropy step (``compiled``, ``pytorch``,
    ``pytorch_tuned_allocator``), the worst median entropic/basic ratio (``cost_<step>``) and
    whether it meets the target (``cost_<step>_met``)."""
    facts: dict[str, Any] = {"cost_target": result["target"], "cost_machine": benchmark_provenance(result)["cpu"]}
    for setting, summary in result["summary"].items():
        facts[f"cost_{setting}"] = summary["worst_median_ratio"]
        facts[f"cost_{setting}_met"] = _met(summary["met"])
    return facts


def entropy_scaling_table(result: dict[str, Any]) -> str:
    """``entropy_gradient``'s scaling, per entropy step: how much the time per node-plus-edge
    varies from 10^5 to 10^6 nodes, the peak extra memory there in multiples of the input, and the
    seconds of one evaluation at the largest graph (and of the naive gather/scatter version)."""
    flatness = result["summary"]["flatness_1e5_to_1e6"]
    rows = []
    for setting, scaling in result["scaling"].items():
        memory = [row["peak_extra_bytes"] / row["input_bytes"] for row in scaling if row["nodes"] >= 100_000]
        rows.append([STEP_SETTING_LABELS[setting], f"**{flatness[setting]:.2f}**",
                     f"{min(memory):.1f} to {max(memory):.1f}", f"{scaling[-1]['seconds']:.2f}"])
    largest = result["scaling"]["compiled"][-1]
    rows.append(["naive gather/scatter", "", "", f"{largest['naive_gather_scatter_seconds']:.2f}"])
    return markdown_table(["step", "time per (n + m), max / min from 10^5 nodes", "peak extra memory / input",
                           f"seconds at {largest['nodes']:,} nodes"], rows)


def entropy_dense_table(result: dict[str, Any]) -> str:
    """``entropy_gradient`` against the dense implementation, per real graph."""
    rows = [[row["dataset"], row["nodes"], f"{row['dense_seconds']:.3f}", f"{row['sparse_seconds'] * 1e3:.2f} ms",
             f"**{row['speedup']:.0f}x**", f"{row['max_abs_difference']:.1e}"] for row in result["dense"]]
    return markdown_table(["graph", "nodes", "dense (s)", "energygnn (s)", "speed-up", "max abs. difference"], rows)


def entropy_overhead_table(result: dict[str, Any]) -> str:
    """What one entropy step adds to a GCNConv layer, per entropy step and GCNConv variant:
    median times and the median paired overhead with its interquartile range."""
    rows = []
    for setting, measured in result["overhead"].items():
        for variant, label in (("gcnconv", "default"), ("gcnconv_cached", "cached=True")):
            row = measured[variant]
            low, high = row["overhead_interquartile_range"]
            rows.append([STEP_SETTING_LABELS[setting], label, f"{row['layer_seconds'] * 1e3:.1f}",
                         f"{row['layer_with_step_seconds'] * 1e3:.1f}", f"{row['step_seconds'] * 1e3:.2f}",
                         f"**{100 * row['overhead_with_step_vs_layer']:.0f} %** ({100 * low:.0f} to {100 * high:.0f} %)"])
    return markdown_table(["step", "GCNConv", "layer (ms)", "layer + step (ms)", "step alone (ms)",
                           "overhead (median, IQR)"], rows)


def entropy_gradient_facts(result: dict[str, Any]) -> dict[str, Any]:
    """The headline numbers of ``entropy_gradient`` and its targets
    (``ENTROPY_GRADIENT_TARGETS``, judged on the compiled step; ``*_met`` are ``"met"`` or
    ``"not met"``): flatness per step (``flatness_<step>``), the speed-up over the dense version on
    the largest graph, the overhead on a GCNConv layer per step (``overhead_<step>``, fractions)
    with the compiled step's interquartile range, and ``step_note``: a warning when the compiled
    kernels could not be built (else empty).

    Raises:
        ValueError: the result is a quick run; re-run ``python -m benchmarks.entropy_gradient --no-quick``.
    """
    if result["quick"]:
        raise ValueError("entropy_gradient: this is a quick run, not the full-size benchmark; "
                         "re-run `python -m benchmarks.entropy_gradient --no-quick`.")
    summary, targets = result["summary"], ENTROPY_GRADIENT_TARGETS
    largest = max(result["dense"], key=lambda row: row["nodes"])
    low, high = result["overhead"]["compiled"]["gcnconv"]["overhead_interquartile_range"]
    facts: dict[str, Any] = {f"flatness_{s}": v for s, v in summary["flatness_1e5_to_1e6"].items()}
    facts.update({f"overhead_{s}": v for s, v in summary["overhead_vs_gcnconv"].items()})
    facts.update({
        "flatness_target": targets["flatness"], "flatness_met": _met(facts["flatness_compiled"] <= targets["flatness"]),
        "dense_graph": largest["dataset"], "dense_nodes": largest["nodes"], "dense_speedup": largest["speedup"],
        "dense_target": targets["speedup_over_dense"], "dense_met": _met(largest["speedup"] >= targets["speedup_over_dense"]),
        "overhead_target": targets["overhead"], "overhead_met": _met(facts["overhead_compiled"] <= targets["overhead"]),
        "overhead_low": low, "overhead_high": high,
        "step_note": "" if all(row["compiled_step"] for row in result["scaling"]["compiled"]) else
        "In this run the compiled kernels could not be built: the default rows used the pure-PyTorch step.",
    })
    return facts


def plot_entropy_gradient_scaling(result: dict[str, Any]):
    """Time per node plus edge (left) and peak extra memory relative to the input (right) of one
    entropy-gradient evaluation against the number of nodes, per entropy step, with the naive
    gather/scatter version's time. Returns the Figure."""
    import matplotlib.pyplot as plt

    with plt.rc_context({"font.size": 12, "legend.fontsize": 11}):
        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2), layout="constrained")
        for (setting, rows), marker in zip(result["scaling"].items(), "os^"):
            nodes = [row["nodes"] for row in rows]
            left.plot(nodes, [row["ns_per_node_plus_edge"] for row in rows], marker + "-",
                      label=STEP_SETTING_LABELS[setting])
            right.plot(nodes, [row["peak_extra_bytes"] / row["input_bytes"] for row in rows], marker + "-")
        naive = result["scaling"]["compiled"]
        left.plot([row["nodes"] for row in naive],
                  [row["naive_gather_scatter_seconds"] / (row["nodes"] + row["edges"]) * 1e9 for row in naive],
                  "k--", alpha=0.6, label="naive gather/scatter")
        for axis in (left, right):
            axis.set_xscale("log")
            axis.set_xlabel("nodes $n$")
        left.set_yscale("log")  # the naive version is an order of magnitude above the others
        right.set_ylim(bottom=0)
        left.set_ylabel("ns per (n + m)")
        right.set_ylabel("peak extra memory / input size")
        fig.legend(*left.get_legend_handles_labels(), loc="outside lower center", ncols=4, frameon=False)
    plt.close(fig)
    return fig


def jem_epoch_cost_table(result: dict[str, Any]) -> str:
    """``jem_epoch_cost``: per dataset, the median epoch of the GCN, of GCN-JEM with the 2-hop
    sampler and with whole-graph SGLD, and their ratios to the GCN's."""
    rows = []
    for row in result["cost"]:
        s, r = row["median_seconds"], row["ratio_to_gcn"]
        rows.append([row["dataset"], row["num_nodes"], f"{row['mean_subgraph_nodes']:.0f}", f"{s['gcn'] * 1e3:.1f} ms",
                     f"{s['jem'] * 1e3:.1f} ms", f"{r['jem']:.2f}x", f"{s['jem_full_graph'] * 1e3:.0f} ms",
                     f"{r['jem_full_graph']:.1f}x"])
    return markdown_table(["dataset", "nodes", "2-hop nodes (mean)", "GCN epoch", "GCN-JEM epoch", "ratio",
                           "whole-graph SGLD", "ratio"], rows)


def jem_epoch_cost_facts(result: dict[str, Any]) -> dict[str, Any]:
    """``jem_epoch_cost``'s headline numbers: the GCN-JEM/GCN epoch ratio on the target's dataset
    against the target (``jem_cost_met`` is ``"met"`` or ``"not met"``), the whole-graph SGLD
    ratio, the largest 2-hop vs whole-graph sample difference over all batches, and where it ran."""
    summary, where = result["summary"], benchmark_provenance(result)
    return {"jem_cost_dataset": summary["dataset"], "jem_over_gcn": summary["jem_over_gcn"],
            "jem_cost_target": summary["target"], "jem_cost_met": _met(summary["met"]),
            "jem_full_graph_over_gcn": summary["jem_full_graph_over_gcn"],
            "jem_batches": sum(e["batches"] for e in result["equivalence"]),
            "jem_largest_sample_difference": max(e["largest_difference"]["samples"] for e in result["equivalence"]),
            "jem_repeats": result["cost"][0]["repeats"], "jem_cost_machine": where["cpu"],
            "jem_cost_threads": where["threads"], "jem_cost_commit": where["commit"]}


def chapter_times_table(result: dict[str, Any]) -> str:
    """Seconds to execute each page of the book from a fresh kernel, per mode (quick: what CI
    runs; full: ``ENERGYGNN_QUICK`` unset), with the total and where it was measured."""
    modes = result["modes"]
    where = benchmark_provenance(result)
    rows = [[f"`{page}`", *(f"{times[mode]:.0f}" for mode in modes)] for page, times in result["seconds"].items()]
    rows.append(["**all pages**", *(f"**{result['total_seconds'][mode]:.0f}**" for mode in modes)])
    header = ["page", *(f"{mode} mode (s)" for mode in modes)]
    return (markdown_table(header, rows) + f"\n\nMeasured on {where['cpu']} ({where['cores']} cores, CPU only), "
            f"commit `{where['commit']}`, {where['created'][:10]}; `python -m benchmarks.chapter_times --no-quick` "
            "re-measures it.")


def numerics_text(root: Path | None = None) -> str:
    """What the numerics profile costs and what it re-runs, in two sentences for the README, from
    the ``numerics_cost`` and ``reproduction`` benchmarks."""
    cost, again = load_benchmark("numerics_cost", root), load_benchmark("reproduction", root)
    summary, machine = cost["summary"], cost["provenance"]["machine"]
    cpu = " ".join(str(part) for part in (machine.get("cpu"), machine.get("cpu_family_model_stepping")) if part)
    rounds = len(cost["rounds"])
    return (f"On {cpu} (one torch thread, {rounds} rounds of alternating processes; `numerics_cost`), the "
            f"`x86-64-v3` profile costs {summary['entropic_epoch_ratio']:.3f}x native code per depth-64 epoch "
            f"of the entropic GCN on Cora, {summary['basic_epoch_ratio']:.3f}x for the basic GCN and "
            f"{summary['entropy_gradient_ratio']:.3f}x per entropy gradient (target: at most {cost['target']:.2f}x "
            f"per deep epoch). Under it, {again['summary']['identical']} of {again['summary']['runs']} committed "
            f"runs re-ran here bit for bit, one or two of every experiment and a `torchrun` job "
            f"({again['summary']['numbers_compared']:,} numbers; `reproduction`).")
