"""The paper-2 teaching chapter (book/jem.ipynb) and its notation, without executing it: the
structure its readers rely on (exercises with checked, hidden solutions), the notation shared with
book/notation.md, the config keys it points at, and the Langevin facts it teaches."""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

import nbformat
import pytest
import torch

from energygnn.ebm.sgld import langevin_dynamics

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"


def cells(name):
    return nbformat.read(BOOK / name, as_version=4).cells


def markdown(name):
    return "\n".join(cell.source for cell in cells(name) if cell.cell_type == "markdown")


def paper2_notation():
    text = (BOOK / "notation.md").read_text()
    section = text[text.index("## Paper 2"):]
    return section[:section.find("\n## ", 1)] if "\n## " in section[1:] else section  # that section alone


def test_the_chapter_ends_with_exercises_whose_hidden_solutions_check_themselves():
    notebook = cells("jem.ipynb")
    headings = [index for index, cell in enumerate(notebook) if cell.cell_type == "markdown"
                and re.search(r"^## Exercises\s*$", cell.source, flags=re.M)]
    assert len(headings) == 1
    following = notebook[headings[0]:]
    solutions = [cell for cell in following if cell.cell_type == "code"]
    assert len(solutions) == 3
    for cell in solutions:
        assert "hide-cell" in cell.metadata.get("tags", [])
        assert cell.source.strip().splitlines()[-1].lstrip().startswith("assert ")
    for before, solution in zip(following, following[1:]):
        if solution.cell_type == "code":
            assert before.cell_type == "markdown", "every solution follows its exercise"
    assert re.search(r"^## What to try next\s*$", following[-1].source, flags=re.M)


def test_the_chapter_is_committed_without_outputs_and_keeps_the_colab_cell_first():
    notebook = cells("jem.ipynb")
    assert '"google.colab" in sys.modules' in notebook[0].source
    for cell in notebook:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


def test_the_keys_the_chapter_points_at_exist_in_the_config():
    config = json.loads((ROOT / "energygnn" / "experiments" / "configs" / "paper2.json").read_text())
    text = markdown("jem.ipynb")
    section = text[text.index("## What to try next"):]
    for key in ("partition", "gen_loss", "sgld_steps", "sgld_step_size", "sgld_noise", "reinit_prob",
                "buffer_size", "tau", "generate_every"):
        assert f"`{key}`" in section and key in config["jem"], key
    assert "orthogonality_weight" in config["models"]["jemo"]
    assert "python -m energygnn run jem_ablation" in section and "jem_ablation" in config


def test_the_temperature_in_the_prose_is_the_configs():
    jem = json.loads((ROOT / "energygnn" / "experiments" / "configs" / "paper2.json").read_text())["jem"]
    assert math.isclose(jem["sgld_noise"] ** 2 / (2 * jem["sgld_step_size"]), 5e-5)
    assert r"T = 5 \cdot 10^{-5}" in markdown("jem.ipynb")


def test_the_algorithm_displays_hold_z_fixed_with_a_stop_gradient():
    text = markdown("jem.ipynb")
    algorithm = text[text.index("## Algorithm 1, step by step"):text.index("## What the paper leaves open")]
    displays = re.findall(r"```\{math\}(.*?)```", algorithm, flags=re.S)
    sgld, loss = [d for d in displays if r"\leftarrow" in d], [d for d in displays if "L_\\text{gen}" in d]
    assert len(sgld) == 1 and r"\operatorname{sg}\big[\lvert Z(\tilde X) \rvert\big]" in sgld[0]
    assert len(loss) == 1 and loss[0].count(r"\operatorname{sg}\big[\lvert Z(") == 2
    assert r"\operatorname{sg}" in paper2_notation()


@pytest.mark.parametrize("name", ["jem.ipynb", "jem_results.ipynb"])
def test_paper2_material_keeps_one_symbol_per_meaning(name):
    text = markdown(name) + "\n".join(cell.source for cell in cells(name) if cell.cell_type == "code")
    assert not re.search(r"\\lambda_i|λ", text), "paper 2's eigenvalues are mu_i"
    assert not re.search(r"W\^\{?[01l]\b", text), "weights are W_0, W_1, W_l"
    assert r"\sqrt{f}" not in text and "sqrt(f)" not in text, "the feature width is c"
    assert r"\mu \sum_l" not in text and "JEMO weight $\\\\mu$" not in text, "the JEMO weight is gamma"


def test_the_notation_page_lists_paper2s_symbols_once():
    table = paper2_notation()
    for symbol in (r"$\zeta$", r"$\eta$", r"$\mathbb B$", r"$W_0, W_1$", r"$\gamma$", r"\mu_i^3"):
        assert symbol in table, symbol
    assert r"\lambda_i" not in table and "W^" not in table
    assert "not a partition function" in table


def test_the_ece_formula_is_displayed_just_before_the_reliability_diagrams():
    notebook = cells("jem_results.ipynb")
    figure = [index for index, cell in enumerate(notebook) if cell.cell_type == "code"
              and "reliability_figure" in cell.source]
    assert len(figure) == 1
    before = notebook[figure[0] - 1]
    assert before.cell_type == "markdown"
    assert r"\mathrm{ECE} = \sum_{b=1}^{B}" in before.source and "B = 15" in before.source
    from energygnn.experiments.jem_training import ECE_BINS
    assert ECE_BINS == 15


def _stationary_std(step_size, noise, width):
    """Exact stationary std of SGLD on a Gaussian of std ``width``: v = (1 - a/s^2)^2 v + sigma^2."""
    return noise / math.sqrt(1 - (1 - step_size / width**2) ** 2)


@pytest.mark.parametrize("step_size, temperature", [(0.01, 1.0), (0.01, 0.25), (1.0, 5e-5)])
def test_sgld_samples_a_gaussian_at_the_temperature_sigma_squared_over_two_alpha(step_size, temperature):
    """What the chapter teaches: noise sigma = sqrt(2 alpha T) samples p^(1/T), a Gaussian of std
    s sqrt(T) for a Gaussian p of std s, up to the discretisation's factor (exact in the limit)."""
    width = 1.5
    noise = math.sqrt(2 * step_size * temperature)
    samples = langevin_dynamics(torch.zeros(20000, 1, dtype=torch.float64),
                                lambda x: (x ** 2).sum() / (2 * width**2), 600, step_size, noise,
                                torch.Generator().manual_seed(0))
    expected = _stationary_std(step_size, noise, width)
    assert float(samples.std()) == pytest.approx(expected, rel=0.03)
    if step_size < 0.1:  # small steps: the tempered Gaussian itself
        assert float(samples.std()) == pytest.approx(width * math.sqrt(temperature), rel=0.03)
