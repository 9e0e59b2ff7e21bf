"""The shape of every results chapter listed in ``summary.ANSWER_CHAPTERS`` (issue 36), read from
the committed .ipynb alone (no build, no execution):

* it opens with ``summary.GLANCE_CELL`` (the "Claims at a glance" box) after its title, before
  any ``##`` section and any visible code, and a hidden cell glues the box's table;
* every code cell that glues numbers is hidden (``remove-input`` or ``remove-cell``);
* it closes with ``## What we learned`` (at most ``MAX_LEARNED_SENTENCES`` sentences) and
  ``## Exercises`` with at least two exercises, each a Markdown cell starting ``**Exercise <n>.**``
  followed by a code cell tagged ``hide-cell`` (or ``hide-input``) that ``assert``s the answer;
* at most ``MAX_VISIBLE_CODE_LINES`` non-blank lines of visible code;
* at most ``MAX_VISIBLE_WORDS`` words of visible prose.

**Visible prose** (:func:`visible_prose`) is the Markdown cells' text without what a reader does
not see at first or does not read as prose: blocks opened by ``:::{dropdown}`` or
``:::{admonition}`` with a ``dropdown`` class (nested blocks included), the Claims at a glance
box, fenced code blocks and directives (```` ``` ````, e.g. ``literalinclude`` or a ``glue``
directive) and display math (``$$ ... $$``). **Words** (:func:`count_words`) are the
whitespace-separated tokens of that text holding a letter or a digit, after each inline role
(``{glue:text}`x` ``, ``{doc}`x` ``) and each inline math ``$...$`` has been replaced by one
word: so a glued number or a symbol counts as one word and Markdown table rules and pipes count
as none. Headings, tables and exercise questions count.
"""
import re
from pathlib import Path

import nbformat
import pytest

from energygnn.reporting import summary

ROOT = Path(__file__).resolve().parent.parent
HIDDEN_CODE = {"remove-input", "remove-cell", "hide-input", "hide-cell"}
SOLUTION_TAGS = {"hide-cell", "hide-input"}
EXERCISE = re.compile(r"\s*\*\*Exercise \d+\.\*\*")


def tags(cell) -> set:
    return set(cell.get("metadata", {}).get("tags", []))


def visible_code_lines(cells) -> int:
    """Non-blank source lines of code cells that the built page shows."""
    return sum(1 for cell in cells if cell.cell_type == "code" and not tags(cell) & HIDDEN_CODE
               for line in cell.source.splitlines() if line.strip())


def _strip_blocks(text: str) -> str:
    """``text`` without hidden blocks (dropdowns, the glance box), fenced code and display math."""
    kept, stack = [], []  # stack: (fence, hidden) of the open colon-fenced blocks
    lines, i = text.splitlines(), 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        fence = re.match(r"(`{3,}|~{3,})", stripped)
        if fence:  # a code fence or a backtick directive: skipped whole
            closing = fence.group(1)
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(closing):
                i += 1
            i += 1
            continue
        if stripped.startswith("$$"):  # display math: skipped whole
            if stripped.count("$$") < 2 or stripped == "$$":
                i += 1
                while i < len(lines) and "$$" not in lines[i]:
                    i += 1
            i += 1
            continue
        opening = re.match(r"(:{3,})\{([\w:-]+)\}(.*)", stripped)
        if opening:
            options = []
            j = i + 1
            while j < len(lines) and lines[j].strip().startswith(":") and not lines[j].strip().startswith(":::"):
                options.append(lines[j].strip())
                j += 1
            hidden = (opening.group(2) == "dropdown" or any("dropdown" in o for o in options if o.startswith(":class:"))
                      or summary.GLANCE_TITLE in opening.group(3))
            stack.append((opening.group(1), hidden or any(h for _, h in stack)))
            if not stack[-1][1]:
                kept.append(opening.group(3))  # an admonition's title is read
            i = j
            continue
        if stack and stripped == stack[-1][0]:
            stack.pop()
            i += 1
            continue
        if not (stack and stack[-1][1]):
            kept.append(line)
        i += 1
    return "\n".join(kept)


