"""energygnn.reporting.summary: the introduction's table of what reproduces."""
from dataclasses import replace

from energygnn.reporting import summary
from energygnn.reporting.claims import Claim, PaperResult
from energygnn.experiments.results import load_experiment
from energygnn.reporting.verdicts import Verdict, judge


def claim(scope, a, b, relation=">"):
    return Claim(scope, f"{a} {relation} {b}", "", judge(a, b, relation))


def test_the_table_counts_each_verdict_and_lists_what_fails():
    holds = claim("Cora", [0.9, 0.91, 0.92], [0.5, 0.51, 0.52])
    fails = claim("CiteSeer", [0.5, 0.51, 0.52], [0.9, 0.91, 0.92])
    noise = claim("Cora", [0.5, 0.6, 0.7], [0.55, 0.65, 0.56])
    rows = [PaperResult("1", "Table 1: accuracy", "deep_training", [holds, fails, noise]),
            PaperResult("2", "Spectra", "jem_results", [holds])]
    table = summary.reproduction_table(rows).splitlines()
    assert table[2] == "| 1 | Table 1: accuracy | 3 | 1 | 1 | 1 | 0 | {doc}`deep_training <deep_training>` |"
    assert table[3] == "| 2 | Spectra | 1 | 1 | 0 | 0 | 0 | {doc}`jem_results <jem_results>` |"
    assert table[4] == "|  | **all** | **4** | **2** | **1** | **1** | **0** |  |"
    assert summary.failing_claims(rows) == f"- Paper 1, Table 1: *{fails.text}* (CiteSeer)"
    assert summary.failing_claims(rows[1:]) == "No claim fails."
    assert summary.claims_with(rows, Verdict.INCONCLUSIVE) == f"- Paper 1, Table 1: *{noise.text}* (Cora)"


def test_failing_claims_of_one_text_share_an_item_that_counts_many_places():
    def failing(scope):
        return Claim(scope, "samples", "", judge([0.1, 0.11, 0.12], [0.9, 0.91, 0.92]))

    few = [PaperResult("2", "Sampler", "jem_results", [failing("a"), failing("b")])]
    assert summary.failing_claims(few) == "- Paper 2, Sampler: *samples* (a; b)"
    many = [PaperResult("2", "Sampler", "jem_results", [failing(str(i)) for i in range(5)])]
    assert summary.failing_claims(many) == "- Paper 2, Sampler: *samples* (5 cases)"


def test_the_papers_claims_are_counted_apart_from_the_books_questions():
    paper = claim("Cora", [0.9, 0.91, 0.92], [0.5, 0.51, 0.52])
    ours = Claim("Cora", "a control", "", paper.judgement, asked_by="book")
    rows = [PaperResult("1", "Table 1", "deep_training", [paper, ours]), PaperResult("1", "Maps", "entropy_settings", [ours])]
    assert [row.claims for row in summary.asked_by(rows, "paper")] == [[paper]]
    assert [(row.result, row.claims) for row in summary.asked_by(rows, "book")] == [("Table 1", [ours]), ("Maps", [ours])]


def test_the_committed_results_judge_every_claim_of_every_result():
    rows = summary.judged_results()
    stopped = {(run["config"]["dataset"], run["config"]["variant"], run["config"]["depth"])
               for name in ("beyond_architectures", "beyond_schedule") for run in load_experiment(name)
               if run["result"]["status"] != "ok"}
    assert {row.chapter for row in summary.asked_by(rows, "paper")} >= {"oversmoothing_grid", "deep_training", "jem_results"}
    assert {row.chapter for row in summary.asked_by(rows, "book")} >= {"entropy_settings", "scaling_out"}
    for row in rows:
        assert row.claims, f"{row.result}: no claims"
        for claim in row.claims:  # a claim without values: only where every run of the cell stopped early
            if claim.judgement.verdict is Verdict.NOT_MEASURED:
                assert claim.cell in stopped, f"{row.result}: {claim.text} has no runs"


