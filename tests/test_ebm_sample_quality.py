import math

import pytest
import torch

from energygnn.ebm.sample_quality import (QUALITY_MEASURES, ChainQuality, chain_quality,
                                         covariance_top_eigenvalues, mean_distance, mmd, samples,
                                         spectrum_distance)
from energygnn.ebm.sgld import MIN_STEP_RATIO


def _data(n=200, c=6, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(n, c, generator=generator) * torch.tensor([3.0, 2.0, 1.0, 0.5, 0.5, 0.5]) + 1.0


def test_mean_distance_is_the_distance_of_the_means():
    a = torch.tensor([[0.0, 0.0], [2.0, 0.0]])
    b = torch.tensor([[0.0, 3.0], [2.0, 5.0]])
    assert mean_distance(a, b) == pytest.approx(4.0)
    assert mean_distance(b, b) == 0.0


def test_covariance_eigenvalues_match_an_eigendecomposition_and_are_padded():
    x = _data(50)
    expected = torch.linalg.eigvalsh(torch.cov(x.double().T)).flip(0)
    top = covariance_top_eigenvalues(x, top=8)
    assert top[:6].tolist() == pytest.approx(expected.tolist(), rel=1e-9, abs=1e-9)
    assert top[6:].tolist() == [0.0, 0.0]


def test_spectrum_distance_sees_a_rescaled_spread_but_not_a_shift():
    data = _data()
    assert spectrum_distance(data + 5.0, data) == pytest.approx(0.0, abs=1e-5)  # float32 rounding of the shift
    assert spectrum_distance(2 * data, data) > 1.0


def test_mmd_is_near_zero_for_the_same_distribution_and_grows_with_the_gap():
    data, other = _data(seed=0), _data(seed=1)
    same = mmd(other, data)
    near, far = mmd(other + 0.5, data), mmd(other + 5.0, data)
    assert abs(same) < 0.01
    assert same < near < far


def test_mmd_is_symmetric_and_exact_on_a_tiny_case():
    x = torch.tensor([[0.0], [1.0]])
    y = torch.tensor([[3.0], [4.0]])
    k = lambda d: 1 / math.sqrt(1 + d * d)  # noqa: E731
    expected = k(1) + k(1) - 2 * (k(3) + k(4) + k(2) + k(3)) / 4
    assert mmd(x, y) == pytest.approx(expected)
    assert mmd(y, x) == pytest.approx(expected)


def test_mmd_rejects_a_bad_scale_and_single_rows():
    with pytest.raises(ValueError, match="mmd: scale"):
        mmd(_data(), _data(), scale=0.0)
    with pytest.raises(ValueError, match="rows >= 2"):
        mmd(torch.zeros(1, 3), torch.zeros(4, 3))


def _quality(data, start, end, ratio, energy_end=-2.0, confidence_end=0.5):
    return chain_quality(data, start, end, {"data": -2.0, "start": -1.0, "samples": energy_end},
                         {"data": 0.5, "start": 0.2, "samples": confidence_end}, ratio)


def test_chains_that_move_from_noise_onto_the_data_sample():
    data = _data(seed=0)
    generator = torch.Generator().manual_seed(3)
    start = 20 * torch.rand(100, 6, generator=generator) - 10
    end = _data(100, seed=2)  # draws of the data's distribution
    quality = _quality(data, start, end, ratio=0.5)
    assert all(quality.nearer.values()), quality.nearer
    assert samples(quality)
    assert samples(quality.as_dict())  # as stored in a run's result


def test_chains_that_stay_at_their_start_or_move_too_little_do_not_sample():
    data = _data(seed=0)
    start = 20 * torch.rand(100, 6, generator=torch.Generator().manual_seed(3)) - 10
    stuck = _quality(data, start, start.clone(), ratio=0.5, energy_end=-1.0, confidence_end=0.2)
    assert not any(stuck.nearer.values())
    assert not samples(stuck)
    # nearer by every measure, but the gradient barely acted: the noise moved them
    assert not samples(_quality(data, start, _data(100, seed=2), ratio=MIN_STEP_RATIO / 2))


def test_one_measure_further_from_the_data_fails_the_rule():
    data = _data(seed=0)
    start = 20 * torch.rand(100, 6, generator=torch.Generator().manual_seed(3)) - 10
    quality = _quality(data, start, _data(100, seed=2), ratio=1.0, confidence_end=0.95)  # over-confident
    assert quality.nearer == {**{name: True for name in QUALITY_MEASURES}, "confidence": False}
    assert not samples(quality)


def test_chain_quality_checks_its_inputs():
    data = _data()
    with pytest.raises(ValueError, match="energies lacks"):
        chain_quality(data, data, data, {"data": 0.0}, {"data": 0, "start": 0, "samples": 0}, 1.0)
    with pytest.raises(ValueError, match="differ in shape"):
        _quality(data, data[:10], data[:11], 1.0)


def test_chain_quality_round_trips_through_its_dict():
    quality = _quality(_data(), _data(50, seed=4) + 3, _data(50, seed=5), 0.2)
    assert ChainQuality(**quality.as_dict()) == quality
