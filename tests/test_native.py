import contextlib
import glob
import os
import warnings

import pytest
import torch

from energygnn import native
from energygnn.entropy import entropy_ascent, entropy_gradient, entropy_gradient_authors
from energygnn.sparse import Adjacency
from test_entropy import irregular_graph

needs_kernels = pytest.mark.skipif(not native.available(), reason="the compiled kernels cannot be built here")


def both_steps(function):
    """(compiled, pure-PyTorch) results of ``function()``."""
    compiled = function()
    with native.disabled():
        return compiled, function()


@needs_kernels
@pytest.mark.parametrize("normalize", [False, True])
@pytest.mark.parametrize("dtype, tolerance", [(torch.float64, 1e-12), (torch.float32, 2e-5)])
def test_compiled_and_pytorch_steps_agree(normalize, dtype, tolerance):
    edge_index, n = irregular_graph()
    adjacency = Adjacency(edge_index, n)
    x = (3.0 + torch.randn(n, 37, generator=torch.Generator().manual_seed(1))).to(dtype)  # odd width
    for function in (lambda: entropy_gradient(x, adjacency, 2.0, normalize),
                     lambda: entropy_gradient_authors(x, adjacency, 2.0, normalize),
                     lambda: entropy_ascent(x, adjacency, 2.0, normalize, weight=0.7)):
        compiled, pytorch = both_steps(function)
        assert compiled.dtype == dtype and compiled.shape == x.shape
        scale = max(1.0, float(pytorch.abs().max()))
        torch.testing.assert_close(compiled, pytorch, rtol=tolerance, atol=tolerance * scale)


@needs_kernels
def test_the_step_uses_the_kernels_only_when_no_gradient_flows_through_it(monkeypatch):
    calls = []
    module = native.kernels()

    class Spy:
        def __getattr__(self, name):
            calls.append(name)
            return getattr(module, name)

    monkeypatch.setitem(native._STATE, "module", Spy())
    edge_index, n = irregular_graph()
    adjacency = Adjacency(edge_index, n)
    x = torch.randn(n, 4, requires_grad=True)
    entropy_ascent(x, adjacency, 1.0, False, detach=True).sum().backward()
    assert calls == ["squared_differences", "pair_step"]
    calls.clear()
    entropy_ascent(x, adjacency, 1.0, False, detach=False).sum().backward()
    assert calls == [] and x.grad is not None
    with native.disabled():
        entropy_ascent(x, adjacency, 1.0, False)
    assert calls == []


@needs_kernels
def test_subnormal_weights_are_flushed_without_changing_the_step():
    # energies of ~90 T give weights exp(-90) ~ 1e-39: subnormal in float32
    edge_index = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])
    adjacency = Adjacency(edge_index, 3)
    x = torch.tensor([[0.0], [13.4], [26.8]])
    compiled, pytorch = both_steps(lambda: entropy_ascent(x, adjacency, 1.0, False))
    torch.testing.assert_close(compiled, pytorch)


def test_the_environment_variable_selects_the_pytorch_step(monkeypatch):
    monkeypatch.setenv("ENERGYGNN_NATIVE", "0")
    assert native.kernels() is None and not native.available()


