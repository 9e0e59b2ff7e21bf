import pytest
import torch

from energygnn.data import random_sparse_graph
from energygnn.spectra import adjacency_spectrum, closed_walks, covariance_spectrum


def test_a_triangle_has_six_closed_3_walks():
    triangle = torch.tensor([[0, 1, 1, 2, 2, 0], [1, 0, 2, 1, 0, 2]])
    assert closed_walks(triangle, 3, 3) == 6
    assert closed_walks(triangle, 3, 2) == 6  # trace(A^2) = number of directed edges
    assert torch.allclose(adjacency_spectrum(triangle, 3), torch.tensor([-1.0, -1.0, 2.0], dtype=torch.float64))


def test_closed_walks_equal_the_sum_of_eigenvalue_powers():
    edge_index = random_sparse_graph(60, 6, generator=torch.Generator().manual_seed(0))
    eigenvalues = adjacency_spectrum(edge_index, 60)
    for length in (3, 4):
        assert closed_walks(edge_index, 60, length) == round(float((eigenvalues ** length).sum()))


def test_self_loops_and_duplicates_do_not_count():
    edges = torch.tensor([[0, 1, 0, 1, 2], [1, 0, 1, 0, 2]])
    assert closed_walks(edges, 3, 2) == 2


def test_covariance_spectrum():
    features = torch.tensor([[1.0, 0.0], [-1.0, 0.0], [0.0, 2.0], [0.0, -2.0]])
    assert torch.allclose(covariance_spectrum(features), torch.tensor([2 / 3, 8 / 3], dtype=torch.float64))
    with pytest.raises(ValueError, match="covariance_spectrum"):
        covariance_spectrum(torch.ones(1, 3))
