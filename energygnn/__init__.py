"""energygnn: energy and entropy in graph neural networks, derived, implemented and reproduced."""
import os

# MKL's dynamic threading lets multi-threaded sums depend on machine load; a fixed thread count
# should give the same bits on every run, so it is off unless the environment says otherwise.
os.environ.setdefault("MKL_DYNAMIC", "FALSE")

from .config import quick_mode  # noqa: E402
from .data import grid_graph, load_planetoid  # noqa: E402

__version__ = "0.1.0"

__all__ = ["grid_graph", "load_planetoid", "quick_mode", "__version__"]
