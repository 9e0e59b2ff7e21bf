"""The experiments of paper 2: the accuracy table on Cora, PubMed and CiteSeer, whose Cora runs
also carry the spectra, confidence and calibration behind Figures 1-3, and the studies around it.

Every ``*_runs`` function lists an experiment's runs as ``runs(config, results, seeds, name)``
(:class:`~energygnn.experiments.registry.RunBuilder`): ``name`` is the experiment, its config
section and its results folder; ``seeds`` replaces the section's; ``results`` is unused (no
paper-2 experiment builds on stored runs)."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ..data import canonical_planetoid_name
from . import configs
from .jem_training import train_energy_gcn
from .runner import Run


def load_config(quick: bool) -> dict[str, Any]:
    """``configs/paper2.json``, quick blocks applied in quick mode (:func:`~energygnn.experiments.configs.load_config`)."""
    return configs.load_config("paper2", quick)


def sweep_order(run: Run) -> tuple[int]:
    """The order paper 2's runs are swept in: seed by seed, so that an interrupted sweep (of one
    experiment or of several) leaves whole seeds."""
    return (run.config["seed"],)


def _run_config(config, dataset, model, seed, variant=None) -> dict[str, Any]:
    # refuse a bad config before any run trains
    if canonical_planetoid_name(dataset) != dataset:
        raise ValueError(f"paper2.json: write the dataset as {canonical_planetoid_name(dataset)!r}, not {dataset!r}.")
    if model not in config["models"]:
        raise ValueError(f"paper2.json: unknown model {model!r}; valid names: {', '.join(config['models'])}.")
    variant = variant or {}
    options = config["models"][model]
    return {"dataset": dataset, "model": model, "seed": seed, **config["training"], **variant.get("training", {}),
            "jem": {**config["jem"], **variant.get("jem", {})} if options["jem"] else None,
            "orthogonality_weight": variant.get("orthogonality_weight", options["orthogonality_weight"]),
            "spectra": dataset in config["jem_table"]["spectra_datasets"]}


def jem_runs(config: dict[str, Any], results: Path | None = None, seeds=None,
             name: str = "jem_table") -> list[Run]:
    """Seed by seed, so that an interrupted sweep has complete tables for the first seeds."""
    section = config[name]
    return [Run(name, f"{dataset}-{model}-seed{seed}", _run_config(config, dataset, model, seed))
            for seed in seeds or section["seeds"] for dataset in section["datasets"] for model in section["models"]]


def ablation_runs(config: dict[str, Any], results: Path | None = None, seeds=None,
                  name: str = "jem_ablation") -> list[Run]:
    """GCN-JEM(O) on one dataset with one setting changed per variant (the table's runs are the
    reference): other thresholds tau, no graph generation, no renormalisation, JEM's own
    generative loss, smaller orthogonality weights, GCN-JEMO on raw features. A variant's own
    ``"seeds"`` replace the section's (not in quick mode)."""
    section = config[name]
    dataset = section["dataset"]
    planned = {label: seeds or (section["seeds"] if config.get("quick") else variant.get("seeds", section["seeds"]))
               for label, variant in section["variants"].items()}
    return [Run(name, f"{dataset}-{label}-seed{seed}", {
        **_run_config(config, dataset, variant["model"], seed, variant), "variant": label})
        for seed in sorted({s for chosen in planned.values() for s in chosen})
        for label, variant in section["variants"].items() if seed in planned[label]]


def reading_runs(config: dict[str, Any], results: Path | None = None, seeds=None,
                 name: str = "jem_readings") -> list[Run]:
    """GCN-JEM under each reading of Algorithm 1's :math:`Z` (``energygnn.ebm.sampler.PARTITIONS``),
    everything else as in the table: which reading lets SGLD sample?"""
    section = config[name]
    dataset, model = section["dataset"], section["model"]
    return [Run(name, f"{dataset}-{model}-Z{reading}-seed{seed}", {
        **_run_config(config, dataset, model, seed, {"jem": {"partition": reading}}), "variant": reading})
        for seed in seeds or section["seeds"] for reading in section["readings"]]


def gradient_runs(config: dict[str, Any], results: Path | None = None, seeds=None,
                  name: str = "jem_gradients") -> list[Run]:
    """The runs of :func:`reading_runs` (same settings, seeds and draws), recording the parameter
    gradients of both loss terms in the first ``gradient_epochs`` epochs
    (:class:`~energygnn.ebm.options.JEMOptions`): which term drives training under each reading?"""
    section = config[name]
    dataset, model = section["dataset"], section["model"]
    return [Run(name, f"{dataset}-{model}-Z{reading}-gradients-seed{seed}", {
        **_run_config(config, dataset, model, seed,
                      {"jem": {"partition": reading, "gradient_epochs": section["gradient_epochs"]}}),
        "variant": reading})
        for seed in seeds or section["seeds"] for reading in section["readings"]]


def normalisation_runs(config: dict[str, Any], results: Path | None = None, seeds=None,
                       name: str = "jem_normalisation") -> list[Run]:
    """The table's runs with the raw features instead of row-normalised ones."""
    section = config[name]
    return [Run(name, f"{dataset}-{model}-raw-seed{seed}", {
        **_run_config(config, dataset, model, seed, {"training": {"normalize_features": False}}), "variant": "raw"})
        for seed in seeds or section["seeds"] for dataset in section["datasets"] for model in section["models"]]


