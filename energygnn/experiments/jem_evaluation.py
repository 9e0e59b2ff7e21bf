r"""Paper 2's unmeasured claims, per trained model: robustness to edge attacks, detection of
out-of-distribution nodes, and calibration against a temperature-scaled GCN.

One run trains a GCN, GCN-JEM or GCN-JEMO exactly as the accuracy table does
(:func:`~energygnn.experiments.jem_training.fit_energy_gcn`) and then evaluates the final
model, in evaluation mode, on the graph it predicts with (for GCN-JEM, the original graph with
the edges its generation added):

* **calibration**: a temperature fitted on the validation nodes
  (:func:`~energygnn.calibration.fit_temperature`); ECE, mean confidence and NLL on the test
  nodes with and without it;
* **attacks** (evasion): PRBCD on the test nodes and random edge flips, at each budget (a
  fraction of the dataset's undirected edges, so the same number of flips for every model);
  test accuracy on the attacked graph;
* **out-of-distribution detection**: GNNSafe's structure and feature shifts (the structure
  shift at the density of the model's own graph), the test nodes of the clean graph against
  every node of the shifted one, under each score of
  ``energygnn.evaluation.ood.SCORES``.

A leave-out run trains on the classes above a threshold and detects the nodes of the classes
below it (GNNSafe's label shift).
"""
from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from ..calibration import confidence, expected_calibration_error, fit_temperature, reliability_bins
from ..evaluation.attacks import edge_budget, flipped_pairs, prbcd_attack, random_edge_flips, undirected_edges
from ..evaluation.ood import (detection_metrics, energy_score, interpolated_features, leave_out_masks, msp_score,
                              propagated_score, sbm_graph)
from .jem_training import ECE_BINS, fit_energy_gcn


def _accuracy(logits: torch.Tensor, labels: torch.Tensor, mask: torch.Tensor) -> float:
    return float((logits.argmax(dim=-1)[mask] == labels[mask]).float().mean())


def _calibration(logits: torch.Tensor, data) -> dict[str, Any]:
    val, test = data.val_mask, data.test_mask
    temperature = fit_temperature(logits[val], data.y[val])

    def scores(scaled: torch.Tensor) -> dict[str, float]:
        probabilities = scaled.softmax(dim=-1)
        return {"ece": expected_calibration_error(probabilities[test], data.y[test], ECE_BINS),
                "mean_confidence": float(confidence(probabilities[test]).mean()),
                "test_nll": float(F.cross_entropy(scaled[test].double(), data.y[test])),
                "val_nll": float(F.cross_entropy(scaled[val].double(), data.y[val]))}

    scaled = logits / temperature
    return {"temperature": temperature, "plain": scores(logits), "scaled": scores(scaled),
            "reliability": {name: reliability_bins(values.softmax(dim=-1)[test], data.y[test], ECE_BINS)
                            for name, values in (("plain", logits), ("scaled", scaled))}}


def _scores(logits: torch.Tensor, edge_index: torch.Tensor, propagation: dict[str, Any]) -> dict[str, torch.Tensor]:
    energy = energy_score(logits)
    return {"msp": msp_score(logits), "energy": energy,
            "propagated_energy": propagated_score(energy, edge_index, propagation["layers"], propagation["alpha"])}


def _detection(inside: dict[str, torch.Tensor], outside: dict[str, torch.Tensor]) -> dict[str, dict[str, float]]:
    return {name: detection_metrics(inside[name], outside[name]) for name in inside}


def evaluate_energy_gcn(config: dict[str, Any]) -> dict[str, Any]:
    """Train one model (``config`` as the accuracy table's runs, plus ``"evaluation"``: the attack
    budgets and PRBCD settings, and GNNSafe's propagation) and evaluate it; see the module."""
    trainer, status = fit_energy_gcn(config)
    model, data, settings = trainer.model.eval(), trainer.data, config["evaluation"]
    logits = trainer.logits()
    result: dict[str, Any] = {"status": status, "test_acc": _accuracy(logits, data.y, data.test_mask)}
    if not torch.isfinite(logits).all():  # a diverged model: nothing to evaluate
        return result
    graph = undirected_edges(trainer.graph.edge_index, data.num_nodes)
    test_nodes = data.test_mask.nonzero().view(-1)
    generator = torch.Generator().manual_seed(config["seed"])
    attacks: dict[str, list[dict[str, Any]]] = {"prbcd": [], "random": []}
    with torch.no_grad():
        accuracy_on = lambda edge_index: _accuracy(model(data.x, edge_index), data.y, data.test_mask)  # noqa: E731
        for fraction in settings["budgets"]:
            budget = edge_budget(data.edge_index, data.num_nodes, fraction)  # of the dataset's graph: alike for all models
            with torch.enable_grad():
                attacked = prbcd_attack(model, data.x, graph, data.y, budget, test_nodes, seed=config["seed"],
                                        **settings["prbcd"])
            flipped = random_edge_flips(graph, data.num_nodes, budget, generator)
            for name, edges in (("prbcd", attacked), ("random", flipped)):
                attacks[name].append({"fraction": fraction, "budget": budget,
                                      "flipped": flipped_pairs(graph, edges, data.num_nodes),
                                      "test_acc": accuracy_on(edges)})
        propagation = settings["propagation"]
        inside = {name: score[data.test_mask] for name, score in _scores(logits, graph, propagation).items()}
        # the shift's density follows the graph the model predicts with, so that density alone cannot reveal it
        structure = sbm_graph(data.num_nodes, int(data.y.max()) + 1, graph.size(1), seed=config["seed"])
        features = interpolated_features(data.x, generator)
        ood = {"structure": _detection(inside, _scores(model(data.x, structure), structure, propagation)),
               "feature": _detection(inside, _scores(model(features, graph), graph, propagation))}
    return {**result, "edges": graph.size(1) // 2, "calibration": _calibration(logits, data), "attacks": attacks,
            "ood": ood}


def evaluate_leave_out(config: dict[str, Any]) -> dict[str, Any]:
    """Train on the classes above ``config["leave_out_threshold"]`` and detect the nodes of the
    classes below it (all of them) against the test nodes of the kept classes."""
    trainer, status = fit_energy_gcn(config)
    data = trainer.data
    logits = trainer.logits()
    result: dict[str, Any] = {"status": status, "test_acc": _accuracy(logits, data.y, data.test_mask),
                              "in_distribution_test_nodes": int(data.test_mask.sum())}
    if not torch.isfinite(logits).all():
        return result
    _, outside = leave_out_masks(data.original_y, config["leave_out_threshold"])
    scores = _scores(logits, undirected_edges(trainer.graph.edge_index, data.num_nodes),
                     config["evaluation"]["propagation"])
    return {**result, "out_of_distribution_nodes": int(outside.sum()),
            "ood": {"label": _detection({k: v[data.test_mask] for k, v in scores.items()},
                                        {k: v[outside] for k, v in scores.items()})}}
