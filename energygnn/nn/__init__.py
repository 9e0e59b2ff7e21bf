"""Neural-network building blocks."""
from .conv import GCNConv, RowNormalizedConv
from .entropic import EntropicConv, EntropyAscent, StepOptions

__all__ = ["EntropicConv", "EntropyAscent", "GCNConv", "RowNormalizedConv", "StepOptions"]
