import pytest
import torch

from energygnn.calibration import confidence, ece_from_bins, expected_calibration_error, reliability_bins


def test_our_bins_give_torchmetrics_ece():
    generator = torch.Generator().manual_seed(0)
    probabilities = torch.softmax(3 * torch.randn(500, 5, generator=generator), dim=-1)
    labels = torch.randint(0, 5, (500,), generator=generator)
    for bins in (10, 15):
        ece = expected_calibration_error(probabilities, labels, bins)
        assert abs(ece - ece_from_bins(reliability_bins(probabilities, labels, bins))) < 1e-6


def test_a_perfectly_calibrated_and_a_badly_calibrated_classifier():
    probabilities = torch.tensor([[0.5, 0.5]] * 4)  # confidence 0.5, half right
    labels = torch.tensor([0, 1, 0, 1])
    assert expected_calibration_error(probabilities, labels) == pytest.approx(0.0, abs=1e-7)
    sure = torch.tensor([[1.0, 0.0]] * 4)  # confidence 1, half right
    assert expected_calibration_error(sure, labels) == pytest.approx(0.5)
    assert confidence(sure).tolist() == [1.0] * 4


def test_logits_instead_of_probabilities_are_refused():
    with pytest.raises(ValueError, match="softmax"):
        expected_calibration_error(torch.tensor([[2.0, 1.0]]), torch.tensor([0]))