def robustness_runs(config: dict[str, Any], results: Path | None = None, seeds=None,
                    name: str = "jem_robustness") -> list[Run]:
    """The table's models on each dataset, re-trained and evaluated against attacks, shifts and
    a temperature-scaled GCN (:func:`~energygnn.experiments.jem_evaluation.evaluate_energy_gcn`)."""
    section = config[name]
    return [Run(name, f"{dataset}-{model}-seed{seed}", {
        **_run_config(config, dataset, model, seed), "spectra": False, "evaluation": section["evaluation"]})
        for seed in seeds or section["seeds"] for dataset in section["datasets"] for model in section["models"]]


def leave_out_runs(config: dict[str, Any], results: Path | None = None, seeds=None,
                   name: str = "jem_leave_out") -> list[Run]:
    """The table's models trained on the classes above each dataset's threshold
    (:func:`~energygnn.experiments.jem_evaluation.evaluate_leave_out`)."""
    section = config[name]
    return [Run(name, f"{dataset}-{model}-above{section['thresholds'][dataset]}-seed{seed}", {
        **_run_config(config, dataset, model, seed), "spectra": False,
        "leave_out_threshold": section["thresholds"][dataset], "evaluation": {"propagation": section["propagation"]}})
        for seed in seeds or section["seeds"] for dataset in section["datasets"] for model in section["models"]]


def sgld_noise(setting: str | float, step_size: float, temperature: float) -> float:
    r"""SGLD's :math:`\sigma` for one cell of the sampler map: a number as given, ``"jem"`` for
    JEM's 0.01, or ``"langevin"`` for the Langevin noise :math:`\sqrt{2\alpha T}` at the map's
    temperature :math:`T`."""
    if setting == "jem":
        return 0.01
    if setting == "langevin":
        return math.sqrt(2 * step_size * temperature)
    if isinstance(setting, (int, float)) and not isinstance(setting, bool) and setting >= 0:
        return float(setting)
    raise ValueError(f"paper2.json: a noise setting must be 'jem', 'langevin' or a number >= 0, got {setting!r}.")


def _sampler_runs(config, name, cells, seeds) -> list[Run]:
    section = config["jem_sampler_map"]  # the map's dataset, model, reading, temperature and measurement
    dataset, model, reading, temperature = section["dataset"], section["model"], section["partition"], section["temperature"]
    runs = []
    for seed in seeds:
        for alpha, noise, steps in cells:
            jem = {"partition": reading, "sgld_step_size": float(alpha), "sgld_noise": sgld_noise(noise, alpha, temperature),
                   "sgld_steps": steps}
            runs.append(Run(name, f"{dataset}-{model}-Z{reading}-a{alpha:g}-{noise}-steps{steps}-seed{seed}", {
                **_run_config(config, dataset, model, seed, {"jem": jem}), "variant": f"a{alpha:g}-{noise}-steps{steps}",
                "noise_setting": noise, "temperature": temperature, "sample_quality": section["sample_quality"]}))
    return runs


def sampler_map_runs(config: dict[str, Any], results: Path | None = None, seeds=None,
                     name: str = "jem_sampler_map") -> list[Run]:
    """GCN-JEM on one dataset under one reading of :math:`Z` over SGLD's step size and noise
    (every ``step_sizes`` x ``noises`` cell at ``steps``); each run records its chains' sample
    quality after training (:func:`~energygnn.ebm.chain_measures.final_chain_measures`). Seed by seed."""
    section = config[name]
    cells = [(alpha, noise, section["steps"]) for alpha in section["step_sizes"] for noise in section["noises"]]
    return _sampler_runs(config, name, cells, seeds or section["seeds"])


def sampler_long_runs(config: dict[str, Any], results: Path | None = None, seeds=None,
                      name: str = "jem_sampler_long") -> list[Run]:
    """Cells of the sampler map (:func:`sampler_map_runs`, its settings) with more SGLD steps."""
    section = config[name]
    cells = [(cell["step_size"], cell["noise"], section["steps"]) for cell in section["cells"]]
    return _sampler_runs(config, name, cells, seeds or section["seeds"])


def input_scale_runs(config: dict[str, Any], results: Path | None = None, seeds=None,
                     name: str = "jem_input_scale") -> list[Run]:
    """The table's model (GCN-JEMO) with its input rows rescaled (``feature_scale``, after the
    variant's normalisation; :func:`~energygnn.experiments.jem_training.feature_scale_factor`), per
    variant: does the rows' size alone decide GCN-JEMO's collapse?"""
    section = config[name]
    return [Run(name, f"{variant['dataset']}-{variant['model']}-{label}-seed{seed}", {
        **_run_config(config, variant["dataset"], variant["model"], seed,
                      {"training": {"normalize_features": variant["normalize_features"]}}),
        "spectra": False, "feature_scale": variant["feature_scale"], "variant": label})
        for seed in seeds or section["seeds"] for label, variant in section["variants"].items()]
