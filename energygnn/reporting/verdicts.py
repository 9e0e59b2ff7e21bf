r"""The one rule by which every chapter judges a claim.

A claim compares two quantities measured over seeds (or one of them a fixed number, such as a
paper's value): :math:`a` with seed values :math:`a_1..a_{n_a}`, :math:`b` likewise. With
:math:`d = \bar a - \bar b` and the standard error of that difference,

.. math::
    \mathrm{SE} = \sqrt{s_a^2 / n_a + s_b^2 / n_b}

(:math:`s` the sample standard deviation over seeds; a fixed number contributes nothing) and
:math:`k` = ``STANDARD_ERRORS``, a claim :math:`a > b` **holds** when :math:`d > k\,\mathrm{SE}`,
**fails** when :math:`d < -k\,\mathrm{SE}`, and is **within noise** otherwise; :math:`a < b`
mirrors it. A claim :math:`a \approx b` ("as accurate as") holds when :math:`|d| \le k\,\mathrm{SE}`
and fails otherwise. An optional ``margin`` shifts the threshold by a stated amount (e.g. "at least
twice" as a ratio claim is judged on the logarithm by the caller). With one seed on each side the
standard error is zero and every difference decides.

The rule's wording is defined here too (``RULE_TEXT``, ``MARGIN_TEXT``), so that the chapters
state the rule that judges their claims, not a copy of it.
"""
from __future__ import annotations

import math
from collections import Counter
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum

RELATIONS = (">", "<", "=")
#: How many standard errors of the difference decide a claim.
STANDARD_ERRORS = 2
_NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four"}
#: The rule's margin in words (``"two standard errors"``), for prose that quotes it.
MARGIN_TEXT = f"{_NUMBER_WORDS.get(STANDARD_ERRORS, str(STANDARD_ERRORS))} standard errors"
#: The rule as the chapters state it (Markdown, a clause), glued into their prose.
RULE_TEXT = (f"a claim that one quantity exceeds another **holds** when the difference of the means is more than "
             f"{MARGIN_TEXT} of the seed spread, **fails** when it is more than {MARGIN_TEXT} the other way, and is "
             f"**within noise** otherwise; a claim that two are equal (\"as accurate as\") holds when the difference "
             f"is within {MARGIN_TEXT} and fails beyond")


class Verdict(str, Enum):
    """A claim's verdict: ``holds``, ``fails``, ``within noise`` or ``not measured``."""

    HOLDS = "holds"
    FAILS = "fails"
    WITHIN_NOISE = "within noise"
    NOT_MEASURED = "not measured"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Judgement:
    """A claim's verdict with what decided it."""

    verdict: Verdict
    relation: str
    ours: float  # mean of a
    reference: float  # mean of b
    difference: float  # ours - reference
    standard_error: float
    counts: tuple[int, int]

    def __str__(self) -> str:
        return str(self.verdict)

    @property
    def markdown(self) -> str:
        """``**holds**`` etc., with the difference and its ``STANDARD_ERRORS`` standard errors."""
        if self.verdict is Verdict.NOT_MEASURED:
            return "**not measured**"
        return (f"**{self.verdict}** (difference {self.difference:+.3f}, {STANDARD_ERRORS} SE "
                f"{STANDARD_ERRORS * self.standard_error:.3f})")


def _values(sample: float | Iterable[float | None]) -> list[float]:
    if isinstance(sample, (int, float)):
        return [float(sample)]
    return [float(v) for v in sample if v is not None and not math.isnan(v)]


def _mean_and_variance_of_mean(values: Sequence[float], fixed: bool) -> tuple[float, float]:
    mean = statistics.fmean(values)
    if fixed or len(values) < 2:
        return mean, 0.0
    return mean, statistics.variance(values) / len(values)


def judge(a: float | Iterable[float | None], b: float | Iterable[float | None], relation: str = ">",
          margin: float = 0.0) -> Judgement:
    """Judge the claim ``a <relation> b`` (``">"``, ``"<"`` or ``"="``) by ``STANDARD_ERRORS``
    standard errors of the seed spread (the module's rule).

    Args:
        a, b: seed values, or numbers held fixed (a paper's value); ``None`` and NaN are left out.
        relation: for ``">"`` the claim is ``a > b + margin``; for ``"<"``, ``a < b - margin``;
            for ``"="``, ``|a - b| <= margin`` (each up to ``STANDARD_ERRORS`` standard errors).
            Default ``">"``.
        margin: a stated shift of the threshold (default 0).

    Raises:
        ValueError: an unknown relation.
    """
    if relation not in RELATIONS:
        raise ValueError(f"judge: relation must be one of {RELATIONS}, got {relation!r}.")
    fixed_a, fixed_b = isinstance(a, (int, float)), isinstance(b, (int, float))
    values_a, values_b = _values(a), _values(b)
    if not values_a or not values_b:
        return Judgement(Verdict.NOT_MEASURED, relation, math.nan, math.nan, math.nan, math.nan,
                         (len(values_a), len(values_b)))
    mean_a, var_a = _mean_and_variance_of_mean(values_a, fixed_a)
    mean_b, var_b = _mean_and_variance_of_mean(values_b, fixed_b)
    difference, error = mean_a - mean_b, math.sqrt(var_a + var_b)
    if relation == "=":
        verdict = Verdict.HOLDS if abs(difference) - margin <= STANDARD_ERRORS * error else Verdict.FAILS
    else:
        excess = (difference - margin) if relation == ">" else (-difference - margin)
        verdict = Verdict.HOLDS if excess > STANDARD_ERRORS * error else (
            Verdict.FAILS if excess < -STANDARD_ERRORS * error else Verdict.WITHIN_NOISE)
    return Judgement(verdict, relation, mean_a, mean_b, difference, error, (len(values_a), len(values_b)))


def verdict_counts(claims: Iterable) -> dict[str, int]:
    """How many claims (anything with a ``judgement``) hold, fail, are within noise or are not
    measured, keyed by the verdict's text with spaces as underscores (``"holds"``, ``"fails"``,
    ``"within_noise"``, ``"not_measured"``)."""
    counts = Counter(claim.judgement.verdict for claim in claims)
    return {str(verdict).replace(" ", "_"): counts.get(verdict, 0) for verdict in Verdict}


def overall_verdict(claims: Iterable) -> Verdict:
    """The verdict on all ``claims`` together (a conjunction): not measured if any is, else fails
    if any fails, else within noise if any is, else holds."""
    verdicts = {claim.judgement.verdict for claim in claims}
    if not verdicts:
        return Verdict.NOT_MEASURED
    return next((v for v in (Verdict.NOT_MEASURED, Verdict.FAILS, Verdict.WITHIN_NOISE) if v in verdicts), Verdict.HOLDS)
