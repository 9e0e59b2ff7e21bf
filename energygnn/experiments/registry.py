"""Every experiment in one list: its name (also its config section, its results folder and its
CLI name), the table or figure it makes, its chapter, how its runs are built, what computes one
run, the order its runs are swept in, and what must exist first. The CLI, the README's
experiment table (``python -m energygnn list --readme README.md``), the tests and quick mode all
read this list."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from . import jem_evaluation, paper1, paper2, scaling
from .runner import Run, sweep

log = logging.getLogger(__name__)


class RunBuilder(Protocol):
    """Lists an experiment's runs, called as ``runs(config, results, seeds=seeds, name=name)``.

    Args:
        config (dict): the paper's config (``configs/paper1.json`` or ``configs/paper2.json``).
        results (pathlib.Path): the results folder, for runs built on stored ones (Table 1's CiteSeer
            temperature, the settings chosen on the maps).
        seeds (list[int], optional): replace the section's seeds.
        name (str): the experiment: its config section and the folder of its runs.
    """

    def __call__(self, config: dict[str, Any], results: Path, seeds: list[int] | None, name: str) -> list[Run]: ...


def planned_order(run: Run) -> tuple:
    """Every run ties, so that a sweep takes them in the order the experiment lists them."""
    return ()


@dataclass(frozen=True)
class Experiment:
    """One experiment.

    Args:
        name (str): its CLI name, config section and results folder.
        makes (str): the table or figure it makes.
        chapter (str): the chapter that shows it (a path in the repository).
        load_config (callable): ``load_config(quick)``, the paper's config.
        runs (RunBuilder): lists its runs.
        work (callable): ``work(run_config)`` computes one run's result; a module-level function,
            so that worker processes can take it.
        requires (tuple[str], optional): experiments whose stored runs its runs are built on, run
            first when missing (default: ``()``).
        seeded (bool, optional): whether its seeds can be chosen (``--seeds``); ``False`` when the
            config fixes its draws (default: ``True``).
        order (callable, optional): a run's sort key in a sweep, comparable across experiments;
            ties keep the listed order (default: :func:`planned_order`, the listed order).
    """

    name: str
    makes: str
    chapter: str
    load_config: Callable[[bool], dict[str, Any]]
    runs: RunBuilder
    work: Callable[[dict[str, Any]], dict[str, Any]]
    requires: tuple[str, ...] = ()
    seeded: bool = True
    order: Callable[[Run], tuple] = planned_order

    @property
    def command(self) -> str:
        return f"python -m energygnn run {self.name}"


def _paper1(name: str, makes: str, chapter: str, runs: RunBuilder,
            work: Callable[[dict[str, Any]], dict[str, Any]] = paper1.train_node_classifier, **fields) -> Experiment:
    """An experiment on paper 1's config, swept seed by seed and deepest first (:func:`~energygnn.experiments.paper1.sweep_order`)."""
    return Experiment(name, makes, chapter, paper1.load_config, runs, work, order=paper1.sweep_order, **fields)


def _paper2(name: str, makes: str, chapter: str, runs: RunBuilder,
            work: Callable[[dict[str, Any]], dict[str, Any]] = paper2.train_energy_gcn) -> Experiment:
    """An experiment on paper 2's config, swept seed by seed (:func:`~energygnn.experiments.paper2.sweep_order`)."""
    return Experiment(name, makes, chapter, paper2.load_config, runs, work, order=paper2.sweep_order)


DEEP_TRAINING, ENTROPY_SETTINGS, BEYOND_ENTROPY = ("book/deep_training.ipynb", "book/entropy_settings.ipynb",
                                                   "book/beyond_entropy.ipynb")
JEM_RESULTS, JEM_ROBUSTNESS = "book/jem_results.ipynb", "book/jem_robustness.ipynb"

