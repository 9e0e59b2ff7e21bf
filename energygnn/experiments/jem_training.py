r"""Paper 2's runs: a run config becomes a GCN or GCN-JEM(O) trainer
(:class:`~energygnn.ebm.trainer.EnergyGCNTrainer`, :func:`build_trainer`), which trains and
records what the tables and figures need.

Each epoch is one step of Algorithm 1 (see :mod:`energygnn.ebm.trainer`), followed by the metrics;
the result holds the history, the calibration, the generated graph and the spectra.
"""
from __future__ import annotations

import time
from typing import Any

import torch
from torch_geometric.data import Data
from torch_geometric.transforms import NormalizeFeatures

from ..calibration import confidence, expected_calibration_error, reliability_bins
from ..data import load_planetoid
from ..ebm.chain_measures import final_chain_measures
from ..ebm.gcn import TwoLayerGCN, logit_energy
from ..ebm.graph_generation import GeneratedGraph
from ..ebm.options import EnergyGCNOptions, JEMOptions
from ..ebm.trainer import Diverged, EnergyGCNTrainer
from ..evaluation.ood import keep_classes_above
from ..history import best_epoch_summary
from ..spectra import adjacency_spectrum, closed_walks, covariance_spectrum

ECE_BINS = 15


def load_graph(config: dict[str, Any]) -> Data:
    """A run's graph: ``config["dataset"]``, its features row-normalised when
    ``config["normalize_features"]``, then multiplied by ``config["feature_scale"]`` where the
    config has one (:func:`feature_scale_factor`); with ``config["leave_out_threshold"]`` (GNNSafe's label
    leave-out) only the classes above it keep their labels and splits
    (:func:`~energygnn.evaluation.ood.keep_classes_above`)."""
    data = load_planetoid(config["dataset"])
    raw_norm = float(data.x.norm(dim=1).mean())
    if config["normalize_features"]:
        data = NormalizeFeatures()(data)
    scale = config.get("feature_scale")  # absent from the earlier runs' configs: their graphs are unchanged
    if scale is not None:
        data.x = data.x * feature_scale_factor(scale, raw_norm, data.x)
    if config.get("leave_out_threshold") is not None:
        data = keep_classes_above(data, config["leave_out_threshold"])
    return data


FEATURE_SCALES = ("raw_norm",)


def feature_scale_factor(scale, raw_norm: float, x: torch.Tensor) -> float:
    """The factor a run config's ``"feature_scale"`` multiplies the (normalised or raw) features
    by: a positive number as given, or ``"raw_norm"``, the factor that brings the rows' mean
    Euclidean norm to the raw rows' mean norm ``raw_norm`` (the same factor for every row, so that
    row-normalised rows keep their equal sums)."""
    if scale == "raw_norm":
        return raw_norm / float(x.norm(dim=1).mean())
    if isinstance(scale, (int, float)) and not isinstance(scale, bool) and scale > 0:
        return float(scale)
    raise ValueError(f"feature_scale must be a positive number or one of {FEATURE_SCALES}, got {scale!r}.")


def trainer_options(config: dict[str, Any]) -> EnergyGCNOptions:
    """A run config's training settings; ``config["jem"]`` null trains the plain GCN."""
    return EnergyGCNOptions(epochs=config["epochs"], lr=config["lr"], weight_decay=config["weight_decay"],
                            orthogonality_weight=config["orthogonality_weight"], seed=config["seed"],
                            jem=None if config["jem"] is None else JEMOptions(**config["jem"]))


def build_trainer(config: dict[str, Any]) -> EnergyGCNTrainer:
    """One run's trainer (see ``configs/paper2.json``): its graph (:func:`load_graph`), its model
    and its settings (:func:`trainer_options`). ``config["seed"]`` seeds torch's generator (the
    model's initial weights, the dropout masks) and the trainer's own draws."""
    torch.manual_seed(config["seed"])
    data = load_graph(config)
    model = TwoLayerGCN(data.num_features, int(data.y.max()) + 1, config["hidden_channels"], config["dropout"])
    return EnergyGCNTrainer(model, data, trainer_options(config))


