"""Models of the two papers."""
from .deep import MODELS, BasicGCN, DeepGNN, EntropicGCN, G2GCN, PairNormGCN, build_model

__all__ = ["MODELS", "BasicGCN", "DeepGNN", "EntropicGCN", "G2GCN", "PairNormGCN", "build_model"]