def visible_prose(cells) -> str:
    """The Markdown cells' text a reader sees on the page (see the module's docstring)."""
    return "\n".join(_strip_blocks(cell.source) for cell in cells if cell.cell_type == "markdown")


def count_words(text: str) -> int:
    """Words of ``text``: roles and inline math one word each, tokens with a letter or digit."""
    text = re.sub(r"\{[\w:-]+\}`[^`]*`", " ROLE ", text)
    text = re.sub(r"\$[^$]+\$", " MATH ", text)
    return sum(1 for token in text.split() if re.search(r"[A-Za-z0-9]", token))


def count_sentences(text: str) -> int:
    """Sentences of ``text``: ends of sentence (``.``, ``!``, ``?`` before a space or the end),
    after roles and inline math are replaced by one word (a glued ``0.5`` ends nothing)."""
    text = re.sub(r"\{[\w:-]+\}`[^`]*`", "ROLE", text)
    text = re.sub(r"\$[^$]+\$", "MATH", text)
    return len(re.findall(r"[.!?](?=\s|$)", text.strip()))


def heading_index(cells, heading: str) -> int | None:
    hits = [i for i, cell in enumerate(cells) if cell.cell_type == "markdown" and cell.source.lstrip().startswith(heading)]
    return hits[-1] if hits else None


def shape_problems(path: Path) -> list[str]:
    """What keeps the chapter at ``path`` from the shape of a results chapter (empty: none)."""
    cells = nbformat.read(path, as_version=4).cells[1:]  # after the Colab cell
    problems = []
    # 1. the claims box first
    glance = next((i for i, cell in enumerate(cells) if cell.cell_type == "markdown" and summary.GLANCE_CELL in cell.source),
                  None)
    if glance is None:
        problems.append("no Markdown cell holds summary.GLANCE_CELL (the Claims at a glance box)")
    else:
        before = cells[:glance]
        if any(cell.cell_type == "markdown" and re.search(r"^##\s", cell.source, re.M) for cell in before) \
                or re.search(r"^##\s", cells[glance].source.split(summary.GLANCE_CELL)[0], re.M):
            problems.append("the Claims at a glance box comes after a ## section")
        if visible_code_lines(before):
            problems.append("visible code comes before the Claims at a glance box")
        if not any(cell.cell_type == "markdown" and re.search(r"^#\s", cell.source, re.M) for cell in cells[:glance + 1]):
            problems.append("no # title before the Claims at a glance box")
    if not any(cell.cell_type == "code" and "glance_numbers(" in cell.source and tags(cell) & {"remove-input", "remove-cell"}
               for cell in cells):
        problems.append("no hidden code cell glues summary.glance_numbers(...)")
    # 2. glue code hidden
    for i, cell in enumerate(cells, start=1):
        if cell.cell_type == "code" and re.search(r"\bglue(_numbers)?\(", cell.source) \
                and not tags(cell) & {"remove-input", "remove-cell"}:
            problems.append(f"cell {i} glues numbers but is not tagged remove-input")
    # 3. what we learned, then the exercises
    learned, exercises = heading_index(cells, "## What we learned"), heading_index(cells, "## Exercises")
    if learned is None or exercises is None or not learned < exercises:
        problems.append("no '## What we learned' followed by '## Exercises'")
    else:
        if any(cell.cell_type == "markdown" and re.search(r"^##\s", cell.source, re.M) for cell in cells[learned + 1:exercises]):
            problems.append("a section between 'What we learned' and 'Exercises'")
        body = "\n".join(cell.source for cell in cells[learned:exercises] if cell.cell_type == "markdown")
        body = body.split("\n", 1)[1] if "\n" in body else ""
        sentences = count_sentences(_strip_blocks(body))
        if not 1 <= sentences <= summary.MAX_LEARNED_SENTENCES:
            problems.append(f"'What we learned' has {sentences} sentences (1 to {summary.MAX_LEARNED_SENTENCES})")
        after = cells[exercises + 1:]
        if any(cell.cell_type == "markdown" and re.search(r"^##?\s", cell.source, re.M) for cell in after):
            problems.append("a section after 'Exercises': the chapter is to close with them")
        solved = 0
        for i, cell in enumerate(after):
            if cell.cell_type == "markdown" and EXERCISE.match(cell.source):
                solution = after[i + 1] if i + 1 < len(after) else None
                if (solution is not None and solution.cell_type == "code" and tags(solution) & SOLUTION_TAGS
                        and re.search(r"^\s*assert\b", solution.source, re.M)):
                    solved += 1
                else:
                    problems.append(f"exercise {cell.source.split('**')[1]!r} has no hidden code cell that asserts its answer")
        if solved < 2:
            problems.append(f"{solved} exercises with asserted hidden solutions (at least 2)")
    # 4. how much is shown
    lines = visible_code_lines(cells)
    if lines > summary.MAX_VISIBLE_CODE_LINES:
        problems.append(f"{lines} lines of visible code (at most {summary.MAX_VISIBLE_CODE_LINES})")
    words = count_words(visible_prose(cells))
    if words > summary.MAX_VISIBLE_WORDS:
        problems.append(f"{words} words of visible prose (at most {summary.MAX_VISIBLE_WORDS})")
    return problems


