"""pyproject.toml and environment.yml describe the same environment."""
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CONDA_ONLY = {"python", "pip", "nodejs", "cxx-compiler"}


def _split(requirement: str) -> tuple[str, str]:
    match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(.*?)\s*", requirement)
    assert match, f"cannot parse requirement {requirement!r}"
    name, spec = match.groups()
    return name.lower().replace("_", "-"), ",".join(sorted(s.strip() for s in spec.split(",") if s.strip()))


def pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        requirements += extra
    return dict(_split(r) for r in requirements)


def environment_requirements() -> dict[str, str]:
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    requirements = []
    for entry in environment["dependencies"]:
        if isinstance(entry, dict):
            requirements += [r for r in entry["pip"] if not r.startswith("-")]
        else:
            requirements.append(entry)
    parsed = dict(_split(r) for r in requirements)
    return {name: spec for name, spec in parsed.items() if name not in CONDA_ONLY}


def test_environment_matches_pyproject():
    assert environment_requirements() == pyproject_requirements()


def test_jupyter_book_is_pinned_below_2():
    assert "<2" in pyproject_requirements()["jupyter-book"].split(",")


def test_environment_installs_the_package_itself():
    assert "-e ." in (ROOT / "environment.yml").read_text()


def test_the_readme_lists_every_registered_experiment_and_nothing_else():
    from energygnn.experiments.registry import EXPERIMENTS
    from energygnn.readme import experiment_table, read_section

    readme = (ROOT / "README.md").read_text()
    section = read_section(readme, "experiments")
    assert section.strip() == experiment_table(), "run `python -m energygnn list --readme README.md`"
    rows = re.findall(r"^\| `([a-z0-9_]+)` \| (.+?) \| `(book/[^`]+)` \|$", section, flags=re.M)
    assert rows == [(e.name, e.makes, e.chapter) for e in EXPERIMENTS.values()]
    assert all((ROOT / e.chapter).is_file() for e in EXPERIMENTS.values())
    assert not re.search(r"energygnn run [a-z0-9]+-[a-z]", readme), "CLI names are the folder names"


def test_nothing_readers_get_cites_the_shared_folder_they_do_not_have():
    shipped = [p for folder in ("energygnn", "book") for p in (ROOT / folder).rglob("*")
               if p.suffix in {".py", ".json", ".md", ".ipynb"} and ".ipynb_checkpoints" not in p.parts]
    assert shipped
    offenders = [str(p.relative_to(ROOT)) for p in shipped if "shared/papers" in p.read_text()]
    assert not offenders, f"cite book/formulas.md instead: {offenders}"


def test_the_readme_cost_table_is_the_one_the_results_give():
    from energygnn.readme import read_section
    from energygnn.reporting.costs import cost_table

    section = read_section((ROOT / "README.md").read_text(), "costs")
    assert section.strip() == cost_table().strip(), "run `python -m energygnn costs --readme README.md`"


def test_the_readme_numerics_section_is_the_one_the_benchmarks_give():
    from energygnn.readme import read_section
    from energygnn.reporting.benchmarks import load_benchmark, numerics_text

    text = numerics_text()
    assert read_section((ROOT / "README.md").read_text(), "numerics").strip() == text.strip(), \
        "run `python -m energygnn costs --readme README.md`"
    cost = load_benchmark("numerics_cost")
    assert f"{cost['summary']['entropic_epoch_ratio']:.3f}x native" in text
    assert cost["summary"]["met"] == (max(cost["summary"]["basic_epoch_ratio"], cost["summary"]["entropic_epoch_ratio"])
                                      <= cost["target"])