def test_a_failed_build_warns_once_and_falls_back(monkeypatch):
    def no_compiler():
        raise RuntimeError("Ninja is required to load C++ extensions")

    monkeypatch.setattr(native, "_build", no_compiler)
    monkeypatch.setitem(native._STATE, "module", None)
    monkeypatch.setitem(native._STATE, "failed", False)
    edge_index, n = irregular_graph()
    x = torch.randn(n, 3, dtype=torch.float64)
    with pytest.warns(RuntimeWarning, match="Ninja is required.*pure-PyTorch step"):
        fallback = entropy_gradient(x, edge_index, 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert torch.equal(entropy_gradient(x, edge_index, 1.0), fallback)
    with native.disabled():
        assert torch.equal(entropy_gradient(x, edge_index, 1.0), fallback)


@needs_kernels
def test_the_kernels_give_the_same_bits_on_any_number_of_threads(set_torch_threads):
    # each node's sums are formed by one thread in a fixed order
    edge_index, n = irregular_graph(n=400)
    adjacency = Adjacency(edge_index, n)
    x = torch.randn(n, 16, generator=torch.Generator().manual_seed(2))
    set_torch_threads(1)
    single = entropy_ascent(x, adjacency, 1.0, True)
    set_torch_threads(2)
    assert torch.equal(entropy_ascent(x, adjacency, 1.0, True), single)


def test_the_kernel_cache_is_keyed_by_the_source_and_the_flags_not_the_checkout(monkeypatch, tmp_path):
    from energygnn import numerics

    monkeypatch.setenv("TORCH_EXTENSIONS_DIR", str(tmp_path))
    pinned = native._build_directory()
    assert pinned.startswith(str(tmp_path))
    copy = tmp_path / "another-checkout" / "entropy_step.cpp"  # the same source elsewhere: the same build
    copy.parent.mkdir()
    copy.write_bytes(open(native._SOURCE, "rb").read())
    monkeypatch.setattr(native, "_SOURCE", str(copy))
    assert native._build_directory() == pinned
    copy.write_text(copy.read_text() + "\n// changed\n")
    assert native._build_directory() != pinned
    monkeypatch.setattr(native, "_SOURCE", native._SOURCE)
    monkeypatch.undo()
    monkeypatch.setenv("TORCH_EXTENSIONS_DIR", str(tmp_path))
    monkeypatch.setitem(numerics._STATE, "profile", numerics.NATIVE)  # -march=native: keyed by this CPU too
    monkeypatch.setattr(numerics, "cpu", lambda: {"flags_digest": "aaaa"})
    first = native._build_directory()
    monkeypatch.setattr(numerics, "cpu", lambda: {"flags_digest": "bbbb"})
    assert native._build_directory() not in (first, pinned)
    assert "-march=native" in native._compile_flags()


def test_provenance_does_not_build_the_kernels_and_runs_record_the_step_they_took(monkeypatch, tmp_path):
    from energygnn.experiments.runner import Run, execute
    from energygnn.provenance import provenance

    monkeypatch.setattr(native, "_build", lambda: pytest.fail("provenance must not build the kernels"))
    monkeypatch.setitem(native._STATE, "module", None)
    monkeypatch.setitem(native._STATE, "failed", False)
    assert "entropy_step" not in provenance()["machine"]
    monkeypatch.setitem(native._STATE, "failed", True)  # as without a compiler: the PyTorch step
    edge_index, n = irregular_graph()

    def with_step(config):
        entropy_ascent(torch.randn(n, 4), Adjacency(edge_index, n), 1.0, False)
        return {}

    stepped = execute(Run("demo", "step", {}), with_step, tmp_path)
    plain = execute(Run("demo", "plain", {}), lambda config: {}, tmp_path)
    assert stepped["provenance"]["machine"]["entropy_step"] == "pytorch"
    assert "entropy_step" not in plain["provenance"]["machine"]


@pytest.fixture
def fresh_build_state(monkeypatch, tmp_path):
    """An empty extensions folder and no kernels loaded yet in this process; the compiler replaced
    by a stand-in that records what it saw."""
    import torch.utils.cpp_extension as cpp_extension

    monkeypatch.setenv("TORCH_EXTENSIONS_DIR", str(tmp_path))
    monkeypatch.setitem(native._STATE, "module", None)
    monkeypatch.setitem(native._STATE, "failed", False)
    seen = []

    def fake_load(name, sources, build_directory, **kwargs):
        seen.append({"folder": build_directory, "files": sorted(os.listdir(build_directory)), **kwargs})
        open(os.path.join(build_directory, f"{name}.so"), "w").close()  # what a finished build leaves
        return "kernels"

    monkeypatch.setattr(cpp_extension, "load", fake_load)
    os.makedirs(native._build_directory())
    return seen


def hold_the_build_lock():
    """A process that takes the build lock and keeps it until killed."""
    import subprocess
    import sys

    path = os.path.join(native._build_directory(), "energygnn.lock")
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, sys, time\n"
                               f"f = open({path!r}, 'a'); fcntl.flock(f, fcntl.LOCK_EX)\n"
                               "print('locked', flush=True); time.sleep(600)"], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    return holder


def test_a_half_written_library_left_by_a_killed_build_is_never_loaded(fresh_build_state):
    """A build dies (or its compiler is orphaned) with half an object in its private folder: the next
    build starts in a new private folder, removes the orphan's, and installs its library by renaming."""
    orphan = os.path.join(native._build_directory(), ".build-orphan")
    os.makedirs(orphan)
    with open(os.path.join(orphan, f"{native._NAME}.so"), "wb") as half:
        half.write(b"\x7fELF half")
    assert native.kernels() == "kernels"
    [build] = fresh_build_state
    assert os.path.basename(build["folder"]).startswith(".build-") and build["files"] == []
    assert build["extra_cflags"] == native._compile_flags()
    assert not os.path.exists(orphan) and not os.path.exists(build["folder"])
    assert os.path.exists(native._library_path())


