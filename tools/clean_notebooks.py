"""Keep chapters committed without outputs, except cells marked ``# NBVAL_CHECK_OUTPUT``.

    python tools/clean_notebooks.py book/*.ipynb            # strip outputs
    python tools/clean_notebooks.py --execute book/x.ipynb  # run first, keep checked outputs

nbval then compares the outputs of the marked cells (e.g. sympy's zero residuals) in CI.
"""
import argparse

import nbformat


def clean(path: str, execute: bool) -> None:
    notebook = nbformat.read(path, as_version=4)
    if execute:
        from nbclient import NotebookClient

        NotebookClient(notebook, timeout=1800, kernel_name="python3").execute()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("execution", None)
        if "NBVAL_CHECK_OUTPUT" in cell.source:
            cell.execution_count = cell.execution_count or 1  # nbval skips "unrun" cells with outputs
        else:
            cell.outputs = []
            cell.execution_count = None
    nbformat.write(notebook, path)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="+")
    parser.add_argument("--execute", action="store_true")
    arguments = parser.parse_args()
    for path in arguments.notebooks:
        clean(path, arguments.execute)
