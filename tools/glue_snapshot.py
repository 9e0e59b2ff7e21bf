"""Every value the chapters glue into their prose, from the executed notebooks of the last book build
(``_build/jupyter_execute``), as one JSON file; or two such files compared.

    python tools/glue_snapshot.py snapshot before.json     # after `make book`
    python tools/glue_snapshot.py execute before.json [chapter ...]   # executes them (quick mode) instead
    python tools/glue_snapshot.py compare before.json after.json

A refactoring that must not move a number is checked by a snapshot before and after it.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
EXECUTED = ROOT / "_build" / "jupyter_execute" / "book"
# Values that measure this machine (timings) or describe how a run was made, not what it computed.
MEASURED_SUFFIXES = ("_seconds", "_time", "_times", "_minutes", "_provenance", "_hours")


def _text(output: dict) -> str | list[str]:
    data = {key.removeprefix("application/papermill.record/"): value for key, value in output.get("data", {}).items()}
    return data.get("text/markdown") or data.get("text/plain") or sorted(data)


def glued(path: Path) -> dict[str, str]:
    """``{name: text}`` of every glued output of an executed notebook (its text/plain or markdown):
    from the ``<name>.glue.json`` the book build writes beside it, or else from its outputs."""
    beside = path.with_suffix(".glue.json")
    if beside.is_file():
        return {name: _text(output) for name, output in json.loads(beside.read_text()).items()}
    values = {}
    for cell in nbformat.read(path, as_version=4).cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                values[name] = _text(output)
    return values


def snapshot() -> dict[str, dict[str, str]]:
    notebooks = sorted(Path(os.environ.get("GLUE_EXECUTED", EXECUTED)).glob("*.ipynb"))
    if not notebooks:
        sys.exit(f"no executed notebooks in {EXECUTED}: run `make book` first")
    return {path.stem: glued(path) for path in notebooks}


def execute(chapters: list[str]) -> dict[str, dict[str, str]]:
    """Execute chapters (all of ``book/*.ipynb`` by default) in quick mode, as CI's build does, from
    the checkout this file is in, and return their glued values."""
    import os

    from nbclient import NotebookClient

    os.environ.setdefault("ENERGYGNN_QUICK", "1")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    paths = [ROOT / "book" / f"{name}.ipynb" for name in chapters] or sorted((ROOT / "book").glob("*.ipynb"))
    values = {}
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        NotebookClient(notebook, timeout=1800, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
        scratch = ROOT / "_build" / "glue-executed" / path.name
        scratch.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, scratch)
        values[path.stem] = glued(scratch)
        print(f"{path.stem}: {len(values[path.stem])} glued values", file=sys.stderr)
    return values


def compare(before: dict, after: dict) -> list[str]:
    """What differs, one line each (measured values are left out)."""
    lines = []
    for chapter in sorted(before.keys() | after.keys()):
        old, new = before.get(chapter, {}), after.get(chapter, {})
        for name in sorted(old.keys() | new.keys()):
            if name.endswith(MEASURED_SUFFIXES):
                continue
            if old.get(name) != new.get(name):
                lines.append(f"{chapter}/{name}: {old.get(name)!r} -> {new.get(name)!r}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("snapshot").add_argument("output", type=Path)
    run = commands.add_parser("execute")
    run.add_argument("output", type=Path)
    run.add_argument("chapters", nargs="*", help="chapter names, e.g. deep_training (default: all)")
    both = commands.add_parser("compare")
    both.add_argument("before", type=Path)
    both.add_argument("after", type=Path)
    arguments = parser.parse_args()
    if arguments.command in ("snapshot", "execute"):
        values = snapshot() if arguments.command == "snapshot" else execute(arguments.chapters)
        arguments.output.write_text(json.dumps(values, indent=1, sort_keys=True) + "\n")
        print(f"{sum(map(len, values.values()))} glued values from {len(values)} chapters -> {arguments.output}")
        return 0
    lines = compare(json.loads(arguments.before.read_text()), json.loads(arguments.after.read_text()))
    print("\n".join(lines) if lines else "every glued value is unchanged")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())
