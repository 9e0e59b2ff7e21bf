"""Run-time settings shared by the package, the benchmarks and the book.

One switch sizes every expensive loop: quick mode is on when ``ENERGYGNN_QUICK`` is truthy, or,
when that variable is unset, when ``CI`` is (continuous integration sets it). Chapters and
experiment entry points read :func:`quick_mode` instead of their own flags.
"""
from __future__ import annotations

import os
from pathlib import Path

_FALSE = {"", "0", "false", "no", "off"}


def _truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() not in _FALSE


def quick_mode() -> bool:
    """Whether expensive computations should run at their small "quick" sizes."""
    explicit = os.environ.get("ENERGYGNN_QUICK")
    if explicit is not None:
        return _truthy(explicit)
    return _truthy(os.environ.get("CI"))


def repo_root() -> Path | None:
    """The source checkout this package was imported from, or ``None`` for a plain install."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").is_file() and (root / "energygnn").is_dir() else None


def default_data_root() -> Path:
    """``$ENERGYGNN_DATA``, else ``data/`` in the checkout, else ``./data``."""
    env = os.environ.get("ENERGYGNN_DATA")
    if env:
        return Path(env).expanduser()
    root = repo_root()
    return (root / "data") if root is not None else Path.cwd() / "data"


def default_raw_mirror() -> Path | None:
    """``$ENERGYGNN_RAW_MIRROR``, else ``../shared/data/planetoid`` beside the checkout."""
    env = os.environ.get("ENERGYGNN_RAW_MIRROR")
    if env:
        return Path(env).expanduser()
    root = repo_root()
    return (root.parent / "shared" / "data" / "planetoid") if root is not None else None


def results_root() -> Path:
    """Where committed results live: ``$ENERGYGNN_RESULTS``, else ``results/`` in the checkout."""
    env = os.environ.get("ENERGYGNN_RESULTS")
    if env:
        return Path(env).expanduser()
    root = repo_root()
    return (root / "results") if root is not None else Path.cwd() / "results"