def test_a_running_build_is_waited_for_within_the_bound_then_the_step_falls_back(fresh_build_state, monkeypatch):
    import time

    monkeypatch.setenv("ENERGYGNN_BUILD_WAIT", "1")
    holder = hold_the_build_lock()
    try:
        start = time.monotonic()
        with pytest.warns(RuntimeWarning, match="another process has been building them.*delete"):
            assert native.kernels() is None
        assert 1 <= time.monotonic() - start < 10 and fresh_build_state == []
    finally:
        holder.kill()
        holder.wait()


def test_a_build_killed_while_holding_the_lock_releases_it(fresh_build_state, monkeypatch):
    import signal

    monkeypatch.setenv("ENERGYGNN_BUILD_WAIT", "30")
    holder = hold_the_build_lock()
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert native.kernels() == "kernels"


# Real builds (a C++ compiler and ninja), killed as an out-of-memory kill or a closed terminal would.
STEP_CHILD = """
import torch
from energygnn import native
from energygnn.entropy import entropy_ascent
from energygnn.sparse import Adjacency
compiled = native.available()
adjacency = Adjacency(torch.tensor([[0, 1, 1, 2, 2, 3], [1, 0, 2, 1, 3, 2]]), 5)
x = torch.randn(5, 7, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
step = entropy_ascent(x, adjacency, 2.0, False, weight=0.7)
with native.disabled():
    reference = entropy_ascent(x, adjacency, 2.0, False, weight=0.7)
print("compiled" if compiled else "fallback", float((step - reference).abs().max()), flush=True)
"""


def start_step_process(extensions):
    import subprocess
    import sys

    environment = dict(os.environ, TORCH_EXTENSIONS_DIR=str(extensions), ENERGYGNN_NATIVE="1")
    return subprocess.Popen([sys.executable, "-c", STEP_CHILD], env=environment, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def session_processes(session):
    """(pid, command name) of the processes in a session: ninja starts the compiler in a process
    group of its own, so only the session holds the whole build."""
    processes = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            text = open(stat).read()
        except OSError:
            continue
        name, fields = text[text.index("(") + 1:text.rindex(")")], text[text.rindex(")") + 2:].split()
        if int(fields[3]) == session and fields[0] != "Z":  # fields: state, ppid, pgrp, session
            processes.append((int(stat.split("/")[2]), name))
    return processes


def kill_session(session):
    """SIGKILL every process of the session, as a cancelled job or a closed terminal ends them all
    (killing the Python process alone would leave the compiler writing into the build folder)."""
    import signal
    import time

    while processes := session_processes(session):
        for pid, _ in processes:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)


def wait_for(condition, process, what, bound=600):
    import time

    deadline = time.monotonic() + bound
    while not condition():
        assert process.poll() is None, f"the build finished before {what}: {process.stderr.read()[-500:]}"
        assert time.monotonic() < deadline, f"no {what} within {bound} s"
        time.sleep(0.05)


def assert_the_step_is_compiled_and_right(process, bound=600):
    out, err = process.communicate(timeout=bound)
    assert process.returncode == 0, err[-800:]
    kind, difference = out.split()
    assert kind == "compiled", f"fell back instead of building: {err[-800:]}"
    assert float(difference) < 1e-12


@needs_kernels
def test_a_real_build_killed_before_during_and_after_compiling_leaves_the_next_process_a_working_step(tmp_path):
    """SIGKILL to the building process group as it announces the build, while the compiler runs, and
    as the linker writes the library in its private folder; each next process gets past the lock,
    never loads the half-written library and builds; the last one works."""
    directory = tmp_path / os.path.basename(native._build_directory())
    os.makedirs(directory)
    private = str(directory / ".build-*" / f"{native._NAME}.so")
    points = {
        "the build's announcement": lambda process: "compiling the entropy-step kernels" in process.stderr.readline(),
        "the compiler": lambda process: any(name in ("cc1plus", "c++", "g++", "clang", "clang++")
                                            for _, name in session_processes(process.pid)),
        # the linker writing the object into the build's private folder: a half-written library
        "the private library": lambda process: bool(glob.glob(private)),
    }
    for point, reached in points.items():
        process = start_step_process(tmp_path)
        try:
            wait_for(lambda: reached(process), process, point)
        finally:
            kill_session(process.pid)
            process.wait()
    assert_the_step_is_compiled_and_right(start_step_process(tmp_path))


@needs_kernels
def test_two_processes_building_at_once_both_get_the_compiled_step(tmp_path):
    first, second = start_step_process(tmp_path), start_step_process(tmp_path)
    assert_the_step_is_compiled_and_right(first)
    assert_the_step_is_compiled_and_right(second)
