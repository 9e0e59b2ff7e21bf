"""The built book (when `make book` has run): math and scripts served locally, every page clean."""
import re
import shutil
from pathlib import Path

import numpy as np
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


def test_every_chapter_imports_energygnn_before_pyg():
    """Importing PyG runs torch operations, which fix ATen's CPU capability: the numerics profile
    (set by ``import energygnn``) must come first, or the chapter computes under another one."""
    import nbformat

    for path in chapter_notebooks():
        lines = [line for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"
                 for line in cell.source.splitlines()]
        first = {name: next((i for i, line in enumerate(lines) if re.match(rf"\s*(import|from) {name}\b", line)), None)
                 for name in ("energygnn", "torch_geometric")}
        if first["torch_geometric"] is not None:
            assert first["energygnn"] is not None and first["energygnn"] < first["torch_geometric"], path.name


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


DEFECT_KINDS = ("rawTex", "brokenImages", "mathErrors", "rawReferences", "badOutputs")


def read_pages(pages):
    """Open each page in headless Chromium with no network; what `page_defects.js` finds on it."""
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright not installed (pip install -e '.[test]')")
    browser_path = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser_path is None:
        pytest.skip("chromium not installed (.ci/run installs it when apt is available)")
    script = (Path(__file__).parent / "page_defects.js").read_text()
    found = {}
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=browser_path,
                                         args=["--no-sandbox", "--proxy-server=127.0.0.1:9"])
        tab = browser.new_page()
        for page in pages:
            tab.goto(Path(page).as_uri(), wait_until="load")
            # Wait for MathJax's first typesetting pass, when the page has MathJax.
            tab.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
            found[Path(page).name] = tab.evaluate(script)
        browser.close()
    return found


def test_the_page_reader_finds_each_kind_of_defect(tmp_path):
    """The checker itself: a page with one defect of each kind, and a clean one."""
    broken = tmp_path / "broken.html"
    broken.write_text(
        "<html><body><main>"
        "<p>the step size is $\\alpha = 1$ and \\frac{a}{b}</p>"
        "<img src='missing.png'>"
        "<mjx-merror data-mjx-error='Undefined control sequence \\lse'></mjx-merror>"
        "<p>see <span class='xref std std-ref'>fig-energy</span></p>"
        "<div class='cell_output'><div class='output stderr'>UserWarning: deprecated</div></div>"
        "<div class='cell_output'><div class='output stream'>Processing...\nDone!</div></div>"
        "<pre>$ code may hold dollars</pre>"
        "</main></body></html>")
    clean = tmp_path / "clean.html"
    clean.write_text("<html><body><main><p>Plain prose, 3 nodes.</p>"
                     "<div class='cell_output'><div class='output text_plain'>0.81</div></div>"
                     "<code>$HOME</code></main></body></html>")
    found = read_pages([broken, clean])
    assert len(found["broken.html"]["badOutputs"]) == 2, "a warning and a build message, both bad outputs"
    for kind in DEFECT_KINDS:
        assert found["broken.html"][kind], f"the reader missed {kind}"
        assert not found["clean.html"][kind], f"the reader flagged {kind} on a clean page"


@built
def test_every_page_reads_clean_in_a_browser():
    """No raw TeX or dollar in prose, no MathJax error, every image loads, every reference
    resolved, no traceback or warning in a cell's output: on every page of the built book."""
    pages = sorted((HTML / "book").glob("*.html"))  # index.html only redirects to the introduction
    found = read_pages(pages)
    problems = {name: {kind: result[kind] for kind in DEFECT_KINDS if result[kind]}
                for name, result in found.items()}
    problems = {name: kinds for name, kinds in problems.items() if kinds}
    assert not problems, f"defects a reader would see: {problems}"
    assert found["notation.html"]["formulas"] >= 20, "MathJax (served by the book, no network) did not typeset"


