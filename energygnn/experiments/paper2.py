"""The experiments of paper 2: the accuracy table on Cora, PubMed and CiteSeer, whose Cora runs
also carry the spectra, confidence and calibration behind Figures 1-3."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..data import canonical_planetoid_name
from . import configs
from .cache import Run
from .jem_training import train_energy_gcn


def load_config(quick: bool) -> dict[str, Any]:
    """``configs/paper2.json``, quick blocks applied in quick mode (:func:`~energygnn.experiments.configs.load_config`)."""
    return configs.load_config("paper2", quick)


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


def jem_runs(config: dict[str, Any], seeds=None) -> list[Run]:
    """Seed by seed, so that an interrupted sweep has complete tables for the first seeds."""
    section = config["jem_table"]
    return [Run("jem_table", f"{dataset}-{model}-seed{seed}", _run_config(config, dataset, model, seed))
            for seed in seeds or section["seeds"] for dataset in section["datasets"] for model in section["models"]]


def ablation_runs(config: dict[str, Any], seeds=None) -> list[Run]:
    """GCN-JEM(O) on one dataset with one setting changed per variant (the table's runs are the
    reference): other thresholds tau, no graph generation, no renormalisation, JEM's own
    generative loss, smaller orthogonality weights, GCN-JEMO on raw features. A variant's own
    ``"seeds"`` replace the section's (not in quick mode)."""
    section = config["jem_ablation"]
    dataset = section["dataset"]
    planned = {name: seeds or (section["seeds"] if config.get("quick") else variant.get("seeds", section["seeds"]))
               for name, variant in section["variants"].items()}
    return [Run("jem_ablation", f"{dataset}-{name}-seed{seed}", {
        **_run_config(config, dataset, variant["model"], seed, variant), "variant": name})
        for seed in sorted({s for chosen in planned.values() for s in chosen})
        for name, variant in section["variants"].items() if seed in planned[name]]


def reading_runs(config: dict[str, Any], seeds=None) -> list[Run]:
    """GCN-JEM under each reading of Algorithm 1's :math:`Z` (``energygnn.ebm.sampler.PARTITIONS``),
    everything else as in the table: which reading lets SGLD sample?"""
    section = config["jem_readings"]
    dataset, model = section["dataset"], section["model"]
    return [Run("jem_readings", f"{dataset}-{model}-Z{reading}-seed{seed}", {
        **_run_config(config, dataset, model, seed, {"jem": {"partition": reading}}), "variant": reading})
        for seed in seeds or section["seeds"] for reading in section["readings"]]


def normalisation_runs(config: dict[str, Any], seeds=None) -> list[Run]:
    """The table's runs with the raw features instead of row-normalised ones."""
    section = config["jem_normalisation"]
    return [Run("jem_normalisation", f"{dataset}-{model}-raw-seed{seed}", {
        **_run_config(config, dataset, model, seed, {"training": {"normalize_features": False}}), "variant": "raw"})
        for seed in seeds or section["seeds"] for dataset in section["datasets"] for model in section["models"]]


def robustness_runs(config: dict[str, Any], seeds=None) -> list[Run]:
    """The table's models on each dataset, re-trained and evaluated against attacks, shifts and
    a temperature-scaled GCN (:func:`~energygnn.experiments.jem_evaluation.evaluate_energy_gcn`)."""
    section = config["jem_robustness"]
    return [Run("jem_robustness", f"{dataset}-{model}-seed{seed}", {
        **_run_config(config, dataset, model, seed), "spectra": False, "evaluation": section["evaluation"]})
        for seed in seeds or section["seeds"] for dataset in section["datasets"] for model in section["models"]]


def leave_out_runs(config: dict[str, Any], seeds=None) -> list[Run]:
    """The table's models trained on the classes above each dataset's threshold
    (:func:`~energygnn.experiments.jem_evaluation.evaluate_leave_out`)."""
    section = config["jem_leave_out"]
    return [Run("jem_leave_out", f"{dataset}-{model}-above{section['thresholds'][dataset]}-seed{seed}", {
        **_run_config(config, dataset, model, seed), "spectra": False,
        "leave_out_threshold": section["thresholds"][dataset], "evaluation": {"propagation": section["propagation"]}})
        for seed in seeds or section["seeds"] for dataset in section["datasets"] for model in section["models"]]
