"""The reporting layer: what the results chapters call to judge, tabulate and label.

* :mod:`~energygnn.reporting.verdicts`: the one rule that says whether a claim holds, fails or
  is within noise (two standard errors of the seed spread);
* :mod:`~energygnn.reporting.tables`: Markdown tables, paper-vs-ours cells;
* ``energygnn.reporting.labels``: display names and colours of models and settings;
* :mod:`~energygnn.reporting.benchmarks`: benchmark results, loaded and tabulated;
* :mod:`~energygnn.reporting.costs`: what each experiment cost, from the runs and sweep records;
* :mod:`~energygnn.reporting.paper1`, :mod:`~energygnn.reporting.paper2`: the tables, figures and
  judged claims of each paper's results chapters;
* :mod:`~energygnn.reporting.beyond`: the claims of the chapter beyond paper 1 (schedule,
  undetached step, other architectures, deep models that work);
* :mod:`~energygnn.reporting.scaling`: mini-batch against full-batch training, and the
  multi-process benchmark;
* :mod:`~energygnn.reporting.sampling`: whether paper 2's SGLD samples (the readings of its
  :math:`Z` judged by one rule, and the diagnostics of every GCN-JEM run).

Data path: book <- reporting <- experiments.results <- experiments (runner) <- models <- entropy / ebm.
"""
from .labels import MODEL_COLOURS, MODEL_LABELS, PAPER2_LABELS, STEP_SETTING_LABELS
from .tables import markdown_table, mean_std_cell
from .verdicts import Verdict, Judgement, judge

__all__ = ["MODEL_COLOURS", "MODEL_LABELS", "PAPER2_LABELS", "STEP_SETTING_LABELS", "Judgement", "Verdict",
           "judge", "markdown_table", "mean_std_cell"]
