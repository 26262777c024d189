"""Every read and write of help articles; the full-text search picks the database's own."""

from __future__ import annotations

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from subdesk.models import HelpArticle
from subdesk.support.help.rules import MAX_RESULTS, code_slug, fts5_match, query_words

_SQLITE_SEARCH = text(
    "SELECT help_articles.* FROM help_articles "
    "JOIN help_articles_fts ON help_articles_fts.rowid = help_articles.id "
    "WHERE help_articles_fts MATCH :match AND help_articles.language = :language "
    "ORDER BY help_articles.slug = :first DESC, bm25(help_articles_fts, 10.0, 1.0) LIMIT :limit"
)
# Written exactly as migration 0016 indexes it (GIN), so the planner can use the index.
_CONFIG = "CASE WHEN language = 'de' THEN 'german'::regconfig ELSE 'english'::regconfig END"
PG_DOCUMENT = (
    f"setweight(to_tsvector({_CONFIG}, title), 'A') || setweight(to_tsvector({_CONFIG}, body), 'B')"
)
# Built from the constants above only; every value is a bound parameter.
_POSTGRES_SEARCH = text(
    f"SELECT * FROM help_articles, websearch_to_tsquery(CAST(:config AS regconfig), :query) q "  # noqa: S608
    f"WHERE language = :language AND ({PG_DOCUMENT}) @@ q "
    f"ORDER BY slug = :first DESC, ts_rank({PG_DOCUMENT}, q) DESC, id LIMIT :limit"
)


def search(
    session: Session, query: str, language: str, limit: int = MAX_RESULTS
) -> list[HelpArticle]:
    """Articles in `language` matching every word of `query`, best first (a check-in code's
    own article before any that merely mention it)."""
    words = query_words(query)
    if not words:
        return []
    if session.get_bind().dialect.name == "postgresql":
        config = "german" if language == "de" else "english"
        params = {"config": config, "query": " ".join(words), "language": language}
        statement = _POSTGRES_SEARCH
    else:
        params = {"match": fts5_match(words), "language": language}
        statement = _SQLITE_SEARCH
    found = select(HelpArticle).from_statement(statement)
    first = code_slug(query) or ""
    return list(session.scalars(found, {**params, "first": first, "limit": limit}))


def by_slug(session: Session, slug: str, language: str) -> HelpArticle | None:
    """The article in `language`, else in English (not every article is translated)."""
    rows = session.scalars(
        select(HelpArticle).where(
            HelpArticle.slug == slug, HelpArticle.language.in_([language, "en"])
        )
    )
    found = {row.language: row for row in rows}
    return found.get(language) or found.get("en")


def in_language(session: Session, language: str) -> list[HelpArticle]:
    query = select(HelpArticle).where(HelpArticle.language == language).order_by(HelpArticle.title)
    return list(session.scalars(query))


def every_article(session: Session) -> list[HelpArticle]:
    """All articles for staff, with their feedback counts."""
    query = select(HelpArticle).order_by(HelpArticle.slug, HelpArticle.language)
    return list(session.scalars(query))


def existing_keys(session: Session) -> set[tuple[str, str]]:
    return {
        (s, lang) for s, lang in session.execute(select(HelpArticle.slug, HelpArticle.language))
    }


def count_vote(session: Session, article_id: int, helpful: bool) -> None:
    """One more yes or no, as one UPDATE (parallel votes never lose each other)."""
    column = HelpArticle.helpful_yes if helpful else HelpArticle.helpful_no
    session.execute(
        update(HelpArticle)
        .where(HelpArticle.id == article_id)
        .values({column: column + 1})
        .execution_options(synchronize_session=False)
    )
