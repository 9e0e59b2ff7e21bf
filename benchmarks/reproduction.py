"""Reproduction: committed runs re-run here under the numerics profile in force, every stored number
compared bit for bit (times and memory left out).

Full size: the cheapest finished run of every experiment (and its cheapest run with an entropy
step, if that is another), each in a fresh process on the torch threads it recorded, and the
scaling benchmark's end-to-end ``torchrun`` job (2 processes, 10^6 nodes). Quick: ``figure2``'s
cheapest runs only.

    python -m benchmarks.reproduction --no-quick   # writes results/benchmarks/reproduction.json
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

from tqdm.auto import tqdm

from benchmarks import argument_parser, output_path, quick_from, write_result
from energygnn.config import results_root
from energygnn.experiments.registry import EXPERIMENTS
from energygnn.experiments.rerun import Rerun, choose_runs, committed_runs, compare_results, rerun
from energygnn.numerics import describe
from energygnn.provenance import provenance, read_json

TORCHRUN_KEYS = ("best_val_acc", "test_acc_at_best_val", "best_epoch")  # what the benchmark stores of it


def rerun_torchrun(results: Path) -> dict:
    """The scaling benchmark's end-to-end job (entropic GCN, 2 processes) again; its stored numbers compared."""
    from benchmarks.scaling import torchrun

    stored = read_json(results / "benchmarks" / "scaling.json")
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="energygnn-reproduction-") as folder:
        job = torchrun(2, 1, [*stored["graph_arguments"], "--model", "entropic", "--epochs", str(stored["epochs"])],
                       Path(folder))
    committed = {key: stored["end_to_end"][key] for key in TORCHRUN_KEYS}
    comparison = compare_results(committed, {key: job["result"][key] for key in TORCHRUN_KEYS})
    return Rerun.of("benchmarks/scaling (torchrun, 2 processes)", "end_to_end", 1, stored["end_to_end"]["wall_seconds"],
                    time.perf_counter() - start, describe(), comparison).as_dict()


def main(argv=None) -> Path:
    parser = argument_parser(__doc__, "figure2's cheapest runs only")
    parser.add_argument("--experiments", nargs="+", choices=list(EXPERIMENTS), help="only these (default: all)")
    parser.add_argument("--no-torchrun", action="store_true", help="leave out the torchrun job")
    args = parser.parse_args(argv)
    quick = quick_from(args)
    output = output_path("reproduction", quick, args.output)
    results = results_root()
    names = args.experiments or (["figure2"] if quick else list(EXPERIMENTS))
    origin, start = provenance(), time.perf_counter()
    chosen = [entry for name in names for entry in choose_runs(committed_runs(name, results))]
    rows = []
    for entry in tqdm(chosen, desc="committed runs", unit="run"):
        rows.append(rerun(entry).as_dict())
    if not quick and not args.no_torchrun:
        rows.append(rerun_torchrun(results))
    summary = {"runs": len(rows), "identical": sum(row["identical"] for row in rows),
               "numbers_compared": sum(row["numbers"] for row in rows),
               "experiments": sorted({row["experiment"] for row in rows}),
               "all_identical": all(row["identical"] for row in rows)}
    payload = {"benchmark": "reproduction", "quick": quick, "rows": rows, "summary": summary, "numerics": describe()}
    return write_result(output, payload, start, origin, f"{summary['identical']} of {summary['runs']} runs identical "
                        f"({summary['numbers_compared']} numbers compared)")


if __name__ == "__main__":
    main()
