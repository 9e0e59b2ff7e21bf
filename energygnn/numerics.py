r"""The numerics profile: what a CPU would otherwise choose for itself, pinned in one place, so that a
run gives the same bits on every x86-64 machine with AVX2 and FMA.

Three libraries pick their code by the CPU they find, and each pick rounds differently:

* ATen (PyTorch's CPU kernels) dispatches by capability (``DEFAULT``, ``AVX2``, ``AVX512``),
  read once from ``ATEN_CPU_CAPABILITY`` at the first operation that dispatches;
* oneMKL (PyTorch's BLAS and LAPACK on x86) picks a code branch by CPU, capped by its maximum ISA
  (``MKL_ENABLE_INSTRUCTIONS``). Its conditional numerical reproducibility mode (``MKL_CBWR``) is
  *not* used: any value of it, ``AUTO`` included, switches LAPACK to other algorithms (measured:
  with it set, 90 of Cora's 2708 adjacency eigenvalues keep the committed bits; without it, all),
  so the profile unsets it;
* oneDNN picks its JIT kernels by ISA, capped by ``ONEDNN_MAX_CPU_ISA``;

and the entropy-step kernels (:mod:`energygnn.native`) are compiled for an instruction set and a
tuning, which set the vector width of their reductions and the vector ``exp``.

Profiles (``$ENERGYGNN_NUMERICS``):

``x86-64-v3`` (the default)
    ATen at ``AVX2``; oneMKL and oneDNN capped at AVX2 (on an Intel CPU with AVX-512 they would
    otherwise take their AVX-512 code; untested here, where every CPU is an AMD EPYC); the kernels built with
    ``-march=x86-64-v3 -mtune=znver3``. The committed runs were made under it (before this module
    existed, on an AVX2-only CPU where the native choices are these). It wins over the
    environment: an ``ATEN_CPU_CAPABILITY`` set by the user is overridden, with a warning.
    It needs Linux on an x86-64 CPU with AVX2 and FMA (the CPU's flags are read from
    ``/proc/cpuinfo``); elsewhere the machine's own choices are used and the profile in force is
    recorded as ``native``, with the reason.
``native``
    the machine's fastest code: nothing is pinned, the kernels are built with ``-march=native``.
    Runs are deterministic on one machine, not across machines.

The profile is applied when ``energygnn`` is imported, before its first torch operation. A
process that ran a torch operation before importing ``energygnn`` has already fixed ATen's
capability; :func:`describe` then reports the profile as not in force (and a warning says so).
Every run records :func:`describe` in its provenance.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
import warnings
from functools import lru_cache
from typing import Any

ENVIRONMENT_VARIABLE = "ENERGYGNN_NUMERICS"
PINNED = "x86-64-v3"
NATIVE = "native"
DEFAULT = PINNED
# What the pinned profile sets before the first torch operation (each library reads it once);
# ``None``: removed from the environment.
PINNED_ENVIRONMENT: dict[str, str | None] = {
    "ATEN_CPU_CAPABILITY": "avx2",
    "MKL_CBWR": None,
    "MKL_ENABLE_INSTRUCTIONS": "AVX2",
    "ONEDNN_MAX_CPU_ISA": "AVX2",
    "DNNL_MAX_CPU_ISA": "AVX2",  # oneDNN's older name for the same cap
}
PINNED_ATEN_CAPABILITY = "AVX2"
# The compiled kernels' instruction set and tuning (the tuning sets vector widths and unrolling,
# hence the order of a reduction's additions): what -march=native chose on the AVX2-only Zen 3
# EPYC that made the committed runs (they re-run bit for bit under these flags, not under AVX-512).
KERNEL_FLAGS = {PINNED: ("-march=x86-64-v3", "-mtune=znver3"), NATIVE: ("-march=native",)}
_REQUIRED_CPU_FLAGS = ("avx", "avx2", "fma", "bmi1", "bmi2", "f16c", "movbe")  # x86-64-v3, less the v2 basics
# The user's own values of the pinned variables, kept in the environment by a pinned process so
# that a child asking for ``native`` gets them back rather than the parent's pins.
_ORIGINAL = "_ENERGYGNN_NUMERICS_ORIGINAL"
_STATE: dict[str, Any] = {"requested": None, "profile": None, "reason": None}


def cpu() -> dict[str, Any]:
    """The CPU: its model name, vendor, family/model/stepping and a digest of its instruction-set flags."""
    info: dict[str, Any] = {"model_name": platform.processor() or platform.machine(), "vendor": None,
                            "family_model_stepping": None, "flags_digest": None, "flags": ()}
    fields: dict[str, str] = {}
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if not line.strip():
                    break  # the first processor is enough
                key, _, value = line.partition(":")
                fields.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    flags = tuple(sorted((fields.get("flags") or fields.get("Features") or "").split()))
    info["model_name"] = fields.get("model name", info["model_name"])
    info["vendor"] = fields.get("vendor_id")
    if "cpu family" in fields:
        info["family_model_stepping"] = f"{fields['cpu family']}/{fields.get('model', '?')}/{fields.get('stepping', '?')}"
    info["flags"] = flags
    info["flags_digest"] = hashlib.sha256(" ".join(flags or (platform.machine(),)).encode()).hexdigest()[:10]
    return info


def _can_pin() -> str | None:
    """Why the pinned profile cannot run here, or ``None`` when it can."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return f"the CPU is {platform.machine()}, not x86-64"
    flags = set(cpu()["flags"])
    if not flags:
        return "the CPU's instruction sets cannot be read (no /proc/cpuinfo), so AVX2 and FMA cannot be checked"
    missing = [flag for flag in _REQUIRED_CPU_FLAGS if flag not in flags]
    if missing:
        return f"the CPU lacks {', '.join(missing)} (x86-64-v3 needs AVX2 and FMA)"
    return None


