r"""Stochastic gradient Langevin dynamics (Welling & Teh 2011) and JEM's replay buffer.

Usable on their own: any differentiable energy of a batch of samples can be sampled with
:func:`langevin_dynamics`; :class:`ReplayBuffer` is JEM's persistent chain store
(Grathwohl et al. 2020, with Du & Mordatch's reinitialisation).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import Tensor


#: The step ratio ``‖α∇E‖ / ‖σε‖`` below which the book says SGLD's gradient barely moves the
#: chains (set before the runs): each step's drift is then under a tenth of its noise.
MIN_STEP_RATIO = 0.1

@dataclass
class SGLDTrace:
    r"""What a chain did, filled in by :func:`langevin_dynamics` when passed as ``trace``.

    Args:
        final_energy (bool, optional): also evaluate :math:`E(x_\eta)` after the last step (one more
            energy evaluation; default ``True``). A caller that evaluates the samples anyway can
            turn it off.

    Attributes:
        energies (list[float]): :math:`E(x_t)` for :math:`t = 0, \dots, \eta` (the last one only
            with ``final_energy``).
        step_ratios (list[float]): per step, the mean over chains (rows) of
            :math:`\lVert \alpha \nabla_{x_i} E \rVert / \lVert \sigma \varepsilon_i \rVert`: below
            ~0.1 the noise decides where a chain goes, not the model.
        start (Tensor): [b, c] the chains' start :math:`x_0`.
        noise (Tensor): [b, c] the summed noise :math:`\sigma \sum_t \varepsilon_t`; ``start + noise``
            is where the same chains would be without the gradient.
    """
    final_energy: bool = True
    energies: list[float] = field(default_factory=list)
    step_ratios: list[float] = field(default_factory=list)
    start: Tensor | None = None
    noise: Tensor | None = None

    @property
    def mean_step_ratio(self) -> float:
        """The step ratio averaged over steps (and chains); ``nan`` without steps or noise."""
        return sum(self.step_ratios) / len(self.step_ratios) if self.step_ratios else float("nan")


def langevin_dynamics(x: Tensor, energy: Callable[[Tensor], Tensor], steps: int, step_size: float,
                      noise_std: float, generator: torch.Generator | None = None,
                      callback: Callable[[int, Tensor, Tensor], None] | None = None,
                      trace: SGLDTrace | None = None) -> Tensor:
    r"""Run ``steps`` SGLD steps from ``x`` on the scalar ``energy``:

    .. math::
        x_{t+1} = x_t - \alpha \nabla_x E(x_t) + \sigma \varepsilon_t, \qquad
        \varepsilon_t \sim \mathcal N(0, I).

    As in JEM (and paper 2), :math:`\alpha` and :math:`\sigma` are set independently rather
    than tied as :math:`\sigma = \sqrt{2\alpha}`.

    Args:
        x (Tensor): starting samples, any shape; not modified.
        energy (callable): maps samples to a scalar (e.g. the sum of their energies).
        steps (int): number of steps :math:`\eta \ge 0`.
        step_size (float): :math:`\alpha \ge 0`.
        noise_std (float): :math:`\sigma \ge 0`.
        generator (torch.Generator, optional): source of the noise, for reproducible chains.
        callback (callable, optional): called as ``callback(t, x_t, E(x_t))`` before each step.
        trace (SGLDTrace, optional): filled with the energies, step ratios, start and summed
            noise (one more energy evaluation after the last step, unless ``trace.final_energy``
            is off).

    Returns:
        Tensor: the samples after the last step, detached.

    Raises:
        FloatingPointError: the energy or the samples became non-finite (the step number is in
            the message; lower ``step_size`` or check the model).
    """
    if not isinstance(steps, int) or steps < 0:
        raise ValueError(f"langevin_dynamics: steps must be a non-negative integer, got {steps!r}.")
    for label, value in (("step_size", step_size), ("noise_std", noise_std)):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
            raise ValueError(f"langevin_dynamics: {label} must be a finite number >= 0, got {value!r}.")
    x = x.detach().clone()
    if trace is not None:
        trace.start, trace.noise = x.clone(), torch.zeros_like(x)
    for t in range(steps):
        x.requires_grad_(True)
        value = energy(x)
        if value.dim() != 0:
            raise ValueError(f"langevin_dynamics: energy must return a scalar, got shape {list(value.shape)}.")
        if not torch.isfinite(value):
            raise FloatingPointError(f"langevin_dynamics: the energy is {value.item()} at step {t}.")
        (gradient,) = torch.autograd.grad(value, x)
        if callback is not None:
            callback(t, x.detach(), value.detach())
        with torch.no_grad():
            drift = step_size * gradient
            x = x - drift
            if noise_std:
                noise = noise_std * torch.randn(x.shape, generator=generator, dtype=x.dtype)
                x = x + noise
            if trace is not None:
                trace.energies.append(value.item())
                if noise_std:
                    trace.noise += noise
                    trace.step_ratios.append(float((_row_norms(drift) / _row_norms(noise)).mean()))
    # a non-finite sample makes the next energy non-finite, so one check at the end suffices
    if not torch.isfinite(x).all():
        raise FloatingPointError(f"langevin_dynamics: samples became non-finite after {steps} steps.")
    if trace is not None and trace.final_energy:
        with torch.no_grad():
            trace.energies.append(energy(x).item())
    return x.detach()


def _row_norms(x: Tensor) -> Tensor:
    """Euclidean norm of each chain (a row; a 1-D tensor is one chain)."""
    return x.reshape(x.size(0), -1).norm(dim=1) if x.dim() > 1 else x.norm().view(1)


class ReplayBuffer:
    r"""JEM's replay buffer: persistent SGLD chains, each restarted from the initial
    distribution :math:`\mathcal U(\text{low}, \text{high})` with probability :math:`\rho`.

    Args:
        size (int): number of stored samples (JEM: ``10000``).
        num_features (int): width of a sample.
        reinit_prob (float, optional): :math:`\rho` (default: ``0.05``).
        low, high (float, optional): bounds of the initial uniform distribution (default: ``-1, 1``).
        generator (torch.Generator, optional): source of all randomness, for reproducibility.

    Attributes:
        samples (Tensor): [size, num_features] the chains.
        updates (Tensor): [size] how many times each entry has been written back.
    """

    def __init__(self, size: int, num_features: int, reinit_prob: float = 0.05, low: float = -1.0,
                 high: float = 1.0, generator: torch.Generator | None = None):
        for label, value in (("size", size), ("num_features", num_features)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"ReplayBuffer: {label} must be a positive integer, got {value!r}.")
        if not 0.0 <= reinit_prob <= 1.0:
            raise ValueError(f"ReplayBuffer: reinit_prob must lie in [0, 1], got {reinit_prob!r}.")
        if not low < high:
            raise ValueError(f"ReplayBuffer: need low < high, got low={low!r}, high={high!r}.")
        self.reinit_prob, self.low, self.high = reinit_prob, low, high
        self.generator = generator
        self.samples = self.initial(size, num_features)
        self.updates = torch.zeros(size, dtype=torch.long)

    def initial(self, count: int, num_features: int | None = None) -> Tensor:
        """``count`` fresh samples from the initial distribution."""
        width = self.samples.size(1) if num_features is None else num_features
        return self.low + (self.high - self.low) * torch.rand(count, width, generator=self.generator)

    def sample(self, count: int) -> tuple[Tensor, Tensor]:
        """Draw ``count`` entries uniformly (with replacement, as JEM); each is replaced by a fresh
        sample with probability ``reinit_prob``. Returns ``(indices, samples)``; write the
        updated samples back with :meth:`write`."""
        if not isinstance(count, int) or count < 1:
            raise ValueError(f"ReplayBuffer.sample: count must be a positive integer, got {count!r}.")
        indices = torch.randint(len(self), (count,), generator=self.generator)
        samples = self.samples[indices].clone()
        restart = torch.rand(count, generator=self.generator) < self.reinit_prob
        samples[restart] = self.initial(int(restart.sum()))
        return indices, samples

    def write(self, indices: Tensor, samples: Tensor) -> None:
        """Store ``samples`` at ``indices`` (what JEM does after every SGLD chain)."""
        if samples.shape != (indices.numel(), self.samples.size(1)):
            raise ValueError(f"ReplayBuffer.write: samples must be [{indices.numel()}, {self.samples.size(1)}], "
                             f"got {list(samples.shape)}.")
        self.samples[indices] = samples.detach().to(self.samples.dtype)
        self.updates[indices] += 1

    def __len__(self) -> int:
        return self.samples.size(0)
