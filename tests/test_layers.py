"""The package's imports run one way: book <- __main__, readme <- reporting <- experiments (results, runner) /
distributed <- models / ebm / linearised_step / minibatch <- nn / evaluation <- entropy <- sparse, native, numerics,
runtime and the base modules. Nothing imports a higher floor."""
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "energygnn"
FLOORS = {
    0: ["numerics", "config", "provenance", "runtime", "sparse", "native", "history", "spectra", "calibration", "theory",
        "data"],
    1: ["entropy"],
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