def test_every_results_chapter_of_the_book_is_listed_once():
    results_chapters = {module.__name__.rsplit(".", 1)[1] for module in summary.CHAPTERS}
    assert set(summary.ANSWER_CHAPTERS) == results_chapters
    assert len(set(summary.ANSWER_CHAPTERS)) == len(summary.ANSWER_CHAPTERS)


@pytest.mark.parametrize("chapter", summary.ANSWER_CHAPTERS)
def test_every_converted_results_chapter_has_the_shape_of_an_answer(chapter):
    problems = shape_problems(ROOT / "book" / f"{chapter}.ipynb")
    assert not problems, f"book/{chapter}.ipynb: " + "; ".join(problems)


def _notebook(path, *sources):
    notebook = nbformat.v4.new_notebook()
    cells = [nbformat.v4.new_code_cell("# Colab", metadata={"tags": ["remove-cell"]})]
    for source in sources:
        if isinstance(source, tuple):
            cells.append(nbformat.v4.new_code_cell(source[0], metadata={"tags": list(source[1:])}))
        else:
            cells.append(nbformat.v4.new_markdown_cell(source))
    notebook.cells = cells
    nbformat.write(notebook, path)
    return path


GOOD = ["# A chapter\n\n" + summary.GLANCE_CELL,
        ("glue_numbers(summary.glance_numbers(results))", "remove-input"),
        "## The story\n\nPlenty of words {glue:text}`x` and $\\lambda = 1$.\n\n:::{dropdown} Provenance\nhidden words here\n:::",
        ("plot()\n\nshow()", "hide-input"),
        ("print(1)",),
        "## What we learned\n\nOne thing, by {glue:text}`x`. Another thing.",
        "## Exercises",
        "**Exercise 1.** Why?\n\n:::{dropdown} Solution\nBecause.\n:::", ("assert 1 + 1 == 2", "hide-cell"),
        "**Exercise 2.** How?", ("value = 3\nassert value == 3", "hide-cell")]


