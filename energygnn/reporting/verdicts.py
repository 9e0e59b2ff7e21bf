r"""The one rule by which every chapter judges a claim.

A claim compares two quantities measured over seeds (or one of them a fixed number, such as a
paper's value): :math:`a` with seed values :math:`a_1..a_{n_a}`, :math:`b` likewise. With
:math:`d = \bar a - \bar b` and the standard error of that difference,

.. math::
    \mathrm{SE} = \sqrt{s_a^2 / n_a + s_b^2 / n_b}

(:math:`s` the sample standard deviation over seeds; a fixed number contributes nothing), the
claim's interval is :math:`d \pm k\,\mathrm{SE}` with :math:`k` = ``STANDARD_ERRORS``; its
half-width :math:`k\,\mathrm{SE}` is the smallest difference the seeds can detect.

* :math:`a > b` **holds** when the interval lies above zero, **fails** when it lies below, and
  is **inconclusive** otherwise; :math:`a < b` mirrors it.
* :math:`a = b` ("as accurate as") is an equivalence test (two one-sided tests, Schuirmann 1987)
  against a margin :math:`\delta` stated per claim family in ``MARGINS``: it **holds**
  (equivalent) when the whole interval lies within :math:`\pm\delta`, **fails** (different) when
  it lies wholly outside, and is **inconclusive** otherwise. So fewer or noisier seeds can only
  make a claim inconclusive, never make it hold.

With one seed on each side the standard error is zero and the difference alone decides.
The rule's wording is defined here too (``RULE_TEXT``, ``MARGIN_TEXT``, :func:`margins_table`),
so that the chapters state the rule that judges their claims, not a copy of it.
"""
from __future__ import annotations

import math
import numbers
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import Enum

RELATIONS = (">", "<", "=")
#: How many standard errors of the difference decide a claim.
STANDARD_ERRORS = 2
_NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four"}
#: The rule's margin in words (``"two standard errors"``), for prose that quotes it.
MARGIN_TEXT = f"{_NUMBER_WORDS.get(STANDARD_ERRORS, str(STANDARD_ERRORS))} standard errors"
#: The rule as the chapters state it (Markdown, a clause), glued into their prose.
RULE_TEXT = (f"the difference of the means is given an interval of {MARGIN_TEXT} of the seed spread either side; "
             f"a claim that one quantity exceeds another **holds** when that interval lies above zero, **fails** "
             f"when it lies below and is **inconclusive** otherwise; a claim that two are equal (\"as accurate as\") "
             f"holds when the whole interval lies within a margin ±δ stated for its kind of claim, fails "
             f"when it lies wholly outside and is inconclusive otherwise")


@dataclass(frozen=True)
class Margin:
    """An equivalence margin δ: how far apart two quantities of one claim family may be and
    still count as equal, in the unit the claims are stated in.

    Args:
        family: the kind of claim, e.g. ``"accuracy"``.
        delta: δ, in ``unit``.
        unit: what the quantities are, e.g. ``"accuracy (fraction)"``.
        reason: why δ has this size (a sentence, Markdown).
    """

    family: str
    delta: float
    unit: str
    reason: str

    @property
    def in_percent(self) -> "Margin":
        """The same margin for claims stated in percent (δ × 100)."""
        return replace(self, delta=100 * self.delta, unit=self.unit.replace("fraction", "percent"))


#: The equivalence margins, one per claim family, with their reasons (shown once in the book).
MARGINS = {margin.family: margin for margin in (
    Margin("accuracy", 0.01, "accuracy (fraction)",
           "one point of accuracy: Planetoid papers report to a tenth of a point and do not claim gaps under "
           "one point as improvements; it is also the margin the book sets for a GCN-JEM that 'still classifies'"),
    Margin("accuracy against a paper's number", 0.02, "accuracy (fraction)",
           "two points: a paper's single number carries its own seed noise (about one point for a GCN on "
           "Planetoid) besides ours, and its protocol differs from ours in details the paper does not give"),
    Margin("calibration error", 0.02, "expected calibration error (fraction)",
           "0.02: ECE with 10 to 15 bins on 1,000 test nodes moves by about 0.01-0.02 between binnings of one model"),
    Margin("detection", 0.02, "AUROC (fraction)",
           "two points of AUROC, the margin between out-of-distribution detectors that papers in this area treat "
           "as a tie"),
    Margin("accuracy ratio", 0.5, "log2 of a ratio of accuracies",
           "half a unit of log2: 'approximately double' means a ratio nearer 2 than 1 or 4 on a log scale"),
    Margin("orders of magnitude", 1.0, "log10 of a ratio",
           "one order of magnitude: 'stays' or 'keeps' for a quantity that ranges over hundreds of orders "
           "(Figure 2's energies between depths) means it moves by less than a factor of ten"),
    Margin("graph count", 0.5, "an integer count fixed by the data",
           "half a unit: a count that the graph fixes is equal when it is the same integer"),
)}


