"""An interactive figure that works in the static, offline book: points and edges in the plane,
one precomputed frame per combination of slider values, drawn with Plotly.

No kernel runs behind the page: every frame is computed when the chapter executes and stored in
the page as JSON; a few lines of JavaScript pick the frame the sliders point at and redraw it with
``Plotly.react``. Plotly itself is served by the book (``make book`` copies the ``plotly`` package's
own ``plotly.min.js`` to ``_build/html/plotly/``; see ``PLOTLY_SRC``), never from a CDN.
"""
from __future__ import annotations

import html
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

#: Where a chapter page (``_build/html/book/*.html``) finds the book's copy of Plotly.
PLOTLY_SRC = "../plotly/plotly.min.js"
#: The class of the figure's outer element (the browser test looks for it).
FIGURE_CLASS = "egnn-slider-figure"


def plotly_js_path() -> Path:
    """The ``plotly.min.js`` that ships inside the installed ``plotly`` package (what the Makefile copies)."""
    try:
        import plotly
    except ImportError as error:
        raise ImportError("plotly_js_path: the plotly package is missing; install the book's extra "
                          "(pip install -e '.[book]').") from error
    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not path.is_file():
        raise FileNotFoundError(f"plotly_js_path: {path} is missing from the plotly package.")
    return path


def slider_scatter_html(positions: np.ndarray, edges: Sequence[tuple[int, int]],
                        sliders: Sequence[tuple[str, Sequence[float]]], captions: np.ndarray,
                        element_id: str, colours: Sequence[str] | None = None,
                        initial: Sequence[int] | None = None, digits: int = 3,
                        script_src: str = PLOTLY_SRC) -> str:
    """The HTML of an interactive scatter plot with one range slider per axis of ``positions``.

    Args:
        positions (numpy.ndarray): node positions, shape ``[len(values_0), ..., len(values_k), n, 2]``,
            one frame per combination of slider values.
        edges (list[tuple[int, int]]): undirected edges ``(i, j)``, drawn as segments.
        sliders (list[tuple[str, list[float]]]): ``(label, values)`` per slider, in the order of the leading axes of
            ``positions`` (plain text labels: no TeX, the page shows them as they are).
        captions (numpy.ndarray): a title per frame, shape ``positions.shape[:-2]``.
        element_id (str): a page-unique id (letters, digits, ``-`` and ``_``).
        colours (list[str], optional): one CSS colour per node (default: all one colour).
        initial (list[int], optional): each slider's starting index (default: all 0).
        digits (int, optional): decimals kept of each position (default: ``3``; the page's size).
        script_src (str, optional): where the page loads Plotly from (default: ``PLOTLY_SRC``).

    Returns:
        str: HTML to display (``IPython.display.HTML``).
    """
    positions = np.asarray(positions, dtype=float)
    shape = tuple(len(values) for _, values in sliders)
    if positions.ndim != len(shape) + 2 or positions.shape[:-2] != shape or positions.shape[-1] != 2:
        raise ValueError(f"slider_scatter_html: positions must have shape {list(shape)} + [n, 2], "
                         f"got {list(positions.shape)}.")
    captions = np.asarray(captions, dtype=object)
    if captions.shape != shape:
        raise ValueError(f"slider_scatter_html: captions must have shape {list(shape)}, got {list(captions.shape)}.")
    if not element_id.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"slider_scatter_html: element_id must be letters, digits, '-' or '_', got {element_id!r}.")
    if not np.isfinite(positions).all():
        raise ValueError("slider_scatter_html: positions contain NaN or infinite values.")
    n = positions.shape[-2]
    initial = list(initial) if initial is not None else [0] * len(shape)
    if len(initial) != len(shape) or any(not 0 <= i < s for i, s in zip(initial, shape)):
        raise ValueError(f"slider_scatter_html: initial must hold one index per slider within {list(shape)}, got {initial}.")
    reach = float(np.abs(positions).max()) * 1.08 or 1.0
    spec = {
        "shape": list(shape),
        "frames": np.round(positions.reshape(-1, n, 2), digits).tolist(),
        "captions": [str(c) for c in captions.reshape(-1)],
        "edges": [list(map(int, e)) for e in edges],
        "colours": list(colours) if colours is not None else ["#1f77b4"] * n,
        "range": [-reach, reach],
    }
    controls = "\n".join(
        f'<label style="display:block;margin:0.2em 0">{html.escape(label)} '
        f'<input type="range" id="{element_id}-s{k}" min="0" max="{len(values) - 1}" step="1" value="{initial[k]}" '
        f'style="width:14em;vertical-align:middle" aria-label="{html.escape(label)}"> '
        f'<output id="{element_id}-o{k}">{_format(values[initial[k]])}</output></label>'
        for k, (label, values) in enumerate(sliders))
    value_lists = json.dumps([[_format(v) for v in values] for _, values in sliders])
    return f"""<div class="{FIGURE_CLASS}" id="{element_id}">
<div id="{element_id}-plot" style="width:100%;max-width:520px;height:440px"></div>
<div>{controls}</div>
</div>
<script src="{html.escape(script_src)}"></script>
<script>
(function () {{
  const spec = {json.dumps(spec, separators=(",", ":"))};
  const values = {value_lists};
  const plot = document.getElementById("{element_id}-plot");
  const inputs = spec.shape.map((_, k) => document.getElementById("{element_id}-s" + k));
  const outputs = spec.shape.map((_, k) => document.getElementById("{element_id}-o" + k));
  if (typeof Plotly === "undefined") {{
    plot.textContent = "Plotly did not load ({html.escape(script_src)}); the figure works in the built book.";
    return;
  }}
  function frame() {{
    let index = 0;
    inputs.forEach((input, k) => {{ index = index * spec.shape[k] + Number(input.value); }});
    return index;
  }}
  function draw() {{
    const f = frame(), points = spec.frames[f];
    inputs.forEach((input, k) => {{ outputs[k].textContent = values[k][Number(input.value)]; }});
    const ex = [], ey = [];
    spec.edges.forEach(([i, j]) => {{ ex.push(points[i][0], points[j][0], null); ey.push(points[i][1], points[j][1], null); }});
    const data = [
      {{x: ex, y: ey, mode: "lines", line: {{color: "#999", width: 1.5}}, hoverinfo: "skip", showlegend: false}},
      {{x: points.map(p => p[0]), y: points.map(p => p[1]), mode: "markers+text", text: points.map((_, i) => String(i)),
        textposition: "top right", marker: {{size: 12, color: spec.colours, line: {{color: "#000", width: 0.5}}}},
        hovertemplate: "node %{{text}}: (%{{x:.3f}}, %{{y:.3f}})<extra></extra>", showlegend: false}}
    ];
    const layout = {{title: {{text: spec.captions[f], font: {{size: 14}}}}, margin: {{l: 40, r: 10, t: 40, b: 30}},
      xaxis: {{range: spec.range, zeroline: false}}, yaxis: {{range: spec.range, zeroline: false, scaleanchor: "x"}}}};
    Plotly.react(plot, data, layout, {{displayModeBar: false, responsive: true}});
    plot.dataset.frame = String(f);
  }}
  inputs.forEach(input => input.addEventListener("input", draw));
  draw();
}})();
</script>"""


def _format(value) -> str:
    """A slider value as shown beside it: integers without decimals, others with up to 3 significant digits."""
    value = float(value)
    return str(int(value)) if value == int(value) else f"{value:.3g}"
