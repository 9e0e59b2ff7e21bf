"""The experiments' settings: one JSON file per paper, read with one quick-mode rule.

Any top-level section of a file may hold a ``"quick"`` block. In quick mode each block's entries
replace the section's entries of the same name, except that a list replacing a mapping keeps only
the mapping's entries it names (e.g. a subset of the ablation's variants). Outside quick mode the
blocks are dropped.
"""
from __future__ import annotations

import json
from importlib import resources
from typing import Any


def load_config(paper: str, quick: bool) -> dict[str, Any]:
    """``configs/<paper>.json`` (``"paper1"`` or ``"paper2"``) with its quick blocks applied in quick mode."""
    try:
        text = resources.files(__package__).joinpath(f"{paper}.json").read_text()
    except FileNotFoundError:
        raise ValueError(f"load_config: no configuration {paper!r}; expected 'paper1' or 'paper2'.") from None
    config = json.loads(text)
    for name, section in config.items():
        if not isinstance(section, dict) or "quick" not in section:
            continue
        overrides = section.pop("quick")
        if quick:
            for key, value in overrides.items():
                if isinstance(section.get(key), dict) and isinstance(value, list):
                    section[key] = {entry: section[key][entry] for entry in value}
                else:
                    section[key] = value
    config["quick"] = quick
    return config
