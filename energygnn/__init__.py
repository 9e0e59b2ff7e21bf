"""energygnn: energy and entropy in graph neural networks, derived, implemented and reproduced."""
from .config import quick_mode
from .data import grid_graph, load_planetoid

__version__ = "0.1.0"

__all__ = ["grid_graph", "load_planetoid", "quick_mode", "__version__"]
