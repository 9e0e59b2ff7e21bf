"""The package's imports run one way: book <- __main__, readme <- reporting <- experiments (results, runner) /
distributed <- models / ebm / linearised_step / minibatch <- nn / evaluation <- entropy <- sparse, native, numerics,
runtime and the base modules. Nothing imports a higher floor."""
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "energygnn"
FLOORS = {
    0: ["numerics", "config", "provenance", "runtime", "sparse", "native", "history", "spectra", "calibration", "theory",
        "data", "edge_response"],
    1: ["entropy", "measures"],
    2: ["nn", "evaluation"],
    3: ["models", "ebm", "linearised_step", "minibatch"],
    4: ["experiments", "distributed"],
    5: ["reporting"],
    6: ["__main__", "readme"],
}
FLOOR_OF = {name: floor for floor, names in FLOORS.items() for name in names}


def top_level(module_path: Path) -> str:
    relative = module_path.relative_to(PACKAGE).with_suffix("")
    return relative.parts[0]


def imported_packages(path: Path) -> set[str]:
    """The energygnn sub-packages a module imports (absolute or relative imports)."""
    tree = ast.parse(path.read_text())
    depth = len(path.relative_to(PACKAGE).parts) - 1  # folders below energygnn/
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module and node.module.startswith("energygnn."):
                found.add(node.module.split(".")[1])
            elif node.level > 0:
                parts = list(path.relative_to(PACKAGE).parts[:-1])[: max(depth - (node.level - 1), 0)]
                target = parts + (node.module.split(".") if node.module else [])
                if target:
                    found.add(target[0])
                else:  # "from . import x" at the package root
                    found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[1] for alias in node.names if alias.name.startswith("energygnn."))
    return found


def test_every_module_has_a_floor():
    modules = {top_level(p) for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE}
    assert modules - {"csrc"} <= set(FLOOR_OF), f"give these a floor: {sorted(modules - set(FLOOR_OF))}"


def test_no_module_imports_a_higher_floor():
    upward = []
    for path in PACKAGE.rglob("*.py"):
        if path.parent == PACKAGE and path.name == "__init__.py":
            continue
        own = FLOOR_OF[top_level(path)]
        for name in imported_packages(path):
            if name in FLOOR_OF and FLOOR_OF[name] > own:
                upward.append(f"{path.relative_to(PACKAGE)} imports energygnn.{name}")
    assert not upward, "imports that run back up: " + "; ".join(upward)



def test_paper_2s_trainer_takes_its_data():
    """Loading a dataset for a run is the experiments' job (``experiments/jem_training.py``)."""
    loading = [str(path.relative_to(PACKAGE)) for path in sorted((PACKAGE / "ebm").rglob("*.py"))
               if "data" in imported_packages(path)]
    assert not loading, f"these import energygnn.data: {loading}"


# Inside reporting: a core every chapter shares, one module (or package) per chapter, and the
# introduction's summary above them. A chapter's module imports the core and its own package only.
REPORTING = PACKAGE / "reporting"
# trained_measures reads the trained runs' per-layer measures that two chapters draw (deep_training, entropy_settings)
REPORTING_CORE = {"__init__", "verdicts", "claims", "runs", "tables", "labels", "figures", "prose", "trained_measures"}
REPORTING_TOP = {"summary"}


def reporting_unit(module: str) -> str:
    """``energygnn.reporting.deep_training.table1`` -> ``deep_training``; the package itself -> ``__init__``."""
    parts = module.split(".")
    return parts[2] if len(parts) > 2 else "__init__"


def reporting_floor(unit: str) -> int:
    return 0 if unit in REPORTING_CORE else 2 if unit in REPORTING_TOP else 1


def reporting_imports(path: Path) -> set[str]:
    """The modules of energygnn.reporting that a module of it imports, as dotted names."""
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    package = list(relative.parts[:-1])  # a module's package; for __init__.py, the package itself
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = node.module.split(".") if node.level == 0 and node.module else \
                package[: len(package) - (node.level - 1)] + (node.module.split(".") if node.module else [])
            targets = [base] if node.module else [base + [alias.name] for alias in node.names]
        elif isinstance(node, ast.Import):
            targets = [alias.name.split(".") for alias in node.names]
        else:
            continue
        found.update(".".join(target) for target in targets if target[:2] == ["energygnn", "reporting"])
    return found


def test_reporting_runs_core_then_chapters_then_summary():
    """No reporting module imports a higher floor (core < chapter modules < summary), and no
    chapter's module imports another chapter's."""
    wrong = []
    for path in REPORTING.rglob("*.py"):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        own = reporting_unit(module)
        for target in reporting_imports(path):
            unit = reporting_unit(target)
            if reporting_floor(unit) > reporting_floor(own) or (
                    reporting_floor(unit) == reporting_floor(own) == 1 and unit != own):
                wrong.append(f"{module} imports {target}")
    assert not wrong, "reporting imports that cross its floors: " + "; ".join(sorted(wrong))


def test_the_reporting_floor_check_sees_relative_imports():
    """The check itself: relative imports of a chapter package resolve to their reporting modules."""
    path = REPORTING / "deep_training" / "__init__.py"
    found = reporting_imports(path)
    assert {"energygnn.reporting.claims", "energygnn.reporting.deep_training.table1"} <= found
    assert reporting_unit("energygnn.reporting.deep_training.table1") == "deep_training"
    assert "energygnn.reporting.oversmoothing_grid" in reporting_imports(REPORTING / "summary.py")
