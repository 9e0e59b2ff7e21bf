"""energygnn.ebm.toy: the plane's mixture on which the jem chapter watches Langevin dynamics."""
import math

import pytest
import torch

from energygnn.ebm.toy import GaussianMixture2D, three_modes


def test_the_density_is_normalised_and_its_axis_spread_is_known_by_hand():
    toy = three_modes()
    grid = torch.linspace(-9, 9, 361, dtype=torch.float64)
    gx, gy = torch.meshgrid(grid, grid, indexing="xy")
    density = toy.log_density(torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)).exp()
    assert float(density.sum()) * float(grid[1] - grid[0]) ** 2 == pytest.approx(1.0, abs=1e-3)
    assert toy.axis_std() == pytest.approx(math.sqrt(1.2**2 + 2.5**2 / 2))  # s^2 + r^2 / 2, by hand


def test_langevin_with_sigma_squared_two_alpha_samples_the_mixture_and_jem_finds_its_modes():
    toy = three_modes()
    samples, paths = toy.chains(0.05, math.sqrt(0.1), chains=400, steps=300)
    assert paths.shape == (400, 301, 2) and torch.equal(paths[:, -1], samples)
    assert float(samples.std(dim=0).mean()) == pytest.approx(toy.axis_std(), rel=0.1)
    jem, _ = toy.chains(1.0, 0.01)  # JEM's step: each chain sits at its mode, within about sigma
    assert float(jem.std(dim=0).mean()) == pytest.approx(2.5 / math.sqrt(2), rel=0.1)
    assert toy.spread_in_mode(jem) == pytest.approx(toy.stationary_spread(1.0, 0.01), rel=0.05)


def test_the_stationary_spread_tends_to_the_tempered_width_and_bad_input_is_refused():
    toy = three_modes()
    temperature = 1 / 16
    alpha = 1e-4
    assert toy.stationary_spread(alpha, math.sqrt(2 * alpha * temperature)) == pytest.approx(1.2 * math.sqrt(temperature),
                                                                                          rel=1e-3)
    with pytest.raises(ValueError, match="contracts"):
        toy.stationary_spread(3.0, 0.01)
    with pytest.raises(ValueError, match="means must have shape"):
        GaussianMixture2D(torch.zeros(3), 1.0)
    with pytest.raises(ValueError, match="width must be positive"):
        GaussianMixture2D(torch.zeros(2, 2), 0.0)
