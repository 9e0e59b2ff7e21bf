"""What each chapter of the book costs to execute, in quick mode (what CI runs) and at full size.

Every page with code in the table of contents is executed the way the book executes it (Jupyter
Book's cache executor, the chapter's folder as working directory), once with ENERGYGNN_QUICK=1
and once without it (nor CI), on the committed results/. Written with provenance to
results/benchmarks/chapter_times.json and shown in the introduction.

    python -m benchmarks.chapter_times --no-quick   # both modes, every chapter (about ten minutes)
    python -m benchmarks.chapter_times --quick      # quick mode only, to _build/benchmarks/
"""
from __future__ import annotations

import os
import time
from contextlib import contextmanager
from pathlib import Path

import nbformat
import yaml
from tqdm.auto import tqdm

from benchmarks import argument_parser, output_path, quick_from
from energygnn.config import repo_root
from energygnn.provenance import atomic_write_json, provenance

MODES = {"quick": {"ENERGYGNN_QUICK": "1"}, "full": {}}


def chapters(root: Path) -> list[Path]:
    """The table of contents' pages that hold code cells (notebooks and MyST notebooks), in book order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files = [toc["root"]] + [chapter["file"] for part in toc["parts"] for chapter in part["chapters"]]
    pages = []
    for name in files:
        for suffix in (".ipynb", ".md"):
            path = root / f"{name}{suffix}"
            if path.is_file() and any(cell.cell_type == "code" for cell in read_page(path).cells):
                pages.append(path)
                break
    return pages


def read_page(path: Path) -> nbformat.NotebookNode:
    if path.suffix == ".md":
        from myst_nb.core.read import read_myst_markdown_notebook
        return read_myst_markdown_notebook(path.read_text())
    return nbformat.read(path, as_version=4)


@contextmanager
def environment(overrides: dict[str, str]):
    """Quick mode on or off for the kernels started inside (they inherit this process's environment)."""
    saved = {key: os.environ.pop(key) for key in ("ENERGYGNN_QUICK", "CI") if key in os.environ}
    os.environ.update(overrides)
    try:
        yield
    finally:
        for key in overrides:
            os.environ.pop(key, None)
        os.environ.update(saved)


def execute(path: Path, timeout: int) -> float:
    """Seconds to execute the page from a fresh kernel (raises if a cell fails)."""
    from jupyter_cache.executors.utils import single_nb_execution

    result = single_nb_execution(read_page(path), cwd=str(path.parent), timeout=timeout, allow_errors=False,
                                 meta_override=True)
    if result.err is not None:
        raise RuntimeError(f"{path.name} raised while executing:\n{result.exc_string}")
    return float(result.time)


def main(argv=None) -> Path:
    parser = argument_parser(__doc__, "quick mode only; --no-quick times both modes")
    args = parser.parse_args(argv)
    quick = quick_from(args)
    root = repo_root() or Path.cwd()
    timeout = yaml.safe_load((root / "_config.yml").read_text())["execute"]["timeout"]
    output = output_path("chapter_times", quick, args.output)
    origin, start = provenance(), time.perf_counter()
    modes = ["quick"] if quick else list(MODES)
    pages = chapters(root)
    seconds: dict[str, dict[str, float]] = {}
    with tqdm(total=len(pages) * len(modes), desc="chapters", unit="page") as bar:
        for mode in modes:
            with environment(MODES[mode]):
                for path in pages:
                    bar.set_postfix_str(f"{mode}: {path.name}")
                    seconds.setdefault(path.relative_to(root).as_posix(), {})[mode] = execute(path, timeout)
                    bar.update()
    payload = {"benchmark": "chapter_times", "quick": quick, "modes": modes, "seconds": seconds,
               "total_seconds": {mode: sum(page[mode] for page in seconds.values()) for mode in modes},
               "wall_seconds": time.perf_counter() - start, "provenance": origin}
    atomic_write_json(output, payload)
    print(f"wrote {output}: " + ", ".join(f"{mode} {payload['total_seconds'][mode]:.0f} s" for mode in modes))
    return output


if __name__ == "__main__":
    main()