def test_the_glance_box_shows_headline_claims_then_each_other_result():
    from energygnn.reporting.prose import MarkdownText

    top = replace(claim("Cora", [0.9, 0.91, 0.92], [0.5, 0.51, 0.52]), headline=True)
    other = claim("CiteSeer", [0.5, 0.51, 0.52], [0.9, 0.91, 0.92])
    results = {"headline": PaperResult("1", "Headline", "deep_training", [top]),
               "table": PaperResult("1", "Table 1", "deep_training", [top, other])}
    assert summary.glance_items(results) == [top, results["table"]]
    numbers = summary.glance_numbers(results)
    assert list(numbers) == [summary.GLANCE_KEY] and isinstance(numbers[summary.GLANCE_KEY], MarkdownText)
    rows = numbers[summary.GLANCE_KEY].splitlines()
    assert len(rows) == 4 and rows[2].startswith("| Cora: ") and rows[3].startswith("| Table 1 (2 claims) |")
    assert summary.claims_at_a_glance(results, items=[other]).splitlines()[2].startswith("| CiteSeer: ")
    assert f"{{glue:md}} {summary.GLANCE_KEY}" in summary.GLANCE_CELL and summary.GLANCE_CELL.startswith(":::{admonition}")


def test_the_first_screen_answers_each_paper_from_its_claims(monkeypatch):
    top = replace(Claim("Cora", "a beats b", "0.35 vs 0.18", judge([0.9, 0.91, 0.92], [0.5, 0.51, 0.52])), headline=True)
    noisy = replace(Claim("CiteSeer", "a beats b", "", judge([0.5, 0.6, 0.7], [0.55, 0.65, 0.56])), headline=True)
    lost = claim("Cora", [0.5, 0.51, 0.52], [0.9, 0.91, 0.92])
    results = [PaperResult("1", "Table 1 at depth 64", "deep_training", [top, noisy]),
               PaperResult("1", "Figure 2: energies", "oversmoothing_grid", [top, lost])]
    monkeypatch.setitem(summary.ANSWER_SOURCES, "1", (("deep_training", "Table 1", "headline", ""),
                                                      ("oversmoothing_grid", "Figure 2", "fails", "Figure 2 holds"),
                                                      ("missing_chapter", "Gone", "count", "")))
    text = summary.answer_text(results, "1")
    assert text.startswith("**Does paper 1's step work?** In part.\n\n- *A beats b*: Cora 0.910 against 0.510 "
                           "(paper's: 0.35 vs 0.18), **holds**; CiteSeer 0.600 against 0.587, **inconclusive** "
                           "({doc}`deep training <deep_training>`).\n- ")
    assert text.endswith("*Figure 2 holds*: **holds** ×1, **fails** ×1; failing: Cora *" + lost.text + "* ({doc}`oversmoothing grid <oversmoothing_grid>`).")
    assert summary.answer_text(results[:1], "1").startswith("**Does paper 1's step work?** Where our seeds can decide, yes.")
    numbers = summary.answer_numbers(results)
    assert set(numbers) == {"answer_paper1", "answer_paper2", "question_paper1", "question_paper2"}
    assert numbers["answer_paper2"] == "**Does paper 2's model work?**\n\n"  # none of paper 2's sources here


def test_the_narrow_verdict_table_links_each_result_to_its_chapter():
    rows = [PaperResult("1", "Table 1: accuracy", "deep_training", [claim("Cora", [0.9, 0.91, 0.92], [0.5, 0.51, 0.52])]),
            PaperResult("1", "Maps of $\\lambda$", "entropy_settings", [claim("Cora", [0.5, 0.51, 0.52], [0.9, 0.91, 0.92])])]
    lines = summary.verdict_table(rows).splitlines()
    assert lines[0] == "| paper | result (its chapter) | claims | hold | fail | inconclusive | not measured |"
    assert lines[2] == "| 1 | {doc}`Table 1: accuracy <deep_training>` | 1 | 1 | 0 | 0 | 0 |"
    assert lines[3] == "| 1 | Maps of $\\lambda$ ({doc}`chapter <entropy_settings>`) | 1 | 0 | 1 | 0 | 0 |"
    assert lines[4] == "|  | **all** | **2** | **1** | **1** | **0** | **0** |"
