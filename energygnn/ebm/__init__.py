"""Paper 2's stack: a GCN as a joint energy-based model.

* :mod:`~energygnn.ebm.gcn`: the two-layer GCN, its logit energy, normalised adjacency and JEMO's penalty;
* :mod:`~energygnn.ebm.sgld`: stochastic gradient Langevin dynamics and the replay buffer;
* :mod:`~energygnn.ebm.sampler`: energies of samples placed in the graph (exact 2-hop increments);
* :mod:`~energygnn.ebm.graph_generation`: edges between nodes whose samples' energies are close;
* :mod:`~energygnn.ebm.options`: a run's settings, each with paper 2's value as its default;
* :mod:`~energygnn.ebm.trainer`: Algorithm 1, one epoch at a time;
* :mod:`~energygnn.ebm.toy`: a mixture in the plane to watch Langevin dynamics on.
"""
from .gcn import TwoLayerGCN, logit_energy, normalized_adjacency, orthogonality_penalty
from .graph_generation import GeneratedGraph
from .options import EnergyGCNOptions, JEMOptions
from .sampler import GraphSampler
from .sgld import ReplayBuffer, SGLDTrace, langevin_dynamics
from .trainer import EnergyGCNTrainer

__all__ = ["EnergyGCNOptions", "EnergyGCNTrainer", "GeneratedGraph", "GraphSampler", "JEMOptions", "ReplayBuffer",
           "SGLDTrace", "TwoLayerGCN", "langevin_dynamics", "logit_energy", "normalized_adjacency",
           "orthogonality_penalty"]
