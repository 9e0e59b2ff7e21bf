import math

import pytest
import torch

from energygnn.ebm.sgld import ReplayBuffer, SGLDTrace, langevin_dynamics


def quadratic(x):
    return 0.5 * (x ** 2).sum()


def test_without_noise_each_step_is_minus_step_size_times_the_gradient():
    x0 = torch.tensor([[2.0, -4.0]])
    x = langevin_dynamics(x0, quadratic, steps=3, step_size=0.25, noise_std=0.0)
    assert torch.allclose(x, x0 * 0.75 ** 3)  # x <- x - 0.25 x
    assert torch.equal(x0, torch.tensor([[2.0, -4.0]]))  # the start is not modified


def test_with_zero_step_size_the_chain_is_a_gaussian_random_walk():
    x = langevin_dynamics(torch.zeros(20000, 1), quadratic, steps=4, step_size=0.0, noise_std=0.5,
                          generator=torch.Generator().manual_seed(0))
    assert abs(float(x.std()) - 0.5 * math.sqrt(4)) < 0.03
    assert abs(float(x.mean())) < 0.03


def test_samples_move_towards_lower_energy_of_a_tiny_model():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 4))
    energy = lambda x: -torch.logsumexp(model(x), dim=-1).sum()  # noqa: E731
    x0 = torch.randn(64, 3)
    x = langevin_dynamics(x0, energy, steps=20, step_size=0.05, noise_std=0.001,
                          generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        assert float(energy(x)) < float(energy(x0)) - 1.0


def test_the_same_generator_seed_gives_the_same_chain():
    runs = [langevin_dynamics(torch.ones(4, 2), quadratic, 5, 0.1, 0.1, torch.Generator().manual_seed(3))
            for _ in range(2)]
    assert torch.equal(*runs)


def test_non_finite_energies_stop_the_chain_with_a_clear_error():
    with pytest.raises(FloatingPointError, match="step 0"):
        langevin_dynamics(torch.ones(2, 2), lambda x: (x / 0.0).sum(), 3, 0.1, 0.0)
    with pytest.raises(FloatingPointError, match="langevin_dynamics: (the energy is|samples became non-finite)"):
        langevin_dynamics(torch.ones(2, 2), lambda x: -(x ** 4).sum(), 50, 10.0, 0.0)
    with pytest.raises(ValueError, match="step_size"):
        langevin_dynamics(torch.ones(2, 2), quadratic, 3, -1.0, 0.0)


def test_buffer_starts_uniform_and_reinitialises_with_probability_rho():
    buffer = ReplayBuffer(50, 3, reinit_prob=0.25, low=-1.0, high=1.0, generator=torch.Generator().manual_seed(0))
    assert buffer.samples.min() >= -1 and buffer.samples.max() <= 1
    buffer.samples.fill_(5.0)  # anything not reinitialised still reads 5
    restarted = 0
    for _ in range(200):
        _, samples = buffer.sample(50)
        restarted += int((samples[:, 0] != 5.0).sum())
    assert abs(restarted / (200 * 50) - 0.25) < 0.02


def test_buffer_write_back_and_update_counts():
    buffer = ReplayBuffer(10, 2, reinit_prob=0.0, generator=torch.Generator().manual_seed(0))
    indices, samples = buffer.sample(4)
    assert torch.equal(samples, buffer.samples[indices])  # rho = 0: straight from the buffer
    buffer.write(indices, torch.full((4, 2), 7.0))
    assert torch.all(buffer.samples[indices] == 7.0)
    assert int(buffer.updates.sum()) == 4
    with pytest.raises(ValueError, match="ReplayBuffer.write"):
        buffer.write(indices, torch.zeros(3, 2))
    with pytest.raises(ValueError, match="reinit_prob"):
        ReplayBuffer(10, 2, reinit_prob=1.5)


def test_the_trace_gives_the_step_ratio_of_a_known_gradient():
    # E = ||x||^2 / 2 has gradient x, so step t's drift is alpha * x_t; the noise is redrawn from the seed
    x0, alpha, sigma = torch.tensor([[3.0, 4.0], [0.6, 0.8]]), 0.1, 0.5
    trace = SGLDTrace()
    x = langevin_dynamics(x0, quadratic, 2, alpha, sigma, torch.Generator().manual_seed(7), trace=trace)
    generator, expected, xt = torch.Generator().manual_seed(7), [], x0.clone()
    noise_sum = torch.zeros_like(x0)
    for _ in range(2):
        noise = sigma * torch.randn(x0.shape, generator=generator)
        expected.append(float((alpha * xt.norm(dim=1) / noise.norm(dim=1)).mean()))
        xt, noise_sum = xt - alpha * xt + noise, noise_sum + noise
    assert trace.step_ratios == pytest.approx(expected, rel=1e-6)
    assert trace.mean_step_ratio == pytest.approx(sum(expected) / 2, rel=1e-6)
    assert torch.allclose(x, xt) and torch.allclose(trace.noise, noise_sum) and torch.equal(trace.start, x0)
    assert trace.energies == pytest.approx([float(quadratic(x0)), float(quadratic(x0 * 0.9 + noise_sum - noise)),
                                            float(quadratic(x))], rel=1e-6)


def test_with_zero_step_size_the_trace_predicts_the_noise_only_chain():
    trace = SGLDTrace()
    x = langevin_dynamics(torch.ones(5, 3), quadratic, 4, 0.0, 0.2, torch.Generator().manual_seed(0), trace=trace)
    assert torch.allclose(x, trace.start + trace.noise) and trace.step_ratios == [0.0] * 4


def test_the_trace_can_skip_the_energy_after_the_last_step():
    calls = []

    def counted(x):
        calls.append(1)
        return quadratic(x)

    trace = SGLDTrace(final_energy=False)
    langevin_dynamics(torch.ones(3, 2), counted, 4, 0.1, 0.1, torch.Generator().manual_seed(0), trace=trace)
    assert len(calls) == 4 and len(trace.energies) == 4 and len(trace.step_ratios) == 4