def requested() -> str:
    """The profile ``$ENERGYGNN_NUMERICS`` asks for (default ``x86-64-v3``).

    Raises:
        ValueError: the variable names no profile.
    """
    value = os.environ.get(ENVIRONMENT_VARIABLE, "").strip().lower() or DEFAULT
    if value not in KERNEL_FLAGS:
        raise ValueError(f"{ENVIRONMENT_VARIABLE}={os.environ[ENVIRONMENT_VARIABLE]!r} is not a numerics profile: "
                         f"use {PINNED!r} (the default: the same bits on every x86-64-v3 CPU) or {NATIVE!r} "
                         "(this machine's fastest code), or unset it.")
    return value


def apply() -> str:
    """Put the requested profile in force for this process and the processes it starts (their
    environment inherits it); returns the profile in force. Idempotent. Called by
    ``import energygnn``, before any torch operation of the package."""
    wanted = requested()
    if _STATE["requested"] == wanted:
        return _STATE["profile"]
    profile, reason = wanted, None
    if wanted == PINNED:
        reason = _can_pin()
        if reason is not None:
            profile = NATIVE
        else:
            if _ORIGINAL not in os.environ:
                os.environ[_ORIGINAL] = json.dumps({key: os.environ.get(key) for key in PINNED_ENVIRONMENT})
            original = json.loads(os.environ[_ORIGINAL])
            overridden = {key: value for key, value in original.items()
                          if value not in (None, "", PINNED_ENVIRONMENT[key])}
            for key, value in PINNED_ENVIRONMENT.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            if overridden:
                warnings.warn(f"energygnn: the numerics profile {PINNED} overrides "
                              f"{', '.join(f'{k}={v}' for k, v in overridden.items())} so that runs give the "
                              f"same bits on every machine; set {ENVIRONMENT_VARIABLE}={NATIVE} to keep your own.",
                              RuntimeWarning, stacklevel=2)
    if profile == NATIVE and _ORIGINAL in os.environ:  # started by a pinned process: undo its pins
        for key, value in json.loads(os.environ.pop(_ORIGINAL)).items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    _STATE.update(requested=wanted, profile=profile, reason=reason)
    if profile == PINNED and "torch" in sys.modules:
        capability = _aten_capability()
        if capability != PINNED_ATEN_CAPABILITY:
            warnings.warn(f"energygnn: torch ran an operation before energygnn was imported, so ATen's CPU "
                          f"capability is {capability}, not the profile's {PINNED_ATEN_CAPABILITY}: results may "
                          "differ in their last bits from the committed runs. Import energygnn before using torch.",
                          RuntimeWarning, stacklevel=2)
    return profile


def profile() -> str:
    """The profile applied to this process (applying the requested one if none was)."""
    return apply() if _STATE["profile"] is None else _STATE["profile"]


def kernel_flags() -> tuple[str, ...]:
    """Instruction set and tuning for the compiled kernels under the profile in force."""
    return KERNEL_FLAGS[profile()]


def _aten_capability() -> str:
    import torch

    return str(torch.backends.cpu.get_cpu_capability())


@lru_cache(maxsize=1)
def compiler() -> str | None:
    """The C++ compiler's first version line (what builds the kernels), or ``None``."""
    import shutil
    import subprocess

    command = os.environ.get("CXX") or shutil.which("c++") or shutil.which("g++") or shutil.which("clang++")
    if not command:
        return None
    try:
        output = subprocess.run([command, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return output.splitlines()[0].strip() if output else None


def describe() -> dict[str, Any]:
    """The profile in force, as recorded in every run's provenance: its name, whether it is fully
    in force (``in_force``: ATen's capability and the pinned variables as the profile wants them),
    ATen's capability, the variables it pins, the kernels' flags and compiler, and why the
    requested profile could not be used (``reason``), if it could not."""
    active = profile()
    capability = _aten_capability()
    pinned = {key: os.environ.get(key) for key in PINNED_ENVIRONMENT}
    in_force = active != PINNED or (capability == PINNED_ATEN_CAPABILITY and pinned == PINNED_ENVIRONMENT)
    reason = _STATE["reason"]
    if not in_force:
        reason = (f"ATen's CPU capability is {capability}, not {PINNED_ATEN_CAPABILITY} (a torch operation ran before "
                  "energygnn was imported)" if capability != PINNED_ATEN_CAPABILITY
                  else "a pinned variable was changed after energygnn was imported")
    return {"profile": active, "requested": _STATE["requested"], "in_force": in_force, "reason": reason,
            "aten_cpu_capability": capability, "pinned_environment": pinned,
            "kernel_flags": list(kernel_flags()), "kernel_compiler": compiler()}


def reproduces_committed() -> tuple[bool, str]:
    """Whether this process can re-run the committed runs bit for bit (they were made under the
    ``x86-64-v3`` profile), and if not, why not, in a sentence."""
    state = describe()
    if state["profile"] == PINNED and state["in_force"]:
        return True, f"the {PINNED} profile is in force"
    if state["requested"] == NATIVE:
        return False, (f"{ENVIRONMENT_VARIABLE}={NATIVE} is set: the committed runs were made under the {PINNED} "
                       f"profile; unset {ENVIRONMENT_VARIABLE} to re-run them bit for bit")
    return False, (f"the {PINNED} profile that the committed runs were made under is not in force here: "
                   f"{state['reason']}; the same distributions are expected, not the same bits")