class Verdict(str, Enum):
    """A claim's verdict: ``holds``, ``fails``, ``inconclusive`` or ``not measured``."""

    HOLDS = "holds"
    FAILS = "fails"
    INCONCLUSIVE = "inconclusive"
    NOT_MEASURED = "not measured"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Judgement:
    """A claim's verdict with what decided it.

    ``variances`` are the sample variances :math:`s_a^2, s_b^2` over seeds (0 for a fixed
    number or a single seed); ``margin`` the equivalence margin of an ``"="`` claim."""

    verdict: Verdict
    relation: str
    ours: float  # mean of a
    reference: float  # mean of b
    difference: float  # ours - reference
    standard_error: float
    counts: tuple[int, int]
    variances: tuple[float, float] = (0.0, 0.0)
    margin: Margin | None = None

    def __str__(self) -> str:
        return str(self.verdict)

    @property
    def half_width(self) -> float:
        """``STANDARD_ERRORS`` standard errors: the smallest difference these seeds can detect."""
        return STANDARD_ERRORS * self.standard_error

    @property
    def seeds_to_decide(self) -> int | None:
        """Seeds per side at which the present difference would decide the claim, if the seed
        spread stays as it is: ``None`` when no number of seeds would (a difference of exactly 0
        for ``>``/``<``, or exactly ±δ for ``=``), or when it was not measured."""
        if self.verdict is Verdict.NOT_MEASURED:
            return None
        distance = abs(self.difference)
        if self.margin is not None:
            distance = abs(self.margin.delta - abs(self.difference))
        spread = self.variances[0] + self.variances[1]
        if spread == 0:  # the interval is a point: decided now, unless it sits exactly on zero for >/<
            return max(self.counts) if distance > 0 or self.margin is not None else None
        if distance == 0:
            return None
        ratio = STANDARD_ERRORS ** 2 * spread / distance ** 2
        # "within ±δ" admits the boundary; every other decision needs the interval strictly past it
        inclusive = self.margin is not None and abs(self.difference) < self.margin.delta
        return max(2, math.ceil(ratio) if inclusive else math.floor(ratio) + 1)

    @property
    def margin_text(self) -> str:
        """``"δ = 0.010"`` for an ``"="`` claim, else ``""``."""
        return f"δ = {self.margin.delta:.3g}" if self.margin else ""

    @property
    def markdown(self) -> str:
        """``**holds**`` etc., with the difference, the ``STANDARD_ERRORS``-SE half-width and, for
        an ``"="`` claim, its margin."""
        if self.verdict is Verdict.NOT_MEASURED:
            return "**not measured**"
        margin = f", {self.margin_text}" if self.margin else ""
        return f"**{self.verdict}** (difference {self.difference:+.3f} ± {self.half_width:.3f}{margin})"


def _fixed(sample: object) -> bool:
    return isinstance(sample, numbers.Real)


def _values(sample: float | Iterable[float | None]) -> list[float]:
    values = [sample] if _fixed(sample) else list(sample)
    return [float(v) for v in values if v is not None and not math.isnan(float(v))]


def _is_missing(value: float | None) -> bool:
    return value is None or math.isnan(float(value))


def _mean_and_variance(values: Sequence[float], fixed: bool) -> tuple[float, float]:
    mean = statistics.fmean(values)
    if fixed or len(values) < 2:
        return mean, 0.0
    return mean, statistics.variance(values)


def _margin(margin: Margin | str | None, relation: str) -> Margin | None:
    if relation != "=":
        if margin is not None:
            raise ValueError(f"judge: a margin is for '=' claims only, got {margin!r} for {relation!r}.")
        return None
    if isinstance(margin, str):
        if margin not in MARGINS:
            raise ValueError(f"judge: unknown margin family {margin!r}; use one of {sorted(MARGINS)} or a Margin.")
        return MARGINS[margin]
    if not isinstance(margin, Margin) or margin.delta <= 0:
        raise ValueError("judge: an '=' claim needs an equivalence margin: a family of MARGINS (e.g. 'accuracy') "
                         f"or a Margin with delta > 0, got {margin!r}.")
    return margin


