"""What each experiment cost on the machine that made its committed runs: from the runs' own wall
times and the sweep records (``results/<experiment>/_sweeps/*.json``: wall clock, jobs, threads,
commit), never typed."""
from __future__ import annotations

from pathlib import Path

from ..config import results_root
from ..experiments.registry import EXPERIMENTS
from ..experiments.results import load_experiment
from ..experiments.runner import SWEEP_FOLDER
from ..provenance import read_json
from .tables import markdown_table


def experiment_costs(root: Path | None = None) -> list[dict]:
    """One row per registered experiment with committed runs: how many, the summed run time
    (hours), and the wall clock of the sweeps that computed them at the runs' commit (with their
    jobs and threads; ``None`` when no sweep was recorded, as for runs made before sweeps kept records)."""
    root = Path(root or results_root())
    rows = []
    for name in EXPERIMENTS:
        try:
            stored = load_experiment(name, root)
        except FileNotFoundError:
            continue
        commits = {entry["provenance"]["git"]["commit"] for entry in stored}
        sweeps = [read_json(path) for path in sorted((root / name / SWEEP_FOLDER).glob("*.json"))]
        sweeps = [s for s in sweeps if s["git"]["commit"] in commits and s["computed"]]
        rows.append({
            "experiment": name, "runs": len(stored),
            "run_hours": sum(entry["wall_seconds"] for entry in stored) / 3600,
            "sweep_hours": sum(s["wall_seconds"] for s in sweeps) / 3600 if sweeps else None,
            "sweeps": sorted({s["description"].replace("+", " ") for s in sweeps}),
            "parallelism": sorted({f"{s['jobs']} jobs x {s['threads']} thread(s)" for s in sweeps}),
            "machine": stored[0]["provenance"]["machine"]["cpu"],
        })
    return rows


def cost_table(root: Path | None = None) -> str:
    """:func:`experiment_costs` as a Markdown table."""
    rows = []
    for row in experiment_costs(root):
        wall = (f"{row['sweep_hours']:.2f} h ({', '.join(row['parallelism'])}; command: "
                + "; ".join(f"`run {sweep}`" for sweep in row["sweeps"]) + ")") if row["sweep_hours"] is not None else "not recorded"
        rows.append([f"`{row['experiment']}`", row["runs"], f"{row['run_hours']:.2f} h", wall, row["machine"]])
    return markdown_table(["experiment", "runs", "summed run time", "wall clock of its sweeps", "machine"], rows) + (
        "\n\nExperiments run in one command share its wall clock.")

