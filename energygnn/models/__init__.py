"""Paper 1's deep models (paper 2's GCN is in :mod:`energygnn.ebm.gcn`)."""
from .deep import MODELS, BasicGCN, DeepGNN, EntropicGCN, G2GCN, PairNormGCN, build_model

__all__ = ["MODELS", "BasicGCN", "DeepGNN", "EntropicGCN", "G2GCN", "PairNormGCN", "build_model"]
