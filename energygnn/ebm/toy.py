r"""A density in the plane to watch Langevin dynamics on (the chapter ``book/jem``): an equal
mixture of Gaussians of one width,

.. math::
    p(x) = \frac1k \sum_{m=1}^{k} \mathcal N(x; \mu_m, s^2 I_2),

small enough to draw, with a known answer to every question the chapter asks of SGLD: the
standard deviation of :math:`p` along an axis, the spread of a tempered mode, and the stationary
spread of the discrete chain near a mode.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from .sgld import langevin_dynamics


@dataclass(frozen=True)
class GaussianMixture2D:
    r"""An equal mixture of Gaussians in the plane, :math:`p(x) = \frac1k \sum_m \mathcal N(x;
    \mu_m, s^2 I)`.

    Args:
        means (Tensor): the centres :math:`\mu_m` [k, 2].
        width (float): the standard deviation :math:`s > 0` of every component.

    Raises:
        ValueError: ``means`` not of shape [k, 2] with k >= 1, or ``width`` not positive.
    """

    means: Tensor
    width: float

    def __post_init__(self) -> None:
        if self.means.dim() != 2 or self.means.size(1) != 2 or self.means.size(0) < 1:
            raise ValueError(f"GaussianMixture2D: means must have shape [k, 2], got {tuple(self.means.shape)}.")
        if not self.width > 0:
            raise ValueError(f"GaussianMixture2D: width must be positive, got {self.width}.")

    def log_density(self, x: Tensor) -> Tensor:
        r""":math:`\log p(x)` per point.

        Shapes:
            x: [N, 2] -> [N].
        """
        squared = ((x[:, None, :] - self.means.to(x.dtype)) ** 2).sum(-1)
        k = self.means.size(0)
        return torch.logsumexp(-squared / (2 * self.width**2), dim=1) - math.log(k * 2 * math.pi * self.width**2)

    def axis_std(self) -> float:
        r"""The standard deviation of :math:`p` along each axis, averaged over the two axes:
        :math:`\sqrt{s^2 + \overline{\operatorname{Var}}(\mu)}` (a component's variance plus the
        centres' spread)."""
        centred = self.means - self.means.mean(0)
        return math.sqrt(self.width**2 + float(centred.pow(2).mean()))

    def chains(self, step_size: float, noise: float, chains: int = 200, steps: int = 200, seed: int = 0,
               box: float = 4.0) -> tuple[Tensor, Tensor]:
        r"""Langevin chains on :math:`E = -\log p` (:func:`~energygnn.ebm.sgld.langevin_dynamics`)
        from :math:`\mathcal U(-\text{box}, \text{box})^2`; the same ``seed`` gives the same starts
        and the same noise.

        Returns:
            ``(samples, paths)``: the last states [chains, 2] and every state [chains, steps + 1, 2].
        """
        generator = torch.Generator().manual_seed(seed)
        start = 2 * box * torch.rand(chains, 2, generator=generator) - box
        path: list[Tensor] = []
        samples = langevin_dynamics(start, lambda x: -self.log_density(x).sum(), steps, step_size, noise, generator,
                                    callback=lambda t, x, energy: path.append(x))
        return samples, torch.stack(path + [samples], dim=1)

    def spread_in_mode(self, samples: Tensor) -> float:
        """The standard deviation per axis of ``samples`` [N, 2] around the centre of their cluster,
        each sample assigned to its nearest mean."""
        nearest = torch.cdist(samples, self.means.to(samples.dtype)).argmin(dim=1)
        centres = torch.stack([samples[nearest == m].mean(0) if (nearest == m).any() else self.means[m].to(samples.dtype)
                               for m in range(self.means.size(0))])
        return float((samples - centres[nearest]).pow(2).sum(1).mean().div(2).sqrt())

    def stationary_spread(self, step_size: float, noise: float) -> float:
        r"""The stationary standard deviation of the discrete chain near one mode, where a step
        contracts :math:`x - \mu` by :math:`1 - \alpha / s^2`: the :math:`v` of
        :math:`v = (1 - \alpha/s^2)^2 v + \sigma^2`, so :math:`\sqrt v = \sigma / \sqrt{1 - (1 -
        \alpha/s^2)^2}` (:math:`\to s \sqrt T` as :math:`\alpha \to 0` at fixed :math:`T =
        \sigma^2 / 2\alpha`).

        Raises:
            ValueError: a step for which the chain does not contract (:math:`\alpha \ge 2 s^2` or
                :math:`\alpha \le 0`).
        """
        factor = 1 - step_size / self.width**2
        if not 0 < step_size < 2 * self.width**2:
            raise ValueError(f"GaussianMixture2D.stationary_spread: the chain contracts only for 0 < step_size < "
                             f"2 width^2 = {2 * self.width**2:g}, got {step_size}.")
        return noise / math.sqrt(1 - factor**2)


def three_modes(radius: float = 2.5, width: float = 1.2) -> GaussianMixture2D:
    """Three Gaussians of standard deviation ``width`` centred on a circle of ``radius`` at 90°,
    210° and 330° (the chapter's toy; defaults 2.5 and 1.2)."""
    angles = torch.tensor([90.0, 210.0, 330.0]).deg2rad()
    return GaussianMixture2D(radius * torch.stack([angles.cos(), angles.sin()], dim=1), width)