def fit_energy_gcn(config: dict[str, Any]) -> tuple[EnergyGCNTrainer, str]:
    """Train a GCN (``config["jem"]`` null) or GCN-JEM(O) on ``config["dataset"]``, evaluating
    after every epoch; returns the trainer (model, data, generated graph, history) and the
    status: ``"ok"``, or why training stopped early."""
    trainer = build_trainer(config)
    for epoch in range(1, trainer.options.epochs + 1):
        start = time.perf_counter()
        try:
            trainer.train_epoch(epoch)
        except Diverged as error:
            return trainer, str(error)
        trainer.history["epoch_seconds"].append(time.perf_counter() - start)
        trainer.evaluate()
    return trainer, "ok"


def train_energy_gcn(config: dict[str, Any]) -> dict[str, Any]:
    """Train a GCN (``config["jem"]`` null) or GCN-JEM(O) on ``config["dataset"]``; return the
    per-epoch history, final accuracies, calibration, the generated graph and, when
    ``config["spectra"]``, the adjacency and feature-covariance spectra."""
    trainer, status = fit_energy_gcn(config)
    history, graph, buffer = trainer.history, trainer.graph, trainer.buffer
    quality = {}
    if config.get("sample_quality") is not None and buffer is not None and status == "ok":
        # absent from the earlier runs' configs; measured after training, with its own draws
        try:
            quality = {"sample_quality": final_chain_measures(trainer, **config["sample_quality"])}
        except FloatingPointError as error:  # the final model's chains diverged: recorded, not raised
            quality = {"sample_quality": {"error": str(error)}}
    return {"status": status, **quality, **_summary(history, trainer.logits(), trainer.data, graph),
            **({"buffer": {"size": len(buffer), "updated_entries": int((buffer.updates > 0).sum())},
                "sgld_energy_steps": {str(epoch): steps for epoch, steps in trainer.sgld_energy_steps.items()}}
               if buffer is not None else {}),
            **(_spectra(graph, buffer.samples[buffer.updates > 0] if buffer is not None else trainer.data.x)
               if config["spectra"] else {}),
            "history": history}


def _summary(history, logits, data, graph) -> dict[str, Any]:
    summary = {
        "final_test_acc": history["test_acc"][-1] if history["test_acc"] else None,
        "final_val_acc": history["val_acc"][-1] if history["val_acc"] else None,
        **best_epoch_summary(history),
        "added_edges": graph.added_edges.tolist(),
        "generation_events": graph.events,
        "ece_bins": ECE_BINS,
    }
    if not torch.isfinite(logits).all():  # a diverged model: nothing to calibrate
        return summary
    probabilities, test, train = logits.softmax(dim=-1), data.test_mask, data.train_mask
    return {
        **summary,
        "test_ece": expected_calibration_error(probabilities[test], data.y[test], ECE_BINS),
        "test_reliability": reliability_bins(probabilities[test], data.y[test], ECE_BINS),
        "train_confidence": [round(v, 6) for v in confidence(probabilities[train]).tolist()],
        "test_confidence": [round(v, 6) for v in confidence(probabilities[test]).tolist()],
        "mean_energy": {split: float(logit_energy(logits[data[f"{split}_mask"]]).mean()) for split in ("train", "test")},
    }


def _spectra(graph: GeneratedGraph, features: torch.Tensor) -> dict[str, Any]:
    """Spectra of the final adjacency and of the features (real ones for a GCN, the buffer's
    chains that SGLD has updated at least once for GCN-JEM)."""
    n = graph.num_nodes
    return {"spectra": {
        "adjacency_eigenvalues": adjacency_spectrum(graph.edge_index, n).tolist(),
        "closed_3_walks": closed_walks(graph.edge_index, n, 3),
        "closed_3_walks_original": closed_walks(graph.original, n, 3),
        "feature_samples": int(features.size(0)),
        "covariance_eigenvalues": covariance_spectrum(features).tolist() if features.size(0) > 1 else [],
    }}
