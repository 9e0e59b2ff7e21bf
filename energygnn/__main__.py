"""Command line: ``python -m energygnn run <experiment> [...]`` makes the results behind a table or figure.

    python -m energygnn list                         # every experiment, what it makes, its chapter
    python -m energygnn costs                        # what the committed runs cost here
    python -m energygnn list --readme README.md      # write either table into the README's section
    python -m energygnn run table1 --jobs 2          # Table 1 (runs citeseer_temperature first if needed)
    python -m energygnn run figure2 table1_authors_step
    python -m energygnn rerun table1 jem_table       # do committed runs re-run bit for bit here?

Results go to ``results/<experiment>/<run>.json`` (one file per run, with provenance); a run
whose file exists with the same config is read back, so an interrupted sweep resumes. ``--jobs``
runs that many worker processes with ``--threads`` torch threads each (default 1, so that every
run repeats bit for bit on any machine). In quick mode (``--quick``, or ``ENERGYGNN_QUICK``/``CI``
set) sizes are tiny and results go to ``_build/results-quick/`` unless ``--results`` says otherwise.
A folder or file that cannot be used ends the command with one line on stderr and exit status 2.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from .config import quick_mode, repo_root, results_root


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"seeds must be non-negative integers, got {value}")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def main(argv: list[str] | None = None) -> int:
    from .experiments.registry import EXPERIMENTS, get_experiment, run_experiments
    from .experiments.runner import SweepFailed

    parser = argparse.ArgumentParser(prog="python -m energygnn", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="the experiments, what they make and their chapters")
    costs = commands.add_parser("costs", help="what each experiment's committed runs cost (from results/)")
    for command, table in ((listing, "experiment"), (costs, "cost")):
        command.add_argument("--readme", type=Path, help=f"also write the table into this README's {table} section")
    run = commands.add_parser("run", help="run experiments (reusing stored runs)")
    run.add_argument("experiments", nargs="+", metavar="experiment",
                     help=f"one or more of: {', '.join(EXPERIMENTS)}")
    run.add_argument("--quick", action=argparse.BooleanOptionalAction, default=None,
                     help="tiny sizes (default: on when ENERGYGNN_QUICK or CI is set)")
    run.add_argument("--seeds", type=_non_negative, nargs="+", help="override the configured seeds")
    run.add_argument("--jobs", type=_positive, default=1, help="worker processes (default 1)")
    run.add_argument("--threads", type=_positive, default=1, help="torch threads per worker (default 1)")
    run.add_argument("--results", type=Path, help="results folder (default: results/, or _build/results-quick/ in quick mode)")
    run.add_argument("--force", action="store_true", help="re-run even when a matching result exists")
    again = commands.add_parser("rerun", help="re-run committed runs and compare every number (bit for bit)")
    again.add_argument("experiments", nargs="+", metavar="experiment", help=f"one or more of: {', '.join(EXPERIMENTS)}")
    again.add_argument("--runs", type=_positive, default=1,
                       help="the cheapest N finished runs of each (default 1; plus one with an entropy step)")
    again.add_argument("--results", type=Path, help="results folder (default: results/)")
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")

    if arguments.command in ("list", "costs"):
        return _print_table(arguments)
    if arguments.command == "rerun":
        return _rerun(parser, arguments)
    try:
        experiments = [get_experiment(name) for name in arguments.experiments]
    except ValueError as error:
        parser.error(str(error))
    quick = quick_mode() if arguments.quick is None else arguments.quick
    results = arguments.results or ((repo_root() or Path.cwd()) / "_build" / "results-quick" if quick else results_root())
    names = [experiment.name for experiment in experiments]
    if results.exists() and not results.is_dir():
        return _fail(" ".join(names), f"--results {results} is a file; give a folder (it is created if missing).")
    try:
        stored = run_experiments(names, quick, results, seeds=arguments.seeds, force=arguments.force,
                                 jobs=arguments.jobs, threads=arguments.threads)
    except SweepFailed as error:
        print(f"{' '.join(names)}: {error}", file=sys.stderr)
        return 1
    except (ValueError, OSError) as error:  # ResultsNotWritable is an OSError
        return _fail(" ".join(names), error)
    for name in names:
        print(f"{name}: {len(stored[name])} runs in {results / name}")
    return 0


def _rerun(parser: argparse.ArgumentParser, arguments: argparse.Namespace) -> int:
    """Re-run committed runs; exit 1 when any number differs."""
    from .experiments.registry import get_experiment
    from .experiments.rerun import choose_runs, committed_runs, rerun
    from .numerics import reproduces_committed

    try:
        names = [get_experiment(name).name for name in arguments.experiments]
    except ValueError as error:
        parser.error(str(error))
    results = arguments.results or results_root()
    if results.exists() and not results.is_dir():
        return _fail(" ".join(names), f"--results {results} is a file; give the folder of the committed runs.")
    chosen = {}
    for name in names:  # every committed run read before any re-runs
        try:
            chosen[name] = choose_runs(committed_runs(name, results), arguments.runs)
        except (ValueError, OSError) as error:
            return _fail(name, error)
    reproducible, reason = reproduces_committed()
    print(f"numerics: {reason}", file=sys.stderr)
    differing = 0
    for name, entries in chosen.items():
        for run in map(rerun, entries):
            differing += not run.identical
            verdict = "identical" if run.identical else f"{run.differing} differ (first: {run.first_difference})"
            print(f"{name}/{run.key}: {run.numbers} numbers, {verdict} [{run.seconds:.1f} s]")
    return 1 if differing else 0


def _print_table(arguments: argparse.Namespace) -> int:
    """Print the experiment table (``list``) or the cost table (``costs``); with ``--readme``,
    write it into the README's section too."""
    from .readme import experiment_table, rewrite_sections

    try:
        if arguments.command == "list":
            sections = {"experiments": experiment_table()}
        else:
            from .reporting.benchmarks import numerics_text
            from .reporting.costs import cost_table

            sections = {"costs": cost_table(), "numerics": numerics_text()}
        if arguments.readme:
            rewrite_sections(arguments.readme, sections)
    except (ValueError, OSError) as error:  # a README or results file that cannot be used
        return _fail(arguments.command, error)
    print("\n\n".join(sections.values()))
    return 0


def _fail(prefix: str, error: Exception | str) -> int:
    """Report an error in one line on stderr (an operating system error as its file and reason);
    exit status 2."""
    if isinstance(error, OSError) and error.filename:
        error = f"{error.filename}: {error.strerror or error}"
    print(f"{prefix}: {' '.join(str(error).split())}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
