"""energygnn: energy and entropy in graph neural networks, derived, implemented and reproduced."""
import os

# MKL's dynamic threading lets multi-threaded sums depend on machine load; a fixed thread count
# should give the same bits on every run, so it is off unless the environment says otherwise.
os.environ.setdefault("MKL_DYNAMIC", "FALSE")

# The numerics profile (ATen's CPU capability, oneMKL's branch, oneDNN's ISA, the kernels' flags) is
# put in force before the package's first torch operation: the same bits on every x86-64-v3 CPU.
from . import numerics  # noqa: E402

numerics.apply()

from .config import quick_mode  # noqa: E402
from .data import grid_graph, load_planetoid  # noqa: E402

__version__ = "0.1.0"

__all__ = ["grid_graph", "load_planetoid", "quick_mode", "__version__"]
