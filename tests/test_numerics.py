import json
import os
import subprocess
import sys

import pytest
import torch

from energygnn import numerics

pinnable = pytest.mark.skipif(numerics._can_pin() is not None,
                              reason=f"the x86-64-v3 profile cannot run here: {numerics._can_pin()}")

# A small deep entropic GCN trained in a fresh process; prints ATen's capability, the profile and
# every training loss as an exact hexadecimal float.
TRAIN_CHILD = """
import json
import energygnn
from energygnn import numerics
from energygnn.experiments import paper1
from pathlib import Path
[run] = [r for r in paper1.table1_runs(paper1.load_config(True), Path("unused"))
         if r.key == "Cora-entropic-depth4-seed0"]
config = dict(run.config, depth=16, epochs=8)
history = paper1.train_node_classifier(config)["history"]
state = numerics.describe()
print(json.dumps({"capability": state["aten_cpu_capability"], "profile": state["profile"],
                  "in_force": state["in_force"], "losses": [float(v).hex() for v in history["train_loss"]]}))
"""


def run_child(code: str, **environment: str) -> tuple[dict, str]:
    env = {key: value for key, value in os.environ.items() if key not in numerics.PINNED_ENVIRONMENT
           and key not in (numerics.ENVIRONMENT_VARIABLE, numerics._ORIGINAL)}
    env.update(environment, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


@pinnable
def test_the_profile_is_in_force_in_the_test_process():
    state = numerics.describe()
    assert state["profile"] == numerics.PINNED and state["in_force"] and state["reason"] is None
    assert state["aten_cpu_capability"] == torch.backends.cpu.get_cpu_capability() == "AVX2"
    assert state["kernel_flags"] == ["-march=x86-64-v3", "-mtune=znver3"]
    assert "MKL_CBWR" not in os.environ and os.environ["MKL_ENABLE_INSTRUCTIONS"] == "AVX2"
    assert numerics.reproduces_committed() == (True, "the x86-64-v3 profile is in force")


@pinnable
def test_the_profile_wins_over_the_environment_and_the_opt_out_keeps_it():
    """A deep entropic GCN trained twice: the second process starts with ATEN_CPU_CAPABILITY=default
    (and MKL_CBWR=AUTO) in its environment, and still gives the same bits; with the opt-out the
    environment's choice stands."""
    plain, _ = run_child(TRAIN_CHILD)
    overridden, warnings = run_child(TRAIN_CHILD, ATEN_CPU_CAPABILITY="default", MKL_CBWR="AUTO")
    assert plain["capability"] == overridden["capability"] == "AVX2" and overridden["in_force"]
    assert len(plain["losses"]) == 8 and overridden["losses"] == plain["losses"]
    assert "overrides ATEN_CPU_CAPABILITY=default, MKL_CBWR=AUTO" in warnings and "ENERGYGNN_NUMERICS=native" in warnings
    native, _ = run_child(TRAIN_CHILD, ATEN_CPU_CAPABILITY="default", ENERGYGNN_NUMERICS="native")
    assert native["capability"] == "DEFAULT" and native["profile"] == "native" and native["in_force"]


@pinnable
def test_a_native_process_started_by_a_pinned_one_gets_the_users_environment_back():
    code = ("import json, os, subprocess, sys\nimport energygnn\n"
            "child = 'import json, energygnn, torch; print(json.dumps(torch.backends.cpu.get_cpu_capability()))'\n"
            "out = subprocess.run([sys.executable, '-c', child], capture_output=True, text=True, check=True,\n"
            "                     env=dict(os.environ, ENERGYGNN_NUMERICS='native')).stdout\n"
            "print(json.dumps({'parent': os.environ['ATEN_CPU_CAPABILITY'], 'child': json.loads(out)}))")
    state, _ = run_child(code, ATEN_CPU_CAPABILITY="default")
    assert state == {"parent": "avx2", "child": "DEFAULT"}


@pinnable
def test_torch_used_before_energygnn_is_reported_not_in_force():
    code = ("import json, torch\ntorch.ones(3).sum()\nimport energygnn\nfrom energygnn import numerics\n"
            "state = numerics.describe()\nprint(json.dumps({'in_force': state['in_force'], "
            "'reason': state['reason'], 'committed': numerics.reproduces_committed()}))")
    state, warnings = run_child(code)
    if torch.backends.cpu.get_cpu_capability() == "AVX2" and "avx512f" not in numerics.cpu()["flags"]:
        pytest.skip("on an AVX2-only CPU the capability torch chose by itself is the profile's")
    assert not state["in_force"] and "before energygnn was imported" in state["reason"]
    assert state["committed"][0] is False and "not in force" in state["committed"][1]
    assert "Import energygnn before using torch" in warnings


def test_a_profile_name_that_is_not_one_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("ENERGYGNN_NUMERICS", "fastest")
    with pytest.raises(ValueError, match="ENERGYGNN_NUMERICS='fastest' is not a numerics profile: use 'x86-64-v3'"):
        numerics.requested()


def test_the_opt_out_is_named_in_what_cannot_reproduce(monkeypatch):
    monkeypatch.setitem(numerics._STATE, "requested", numerics.NATIVE)
    monkeypatch.setitem(numerics._STATE, "profile", numerics.NATIVE)
    reproducible, reason = numerics.reproduces_committed()
    assert not reproducible and "ENERGYGNN_NUMERICS=native is set" in reason
    assert numerics.kernel_flags() == ("-march=native",)


def test_the_cpu_is_described_by_model_and_a_digest_of_its_flags():
    cpu = numerics.cpu()
    assert len(cpu["flags_digest"]) == 10 and cpu["model_name"]
    if os.path.exists("/proc/cpuinfo") and cpu["vendor"]:
        assert cpu["family_model_stepping"].count("/") == 2


def test_every_run_records_the_numerics_and_the_cpu(tmp_path):
    from energygnn.experiments.runner import Run, execute

    machine = execute(Run("demo", "one", {}), lambda config: {}, tmp_path)["provenance"]["machine"]
    assert machine["numerics"] == numerics.describe()
    assert {"cpu", "cpu_vendor", "cpu_family_model_stepping", "cpu_flags_digest"} <= set(machine)
