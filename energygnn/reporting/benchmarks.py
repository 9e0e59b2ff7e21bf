"""Benchmark results (``results/benchmarks/<name>.json``), loaded and tabulated for the chapters."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..config import results_root
from ..provenance import read_json
from .tables import markdown_table


def load_benchmark(name: str, root: Path | None = None) -> dict[str, Any]:
    """The stored benchmark ``name``.

    Raises:
        FileNotFoundError: not run yet; the message gives the command.
    """
    path = Path(root or results_root()) / "benchmarks" / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `python -m benchmarks.{name} --no-quick`.")
    return read_json(path)


def deep_epoch_speed_table(result: dict[str, Any]) -> str:
    """Seconds per epoch (step and metrics) on PyG's path and ours, the dense-product floor, and the ratios."""
    rows = []
    for row in result["rows"]:
        s = row["median_seconds"]
        rows.append([row["dataset"], row["depth"], f"{s['basic/pyg']:.3f}", f"{s['basic/ours']:.3f}",
                     f"{s['entropic/pyg']:.3f}", f"{s['entropic/ours']:.3f}", f"{s['floor']:.3f}",
                     f"**{row['speedup']['basic']:.2f}x**", f"{row['speedup']['entropic']:.2f}x",
                     f"{row['ours_over_floor']:.2f}", f"{row['entropic_over_basic']:.3f}"])
    return markdown_table(["dataset", "depth", "basic, PyG (s)", "basic, ours (s)", "entropic, PyG (s)",
                           "entropic, ours (s)", "floor (s)", "speed-up, basic", "speed-up, entropic",
                           "ours / floor", "entropic / basic"], rows)
