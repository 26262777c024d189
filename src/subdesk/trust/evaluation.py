"""Scores the trust check on a labelled corpus: precision and recall of `likely_scam`.

A corpus is a folder of pages and a `labels.csv` with the columns `file` and `expected`
(`official`, `not_official` or `likely_scam`). A scam page is a positive; a page called
`likely_scam` is a predicted positive.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from subdesk.trust.advice import Guidance
from subdesk.trust.extract import read_page
from subdesk.trust.rules import Registry, Verdict, assess

SCAM = Verdict.LIKELY_SCAM.value


@dataclass(frozen=True, slots=True)
class Page:
    name: str
    text: str
    expected: str


@dataclass(frozen=True, slots=True)
class Outcome:
    page: Page
    verdict: str
    score: int
    codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Evaluation:
    outcomes: tuple[Outcome, ...]

    def _count(self, expected_scam: bool, called_scam: bool) -> int:
        return sum(
            (o.page.expected == SCAM) is expected_scam and (o.verdict == SCAM) is called_scam
            for o in self.outcomes
        )

    @property
    def true_positives(self) -> int:
        return self._count(True, True)

    @property
    def false_positives(self) -> int:
        return self._count(False, True)

    @property
    def false_negatives(self) -> int:
        return self._count(True, False)

    @property
    def precision(self) -> float:
        called = self.true_positives + self.false_positives
        return self.true_positives / called if called else 1.0

    @property
    def recall(self) -> float:
        scams = self.true_positives + self.false_negatives
        return self.true_positives / scams if scams else 1.0

    @property
    def exact(self) -> int:
        """Pages whose verdict is exactly the label (official / not_official as well)."""
        return sum(o.verdict == o.page.expected for o in self.outcomes)


def load_corpus(folder: Path) -> list[Page]:
    with (folder / "labels.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [
        Page(row["file"], (folder / row["file"]).read_text(encoding="utf-8"), row["expected"])
        for row in rows
    ]


def evaluate(
    pages: list[Page], registry: Registry, guidance: Guidance, regions: tuple[str, ...]
) -> Evaluation:
    outcomes = []
    for page in pages:
        result = assess(read_page(page.text, regions, guidance.brand_words), registry, guidance)
        codes = tuple(r.code for r in result.reasons if r.weight)
        outcomes.append(Outcome(page, result.verdict.value, result.score, codes))
    return Evaluation(tuple(outcomes))
