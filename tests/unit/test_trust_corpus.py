"""The trust check on the corpus of pages written for it: no legitimate page is called a
scam, and at least 95 % of the scam pages are (the figures bench/trust_eval.py prints)."""

from __future__ import annotations

from pathlib import Path

import pytest

from subdesk.config import Settings
from subdesk.trust.demo import demo_registry
from subdesk.trust.evaluation import Evaluation, evaluate, load_corpus
from subdesk.trust.service import guidance

CORPUS = Path(__file__).resolve().parent.parent / "data" / "trust"


@pytest.fixture(scope="module")
def evaluation() -> Evaluation:
    settings = Settings()
    pages = load_corpus(CORPUS)
    return evaluate(pages, demo_registry(), guidance(settings), tuple(settings.trust_phone_regions))


def test_the_corpus_has_thirty_labelled_pages_of_both_kinds(evaluation: Evaluation) -> None:
    labels = [o.page.expected for o in evaluation.outcomes]
    assert len(labels) >= 30
    assert set(labels) == {"official", "not_official", "likely_scam"}
    assert {p.name for p in CORPUS.iterdir()} - {"labels.csv"} == {
        o.page.name for o in evaluation.outcomes
    }


def test_no_legitimate_page_is_called_a_scam(evaluation: Evaluation) -> None:
    wrong = [o.page.name for o in evaluation.outcomes if o.verdict == "likely_scam"]
    assert evaluation.false_positives == 0, [n for n in wrong if not n.startswith("scam_")]


def test_nearly_every_scam_page_is_called_one(evaluation: Evaluation) -> None:
    missed = [
        o.page.name
        for o in evaluation.outcomes
        if o.page.expected == "likely_scam" and o.verdict != "likely_scam"
    ]
    assert evaluation.recall >= 0.95, missed


def test_official_pages_are_official(evaluation: Evaluation) -> None:
    official = [o for o in evaluation.outcomes if o.page.expected == "official"]
    assert [o.page.name for o in official if o.verdict != "official"] == []
