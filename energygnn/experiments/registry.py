"""Every experiment in one list: its name (also its results folder and its CLI name), the
table or figure it makes, its chapter, how its runs are built, what computes one run, and what
must exist first. The CLI, the README's command table (checked by a test), the tests and quick
mode all read this list."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import jem_evaluation, paper1, paper2, scaling
from .cache import Run, sweep

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Experiment:
    """One experiment. ``runs(config, results, seeds)`` lists its runs; ``work(run_config)`` computes one."""

    name: str
    makes: str
    chapter: str
    load_config: Callable[[bool], dict[str, Any]]
    runs: Callable[[dict[str, Any], Path, list[int] | None], list[Run]]
    work: Callable[[dict[str, Any]], dict[str, Any]]
    requires: tuple[str, ...] = ()
    seeded: bool = True

    @property
    def command(self) -> str:
        return f"python -m energygnn run {self.name}"


EXPERIMENTS: dict[str, Experiment] = {e.name: e for e in (
    Experiment("citeseer_temperature", "Paper 1: CiteSeer's temperature for the entropic GCN", "book/deep_training.ipynb",
               paper1.load_config, lambda c, r, s: paper1.citeseer_temperature_runs(c, seeds=s),
               paper1.train_node_classifier),
    Experiment("figure2", "Paper 1, Figure 2: energy of untrained deep models on a grid", "book/oversmoothing_grid.ipynb",
               paper1.load_config, lambda c, r, s: paper1.figure2_runs(c), paper1.untrained_energy, seeded=False),
    Experiment("figure2_settings", "Paper 1, Figure 2's entropic GCN under each step direction, energy normalisation and lambda",
               "book/entropy_settings.ipynb", paper1.load_config, lambda c, r, s: paper1.figure2_setting_runs(c),
               paper1.untrained_energy, seeded=False),
    Experiment("table1", "Paper 1, Table 1 and Figure 3 (layer energies of the depth-64 runs)", "book/deep_training.ipynb",
               paper1.load_config, lambda c, r, s: paper1.table1_runs(c, r, seeds=s), paper1.train_node_classifier,
               requires=("citeseer_temperature",)),
    Experiment("table1_authors_step", "Paper 1, Table 1's entropic GCN with the authors' step direction",
               "book/deep_training.ipynb", paper1.load_config,
               lambda c, r, s: paper1.table1_runs(c, r, seeds=s, name="table1_authors_step"),
               paper1.train_node_classifier, requires=("citeseer_temperature",)),
    Experiment("table1_after_step", "Paper 1, Table 1 cells with the metrics of a second forward after the step",
               "book/deep_training.ipynb", paper1.load_config,
               lambda c, r, s: paper1.table1_runs(c, r, seeds=s, name="table1_after_step"),
               paper1.train_node_classifier, requires=("citeseer_temperature",)),
    Experiment("table1_threads", "Paper 1, Table 1 cells re-run on two torch threads (rounding alone)",
               "book/deep_training.ipynb", paper1.load_config,
               lambda c, r, s: paper1.table1_runs(c, r, seeds=s, name="table1_threads"),
               paper1.train_node_classifier, requires=("citeseer_temperature",)),
    Experiment("table1_g2_relu", "Paper 1, Table 1's G2 with the authors' ReLU on the logits (depths 4 and 64)",
               "book/deep_training.ipynb", paper1.load_config,
               lambda c, r, s: paper1.table1_runs(c, r, seeds=s, name="table1_g2_relu"),
               paper1.train_node_classifier),
    Experiment("entropy_maps", "Paper 1: the entropic GCN at depth 64 over lambda x T, both energy normalisations",
               "book/entropy_settings.ipynb", paper1.load_config,
               lambda c, r, s: paper1.entropy_map_runs(c, seeds=s), paper1.train_node_classifier),
    Experiment("table1_chosen", "Paper 1, Table 1's entropic GCN at the setting chosen on each dataset's map",
               "book/entropy_settings.ipynb", paper1.load_config,
               lambda c, r, s: paper1.table1_chosen_runs(c, r, seeds=s), paper1.train_node_classifier,
               requires=("entropy_maps",)),
    Experiment("beyond_schedule", "Beyond paper 1: a per-layer lambda schedule and the undetached step (Table 1 cells)",
               "book/beyond_entropy.ipynb", paper1.load_config,
               lambda c, r, s: paper1.variant_runs(c, r, "beyond_schedule", s), paper1.train_node_classifier,
               requires=("citeseer_temperature",)),
    Experiment("beyond_architectures", "Beyond paper 1: GAT, GraphSAGE and GIN with and without the entropy step",
               "book/beyond_entropy.ipynb", paper1.load_config,
               lambda c, r, s: paper1.variant_runs(c, r, "beyond_architectures", s), paper1.train_node_classifier,
               requires=("entropy_maps",)),
    Experiment("beyond_deep", "Beyond paper 1: GCNII, APPNP and GRAND-l with and without the entropy step",
               "book/beyond_entropy.ipynb", paper1.load_config,
               lambda c, r, s: paper1.variant_runs(c, r, "beyond_deep", s), paper1.train_node_classifier,
               requires=("entropy_maps",)),
    Experiment("minibatch", "Scaling out: Table 1's GCNs at depth 16 on random node partitions against full batch",
               "book/scaling_out.ipynb", paper1.load_config, lambda c, r, s: scaling.minibatch_runs(c, s),
               scaling.train_on_partitions),
    Experiment("jem_table", "Paper 2: accuracy table, spectra, confidence and calibration", "book/jem_results.ipynb",
               paper2.load_config, lambda c, r, s: paper2.jem_runs(c, s), paper2.train_energy_gcn),
    Experiment("jem_ablation", "Paper 2: the open choices varied on Cora", "book/jem_results.ipynb",
               paper2.load_config, lambda c, r, s: paper2.ablation_runs(c, s), paper2.train_energy_gcn),
    Experiment("jem_readings", "Paper 2: GCN-JEM on Cora under each reading of Algorithm 1's Z",
               "book/jem_results.ipynb", paper2.load_config, lambda c, r, s: paper2.reading_runs(c, s),
               paper2.train_energy_gcn),
    Experiment("jem_robustness", "Paper 2's unmeasured claims: edge attacks, OOD shifts and temperature scaling",
               "book/jem_robustness.ipynb", paper2.load_config, lambda c, r, s: paper2.robustness_runs(c, s),
               jem_evaluation.evaluate_energy_gcn),
    Experiment("jem_leave_out", "Paper 2's unmeasured claims: OOD detection of classes left out of training",
               "book/jem_robustness.ipynb", paper2.load_config, lambda c, r, s: paper2.leave_out_runs(c, s),
               jem_evaluation.evaluate_leave_out),
    Experiment("jem_normalisation", "Paper 2: the accuracy table's runs with raw (not row-normalised) features",
               "book/jem_results.ipynb", paper2.load_config, lambda c, r, s: paper2.normalisation_runs(c, s),
               paper2.train_energy_gcn),
)}


def get_experiment(name: str) -> Experiment:
    """The experiment called ``name`` (hyphens are read as underscores)."""
    key = name.replace("-", "_")
    if key not in EXPERIMENTS:
        raise ValueError(f"Unknown experiment {name!r}; valid: {', '.join(EXPERIMENTS)}.")
    return EXPERIMENTS[key]


def experiment_runs(name: str, quick: bool, results: Path, seeds: list[int] | None = None) -> list[Run]:
    """The runs of experiment ``name`` (prerequisites must already be stored)."""
    experiment = get_experiment(name)
    return experiment.runs(experiment.load_config(quick), Path(results), seeds)


def run_experiment(name: str, quick: bool, results: Path, seeds: list[int] | None = None, force: bool = False,
                   jobs: int = 1, threads: int | None = None) -> list[dict[str, Any]]:
    """Run (or read back) every run of experiment ``name``, after its prerequisites (run first
    when their results are missing, with the configured seeds)."""
    return run_experiments([name], quick, results, seeds, force, jobs, threads)[name]


def run_experiments(names: list[str], quick: bool, results: Path, seeds: list[int] | None = None,
                    force: bool = False, jobs: int = 1, threads: int | None = None) -> dict[str, list[dict[str, Any]]]:
    """Run several experiments as one sweep, after their prerequisites (those not named are run
    first when their results are missing; those named run in an earlier sweep). The runs go seed
    by seed (an interrupted sweep leaves complete seeds of every experiment) and, within a seed,
    deepest first (so that parallel workers do not end on one long run). Returns each
    experiment's stored runs in the experiment's own order."""
    experiments = [get_experiment(name) for name in dict.fromkeys(names)]
    names = [e.name for e in experiments]
    for experiment in experiments:
        if seeds is not None and not experiment.seeded:
            raise ValueError(f"{experiment.name} has no seeds to choose (its draws are fixed by its config); "
                             "drop --seeds.")
    if seeds is not None and any(seed < 0 for seed in seeds):
        raise ValueError(f"seeds must be non-negative integers, got {seeds}.")
    for requirement in dict.fromkeys(r for e in experiments for r in e.requires if r not in names):
        runs = experiment_runs(requirement, quick, results)
        if not all(run.path(results).is_file() for run in runs):
            log.info("%s is needed first: running it", requirement)
        sweep(runs, get_experiment(requirement).work, results, requirement, jobs=jobs, threads=threads)
    first = [e for e in experiments if not set(e.requires) & set(names)]
    stored: dict[str, list[dict[str, Any]]] = {}
    for stage in (first, [e for e in experiments if e not in first]):
        if not stage:
            continue
        runs, own_order = [], {}
        for e in stage:
            for index, run in enumerate(experiment_runs(e.name, quick, results, seeds if e.seeded else None)):
                runs.append(run)
                own_order[run.experiment, run.key] = (names.index(e.name), index)
        runs.sort(key=lambda run: (run.config.get("seed", 0), -run.config.get("depth", 0),
                                   own_order[run.experiment, run.key]))
        done = sweep(runs, {e.name: e.work for e in stage}, results, "+".join(e.name for e in stage), force,
                     jobs=jobs, threads=threads)
        for run, entry in sorted(zip(runs, done), key=lambda pair: own_order[pair[0].experiment, pair[0].key]):
            stored.setdefault(run.experiment, []).append(entry)
    return stored
