"""Evaluation of the trust check: precision and recall on the corpus, and the time to check
a 1 MB page.

    python bench/trust_eval.py                   # the corpus in tests/data/trust
    python bench/trust_eval.py --verbose         # and each page's verdict and reasons

Every page of the corpus is checked against the demo registry (`subdesk demo`'s official
numbers and domains), with the default settings (brand "shield"). A scam page is a
positive. The 1 MB pages are the whole corpus (and the legitimate pages alone) repeated
and cut at 1,048,576 bytes of UTF-8; each is checked --runs times (after one warm-up).
Wall-clock and CPU time are printed: on a shared machine the wall clock also counts the
turns of other processes. The whole-corpus page is then also posted to
`POST /api/v1/trust/check` through the app (in process, on a fresh SQLite database holding
the demo registry), so the figure includes the JSON in and out and the registry read.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from subdesk.app import create_app
from subdesk.config import Settings
from subdesk.context import Work
from subdesk.migrate import upgrade
from subdesk.trust.demo import demo_registry, seed_official_channels
from subdesk.trust.evaluation import Evaluation, evaluate, load_corpus
from subdesk.trust.extract import read_page
from subdesk.trust.rules import assess
from subdesk.trust.service import MAX_PAGE_BYTES, guidance

SEED = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"  # a receipt key for the bench only
CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "trust"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()

    settings = Settings()
    advice = guidance(settings)
    regions = tuple(settings.trust_phone_regions)
    pages = load_corpus(args.corpus)
    result = evaluate(pages, demo_registry(), advice, regions)
    report(result, args.verbose)

    everything = "\n".join(p.text for p in pages)
    legitimate = "\n".join(p.text for p in pages if p.expected != "likely_scam")
    time_one_megabyte("whole corpus", one_megabyte(everything), args.runs, regions)
    time_one_megabyte("legitimate pages", one_megabyte(legitimate), args.runs, regions)
    time_through_the_api(one_megabyte(everything), args.runs)


def time_one_megabyte(name: str, page: str, runs: int, regions: tuple[str, ...]) -> None:
    advice = guidance(Settings())
    wall, cpu = [], []
    for run in range(runs + 1):
        started, started_cpu = time.perf_counter(), time.process_time()
        assess(read_page(page, regions, advice.brand_words), demo_registry(), advice)
        if run:  # the first run warms the caches of a fresh process
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
    print(
        f"1 MB page of the {name} ({len(page.encode()):,} bytes), {runs} runs: "
        f"wall median {statistics.median(wall):.0f} ms (fastest {min(wall):.0f}, slowest "
        f"{max(wall):.0f}); CPU median {statistics.median(cpu):.0f} ms"
    )


def time_through_the_api(page: str, runs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/trust.db"
        upgrade(url)
        settings = Settings(database_url=url, signing_key=SEED, trust_checks_per_minute=runs + 10)
        app = create_app(settings)
        with app.state.database.transaction() as session:
            seed_official_channels(Work(session, app.state.runtime))
        wall = []
        with TestClient(app) as client:
            for run in range(runs + 1):
                started = time.perf_counter()
                answer = client.post("/api/v1/trust/check", json={"text": page})
                if answer.status_code != 200:
                    raise SystemExit(f"the check answered {answer.status_code}: {answer.text}")
                if run:
                    wall.append((time.perf_counter() - started) * 1000)
        app.state.database.dispose()
    print(
        f"the same page through POST /api/v1/trust/check, {runs} runs: wall median "
        f"{statistics.median(wall):.0f} ms (fastest {min(wall):.0f}, slowest {max(wall):.0f}); "
        f"verdict {answer.json()['verdict']}"
    )


def report(result: Evaluation, verbose: bool) -> None:
    scams = sum(o.page.expected == "likely_scam" for o in result.outcomes)
    print(f"corpus: {len(result.outcomes)} pages, {scams} scam, {len(result.outcomes) - scams} not")
    print(
        f"precision {result.precision:.3f}  recall {result.recall:.3f}  "
        f"(true positives {result.true_positives}, false positives {result.false_positives}, "
        f"false negatives {result.false_negatives}); exact verdict {result.exact}/"
        f"{len(result.outcomes)}"
    )
    for outcome in result.outcomes:
        wrong = outcome.verdict != outcome.page.expected
        if verbose or wrong:
            mark = "WRONG" if wrong else "ok"
            print(
                f"  {mark:5} {outcome.page.name:40} expected {outcome.page.expected:12} "
                f"got {outcome.verdict:12} {outcome.score:3} {','.join(outcome.codes)}"
            )


def one_megabyte(text: str) -> str:
    encoded = (text * (MAX_PAGE_BYTES // len(text.encode()) + 1)).encode()[:MAX_PAGE_BYTES]
    return encoded.decode("utf-8", errors="ignore")


if __name__ == "__main__":
    main()
