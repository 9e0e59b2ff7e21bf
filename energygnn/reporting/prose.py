"""What the chapters' prose quotes: named numbers glued into a page (myst-nb's ``glue``), with
text meant as Markdown marked as such, and the verdict rule's wording."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from .verdicts import MARGIN_TEXT, RULE_TEXT


class MarkdownText(str):
    """Text a chapter quotes as Markdown (``{glue:md}``), not as plain text (``{glue:text}``)."""


def rule_numbers() -> dict[str, str]:
    """The verdict rule's wording for the prose: ``rule``, the rule in a clause
    (:data:`~energygnn.reporting.verdicts.RULE_TEXT`, Markdown), and ``rule_margin``, its margin
    in words (``"two standard errors"``)."""
    return {"rule": MarkdownText(RULE_TEXT), "rule_margin": MARGIN_TEXT}


def value_range(values: Iterable[float | int | None], style: str = "{:.3f}") -> str:
    """``"low to high"`` of the values that are not None, each formatted by ``style``; one value
    alone, or ``"none"`` when there is none."""
    kept = sorted(v for v in values if v is not None)
    if not kept:
        return "none"
    low, high = style.format(kept[0]), style.format(kept[-1])
    return low if low == high else f"{low} to {high}"


def glue_numbers(numbers: Mapping[str, object], prefix: str = "") -> None:
    """Glue every named number into the chapter being executed, hidden where it is computed:
    :class:`MarkdownText` as Markdown, anything else as it is.

    Args:
        numbers: values by name.
        prefix: put before every name (default none).
    """
    from IPython.display import Markdown
    from myst_nb import glue

    for name, value in numbers.items():
        glue(prefix + name, Markdown(value) if isinstance(value, MarkdownText) else value, display=False)
