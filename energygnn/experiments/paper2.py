"""The experiments of paper 2: the accuracy table on Cora, PubMed and CiteSeer, whose Cora runs
also carry the spectra, confidence and calibration behind Figures 1-3."""
from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from .cache import Run, sweep
from .jem_training import train_energy_gcn


def load_config(quick: bool) -> dict[str, Any]:
    """``configs/paper2.json``; in quick mode the ``quick`` block overrides table, training and
    SGLD settings of the same name."""
    config = json.loads(resources.files(__package__).joinpath("configs/paper2.json").read_text())
    overrides = config["jem_table"].pop("quick")
    if quick:
        for section in ("jem_table", "training", "jem"):
            config[section].update({k: v for k, v in overrides.items() if k in config[section]})
    config["quick"] = quick
    return config


def jem_runs(config: dict[str, Any], seeds=None) -> list[Run]:
    """Seed by seed, so that an interrupted sweep has complete tables for the first seeds."""
    section = config["jem_table"]
    runs = []
    for seed in seeds or section["seeds"]:
        for dataset in section["datasets"]:
            for model in section["models"]:
                options = config["models"][model]
                runs.append(Run("jem_table", f"{dataset}-{model}-seed{seed}", {
                    "dataset": dataset, "model": model, "seed": seed, **config["training"],
                    "jem": dict(config["jem"]) if options["jem"] else None,
                    "orthogonality_weight": options["orthogonality_weight"],
                    "spectra": dataset in section["spectra_datasets"]}))
    return runs


def run_experiment(name: str, quick: bool, results: Path, seeds=None, force: bool = False) -> list[dict]:
    """Run (or read back) ``jem-table``: every (dataset, model, seed) of paper 2."""
    if name != "jem-table":
        raise ValueError(f"Unknown experiment {name!r}; valid: jem-table.")
    return sweep(jem_runs(load_config(quick), seeds), train_energy_gcn, results, name, force)
