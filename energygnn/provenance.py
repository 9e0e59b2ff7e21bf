"""Provenance stored beside every result: versions, commit, machine, time; and atomic JSON writes."""
from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import subprocess
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

from .config import repo_root

_PACKAGES = ("energygnn", "torch", "torch-geometric", "numpy", "scipy", "sympy", "torchmetrics")


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def git_commit() -> dict[str, Any]:
    """The checkout's HEAD and whether tracked files outside ``results/`` differ from it
    (``None`` outside git)."""
    root = repo_root()
    if root is None:
        return {"commit": None, "dirty": None}
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                                text=True, check=True).stdout.strip()
        # results files change while sweeps run; "dirty" is about the code that produced them
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
                                     ":(exclude)results"],
                                    cwd=root, capture_output=True, text=True, check=True).stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": dirty}


# The checkout as this process imported it: the code that runs. A sweep records it in every run,
# so that editing the checkout while a sweep runs cannot change what its runs say they ran.
CODE_AT_IMPORT = git_commit()


def machine() -> dict[str, Any]:
    """The machine and the numerics it computed under: platform, CPU (model, vendor,
    family/model/stepping, a digest of its instruction-set flags), torch threads and the numerics
    profile in force (:func:`energygnn.numerics.describe`: ATen's capability, the pinned variables,
    the kernels' flags and compiler)."""
    import torch

    from . import numerics

    cpu = numerics.cpu()
    # which entropy step a run took (compiled kernels or the pure-PyTorch fallback) is added by the
    # runner after the run, and only to runs that took one
    return {"platform": platform.platform(), "cpu": cpu["model_name"], "cpu_vendor": cpu["vendor"],
            "cpu_family_model_stepping": cpu["family_model_stepping"], "cpu_flags_digest": cpu["flags_digest"],
            "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(), "numerics": numerics.describe()}


def provenance() -> dict[str, Any]:
    """Everything needed to say where a number came from; ``git`` is the checkout when this
    process imported the package (``CODE_AT_IMPORT``), the code that ran."""
    return {"versions": package_versions(), "git": dict(CODE_AT_IMPORT), "machine": machine(),
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}


def atomic_write_json(path: str | os.PathLike, payload: Any) -> Path:
    """Write JSON to ``path`` via a temporary file and a rename: never a half-written file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(payload, handle, indent=1, sort_keys=False)
            handle.write("\n")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def read_json(path: str | os.PathLike) -> Any:
    """Read a results file; a corrupt one raises ``ValueError`` naming it."""
    path = Path(path)
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not valid JSON ({error}); delete it and re-run what wrote it.") from None
