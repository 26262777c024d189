"""Writing the help center: staff publish and edit articles (audited), visitors vote."""

from __future__ import annotations

from typing import Any

from subdesk.audit.log import audit
from subdesk.context import Work
from subdesk.errors import Conflict, NotFound
from subdesk.models import HelpArticle, StaffMember
from subdesk.support.help import repository
from subdesk.support.help.rules import ArticleText, checked_article, helpful_vote, language_of
from subdesk.support.rules import Permission, checked_reason, require


def get(work: Work, article_id: int) -> HelpArticle:
    found = work.session.get(HelpArticle, article_id)
    if found is None:
        raise NotFound("No such article.", code="article_not_found")
    return found


def save_article(
    work: Work,
    staff: StaffMember,
    article_id: int | None,
    fields: dict[str, str],
    reason: str,
) -> HelpArticle:
    """Publish a new article (`article_id` None) or change one; both audited with the reason."""
    require(staff.role, Permission.EDIT_ARTICLES)
    why = checked_reason(reason)
    text = checked_article(
        fields.get("slug", ""),
        fields.get("language", ""),
        fields.get("title", ""),
        fields.get("body", ""),
        fields.get("platforms", ""),
    )
    article = _new(work, text) if article_id is None else get(work, article_id)
    before = None if article_id is None else _summary(article)
    if article_id is not None:
        _check_free(work, text, article.id)
        article.slug, article.language, article.title = text.slug, text.language, text.title
        article.body, article.platforms = text.body, text.platforms
    article.updated_at, article.updated_by = work.now, work.actor.id
    work.session.flush()
    audit(
        work,
        action="support.article_created" if before is None else "support.article_updated",
        entity=("help_article", article.id),
        before=before,
        after=_summary(article),
        reason=why,
    )
    return article


def _new(work: Work, text: ArticleText) -> HelpArticle:
    _check_free(work, text, None)
    return add_article(work, text)


def add_article(work: Work, text: ArticleText) -> HelpArticle:
    """A new article with no votes yet, added to the unit of work; the caller has made sure
    its slug and language are free."""
    article = HelpArticle(
        slug=text.slug,
        language=text.language,
        title=text.title,
        body=text.body,
        platforms=text.platforms,
        helpful_yes=0,
        helpful_no=0,
        created_at=work.now,
        updated_at=work.now,
    )
    work.session.add(article)
    return article


def _check_free(work: Work, text: ArticleText, own_id: int | None) -> None:
    taken = repository.by_slug(work.session, text.slug, text.language)
    if taken is not None and taken.language == text.language and taken.id != own_id:
        raise Conflict(
            "An article with this address and language exists already.",
            code="slug_taken",
            field="slug",
        )


def _summary(article: HelpArticle) -> dict[str, Any]:
    return {
        "slug": article.slug,
        "language": article.language,
        "title": article.title,
        "platforms": article.platforms,
        "body_chars": len(article.body),
    }


def vote(work: Work, slug: str, language: str, answer: str) -> HelpArticle:
    """Count "did this solve your problem?" for the article the visitor read."""
    helpful = helpful_vote(answer)
    article = repository.by_slug(work.session, slug, language_of(language))
    if article is None:
        raise NotFound("No such article.", code="article_not_found")
    repository.count_vote(work.session, article.id, helpful)
    return article
