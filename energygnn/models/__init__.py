"""Paper 1's deep models (paper 2's GCN is in :mod:`energygnn.ebm.gcn`)."""
from .deep import (MODELS, APPNPNet, BasicGCN, ConvGNN, DeepGNN, EntropicGCN, G2GCN, GCNII, PairNormGCN, build_model,
                   layer_weights, model_class)

__all__ = ["MODELS", "APPNPNet", "BasicGCN", "ConvGNN", "DeepGNN", "EntropicGCN", "G2GCN", "GCNII", "PairNormGCN",
           "build_model", "layer_weights", "model_class"]
