"""Each reason of a trust check in plain words, with what to do instead."""

from __future__ import annotations

from dataclasses import dataclass

from subdesk.trust.phones import Disguise


@dataclass(frozen=True, slots=True)
class Guidance:
    """Where the advice sends people, and the words that name the vendor."""

    cancel_url: str
    channels_url: str
    brand_words: tuple[str, ...]


DISGUISES = {
    Disguise.LETTERS: "letters instead of digits (O for 0, l or I for 1)",
    Disguise.OTHER_SCRIPT: "digits of another alphabet",
    Disguise.LOOKALIKE: "look-alike characters (mathematical, fullwidth or circled digits)",
    Disguise.SEPARATORS: "odd symbols between the digits",
    Disguise.SPACED: "digits spaced apart",
    Disguise.HIDDEN: "invisible characters between the digits",
    Disguise.MARKUP: "web-page code between the digits",
}

DONT_CALL = (
    "Do not call it. You never need a phone call to cancel, get a refund or stop "
    "auto-renewal: do it online at {cancel_url}. Our real numbers are listed at {channels_url}."
)
DONT_USE = (
    "Do not sign in or pay there. Use only the sites and addresses listed at {channels_url}; "
    "to cancel, go to {cancel_url}."
)

EXPLANATIONS: dict[str, tuple[str, str]] = {
    "known_scam_number": (
        "{subject} has been reported to us and confirmed as a scam number.",
        DONT_CALL,
    ),
    "posing_as_official": (
        "The page presents {subject} as an official, toll-free or support number, but it is "
        "not one of our numbers.",
        DONT_CALL,
    ),
    "unknown_number": ("{subject} is not one of our official numbers.", DONT_CALL),
    "repeated_number": (
        "{subject} is repeated {count} times. Pages that want you to call rather than read "
        "repeat their number again and again.",
        DONT_CALL,
    ),
    "disguised_number": (
        "{subject} is written in disguise ({how}), so that search engines and filters miss "
        "it. Honest pages write their numbers plainly.",
        DONT_CALL,
    ),
    "number_beside_cancelling": (
        "{subject} is slipped in beside words about cancelling, refunds or auto-renewal.",
        DONT_CALL,
    ),
    "urges_call_to_cancel": (
        "The page urges you to call to cancel, get a refund or stop auto-renewal. We never "
        "need a call for that: cancelling takes two clicks online.",
        "Cancel online at {cancel_url}, without a phone call.",
    ),
    "unusual_payment": (
        "The page asks for payment by gift card, wire transfer or cryptocurrency. We never "
        "ask for any of these.",
        "Never pay this way. Refunds reach the card you paid with; see {cancel_url}.",
    ),
    "remote_access": (
        "The page asks you to install or allow a remote-access tool (such as AnyDesk or "
        "TeamViewer). We never need access to your computer to cancel or refund.",
        "Never let anyone connect to your computer. Cancel online at {cancel_url}.",
    ),
    "lookalike_link": (
        "{subject} uses our name or support words, but it is not one of our websites.",
        DONT_USE,
    ),
    "support_on_free_hosting": (
        "{subject} is a page on a free hosting site dressed up as a support page.",
        DONT_USE,
    ),
    "lookalike_email": (
        "{subject} uses our name, but it is not one of our email addresses.",
        "Do not answer it or send it anything. Our real addresses are listed at {channels_url}.",
    ),
    "unknown_domain": ("{subject} is not one of our websites.", DONT_USE),
    "unknown_email_domain": (
        "{subject} is not one of our email addresses.",
        "Our real addresses are listed at {channels_url}.",
    ),
    "official_number": (
        "{subject} is one of our official numbers{detail}.",
        "You may call it, though you never need to: cancel online at {cancel_url}.",
    ),
    "official_link": (
        "{subject} is one of our websites.",
        "Check the address bar shows it too before you sign in.",
    ),
    "official_email": (
        "{subject} is one of our email domains.",
        "We never ask for passwords or card numbers by email.",
    ),
}


def words_for(code: str, guidance: Guidance, **facts: object) -> tuple[str, str]:
    """The explanation and the advice of a reason, filled in."""
    explanation, advice = EXPLANATIONS[code]
    links = {"cancel_url": guidance.cancel_url, "channels_url": guidance.channels_url}
    return explanation.format(**facts), advice.format(**links)


def describe_disguises(kinds: tuple[str, ...]) -> str:
    return ", ".join(DISGUISES.get(kind, kind) for kind in kinds)
