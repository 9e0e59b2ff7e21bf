"""Every chapter runs without error, and the outputs it marks ``NBVAL_CHECK_OUTPUT`` are the
committed ones (nbval's ``--nbval-lax`` rule, compared with nbval's own comparison).

Each chapter is executed once for CI: the book's build (Jupyter Book's ``execute_notebooks:
cache``) stores the executed notebooks in ``_build/.jupyter_cache``, and these tests read them
from there; a chapter not in the cache is executed here the way the book executes it (same
executor, working directory and timeout) and stored, so a later ``make book`` reuses it. ``make``
empties the cache whenever the package or ``results/`` changes.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "_build" / ".jupyter_cache"
TIMEOUT = yaml.safe_load((ROOT / "_config.yml").read_text())["execute"]["timeout"]


def chapter_notebooks() -> list[Path]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [chapter["file"] for part in toc["parts"] for chapter in part["chapters"]]
    return [ROOT / f"{f}.ipynb" for f in files if (ROOT / f"{f}.ipynb").is_file()]


def executed(path: Path) -> nbformat.NotebookNode:
    """The executed notebook from the book's execution cache, executing and caching it if missing."""
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    from jupyter_cache.executors.utils import single_nb_execution

    notebook = nbformat.read(path, as_version=4)
    cache = get_cache(str(CACHE))
    try:
        cache.match_cache_notebook(notebook)
    except KeyError:
        stage = cache.add_nb_to_project(str(path))
        result = single_nb_execution(notebook, cwd=str(path.parent), timeout=TIMEOUT, allow_errors=False,
                                     meta_override=True)
        if result.err is not None:
            pytest.fail(f"{path.name} raised while executing:\n{result.exc_string}", pytrace=False)
        cache.cache_notebook_bundle(CacheBundleIn(notebook, stage.uri, data={"execution_seconds": result.time}),
                                    check_validity=False, overwrite=True)
    return cache.merge_match_into_notebook(nbformat.read(path, as_version=4))[1]


class _NbvalComparison:
    """What nbval's ``IPyNbCell.compare_outputs`` needs of its cell: the skipped keys and
    sanitisers of an ``IPyNbFile`` (nbval's defaults: no sanitising, images not compared)."""

    def __init__(self):
        from nbval.plugin import nocolors

        self.colors = nocolors
        self.parent = type("File", (), {"skip_compare": (
            "metadata", "traceback", "prompt_number", "output_type", "name", "execution_count",
            "application/vnd.jupyter.widget-view+json", "image/png", "image/jpeg"), "sanitize_patterns": {}})()

    def sanitize(self, text):
        return text

    def format_output_compare(self, key, reference, test):
        """nbval's report of one differing output, without its pytest hooks."""
        self.comparison_traceback += [f"mismatch {key!r}", "  committed:", f"    {reference!r}", "  now:", f"    {test!r}"]

    def compare(self, test, reference) -> tuple[bool, str]:
        from nbval.plugin import IPyNbCell, coalesce_streams

        same = IPyNbCell.compare_outputs(self, coalesce_streams(test), coalesce_streams(reference))
        return same, "\n".join(getattr(self, "comparison_traceback", []))


def checked_cells(notebook) -> list[int]:
    """Cells nbval's lax mode checks: the comment marker ``# NBVAL_CHECK_OUTPUT`` or the tag."""
    return [index for index, cell in enumerate(notebook.cells) if cell.cell_type == "code" and (
        re.search(r"^\s*#\s*NBVAL_CHECK_OUTPUT\s*$", cell.source, flags=re.M)
        or "nbval-check-output" in cell.get("metadata", {}).get("tags", []))]


@pytest.mark.parametrize("path", chapter_notebooks(), ids=lambda path: path.name)
def test_chapter_runs_and_keeps_its_checked_outputs(path):
    reference = nbformat.read(path, as_version=4)
    notebook = executed(path)
    errors = [(index, output) for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"
              for output in cell.get("outputs", []) if output.get("output_type") == "error"]
    assert not errors, f"{path.name}: cell {errors[0][0]} raised {errors[0][1].get('ename')}"
    comparison = _NbvalComparison()
    for index in checked_cells(reference):
        same, difference = comparison.compare(notebook.cells[index].outputs, reference.cells[index].outputs)
        assert same, f"{path.name}, cell {index}: outputs differ from the committed ones\n{difference}"
