r"""Compiled CPU kernels for the entropy step, built on first use.

The pure-PyTorch step (:mod:`energygnn.entropy`) reads the embeddings about eight times per
layer (mean, centring, two sparse products, row norms, a cross term). The two kernels in
``energygnn/csrc/entropy_step.cpp`` read them twice: one loop over the neighbour lists for the
energies :math:`\sum_j \lVert x_i - x_j \rVert^2` and one for the step itself, both on the
differences :math:`x_i - x_j`. They are compiled with ``torch.utils.cpp_extension.load``
(a C++ compiler and ``ninja`` are needed; about 40 s, once per machine and torch version,
cached under ``$TORCH_EXTENSIONS_DIR`` or ``~/.cache/torch_extensions``).

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
import sys
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


def _cpu_flags() -> str:
    """A short digest of the CPU's instruction-set flags: the build uses ``-march=native``, so a
    binary cached for one CPU must not be loaded on another (e.g. a home directory shared by machines)."""
    flags = platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith(("flags", "Features")):
                    flags = " ".join(sorted(line.split(":", 1)[1].split()))
                    break
    except OSError:
        pass
    return hashlib.sha256(flags.encode()).hexdigest()[:10]


def _build_directory() -> str:
    from torch.utils.cpp_extension import get_default_build_root
    root = os.environ.get("TORCH_EXTENSIONS_DIR") or get_default_build_root()
    version = f"py{sys.version_info.major}{sys.version_info.minor}_torch{torch.__version__}_cpu{_cpu_flags()}"
    return os.path.join(root, f"energygnn-{version}".replace("+", "_"))


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
    directory = _build_directory()
    os.makedirs(directory, exist_ok=True)
    with _build_lock(directory, _build_wait()):
        # torch's own lock file, if present, was left by a build that died: whoever holds our
        # lock is the only builder, and torch would otherwise wait for it forever
        stale = os.path.join(directory, "lock")
        if os.path.exists(stale):
            os.remove(stale)
        if not glob.glob(os.path.join(directory, f"{_NAME}*.so")):
            print("energygnn: compiling the entropy-step kernels (first use only, about 40 s) ...",
                  file=sys.stderr, flush=True)
        # -march=native: the build is for this machine only (the cache is keyed by its CPU flags);
        # -fopenmp: without it at::parallel_for, inlined from the headers, runs on one thread
        flags = [] if os.name == "nt" else ["-O3", "-march=native", "-fopenmp"]
        return load(_NAME, [_SOURCE], extra_cflags=flags, build_directory=directory, verbose=False)


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