def judge(a: float | Iterable[float | None], b: float | Iterable[float | None], relation: str = ">",
          margin: Margin | str | None = None) -> Judgement:
    """Judge the claim ``a <relation> b`` (``">"``, ``"<"`` or ``"="``) by the module's rule.

    Args:
        a, b: seed values, or numbers held fixed (a paper's value); ``None`` and NaN are left out.
        relation: ``">"``, ``"<"`` or ``"="`` (default ``">"``).
        margin: for ``"="`` only, and required there: the equivalence margin, a family of
            ``MARGINS`` (e.g. ``"accuracy"``) or a :class:`Margin` in the claim's unit.

    Raises:
        ValueError: an unknown relation, or a missing, unknown or misplaced margin.
    """
    if relation not in RELATIONS:
        raise ValueError(f"judge: relation must be one of {RELATIONS}, got {relation!r}.")
    equivalence = _margin(margin, relation)
    fixed_a, fixed_b = _fixed(a), _fixed(b)
    values_a, values_b = _values(a), _values(b)
    counts = (len(values_a), len(values_b))
    if not values_a or not values_b:
        return Judgement(Verdict.NOT_MEASURED, relation, math.nan, math.nan, math.nan, math.nan, counts,
                         margin=equivalence)
    (mean_a, var_a), (mean_b, var_b) = _mean_and_variance(values_a, fixed_a), _mean_and_variance(values_b, fixed_b)
    difference = mean_a - mean_b
    error = math.sqrt(var_a / len(values_a) + var_b / len(values_b))
    verdict = _decide(difference, error, relation, equivalence)
    return Judgement(verdict, relation, mean_a, mean_b, difference, error, counts, (var_a, var_b), equivalence)


def _decide(difference: float, error: float, relation: str, equivalence: Margin | None) -> Verdict:
    """The rule itself: the interval ``difference ± STANDARD_ERRORS * error`` against zero or ±δ."""
    low, high = difference - STANDARD_ERRORS * error, difference + STANDARD_ERRORS * error
    if relation == "=":
        delta = equivalence.delta
        return (Verdict.HOLDS if -delta <= low and high <= delta else
                Verdict.FAILS if low > delta or high < -delta else Verdict.INCONCLUSIVE)
    if relation == "<":
        low, high = -high, -low
    return Verdict.HOLDS if low > 0 else Verdict.FAILS if high < 0 else Verdict.INCONCLUSIVE


def judge_estimate(estimate: float, standard_error: float, count: int, reference: float = 0.0,
                   relation: str = ">", margin: Margin | str | None = None) -> Judgement:
    """Judge ``estimate <relation> reference`` by the same rule as :func:`judge`, for a statistic
    of ``count`` runs whose standard error is known otherwise (a bootstrap's, e.g. for a rank
    correlation) rather than from seed means. ``reference`` is held fixed.

    Raises:
        ValueError: an unknown relation, a missing or misplaced margin, or a negative standard error.
    """
    if relation not in RELATIONS:
        raise ValueError(f"judge_estimate: relation must be one of {RELATIONS}, got {relation!r}.")
    equivalence = _margin(margin, relation)
    if _is_missing(estimate) or _is_missing(standard_error) or count < 1:
        return Judgement(Verdict.NOT_MEASURED, relation, math.nan, reference, math.nan, math.nan, (count, 1),
                         margin=equivalence)
    if standard_error < 0:
        raise ValueError(f"judge_estimate: the standard error must be >= 0, got {standard_error}.")
    estimate, error = float(estimate), float(standard_error)
    difference = estimate - reference
    # the spread of one run that gives this standard error, so that seeds_to_decide counts runs
    variance = error ** 2 * count
    return Judgement(_decide(difference, error, relation, equivalence), relation, estimate, reference,
                     difference, error, (count, 1), (variance, 0.0), equivalence)


def margins_table() -> str:
    """``MARGINS`` as a Markdown table: claim family, δ, unit, reason."""
    rows = [f"| {m.family} | {m.delta:g} | {m.unit} | {m.reason} |" for m in MARGINS.values()]
    return "\n".join(["| claims of | δ | in | why |", "|---|---|---|---|", *rows])


def verdict_counts(claims: Iterable) -> dict[str, int]:
    """How many claims (anything with a ``judgement``) hold, fail, are inconclusive or are not
    measured, keyed by the verdict's text with spaces as underscores (``"holds"``, ``"fails"``,
    ``"inconclusive"``, ``"not_measured"``)."""
    counts = Counter(claim.judgement.verdict for claim in claims)
    return {str(verdict).replace(" ", "_"): counts.get(verdict, 0) for verdict in Verdict}


def conjunction(judgements: Sequence[Judgement]) -> Judgement:
    """The judgement of several claims that must all hold (a conjunction): its verdict is not
    measured if any part is, else fails if any fails, else inconclusive if any is, else holds;
    the judgement returned is the first part with that verdict, the one that decides it.

    Raises:
        ValueError: no judgements.
    """
    if not judgements:
        raise ValueError("conjunction: no judgements to combine.")
    verdicts = {judgement.verdict for judgement in judgements}
    verdict = next((v for v in (Verdict.NOT_MEASURED, Verdict.FAILS, Verdict.INCONCLUSIVE) if v in verdicts), Verdict.HOLDS)
    return next(judgement for judgement in judgements if judgement.verdict is verdict)


def overall_verdict(claims: Iterable) -> Verdict:
    """The verdict on all ``claims`` together (:func:`conjunction`; not measured when there are none)."""
    judgements = [claim.judgement for claim in claims]
    return conjunction(judgements).verdict if judgements else Verdict.NOT_MEASURED
