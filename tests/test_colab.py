"""The Colab install cell (the first cell of every chapter), run offline: it clones the repository,
installs `energygnn` from the clone into a fresh virtual environment and points the results at the
clone, and a results chapter then executes on that install.

What it proves: the cell's own steps work (clone, ``pip install`` of the clone with the build the
package declares, ``$ENERGYGNN_RESULTS`` set so that the chapter finds the committed runs), and a
results chapter runs on an installed (not checked-out) package whose results and data come from
where the cell and the environment say. What it does not prove: that the GitHub address is right
and public, or that pip can fetch the dependencies on Colab (torch, PyG and the rest come here
from the project's own environment, which the fresh one reads through a ``.pth`` file; pip runs
with no index and no build isolation), nor Colab's Python version or its ``google.colab`` module
(a stand-in is registered). The clone is of the repository's last commit: uncommitted changes are
not in it.
"""
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
#: The results chapter executed on the fresh install: a quick one.
CHAPTER = "oversmoothing_grid"


def chapter_notebooks():
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [chapter["file"] for part in toc["parts"] for chapter in part["chapters"]]
    return [ROOT / f"{f}.ipynb" for f in files if (ROOT / f"{f}.ipynb").is_file()]


def test_every_chapter_lets_the_environment_choose_what_the_colab_cell_clones():
    for path in chapter_notebooks():
        first = nbformat.read(path, as_version=4).cells[0].source
        assert 'os.environ.get("ENERGYGNN_REPOSITORY"' in first and 'os.environ.get("ENERGYGNN_CLONE"' in first, (
            f"{path.name}: its first cell is not the current Colab install cell (copy the first cell of book/data.ipynb)")
        assert "{repository} {clone}" in first and "--quiet {clone}" in first, path.name


def _fresh_environment(where: Path) -> Path:
    """A virtual environment without packages (and without pip) that reads the project's
    environment's site-packages through a ``.pth`` file: the dependencies are visible, energygnn
    is not (the project's editable install is a ``.pth`` hook of its own, which a directory added
    this way does not run)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    python = where / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "_project_environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def test_the_colab_cell_installs_from_a_local_clone_offline_and_a_results_chapter_runs(tmp_path):
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout to clone")
    from energygnn.config import default_data_root, default_raw_mirror

    python = _fresh_environment(tmp_path / "venv")
    bare = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    assert subprocess.run([str(python), "-c", "import energygnn"], capture_output=True, env=bare,
                          cwd=tmp_path).returncode != 0, "the fresh environment sees an energygnn before the cell installs it"
    clone = tmp_path / "energygnn"
    notebook = nbformat.read(ROOT / "book" / f"{CHAPTER}.ipynb", as_version=4)
    stand_in = nbformat.v4.new_code_cell("import sys, types\n"
                                         "sys.modules['google.colab'] = types.ModuleType('google.colab')")
    check = nbformat.v4.new_code_cell(
        "import json, os, sys, energygnn\n"
        "from energygnn.config import results_root\n"
        "print(json.dumps({'prefix': sys.prefix, 'package': energygnn.__file__, 'results': str(results_root())}))")
    notebook.cells = [stand_in, *notebook.cells, check]
    page = clone.parent / "page.ipynb"
    nbformat.write(notebook, page)
    runner = tmp_path / "run.py"
    runner.write_text(
        "import sys, nbformat\nfrom nbclient import NotebookClient\n"
        "notebook = nbformat.read(sys.argv[1], as_version=4)\n"
        "NotebookClient(notebook, timeout=900, kernel_name='python3', resources={'metadata': {'path': sys.argv[2]}}).execute()\n"
        "print(notebook.cells[-1].outputs[-1]['text'])\n")
    environment = {**os.environ, "ENERGYGNN_REPOSITORY": (ROOT.resolve()).as_uri(), "ENERGYGNN_CLONE": str(clone),
                   "ENERGYGNN_QUICK": "1", "PIP_NO_INDEX": "1", "PIP_NO_BUILD_ISOLATION": "0",
                   "PIP_DISABLE_PIP_VERSION_CHECK": "1", "ENERGYGNN_DATA": str(default_data_root())}
    environment.pop("ENERGYGNN_RESULTS", None)
    environment.pop("PYTHONPATH", None)
    if default_raw_mirror() is not None:
        environment["ENERGYGNN_RAW_MIRROR"] = str(default_raw_mirror())
    done = subprocess.run([str(python), str(runner), str(page), str(tmp_path)], env=environment, cwd=tmp_path,
                          capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(seen["prefix"]) == tmp_path / "venv", seen
    assert Path(seen["package"]).is_relative_to(tmp_path / "venv"), seen  # installed, not the checkout
    assert Path(seen["results"]) == clone / "results" and (clone / "results").is_dir(), seen
