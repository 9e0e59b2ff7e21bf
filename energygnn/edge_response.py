r"""How one edge responds to the entropy step: its weight, how far its ends move, and how fast its
energy changes (paper 1, Theorem 3.1, read on the simplest graph).

Take an isolated edge: two nodes joined only to each other, :math:`a_i = 1`, at distance
:math:`r = \lVert x_i - x_j \rVert`. Both have the energy :math:`E = r^2 / 2`; write
:math:`u = E / T`. Theorem 3.1 gives

.. math::
    \frac{\partial S}{\partial x_i} = \frac{1}{T} (\bar P_i + \bar P_j)(x_i - x_j)
    = \frac{2}{T} \bar P(u)\, (x_i - x_j), \qquad \bar P(u) = e^{-u} (1 - u),

so a step :math:`\lambda \nabla S` moves each end along the edge by

.. math::
    \frac{2 \lambda}{T} \bar P(u)\, r = \lambda \frac{2 \sqrt 2}{\sqrt T}\, e^{-u} (1 - u) \sqrt u

(away from the other end when positive), and the distance grows at twice that rate, so the
energy's rate at :math:`\lambda = 0` is

.. math::
    \frac{dE}{d\lambda} = r \frac{dr}{d\lambda} = \frac{4}{T} \bar P(u)\, r^2 = 8\, u\, e^{-u} (1 - u).

The weight :math:`\bar P` is largest at :math:`u = 0`, where nothing moves (:math:`r = 0`); the
move and the energy's rate carry the extra factors :math:`\sqrt u` and :math:`u`, which shift
the strongest push to small :math:`u` and make the pull, at :math:`u > 1`, as strong as the push
or stronger (:func:`edge_response_extremes`).
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np


class EdgeResponse(NamedTuple):
    r"""Per value of :math:`u = E/T`: the edge's ``weight`` :math:`\bar P(u)`, the ``move`` of each
    end per unit :math:`\lambda` (positive: apart), and the ``energy_rate`` :math:`dE/d\lambda`."""
    weight: np.ndarray
    move: np.ndarray
    energy_rate: np.ndarray


def edge_response(u, temperature: float = 1.0) -> EdgeResponse:
    r"""The weight, move and energy rate of an isolated edge (module docstring) at :math:`u = E/T`.

    Args:
        u (list[float] or numpy.ndarray): values :math:`u \ge 0`.
        temperature (float, optional): :math:`T > 0`; only the move depends on it, as
            :math:`1/\sqrt T` (default: ``1.0``).
    """
    u = np.asarray(u, dtype=float)
    if (u < 0).any():
        raise ValueError("edge_response: u = E/T must be >= 0 (energies are non-negative).")
    if not temperature > 0:
        raise ValueError(f"edge_response: temperature must be > 0, got {temperature!r}.")
    weight = np.exp(-u) * (1 - u)
    move = 2 * math.sqrt(2 / temperature) * weight * np.sqrt(u)
    return EdgeResponse(weight, move, 8 * u * weight)


class Extreme(NamedTuple):
    """Where a response is largest (``u_push``, ``push`` > 0) and smallest (``u_pull``, ``pull`` < 0),
    and ``ratio`` = -pull / push, how strong the strongest pull is against the strongest push."""
    u_push: float
    push: float
    u_pull: float
    pull: float

    @property
    def ratio(self) -> float:
        return -self.pull / self.push


def edge_response_extremes() -> dict[str, Extreme]:
    r"""The extremes of the three responses, in closed form (with :math:`T = 1` for the move):

    * weight :math:`e^{-u}(1-u)`: derivative :math:`e^{-u}(u - 2)`, so the push is largest at
      :math:`u = 0` (value 1) and the pull at :math:`u = 2` (value :math:`-e^{-2}`);
    * move :math:`\propto e^{-u}(1-u)\sqrt u`: derivative :math:`e^{-u} u^{-1/2} (u^2 - \frac52 u + \frac12)`,
      zero at :math:`u = (5 \mp \sqrt{17})/4`;
    * energy rate :math:`8 u e^{-u}(1-u)`: derivative :math:`8 e^{-u}(u^2 - 3u + 1)`, zero at
      :math:`u = (3 \mp \sqrt 5)/2`.

    Returns:
        dict: ``{"weight": Extreme, "move": Extreme, "energy_rate": Extreme}``.
    """
    extremes = {}
    for name, (low, high) in (("weight", (0.0, 2.0)),
                              ("move", ((5 - math.sqrt(17)) / 4, (5 + math.sqrt(17)) / 4)),
                              ("energy_rate", ((3 - math.sqrt(5)) / 2, (3 + math.sqrt(5)) / 2))):
        push, pull = (float(getattr(edge_response(np.array([v])), name)[0]) for v in (low, high))
        extremes[name] = Extreme(low, push, high, pull)
    return extremes
