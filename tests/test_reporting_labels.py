"""energygnn.reporting.labels: the names and formats every figure and table shares."""
from energygnn.reporting.labels import tex_power_of_ten


def test_a_power_of_ten_is_written_for_a_math_label_to_one_digit():
    assert tex_power_of_ten(5e-5) == r"5 \cdot 10^{-5}"
    assert tex_power_of_ten(0.000049) == r"5 \cdot 10^{-5}"  # rounded to one significant digit
    assert tex_power_of_ten(3.0) == "3" and tex_power_of_ten(2500.0) == r"2 \cdot 10^{3}"
