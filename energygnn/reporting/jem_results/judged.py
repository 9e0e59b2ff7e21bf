r"""Paper 2's claims, and what our runs add to them, each judged on per-seed values
(:func:`~energygnn.reporting.verdicts.judge`; a paper's single number, where a claim is about it,
held fixed).
"""
from __future__ import annotations

from collections.abc import Sequence

from ...experiments.reported import PAPER2_ACCURACY, PAPER2_CLOSED_3_WALKS, PAPER2_ECE
from ..claims import Claim
from ..labels import ABLATION_LABELS, PAPER2_LABELS
from ..runs import Paper2Results, mean_or_nan, per_seed
from ..verdicts import MARGINS, Judgement, judge
from .accuracy import name_key

# paper 2's accuracies are in percent
ACCURACY_POINTS = MARGINS["accuracy"].in_percent
PAPER_POINTS = MARGINS["accuracy against a paper's number"].in_percent


def _claim(key: str, text: str, paper: str, ours: str, judgement: Judgement, asked_by: str = "paper",
           headline: bool = False) -> Claim:
    """A claim of paper 2's chapter: named ``key`` in the prose, shown with ``ours`` as measured,
    without a scope (the text names its dataset); ``asked_by`` ``"book"`` for the book's own
    questions; ``headline`` for the claims the book's answers rest on."""
    return Claim("", text, paper, judgement, key=key, ours=ours, asked_by=asked_by, headline=headline)


def _book(key: str, text: str, paper: str, ours: str, judgement: Judgement) -> Claim:
    """A question the book asks of paper 2's method (:func:`_claim` with ``asked_by="book"``)."""
    return _claim(key, text, paper, ours, judgement, asked_by="book")


def _versus(a: Sequence[float], b: Sequence[float], digits: int) -> str:
    return f"{mean_or_nan(a):.{digits}f} vs {mean_or_nan(b):.{digits}f}"


def paper_claims(results: Paper2Results, dataset: str = "Cora") -> list[Claim]:
    """Paper 2's claims, each judged on our per-seed values (the paper's single numbers, where a
    claim is about them, held fixed): accuracy kept (every dataset) and improved on ``dataset``,
    GCN-JEMO over GCN-JEM, the closed 3-walks, the generated features' covariance, confidence,
    calibration, and the ECE values."""
    runs = {model: results.runs(dataset, model) for model in results.models}
    accuracy = {model: per_seed(group, "accuracy", 100.0) for model, group in runs.items()}
    claims = []
    for name in results.datasets:  # headlines, on the table's seeds and jem_more_seeds' where run
        jem, gcn = (per_seed(results.pooled_runs(name, m), "accuracy", 100.0) for m in ("jem", "gcn"))
        gap = PAPER2_ACCURACY["jem"][name] - PAPER2_ACCURACY["gcn"][name]
        more = f" ({len(jem)} seeds)" if len(jem) > results.seeds else ""
        claims.append(_claim(f"jem_as_accurate_{name_key(name)}", f"GCN-JEM is as accurate as the GCN on {name}{more}",
                             f"{gap:+.2f} points", f"{_versus(jem, gcn, 1)} %", judge(jem, gcn, "=", ACCURACY_POINTS),
                             headline=True))
    paper = {model: PAPER2_ACCURACY[model][dataset] for model in ("gcn", "jem", "jemo")}
    claims.append(_claim("jem_beats_gcn", f"GCN-JEM is more accurate than the GCN on {dataset}",
                         f"{paper['jem']:.2f} vs {paper['gcn']:.2f} %", f"{_versus(accuracy['jem'], accuracy['gcn'], 1)} %",
                         judge(accuracy["jem"], accuracy["gcn"], ">"), headline=True))
    claims.append(_claim("jemo_beats_jem", f"GCN-JEMO (weight 1) is more accurate than GCN-JEM on {dataset}",
                         f"{paper['jemo']:.2f} vs {paper['jem']:.2f} %", f"{_versus(accuracy['jemo'], accuracy['jem'], 1)} %",
                         judge(accuracy["jemo"], accuracy["jem"], ">")))
    claims.append(_claim("jemo_beats_gcn", f"GCN-JEMO (weight 1) is more accurate than the GCN on {dataset}",
                         f"{paper['jemo']:.2f} vs {paper['gcn']:.2f} %", f"{_versus(accuracy['jemo'], accuracy['gcn'], 1)} %",
                         judge(accuracy["jemo"], accuracy["gcn"], ">"), headline=True))
    original = per_seed([run for group in runs.values() for run in group], "closed_3_walks_original")
    claims.append(_claim("closed_walks_original", rf"$\trace(A^3)$ of {dataset} is {PAPER2_CLOSED_3_WALKS['original']}",
                         f"{PAPER2_CLOSED_3_WALKS['original']}", f"{mean_or_nan(original):.0f}",
                         judge(original, float(PAPER2_CLOSED_3_WALKS["original"]), "=", "graph count")))
    generated = per_seed(runs["jem"], "closed_3_walks")
    claims.append(_claim("more_closed_walks", "GCN-JEM's generated graph has more closed 3-walks than the original",
                         f"{PAPER2_CLOSED_3_WALKS['generated']} vs {PAPER2_CLOSED_3_WALKS['original']}",
                         _versus(generated, original, 0), judge(generated, original, ">")))
    largest = {m: per_seed(runs[m], "largest_covariance_eigenvalue") for m in ("jem", "gcn")}
    claims.append(_claim("high_covariance_eigenvalues",
                         "the generated features have larger covariance eigenvalues (largest, generated vs original)",
                         "many more high eigenvalues", f"{mean_or_nan(largest['jem']):.3f} vs {mean_or_nan(largest['gcn']):.2e}",
                         judge(largest["jem"], largest["gcn"], ">")))
    confidence = {m: per_seed(runs[m], "train_confidence") for m in ("jem", "gcn")}
    claims.append(_claim("less_confident", "GCN-JEM is less confident than the GCN (training nodes)", "yes (Figure 3)",
                         _versus(confidence["jem"], confidence["gcn"], 3), judge(confidence["jem"], confidence["gcn"], "<")))
    ece = {m: per_seed(runs[m], "ece") for m in ("jem", "gcn")}
    claims.append(_claim("better_calibrated", "GCN-JEM is better calibrated than the GCN (lower test ECE)",
                         f"{PAPER2_ECE['jem']:.2f} vs {PAPER2_ECE['gcn']:.2f}", _versus(ece["jem"], ece["gcn"], 3),
                         judge(ece["jem"], ece["gcn"], "<")))
    for model in ("jem", "gcn"):
        claims.append(_claim(f"ece_as_paper_{model}", f"{PAPER2_LABELS[model]}'s test ECE is the paper's",
                             f"{PAPER2_ECE[model]:.2f}", f"{mean_or_nan(ece[model]):.3f}",
                             judge(ece[model], PAPER2_ECE[model], "=", "calibration error")))
    return claims


