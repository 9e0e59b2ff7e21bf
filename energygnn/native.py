r"""Compiled CPU kernels for the entropy step, built on first use.

The pure-PyTorch step (:mod:`energygnn.entropy`) reads the embeddings about eight times per
layer (mean, centring, two sparse products, row norms, a cross term). The two kernels in
``energygnn/csrc/entropy_step.cpp`` read them twice: one loop over the neighbour lists for the
energies :math:`\sum_j \lVert x_i - x_j \rVert^2` and one for the step itself, both on the
differences :math:`x_i - x_j`. They are compiled with ``torch.utils.cpp_extension.load``
(a C++ compiler and ``ninja`` are needed; about 40 s, once per machine and torch version,
cached under ``$TORCH_EXTENSIONS_DIR`` or ``~/.cache/torch_extensions``, in a folder keyed by
the source and the compiler flags). The flags come from the numerics profile
(:mod:`energygnn.numerics`): ``-march=x86-64-v3 -mtune=znver3`` by default, so that the kernels
round alike on every x86-64-v3 CPU; ``-march=native`` under ``ENERGYGNN_NUMERICS=native``.

Builds are serialised by a lock the operating system releases if its holder dies (a build killed
midway never blocks later ones); a process waits at most ``$ENERGYGNN_BUILD_WAIT`` seconds (600)
for another's build. Where they cannot be built (no compiler, or the wait ran out) a warning says
so once and the pure-PyTorch step is used; it gives the same numbers up to rounding. ``ENERGYGNN_NATIVE=0`` in the environment, or
``with energygnn.native.disabled():``, selects the pure-PyTorch step.
"""
from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
import warnings

import torch

_SOURCE = os.path.join(os.path.dirname(__file__), "csrc", "entropy_step.cpp")
_NAME = "energygnn_entropy_step"
_LOCK = threading.Lock()
_STATE: dict = {"module": None, "failed": False}
_LOCAL = threading.local()
_USES: dict[str, int] = {"compiled": 0, "pytorch": 0}  # entropy steps taken in this process, by kind


def note_use(compiled: bool) -> None:
    """Count one entropy step (the runner records which kinds a run took)."""
    _USES["compiled" if compiled else "pytorch"] += 1


def step_uses() -> dict[str, int]:
    """How many entropy steps of each kind this process has taken so far."""
    return dict(_USES)


def _wanted() -> bool:
    return os.environ.get("ENERGYGNN_NATIVE", "1").strip().lower() not in ("0", "false", "no", "off") \
        and not getattr(_LOCAL, "disabled", False)


def _build_key() -> str:
    """What a built library depends on: the kernels' source, the compiler flags of the numerics
    profile in force, torch and Python (and, for ``-march=native``, this CPU's instruction set).
    Two checkouts with the same source share one build; a changed source or profile gets its own."""
    from . import numerics

    parts = [hashlib.sha256(open(_SOURCE, "rb").read()).hexdigest(), " ".join(_compile_flags()),
             torch.__version__, platform.python_version()]
    if numerics.profile() == numerics.NATIVE:
        parts.append(numerics.cpu()["flags_digest"])  # a -march=native library must not be loaded on another CPU
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _compile_flags() -> list[str]:
    """``-O3``, the numerics profile's instruction set and tuning, and ``-fopenmp`` (without it
    at::parallel_for, inlined from the headers, runs on one thread)."""
    from . import numerics

    return [] if os.name == "nt" else ["-O3", *numerics.kernel_flags(), "-fopenmp"]


def _build_directory() -> str:
    from torch.utils.cpp_extension import get_default_build_root
    root = os.environ.get("TORCH_EXTENSIONS_DIR") or get_default_build_root()
    return os.path.join(root, f"energygnn-{_build_key()}")


def _library_path() -> str:
    """Where the finished library lives; it appears there only whole (built elsewhere, then renamed)."""
    import importlib.machinery

    suffix = ".pyd" if os.name == "nt" else ".so"
    assert suffix in importlib.machinery.EXTENSION_SUFFIXES
    return os.path.join(_build_directory(), _NAME + suffix)