def test_a_chapter_in_the_shape_passes_and_each_defect_is_found(tmp_path):
    assert shape_problems(_notebook(tmp_path / "good.ipynb", *GOOD)) == []
    cases = {
        "no box": ("Claims at a glance", [GOOD[0].replace(summary.GLANCE_CELL, ""), *GOOD[1:]]),
        "box late": ("after a ## section", ["# A chapter\n\n## Early", *GOOD[1:3], GOOD[0].replace("# A chapter", ""), *GOOD[3:]]),
        "glue shown": ("not tagged remove-input", [*GOOD[:3], ("glue_numbers(x)",), *GOOD[3:]]),
        "long lesson": ("sentences", [*GOOD[:5], "## What we learned\n\n" + "A thing. " * 6, *GOOD[6:]]),
        "one exercise": ("1 exercises", GOOD[:-2]),
        "no assert": ("has no hidden code cell", [*GOOD[:-1], ("print(3)", "hide-cell")]),
        "shown solution": ("has no hidden code cell", [*GOOD[:-1], ("assert True",)]),
        "much code": ("lines of visible code", [*GOOD[:4], ("\n".join(["x = 1"] * 15),), *GOOD[4:]]),
        "many words": ("words of visible prose", [*GOOD[:3], "word " * 1500, *GOOD[3:]]),
    }
    for name, (expected, sources) in cases.items():
        problems = shape_problems(_notebook(tmp_path / f"{name}.ipynb", *sources))
        assert any(expected in problem for problem in problems), (name, problems)


def test_hidden_blocks_fences_and_math_are_not_counted_and_roles_count_once():
    text = ("Two words\n\n:::{dropdown} Details\nmany hidden words\n::::{note}\nnested\n::::\n:::\n"
            "```{literalinclude} x.py\n:pyobject: f\n```\n$$\na + b\n$$\n"
            ":::{admonition} Seen title\nseen body\n:::\n"
            ":::{admonition} Folded\n:class: dropdown\nunseen\n:::\n"
            "| a | b |\n|---|---|\n| {glue:text}`long_name` | $x_i$ |")
    prose = _strip_blocks(text)
    assert "hidden" not in prose and "nested" not in prose and "unseen" not in prose and "pyobject" not in prose
    assert "a + b" not in prose and "Seen title" in prose and "seen body" in prose
    assert count_words(prose) == 2 + 2 + 2 + 2 + 2  # two words, title, body, a b, role and math
    assert count_sentences("It is {glue:text}`x`. Then $a.b$ holds! Why? e") == 3


def unnamed_toggles(path: Path) -> list[int]:
    """Cells of the notebook at ``path`` whose toggle the page would show as "Show code cell
    outputs" (or "content"): a cell tagged ``hide-output``, or an exercise's solution, without a
    ``mystnb.code_prompt_show`` that names what it hides (1-based cell numbers)."""
    cells = nbformat.read(path, as_version=4).cells
    solutions = {i + 1 for i, cell in enumerate(cells[:-1]) if cell.cell_type == "markdown" and EXERCISE.match(cell.source)}
    return [i + 1 for i, cell in enumerate(cells) if cell.cell_type == "code"
            and ("hide-output" in tags(cell) or i in solutions)
            and not cell.get("metadata", {}).get("mystnb", {}).get("code_prompt_show")]


@pytest.mark.parametrize("path", sorted((ROOT / "book").glob("*.ipynb")), ids=lambda path: path.stem)
def test_every_collapsed_output_and_solution_names_its_toggle(path):
    assert not unnamed_toggles(path), f"book/{path.name}: cells {unnamed_toggles(path)} collapse under an unnamed toggle"


def test_an_unnamed_collapsed_output_is_found(tmp_path):
    path = _notebook(tmp_path / "chapter.ipynb", ("x", "remove-input", "hide-output"), "**Exercise 1.** Why?",
                     ("assert True", "hide-cell"))
    assert unnamed_toggles(path) == [2, 4]
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[1].metadata["mystnb"] = {"code_prompt_show": "Show the table"}
    notebook.cells[3].metadata["mystnb"] = {"code_prompt_show": "Show the solution"}
    nbformat.write(notebook, path)
    assert unnamed_toggles(path) == []
