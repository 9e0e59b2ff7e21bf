"""The built book (when `make book` has run) serves its math and scripts locally."""
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
built = pytest.mark.skipif(not (HTML / "index.html").is_file(), reason="book not built (run `make book`)")


def chapter_notebooks():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [chapter["file"] for part in toc["parts"] for chapter in part["chapters"]]
    return [ROOT / f"{f}.ipynb" for f in files if (ROOT / f"{f}.ipynb").is_file()]


def test_every_chapter_notebook_starts_with_the_colab_install_cell():
    import nbformat

    notebooks = chapter_notebooks()
    assert notebooks, "no chapter notebooks found in _toc.yml"
    for path in notebooks:
        first = nbformat.read(path, as_version=4).cells[0]
        assert first.cell_type == "code" and '"google.colab" in sys.modules' in first.source, path
        assert all(not cell.get("outputs") for cell in nbformat.read(path, as_version=4).cells
                   if "NBVAL_CHECK_OUTPUT" not in cell.source), f"{path} is committed with outputs"


@built
def test_pages_load_mathjax_from_the_book_itself():
    pages = [HTML / "book" / "notation.html", HTML / "book" / "data.html"]
    for page in pages:
        html = page.read_text()
        scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
        mathjax = [s for s in scripts if "tex-chtml" in s]
        assert mathjax, f"{page.name} loads no MathJax"
        local = (page.parent / mathjax[0].split("?")[0]).resolve()
        assert local.is_file(), f"{page.name} points MathJax at missing {local}"
        assert not [s for s in scripts if s.startswith(("http:", "https:", "//"))], page.name


@built
def test_mathjax_fonts_are_served_locally():
    assert list((HTML / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))


@built
def test_math_renders_in_a_browser_with_no_network(tmp_path):
    """Headless Chromium (network off) typesets the notation page: MathJax ran from the book."""
    import shutil
    import subprocess

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium not installed (.ci/run installs it when apt is available)")
    page = (HTML / "book" / "notation.html").as_uri()
    result = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--proxy-server=127.0.0.1:9", f"--user-data-dir={tmp_path}", "--virtual-time-budget=10000",
         "--dump-dom", page],
        capture_output=True, text=True, timeout=120,
    )
    typeset = result.stdout.count("<mjx-container")
    assert typeset >= 20, f"only {typeset} formulas typeset; stderr: {result.stderr[-500:]}"
    assert "<mjx-merror" not in result.stdout, "MathJax reported a TeX error"