EXPERIMENTS: dict[str, Experiment] = {e.name: e for e in (
    _paper1("citeseer_temperature", "Paper 1: CiteSeer's temperature for the entropic GCN", DEEP_TRAINING,
            paper1.citeseer_temperature_runs),
    _paper1("figure2", "Paper 1, Figure 2: energy of untrained deep models on a grid", "book/oversmoothing_grid.ipynb",
            paper1.figure2_runs, paper1.untrained_energy, seeded=False),
    _paper1("figure2_settings", "Paper 1, Figure 2's entropic GCN under each step direction, energy normalisation "
            "and lambda", ENTROPY_SETTINGS, paper1.figure2_setting_runs, paper1.untrained_energy, seeded=False),
    _paper1("figure2_measures", "Paper 1, Figure 2 on every oversmoothing measure (energies and ranks), on the grid "
            "with 1 and 16 input features, every setting of figure2_settings and a norm-preserving init",
            "book/oversmoothing_grid.ipynb", paper1.figure2_measure_runs, paper1.untrained_measures, seeded=False),
    _paper1("figure2_saturation", "Paper 1, Figure 2's entropic GCN at depth 1000 under each setting: how saturated "
            "the step is in every layer", ENTROPY_SETTINGS, paper1.saturation_runs, paper1.saturation, seeded=False),
    _paper1("table1", "Paper 1, Table 1 and Figure 3 (layer energies of the depth-64 runs)", DEEP_TRAINING,
            paper1.table1_runs, requires=("citeseer_temperature",)),
    _paper1("table1_authors_step", "Paper 1, Table 1's entropic GCN with the authors' step direction", DEEP_TRAINING,
            paper1.table1_runs, requires=("citeseer_temperature",)),
    _paper1("table1_after_step", "Paper 1, Table 1 cells with the metrics of a second forward after the step",
            DEEP_TRAINING, paper1.table1_runs, requires=("citeseer_temperature",)),
    _paper1("table1_threads", "Paper 1, Table 1 cells re-run on two torch threads (rounding alone)", DEEP_TRAINING,
            paper1.table1_runs, requires=("citeseer_temperature",)),
    _paper1("table1_g2_relu", "Paper 1, Table 1's G2 with the authors' ReLU on the logits (depths 4 and 64)",
            DEEP_TRAINING, paper1.table1_runs),
    _paper1("entropy_maps", "Paper 1: the entropic GCN at depth 64 over lambda x T, both energy normalisations",
            ENTROPY_SETTINGS, paper1.entropy_map_runs),
    _paper1("table1_chosen", "Paper 1, Table 1's entropic GCN at the setting chosen on each dataset's map",
            ENTROPY_SETTINGS, paper1.table1_chosen_runs, requires=("entropy_maps",)),
    _paper1("fresh_seeds", "Paper 1, Table 1's depth-64 cell on 10 fresh seeds: the basic GCN, Table 1's and the map's "
            "3 best settings, with every oversmoothing measure per layer", ENTROPY_SETTINGS, paper1.fresh_seed_runs,
            requires=("citeseer_temperature", "entropy_maps")),
    _paper1("trained_measures", "Paper 1: every oversmoothing measure per layer of trained depth-64 models (G2, "
            "PairNorm and 9 map cells, re-runs of committed runs)", ENTROPY_SETTINGS, paper1.trained_measure_runs),
    _paper1("beyond_schedule", "Beyond paper 1: a per-layer lambda schedule and the undetached step (Table 1 cells)",
            BEYOND_ENTROPY, paper1.variant_runs, requires=("citeseer_temperature",)),
    _paper1("beyond_architectures", "Beyond paper 1: GAT, GraphSAGE and GIN with and without the entropy step",
            BEYOND_ENTROPY, paper1.variant_runs, requires=("entropy_maps",)),
    _paper1("beyond_deep", "Beyond paper 1: GCNII, APPNP and GRAND-l with and without the entropy step",
            BEYOND_ENTROPY, paper1.variant_runs, requires=("entropy_maps",)),
    _paper1("gcnii_protocol", "Beyond paper 1: GCNII at depth 64 on Cora under GCNII's own protocol (the anchor)",
            BEYOND_ENTROPY, paper1.variant_runs),
    _paper1("grand_ode_check", "Beyond paper 1: GRAND-l's entropic ODE on Cora in RK4 steps of 1/8 (against 1/4)",
            BEYOND_ENTROPY, paper1.variant_runs),
    _paper1("schedule_constant", "Beyond paper 1: a constant lambda at the middle schedule's mean weight (depths 16 "
            "and 64)", BEYOND_ENTROPY, paper1.variant_runs, requires=("citeseer_temperature",)),
    _paper1("minibatch", "Scaling out: Table 1's GCNs at depth 16 on random node partitions against full batch",
            "book/scaling_out.ipynb", scaling.minibatch_runs, scaling.train_on_partitions),
    _paper2("jem_table", "Paper 2: accuracy table, spectra, confidence and calibration", JEM_RESULTS,
            paper2.jem_runs),
    _paper2("jem_more_seeds", "Paper 2: the accuracy table's GCN and GCN-JEM on Cora on five more seeds", JEM_RESULTS,
            paper2.jem_runs),
    _paper2("jem_ablation", "Paper 2: the open choices varied on Cora", JEM_RESULTS, paper2.ablation_runs),
    _paper2("jem_readings", "Paper 2: GCN-JEM on Cora under each reading of Algorithm 1's Z", JEM_RESULTS,
            paper2.reading_runs),
    _paper2("jem_gradients", "Paper 2: the parameter gradients of GCN-JEM's two loss terms on Cora under each reading "
            "of Z", JEM_RESULTS, paper2.gradient_runs),
    _paper2("jem_sampler_map", "Paper 2's energy model at work: GCN-JEM on Cora over SGLD's step size, noise and "
            "steps, with its chains' sample quality", JEM_RESULTS, paper2.sampler_map_runs),
    _paper2("jem_sampler_long", "Paper 2's energy model at work: cells of the sampler map at 100 SGLD steps",
            JEM_RESULTS, paper2.sampler_long_runs),
    _paper2("jem_input_scale", "Paper 2: GCN-JEMO with its input rows rescaled (row-normalised Cora at the raw rows' "
            "norm, PubMed's raw rows x 10)", JEM_RESULTS, paper2.input_scale_runs),
    _paper2("jem_robustness", "Paper 2's unmeasured claims: edge attacks, OOD shifts and temperature scaling",
            JEM_ROBUSTNESS, paper2.robustness_runs, jem_evaluation.evaluate_energy_gcn),
    _paper2("jem_leave_out", "Paper 2's unmeasured claims: OOD detection of classes left out of training",
            JEM_ROBUSTNESS, paper2.leave_out_runs, jem_evaluation.evaluate_leave_out),
    _paper2("jem_normalisation", "Paper 2: the accuracy table's runs with raw (not row-normalised) features",
            JEM_RESULTS, paper2.normalisation_runs),
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
    return experiment.runs(experiment.load_config(quick), Path(results), seeds=seeds, name=experiment.name)


def run_experiment(name: str, quick: bool, results: Path, seeds: list[int] | None = None, force: bool = False,
                   jobs: int = 1, threads: int | None = None) -> list[dict[str, Any]]:
    """Run (or read back) every run of experiment ``name``, after its prerequisites (run first
    when their results are missing, with the configured seeds)."""
    return run_experiments([name], quick, results, seeds, force, jobs, threads)[name]


def run_experiments(names: list[str], quick: bool, results: Path, seeds: list[int] | None = None,
                    force: bool = False, jobs: int = 1, threads: int | None = None) -> dict[str, list[dict[str, Any]]]:
    """Run several experiments as one sweep, after their prerequisites (those not named are run
    first when their results are missing; those named run in an earlier sweep). The runs go in
    the order of their experiments' :attr:`Experiment.order` keys (paper 1's: seed by seed, deepest
    first; paper 2's: seed by seed), ties in the order the experiments list them. Returns each
    experiment's stored runs in the order the experiment lists them."""
    experiments = [get_experiment(name) for name in dict.fromkeys(names)]
    names = [e.name for e in experiments]
    for experiment in experiments:
        if seeds is not None and not experiment.seeded:
            raise ValueError(f"{experiment.name} has no seeds to choose (its draws are fixed by its config); "
                             "drop --seeds.")
    if seeds is not None and any(seed < 0 for seed in seeds):
        raise ValueError(f"seeds must be non-negative integers, got {seeds}.")
    for requirement in dict.fromkeys(r for e in experiments for r in e.requires if r not in names):
        runs, _ = _in_sweep_order([get_experiment(requirement)], quick, results, None)
        if not all(run.path(results).is_file() for run in runs):
            log.info("%s is needed first: running it", requirement)
        sweep(runs, get_experiment(requirement).work, results, requirement, jobs=jobs, threads=threads)
    first = [e for e in experiments if not set(e.requires) & set(names)]
    stored: dict[str, list[dict[str, Any]]] = {}
    for stage in (first, [e for e in experiments if e not in first]):
        if not stage:
            continue
        runs, listed = _in_sweep_order(stage, quick, results, seeds)
        done = sweep(runs, {e.name: e.work for e in stage}, results, "+".join(e.name for e in stage), force,
                     jobs=jobs, threads=threads)
        for run, entry in sorted(zip(runs, done), key=lambda pair: listed[pair[0].experiment, pair[0].key]):
            stored.setdefault(run.experiment, []).append(entry)
    return stored


def _in_sweep_order(experiments: list[Experiment], quick: bool, results: Path, seeds: list[int] | None):
    """The runs of ``experiments`` sorted by their :attr:`Experiment.order` keys (ties as listed),
    and each run's listed place ``(experiment, index)``."""
    runs, listed = [], {}
    for position, experiment in enumerate(experiments):
        for index, run in enumerate(experiment_runs(experiment.name, quick, results,
                                                    seeds if experiment.seeded else None)):
            runs.append(run)
            listed[run.experiment, run.key] = (position, index)
    order = {experiment.name: experiment.order for experiment in experiments}
    return sorted(runs, key=lambda run: (order[run.experiment](run), listed[run.experiment, run.key])), listed
