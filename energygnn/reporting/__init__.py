"""The reporting layer: what the results chapters call to judge, tabulate, draw and label, by
concept first and then by chapter.

The core, which every chapter shares:

* :mod:`~energygnn.reporting.verdicts`: the one rule that says whether a claim holds, fails or
  is inconclusive (an interval of ``STANDARD_ERRORS`` standard errors, equivalence margins per claim family), and its wording;
* :mod:`~energygnn.reporting.claims`: a claim, the paper's result it belongs to, their table and counts;
* :mod:`~energygnn.reporting.runs`: committed runs read back: grouped by cell, seed by seed, facts
  about them, and paper 2's runs with their plan;
* :mod:`~energygnn.reporting.tables`: Markdown tables, paper-vs-ours cells;
* :mod:`~energygnn.reporting.labels`, :mod:`~energygnn.reporting.figures`: display names, colours
  and figure style, and the figure pieces chapters share;
* :mod:`~energygnn.reporting.prose`: numbers glued into a chapter's prose;
* :mod:`~energygnn.reporting.trained_measures`: every oversmoothing measure per layer of trained
  depth-64 runs, and which of them predicts accuracy (read by two chapters).

One module (or package) per results chapter, each with ``load`` (what the chapter reads),
``paper_results`` (the papers' claims it tests, judged) and the numbers of its prose:
:mod:`~energygnn.reporting.oversmoothing_grid`, :mod:`~energygnn.reporting.deep_training`,
:mod:`~energygnn.reporting.entropy_settings`, :mod:`~energygnn.reporting.beyond_entropy`,
:mod:`~energygnn.reporting.jem_results`, :mod:`~energygnn.reporting.jem_robustness`,
:mod:`~energygnn.reporting.scaling_out`; :mod:`~energygnn.reporting.benchmarks` (the cost chapter's
benchmarks) and :mod:`~energygnn.reporting.costs` (what each experiment cost). No chapter module
imports another. The teaching chapter on a six-node graph has :mod:`~energygnn.reporting.small_graph`
and :mod:`~energygnn.reporting.small_graph.sgld`, and draws its interactive figure with
:mod:`~energygnn.reporting.slider_figure`.

Above them, :mod:`~energygnn.reporting.summary`: the introduction's table of what reproduces,
from every chapter's ``paper_results``.

Data path: book <- reporting <- experiments.results <- experiments (runner) <- models <- entropy / ebm.
"""
from .claims import Claim, claims_table
from .labels import MODEL_COLOURS, MODEL_LABELS, PAPER2_LABELS, STEP_SETTING_LABELS
from .tables import markdown_table, mean_std_cell
from .verdicts import RULE_TEXT, STANDARD_ERRORS, Judgement, Verdict, judge

__all__ = ["Claim", "MODEL_COLOURS", "MODEL_LABELS", "PAPER2_LABELS", "RULE_TEXT", "STANDARD_ERRORS",
           "STEP_SETTING_LABELS", "Judgement", "Verdict", "claims_table", "judge", "markdown_table", "mean_std_cell"]
