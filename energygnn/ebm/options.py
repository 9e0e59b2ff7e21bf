r"""The settings of one run of :class:`~energygnn.ebm.trainer.EnergyGCNTrainer`, validated when
made. Each option has one default, paper 2's setting (see the book's "Formulas and settings"
page); ``configs/paper2.json`` states the same values for the experiments, which a test checks.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from .sampler import PARTITIONS, SAMPLER_METHODS

GEN_LOSSES = ("paper", "jem")
SAMPLE_NODES = ("train", "all")


def _integer(low: int) -> tuple[Callable[[Any], bool], str]:
    return (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= low), f"an integer >= {low}"


def _number(low: float = -math.inf, high: float = math.inf) -> tuple[Callable[[Any], bool], str]:
    requirement = ("a number" if low == -math.inf else f"a number >= {low:g}") if high == math.inf else \
        f"a number in [{low:g}, {high:g}]"
    return (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and low <= v <= high), requirement


def _one_of(choices: tuple[str, ...]) -> tuple[Callable[[Any], bool], str]:
    return (lambda v: v in choices), f"one of {choices}"


def _validate(options: Any, rules: dict[str, tuple[Callable[[Any], bool], str]]) -> None:
    """Raise a ``ValueError`` naming the class, the option and what it must be, at the first
    option of ``options`` that breaks its rule."""
    for field in fields(options):
        accepts, requirement = rules[field.name]
        value = getattr(options, field.name)
        if not accepts(value):
            raise ValueError(f"{type(options).__name__}: {field.name} must be {requirement}, got {value!r}.")


@dataclass(frozen=True)
class JEMOptions:
    r"""Algorithm 1's sampling and graph generation: what GCN-JEM adds to a GCN's training.

    Args:
        sgld_steps (int, optional): SGLD steps per epoch :math:`\eta` (default: ``20``).
        sgld_step_size (float, optional): SGLD's step size :math:`\alpha` (default: ``1.0``).
        sgld_noise (float, optional): SGLD's noise :math:`\sigma` (default: ``0.01``).
        batch_size (int, optional): nodes of the batch :math:`\mathcal S`, and chains drawn per
            epoch, :math:`\zeta` (default: ``32``).
        buffer_size (int, optional): chains in the replay buffer (default: ``10000``).
        reinit_prob (float, optional): probability :math:`\rho` that a drawn chain restarts
            (default: ``0.05``).
        init_low (float, optional): lower bound of the chains' uniform start (default: ``-1.0``).
        init_high (float, optional): upper bound of the chains' uniform start (default: ``1.0``).
        sample_nodes (str, optional): where the batch's nodes come from, ``"train"`` (the
            training nodes) or ``"all"`` (default: ``"train"``).
        partition (str, optional): the reading of Algorithm 1's :math:`Z`, one of
            ``energygnn.ebm.sampler.PARTITIONS`` (default: ``"sum"``).
        gen_loss (str, optional): paper 2's renormalised energy match (``"paper"``) or JEM's
            contrastive loss (``"jem"``) (default: ``"paper"``).
        sampler (str, optional): SGLD on the batch's 2-hop subgraph (``"subgraph"``) or on the
            whole graph (``"full"``): the same samples (default: ``"subgraph"``).
        tau (float, optional): largest energy difference :math:`\tau` of two samples whose nodes
            an edge joins (default: ``0.1``).
        generate_every (int, optional): epochs between two rounds of graph generation
            (default: ``50``).
        gradient_epochs (int, optional): in the first ``gradient_epochs`` epochs, record the
            parameter gradients' norms of :math:`L_\text{clf}` and of :math:`L_\text{gen}` and their
            cosine (``energygnn.ebm.trainer.GRADIENT_DIAGNOSTICS``); a measurement only, which
            leaves the run's training unchanged (default: ``0``, off).

    Raises:
        ValueError: an option out of its range, naming the class and the option.
    """

    sgld_steps: int = 20
    sgld_step_size: float = 1.0
    sgld_noise: float = 0.01
    batch_size: int = 32
    buffer_size: int = 10000
    reinit_prob: float = 0.05
    init_low: float = -1.0
    init_high: float = 1.0
    sample_nodes: str = "train"
    partition: str = "sum"
    gen_loss: str = "paper"
    sampler: str = "subgraph"
    tau: float = 0.1
    generate_every: int = 50
    gradient_epochs: int = 0

    def __post_init__(self) -> None:
        _validate(self, {
            "sgld_steps": _integer(0), "sgld_step_size": _number(0), "sgld_noise": _number(0),
            "batch_size": _integer(1), "buffer_size": _integer(1), "reinit_prob": _number(0, 1),
            "init_low": _number(), "init_high": _number(), "sample_nodes": _one_of(SAMPLE_NODES),
            "partition": _one_of(PARTITIONS), "gen_loss": _one_of(GEN_LOSSES), "sampler": _one_of(SAMPLER_METHODS),
            "tau": _number(0), "generate_every": _integer(1),
            "gradient_epochs": _integer(0)})
        if not self.init_low < self.init_high:
            raise ValueError(f"JEMOptions: init_low must be below init_high, got {self.init_low!r} and "
                             f"{self.init_high!r}.")


@dataclass(frozen=True)
class EnergyGCNOptions:
    r"""One run's training: a plain GCN, or with ``jem`` GCN-JEM (GCN-JEMO with an
    ``orthogonality_weight`` above 0).

    Args:
        epochs (int, optional): the run's length; SGLD's energies are recorded at every
            generation epoch and at the last (default: ``500``).
        lr (float, optional): Adam's learning rate (default: ``0.01``).
        weight_decay (float, optional): Adam's weight decay (default: ``5e-4``).
        orthogonality_weight (float, optional): weight :math:`\gamma` of GCN-JEMO's penalty
            :math:`\sum_l \lVert W_l^\top W_l - I\rVert_F`; used with ``jem`` only (default: ``0.0``).
        seed (int, optional): seeds the trainer's own draws: batches, chains and SGLD's noise
            (default: ``0``). The model's weights and dropout masks come from torch's global
            generator, which the caller seeds.
        jem (JEMOptions, optional): Algorithm 1's settings; ``None`` trains the plain GCN
            (default: ``None``).

    Raises:
        ValueError: an option out of its range, naming the class and the option.
    """

    epochs: int = 500
    lr: float = 0.01
    weight_decay: float = 5e-4
    orthogonality_weight: float = 0.0
    seed: int = 0
    jem: JEMOptions | None = None

    def __post_init__(self) -> None:
        _validate(self, {
            "epochs": _integer(1), "lr": _number(0), "weight_decay": _number(0),
            "orthogonality_weight": _number(0), "seed": _integer(0),
            "jem": ((lambda v: v is None or isinstance(v, JEMOptions)), "a JEMOptions or None")})
