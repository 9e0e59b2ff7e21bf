"""Command line: ``python -m energygnn run <experiment>`` makes the results behind one table or figure.

    python -m energygnn run citeseer-temperature   # CiteSeer's entropic T (run before table1)
    python -m energygnn run table1                 # Table 1 (and the runs of Figure 3)
    python -m energygnn run table1-authors-step    # Table 1's entropic GCN with the authors' step
    python -m energygnn run figure2                # Figure 2, untrained models on the grid
    python -m energygnn run figure3                # only the depth-64 runs of Table 1
    python -m energygnn run jem-table              # paper 2: accuracy table, spectra, calibration
    python -m energygnn run jem-ablation           # paper 2's open choices varied on Cora

Results go to ``results/<experiment>/<run>.json`` (one file per run, with provenance); a run
whose file exists with the same config is read back, so an interrupted sweep resumes. In quick
mode (``--quick``, or ``ENERGYGNN_QUICK``/``CI`` set) sizes are tiny and results go to
``_build/results-quick/`` unless ``--results`` says otherwise.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from .config import quick_mode, repo_root, results_root

PAPER1 = ("citeseer-temperature", "table1", "table1-authors-step", "figure2", "figure3")
PAPER2 = ("jem-table", "jem-ablation")
EXPERIMENTS = PAPER1 + PAPER2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m energygnn", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run one experiment (reusing cached runs)")
    run.add_argument("experiment", choices=EXPERIMENTS)
    run.add_argument("--quick", action=argparse.BooleanOptionalAction, default=None,
                     help="tiny sizes (default: on when ENERGYGNN_QUICK or CI is set)")
    run.add_argument("--seeds", type=int, nargs="+", help="override the configured seeds")
    run.add_argument("--results", type=Path, help="results folder (default: results/, or _build/results-quick/ in quick mode)")
    run.add_argument("--force", action="store_true", help="re-run even when a matching result exists")
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")

    if arguments.experiment in PAPER1:
        from .experiments.paper1 import run_experiment
    else:
        from .experiments.paper2 import run_experiment

    quick = quick_mode() if arguments.quick is None else arguments.quick
    results = arguments.results or ((repo_root() or Path.cwd()) / "_build" / "results-quick" if quick else results_root())
    stored = run_experiment(arguments.experiment, quick, results, seeds=arguments.seeds, force=arguments.force)
    print(f"{arguments.experiment}: {len(stored)} runs in {results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
