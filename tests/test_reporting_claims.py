"""energygnn.reporting.claims: one claim class for every chapter, its table, counts and numbers."""
from collections import Counter

import pytest

from energygnn.reporting.claims import (Claim, PaperResult, claim_numbers, claims_of, claims_table, counted_verdicts,
                                        format_counts, verdict_numbers)
from energygnn.reporting.verdicts import judge

HOLDS = judge([0.9, 0.91, 0.92], [0.5, 0.51, 0.52])
FAILS = judge([0.5, 0.51, 0.52], [0.9, 0.91, 0.92])
NOT_RUN = judge([], [0.5])


def test_claims_with_a_scope_are_tabulated_where_first_with_our_means():
    claims = [Claim("Cora", "a beats b", "0.80 vs 0.50", HOLDS), Claim("CiteSeer", "b beats a", "", NOT_RUN)]
    header, _, first, second = claims_table(claims, ours_digits=2).splitlines()
    assert header == "|  | claim | paper | ours | difference | detectable (2 SE) | verdict |"
    assert first == "| Cora | *a beats b* | 0.80 vs 0.50 | 0.91 vs 0.51 | +0.400 | 0.016 | **holds** |"
    assert second == "| CiteSeer | *b beats a* |  | not run |  |  | **not measured** |"


def test_claims_without_a_scope_show_their_own_numbers_in_plain_text():
    claim = Claim("", "GCN-JEM is as accurate as the GCN on Cora", "+0.94 points", FAILS, key="jem_as_accurate_Cora",
                  ours="50.0 vs 90.0 %")
    header, _, row = claims_table([claim]).splitlines()
    assert header == "| claim | paper | ours | difference | detectable (2 SE) | verdict |"
    assert row == "| GCN-JEM is as accurate as the GCN on Cora | +0.94 points | 50.0 vs 90.0 % | -0.400 | 0.016 | **fails** |"
    assert verdict_numbers([claim]) == {"verdict_jem_as_accurate_Cora": "**fails**"}


def test_verdicts_are_counted_most_frequent_first():
    claims = [Claim("", "x", "", HOLDS), Claim("", "y", "", FAILS), Claim("", "z", "", HOLDS)]
    assert counted_verdicts(claims) == "holds ×2, fails ×1"
    assert format_counts(Counter({"b": 1, "a": 1, "c": 3})) == "c ×3, a ×1, b ×1"
    result = PaperResult("1", "Table 1: accuracy", "deep_training", claims)
    assert result.counts == {"holds": 2, "fails": 1, "inconclusive": 0, "not_measured": 0}
    assert claims_of({"one": result, "two": PaperResult("2", "Spectra", "jem_results", claims[:1])}) == claims + claims[:1]


def test_claim_numbers_are_keyed_by_the_cell():
    claim = Claim("Cora, depth 16", "GAT + entropy step more accurate than GAT", "", HOLDS, cell=("Cora", "gat", 16))
    assert claim_numbers([claim]) == {"Cora_gat_16_ours": "0.910", "Cora_gat_16_reference": "0.510",
                                      "Cora_gat_16_difference": "+0.400", "Cora_gat_16_verdict": "holds"}


def test_equality_claims_show_their_margin_and_claims_say_who_asks_them():
    equal = Claim("Cora", "a as accurate as b", "", judge([0.800, 0.801], [0.800, 0.801], "=", "accuracy"), asked_by="book")
    header, _, row = claims_table([equal]).splitlines()
    assert row.endswith("| **holds** at δ = 0.01 |") and "paper" not in header  # no claim has the paper's numbers
    assert equal.asked_by == "book" and Claim("", "x", "", HOLDS).asked_by == "paper"
    with pytest.raises(ValueError, match="asked_by must be one of"):
        Claim("", "x", "", HOLDS, asked_by="reviewer")


def test_the_power_table_says_how_many_seeds_would_decide_an_inconclusive_claim():
    from energygnn.reporting.claims import power_table

    noisy = Claim("Cora", "a beats b", "", judge([0.4, 0.5, 0.6], [0.35, 0.45, 0.55]))
    header, _, holds, inconclusive, missing = power_table(
        [Claim("Cora", "x", "", HOLDS), noisy, Claim("", "y", "", NOT_RUN)]).splitlines()
    assert header == "|  | claim | seeds | difference ± 2 SE | verdict | seeds that would decide |"
    assert holds == "| Cora | x | 3 vs 3 | +0.400 ± 0.016 | **holds** |  |"
    assert inconclusive == "| Cora | a beats b | 3 vs 3 | +0.050 ± 0.163 | **inconclusive** | about 33 |"
    assert missing.endswith("| **not measured** |  |")


def test_the_glance_table_shows_a_claim_per_row_or_a_group_counted():
    from energygnn.reporting.claims import GLANCE_TITLE, glance_table

    noisy = judge([0.5, 0.6, 0.7], [0.55, 0.65, 0.56])
    single = Claim("Cora", "a beats b", "0.80 vs 0.50", HOLDS)
    group = PaperResult("1", "Table 1", "deep_training",
                        [single, Claim("CiteSeer", "b beats a", "0.70 vs 0.60", FAILS), Claim("PubMed", "c", "", noisy),
                         Claim("Cora", "d", "", NOT_RUN)])
    header, rule, first, second, third = glance_table([single, group, ("Mine", [single])], ours_digits=2).splitlines()
    assert header == "| claim | paper (their number) | ours | verdict |" and rule == "|---|---|---|---|"
    assert first == "| Cora: a beats b | *0.80 vs 0.50* | 0.91 vs 0.51 | **holds** |"
    assert second == ("| Table 1 (4 claims) | *0.80 vs 0.50*; *0.70 vs 0.60* | difference -0.40 to +0.40 "
                      "| **holds** ×1, **fails** ×1, inconclusive ×1, not measured ×1 |")
    assert third == first.replace("Cora: a beats b", "Cora: a beats b")  # a group of one claim is that claim
    assert GLANCE_TITLE == "Claims at a glance"
    with pytest.raises(TypeError, match="glance_table"):
        glance_table(["a claim as text"])
    with pytest.raises(ValueError, match="no claims"):
        glance_table([("empty", [])])
    # a group whose differences share no unit says ours in words; the paper's "-" is no number
    book = Claim("x", "samples", "-", FAILS)
    said = glance_table([("Settings", [book, book], "0 sample, 1 classify")]).splitlines()[2]
    assert said == "| Settings (2 claims) | — | 0 sample, 1 classify | **fails** ×2 |"