def test_dataclass_defaults_show_what_the_factory_builds():
    import sys

    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    try:
        from dataclass_defaults import show_factory_defaults
    finally:
        sys.path.pop(0)
    from energygnn.ebm.graph_generation import GeneratedGraph

    for signature, expected in [("(edge_index, num_nodes, events=<factory>)", "(edge_index, num_nodes, events=[])"),
                                ("(edge_index: Tensor, num_nodes: int, events: list[dict] = <factory>)",
                                 "(edge_index: Tensor, num_nodes: int, events: list[dict] = [])")]:
        shown, _ = show_factory_defaults(None, "class", "GeneratedGraph", GeneratedGraph, {}, signature, None)
        assert shown == expected


def drive_slider_figures(page):
    """Open ``page`` in headless Chromium with no network, move the first slider of every
    interactive figure (energygnn.reporting.slider_figure) to its end, and report, per figure,
    what the plot showed before and after, plus every request that did not read a local file."""
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright not installed (pip install -e '.[test]')")
    browser_path = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser_path is None:
        pytest.skip("chromium not installed (.ci/run installs it when apt is available)")
    from energygnn.reporting.slider_figure import FIGURE_CLASS

    shown = "(id) => { const p = document.getElementById(id); return {points: p.data ? JSON.stringify(p.data[1]) : null, " \
            "svg: p.querySelectorAll('.scatterlayer .point').length, title: (p.querySelector('.gtitle') || {}).textContent}; }"
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=browser_path,
                                         args=["--no-sandbox", "--proxy-server=127.0.0.1:9"])
        tab = browser.new_page()
        remote = []
        tab.on("request", lambda request: None if request.url.startswith(("file:", "data:", "blob:", "about:"))
               else remote.append(request.url))
        tab.goto(Path(page).as_uri(), wait_until="load")
        figures = []
        for figure in tab.locator(f".{FIGURE_CLASS}").all():
            plot_id = figure.locator("[id$='-plot']").get_attribute("id")
            slider = figure.locator("input[type=range]").first
            label = figure.locator("output").first
            before = dict(tab.evaluate(shown, plot_id), label=label.text_content())
            slider.fill(slider.get_attribute("max"))
            after = dict(tab.evaluate(shown, plot_id), label=label.text_content())
            figures.append((before, after))
        browser.close()
    return figures, remote


def assert_sliders_redraw(figures, remote):
    assert figures, "no interactive figure on the page"
    assert not remote, f"the page asked the network for {remote}"
    for before, after in figures:
        assert before["points"] and before["svg"] > 0, "Plotly did not draw the figure (plotly.min.js not served?)"
        assert after["label"] != before["label"], "the slider's value label did not follow the slider"
        assert after["points"] != before["points"] and after["title"] != before["title"], "moving the slider redrew nothing"


def test_a_slider_figure_redraws_offline(tmp_path):
    """The figure's own page, Plotly beside it as the book serves it: moving a slider redraws the plot."""
    from energygnn.reporting.slider_figure import PLOTLY_SRC, plotly_js_path, slider_scatter_html

    page = tmp_path / "book" / "figure.html"
    page.parent.mkdir()
    served = (page.parent / PLOTLY_SRC).resolve()
    served.parent.mkdir(parents=True)
    shutil.copy(plotly_js_path(), served)
    positions = np.arange(3 * 2 * 3 * 2, dtype=float).reshape(3, 2, 3, 2) / 10
    captions = np.array([[f"frame {a} {b}" for b in range(2)] for a in range(3)], dtype=object)
    page.write_text("<html><body><main>" + slider_scatter_html(
        positions, [(0, 1), (1, 2)], [("depth", (0, 1, 2)), ("weight", (0.1, 0.2))], captions, "test-figure")
        + "</main></body></html>")
    assert_sliders_redraw(*drive_slider_figures(page))


@built
def test_the_small_graph_figure_redraws_offline_in_the_built_book():
    assert (HTML / "plotly" / "plotly.min.js").is_file(), "make book did not serve plotly.min.js"
    assert_sliders_redraw(*drive_slider_figures(HTML / "book" / "small_graph.html"))
