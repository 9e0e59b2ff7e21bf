"""Reference outputs of every model kind, built from committed run configs, to check that a change
of the code leaves the numbers bit for bit as they were (``test_models.py`` compares).

For each case: a committed result file, and the model built from its ``model`` and
``model_options`` with seed 0 on a 3 x 4 grid (5 features, 3 classes, depth 6, width 8), in
float32 on one thread. The digest holds the logits (hex floats), the parameter shapes in creation
order, and SHA-256 hashes of the initial parameters and of their gradients under a fixed random
loss. Written once from the code at commit ``af80b1c`` (before the entropy step had one options
type), by running this file with that checkout first on ``PYTHONPATH``::

    git worktree add /tmp/old-af80b1c af80b1c
    PYTHONPATH=/tmp/old-af80b1c python tests/model_references.py tests/model_references.json

It imports only what that commit has (``build_model``, ``grid_graph``), so it runs there as here.
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import energygnn  # noqa: F401  (first: the numerics profile is in force before torch's first operation)
import torch
from energygnn.data import grid_graph
from energygnn.models import build_model

ROOT = Path(__file__).resolve().parents[1]
DEPTH = 6
# (case name, committed result file): every model kind, with and without the step
CASES = {
    "basic": "table1/Cora-basic-depth4-seed0.json",
    "entropic": "table1/Cora-entropic-depth4-seed0.json",
    "entropic_chosen_plain": "table1_chosen/CiteSeer-entropic-depth16-lambda10-T10-plain-seed0.json",
    "entropic_exact_variant": "figure2_settings/entropic-exact-lambda10-T10-plain-depth1.json",
    "entropic_authors_variant": "figure2_settings/entropic-authors-lambda10-T10-normalized-depth1.json",
    "entropic_authors": "table1_authors_step/Cora-entropic_authors-depth4-seed0.json",
    "entropic_middle_schedule": "beyond_schedule/Cora-middle_schedule-depth16-seed0.json",
    "entropic_not_detached": "beyond_schedule/Cora-not_detached-depth16-seed0.json",
    "g2": "table1/Cora-g2-depth4-seed0.json",
    "g2_authors": "table1_g2_relu/Cora-g2_authors-depth4-seed0.json",
    "pairnorm": "table1/Cora-pairnorm-depth4-seed0.json",
    "gat": "beyond_architectures/Cora-gat-depth4-seed0.json",
    "gat_entropic": "beyond_architectures/Cora-gat_entropic-depth4-seed0.json",
    "sage": "beyond_architectures/Cora-sage-depth4-seed0.json",
    "sage_entropic": "beyond_architectures/Cora-sage_entropic-depth4-seed0.json",
    "gin": "beyond_architectures/Cora-gin-depth4-seed0.json",
    "gin_entropic": "beyond_architectures/Cora-gin_entropic-depth4-seed0.json",
    "gcnii": "beyond_deep/Cora-gcnii-depth4-seed0.json",
    "gcnii_entropic": "beyond_deep/Cora-gcnii_entropic-depth4-seed0.json",
    "gcnii_entropic_plain": "beyond_deep/CiteSeer-gcnii_entropic-depth16-seed0.json",
    "appnp": "beyond_deep/Cora-appnp-depth4-seed0.json",
    "appnp_entropic": "beyond_deep/Cora-appnp_entropic-depth4-seed0.json",
    "grand": "beyond_deep/Cora-grand-depth4-seed0.json",
    "grand_entropic": "beyond_deep/Cora-grand_entropic-depth4-seed0.json",
    "grand_entropic_fine": "beyond_deep/Cora-grand_entropic_fine-depth4-seed0.json",
}


def committed_config(path: str) -> dict:
    """``model`` and ``model_options`` of the committed run at ``results/<path>``."""
    config = json.loads((ROOT / "results" / path).read_text())["config"]
    return {"model": config["model"], "model_options": config["model_options"]}


def _sha256(tensors) -> str:
    return hashlib.sha256(b"".join(t.detach().contiguous().numpy().tobytes() for t in tensors)).hexdigest()


def digest(model: str, model_options: dict) -> dict:
    """The numbers of ``model`` built from ``model_options`` (see the module)."""
    graph = grid_graph(3, 4, num_features=5, self_loops=False, generator=torch.Generator().manual_seed(0))
    torch.manual_seed(0)
    net = build_model(model, 5, 3, DEPTH, hidden_channels=8, **model_options)
    parameters = list(net.parameters())
    initial = _sha256(parameters)
    out = net(graph.x, graph.edge_index)
    direction = torch.randn(out.shape, generator=torch.Generator().manual_seed(1))
    (out * direction).sum().backward()
    gradients = [torch.zeros_like(p) if p.grad is None else p.grad for p in parameters]
    return {"output": [value.hex() for value in out.detach().flatten().tolist()],
            "shapes": [list(p.shape) for p in parameters], "parameters": initial, "gradients": _sha256(gradients)}


def references() -> dict:
    """Every case's committed config and digest."""
    torch.set_num_threads(1)
    cases = {}
    for name, path in CASES.items():
        config = committed_config(path)
        cases[name] = {"file": path, **config, "digest": digest(config["model"], config["model_options"])}
    return cases


if __name__ == "__main__":
    Path(sys.argv[1]).write_text(json.dumps(references(), indent=1) + "\n")