def _import_library(path: str):
    import importlib.util

    spec = importlib.util.spec_from_file_location(_NAME, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildBusy(RuntimeError):
    """Another process held the build lock for longer than the wait allows."""


def _build_wait() -> float:
    """Seconds to wait for another process's build: ``$ENERGYGNN_BUILD_WAIT``, default 600."""
    return float(os.environ.get("ENERGYGNN_BUILD_WAIT", "600"))


@contextlib.contextmanager
def _build_lock(directory: str, wait: float):
    """Hold ``<directory>/energygnn.lock`` exclusively. The operating system releases it when its
    holder dies (killed mid-build, say), so it can never be left behind; waits at most ``wait`` s."""
    try:
        import fcntl
    except ImportError:  # not POSIX: torch's own lock file only
        yield
        return
    with open(os.path.join(directory, "energygnn.lock"), "a") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise BuildBusy(f"another process has been building them in {directory} for over "
                                    f"{wait:.0f} s") from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build():
    from torch.utils.cpp_extension import load
    directory, library = _build_directory(), _library_path()
    os.makedirs(directory, exist_ok=True)
    if os.path.exists(library):  # only ever a whole library: see below
        return _import_library(library)
    with _build_lock(directory, _build_wait()):
        if os.path.exists(library):  # built by the process we waited for
            return _import_library(library)
        # private folders left by builds that died (whoever holds the lock is the only builder)
        for orphan in glob.glob(os.path.join(directory, ".build-*")):
            shutil.rmtree(orphan, ignore_errors=True)
        print("energygnn: compiling the entropy-step kernels (first use only, about 40 s) ...",
              file=sys.stderr, flush=True)
        # built in a private folder and renamed into place when whole, so that a half-written
        # object (a compiler killed midway, or orphaned and still writing) is never linked or loaded
        private = tempfile.mkdtemp(prefix=".build-", dir=directory)
        try:
            module = load(_NAME, [_SOURCE], extra_cflags=_compile_flags(), build_directory=private, verbose=False)
            os.replace(os.path.join(private, os.path.basename(library)), library)
        finally:
            shutil.rmtree(private, ignore_errors=True)
        return module


def kernels():
    """The compiled module with ``squared_differences`` and ``pair_step``, or ``None`` when the
    pure-PyTorch step is selected or the kernels cannot be built."""
    if not _wanted() or _STATE["failed"]:
        return None
    if _STATE["module"] is None:
        with _LOCK:
            if _STATE["module"] is None and not _STATE["failed"]:
                try:
                    _STATE["module"] = _build()
                except BuildBusy as error:
                    _STATE["failed"] = True
                    warnings.warn(
                        f"energygnn: not using the compiled entropy-step kernels: {error}. Using the "
                        "pure-PyTorch step (same numbers, slower) in this process. If no other build is "
                        f"running, delete {_build_directory()} and run again.", RuntimeWarning, stacklevel=3)
                    return None
                except Exception as error:  # no compiler, no ninja, a failed build: fall back
                    _STATE["failed"] = True
                    warnings.warn(
                        "energygnn: could not build the compiled entropy-step kernels "
                        f"({type(error).__name__}: {str(error).strip().splitlines()[-1] if str(error).strip() else ''}); "
                        "using the pure-PyTorch step, which gives the same numbers but is about 2.5x "
                        "slower. Install a C++ compiler and `pip install ninja` to build them.",
                        RuntimeWarning, stacklevel=3)
                    return None
    return _STATE["module"]


def available() -> bool:
    """Whether the compiled kernels are in use (building them if needed)."""
    return kernels() is not None


@contextlib.contextmanager
def disabled():
    """Use the pure-PyTorch entropy step inside the block (in this thread), e.g. to compare."""
    previous = getattr(_LOCAL, "disabled", False)
    _LOCAL.disabled = True
    try:
        yield
    finally:
        _LOCAL.disabled = previous