def ablation_claims(results: Paper2Results, dataset: str = "Cora") -> list[Claim]:
    """What our runs add (no paper numbers; the book's questions, ``asked_by="book"``): GCN-JEMO's collapse with smaller weights and without
    graph generation, against the GCN's accuracy; GCN-JEMO on raw features (table-sized runs and
    ablation variants) against the GCN and the paper's GCN-JEMO; and the GCN's and GCN-JEM's
    under-confidence on the test nodes (accuracy above mean confidence)."""
    gcn = per_seed(results.runs(dataset, "gcn"), "accuracy", 100.0)
    claims = []
    for variant in ("jemo-weight0.1", "jemo-weight0.01", "jemo-no-generation"):
        if variant in results.variants:
            accuracy = per_seed(results.variant_runs(variant), "accuracy", 100.0)
            claims.append(_book(f"{name_key(variant)}_below_gcn", f"{ABLATION_LABELS.get(variant, variant)} is less "
                                 f"accurate than the GCN on {dataset}", "-", f"{_versus(accuracy, gcn, 1)} %",
                                 judge(accuracy, gcn, "<")))
    for variant in ("jemo-raw-weight0.1", "jemo-raw-weight0.01", "jemo-raw-no-generation"):
        accuracy = per_seed(results.variant_runs(variant), "accuracy", 100.0) if variant in results.variants else []
        if accuracy:
            label = ABLATION_LABELS.get(variant, variant)
            claims.append(_book(f"{name_key(variant)}_beats_gcn", f"{label} is more accurate than the GCN on {dataset}",
                                 "-", f"{_versus(accuracy, gcn, 1)} %", judge(accuracy, gcn, ">")))
            claims.append(_book(f"{name_key(variant)}_as_paper", f"{label} reaches the paper's GCN-JEMO accuracy on {dataset}",
                                 f"{PAPER2_ACCURACY['jemo'][dataset]:.2f} %", f"{mean_or_nan(accuracy):.1f} %",
                                 judge(accuracy, PAPER2_ACCURACY["jemo"][dataset], "=", PAPER_POINTS)))
    raw_jemo = per_seed(results.raw_runs(dataset, "jemo"), "accuracy", 100.0)
    if raw_jemo:
        jemo = per_seed(results.runs(dataset, "jemo"), "accuracy", 100.0)
        claims.append(_book("jemo_raw_beats_normalised", f"GCN-JEMO on {dataset} is more accurate with raw features "
                             "than with row-normalised ones", "-", f"{_versus(raw_jemo, jemo, 1)} %",
                             judge(raw_jemo, jemo, ">")))
        claims.append(_book("jemo_raw_as_accurate_as_gcn", f"GCN-JEMO on raw features is as accurate as the GCN "
                             f"(row-normalised) on {dataset}", "-", f"{_versus(raw_jemo, gcn, 1)} %",
                             judge(raw_jemo, gcn, "=", ACCURACY_POINTS)))
    for model in ("gcn", "jem"):
        runs = results.runs(dataset, model)
        accuracy, confidence = per_seed(runs, "accuracy"), per_seed(runs, "test_confidence")
        claims.append(_book(f"{model}_underconfident", f"{PAPER2_LABELS[model]} is under-confident on {dataset}'s "
                             "test nodes (accuracy above mean confidence)", "-", _versus(accuracy, confidence, 3),
                             judge(accuracy, confidence, ">")))
    return claims
