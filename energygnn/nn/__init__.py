"""Neural-network building blocks."""
from .entropic import EntropicConv, EntropyAscent

__all__ = ["EntropicConv", "EntropyAscent"]
