"""Strong words beat sentiment: safety, privacy, misconduct, legal, fraud and outages, in any trade.

Sentiment is made by hand here (often the wrong one on purpose), so these tests check the rules alone.
"""

from __future__ import annotations

import pytest

from mentionwatch.models import Category, Reaction, Severity, TriageContext

NO_CONTEXT = TriageContext()


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("The electric heater I bought melted and started smoking in my daughter's bedroom", "NEUTRAL"),
        ("My grandmother fell out of bed on ward 7. She has a fractured hip now", "NEGATIVE"),
        ("The charger overheated and burned my son's hand", "POSITIVE"),
        ("Found a piece of glass in my salad, my toddler nearly swallowed it", "NEUTRAL"),
        ("Smell of gas in the street and nobody answers your emergency line", "NEGATIVE"),
        ("Mi padre se cayó en el baño y ahora tiene una herida en la cabeza", "NEUTRAL"),
    ],
)
def test_harm_to_a_person_pages_whatever_the_sentiment(triager, make_mention, make_sentiment, text, label) -> None:
    # Given a harm report that the model may misread (leaning positive, but not clear praise)
    sentiment = make_sentiment(label, positive=0.6) if label == "POSITIVE" else make_sentiment(label)
    decision = triager.triage(make_mention(text), sentiment, NO_CONTEXT)
    assert decision.category is Category.SAFETY
    assert decision.reaction is Reaction.ESCALATE
    assert decision.severity is Severity.CRITICAL


@pytest.mark.parametrize(
    "text",
    [
        "Filming for the new hospital drama today, so exciting!",
        "What time does the hospital cafe open?",
        "Burnt my toast this morning, classic Monday",
        "This boss fight is killing me lol",
        "Watching a film where the villain's car crashed into a river, my son loved it",
        "Hotel room had mould on the walls and the staff just shrugged",
    ],
)
def test_harm_words_without_a_person_or_damage_page_nobody(triager, make_mention, make_sentiment, text) -> None:
    for label in ("NEUTRAL", "NEGATIVE", "POSITIVE"):
        decision = triager.triage(make_mention(text), make_sentiment(label), NO_CONTEXT)
        assert decision.reaction is not Reaction.ESCALATE, (text, label, decision.reasons)


def test_sincere_thanks_that_sounds_sarcastic_to_the_model_is_still_thanked(
    triager, make_mention, make_sentiment
) -> None:
    # Given warm thanks for a refund that the sarcasm model scores high (no sarcasm phrase, no complaint word)
    text = "Thank you for the quick refund, great service!"
    decision = triager.triage(make_mention(text), make_sentiment("POSITIVE", sarcasm=0.8), NO_CONTEXT)
    # Then it is thanked, not treated as churn or a complaint
    assert decision.reaction is Reaction.ACKNOWLEDGE


@pytest.mark.parametrize(
    "text",
    [
        "Thank you to the paramedics who looked after my dad",
    ],
)
def test_clear_thanks_to_emergency_staff_pages_nobody(triager, make_mention, make_sentiment, text) -> None:
    decision = triager.triage(make_mention(text), make_sentiment("POSITIVE", positive=0.9, sarcasm=0.8), NO_CONTEXT)
    assert decision.reaction is Reaction.ACKNOWLEDGE


def test_clear_sincere_praise_about_safety_is_thanked(triager, make_mention, make_sentiment) -> None:
    text = "Thank you to the A&E team for looking after my dad when he collapsed last night. Heroes."
    decision = triager.triage(make_mention(text), make_sentiment("POSITIVE", positive=0.95), NO_CONTEXT)
    assert decision.reaction is Reaction.ACKNOWLEDGE


def test_praise_sounding_harm_that_is_not_clear_praise_still_pages(triager, make_mention, make_sentiment) -> None:
    text = "Great, your heater overheated and burned my son's hand. Love it."
    sentiment = make_sentiment("POSITIVE", positive=0.7, sarcasm=0.9)
    decision = triager.triage(make_mention(text), sentiment, NO_CONTEXT)
    assert decision.category is Category.SAFETY


@pytest.mark.parametrize(
    ("text", "category", "reaction", "team", "reply_words"),
    [
        (
            "I can see someone else's order history: name, address, last 4 digits of their card",
            "privacy",
            "escalate",
            "privacy",
            "privacy team",
        ),
        (
            "Your API returns other users' email addresses and password reset tokens",
            "privacy",
            "escalate",
            "privacy",
            "privacy team",
        ),
        (
            "A nurse on the ward made racist comments about my husband",
            "misconduct",
            "escalate",
            "senior-complaints",
            "serious allegation",
        ),
        (
            "The gate agent mocked my daughter's wheelchair. That is discrimination.",
            "misconduct",
            "escalate",
            "senior-complaints",
            "senior manager",
        ),
        ("Reported you to Ofcom today and I'm taking you to court", "legal", "escalate", "legal", "direct message"),
        ("My complaint is going to the Financial Ombudsman", "legal", "escalate", "legal", "direct message"),
        ("Filed a complaint with the CFPB about your fees", "legal", "escalate", "legal", "direct message"),
        (
            "Brand Support here, sorry for your trouble, DM me on WhatsApp +44 7700 900123 and we will refund you",
            "fraud",
            "respond",
            "trust-and-safety",
            "isn't us",
        ),
        (
            "Texts pretending to be from you say my card is frozen. Scam?",
            "fraud",
            "respond",
            "trust-and-safety",
            "never ask",
        ),
        ("great, third outage this week, love it", "service_failure", "respond", "operations", "looking into it"),
    ],
)
def test_each_strong_category_has_its_route_and_reply(
    triager, make_mention, make_sentiment, text, category, reaction, team, reply_words
) -> None:
    # Given a post the model reads as praise (the worst case for these)
    decision = triager.triage(make_mention(text), make_sentiment("POSITIVE", positive=0.7), NO_CONTEXT)
    # Then the strong words decide the category, route and reply
    assert decision.category == Category(category), decision.reasons
    assert decision.reaction == Reaction(reaction)
    assert decision.team == team
    assert reply_words in (decision.suggested_response or "")


def test_a_privacy_breach_with_credentials_is_critical(triager, make_mention, make_sentiment) -> None:
    text = "Your app shows another customer's account with their card number and PIN"
    decision = triager.triage(make_mention(text), make_sentiment("NEUTRAL"), NO_CONTEXT)
    assert decision.severity is Severity.CRITICAL
    assert "data-breach" in decision.tags


def test_a_customer_leaving_a_phone_number_is_not_an_impersonator(triager, make_mention, make_sentiment) -> None:
    text = "I've called 0800 123 4567 six times about my bill and nobody answers"
    decision = triager.triage(make_mention(text), make_sentiment("NEGATIVE"), NO_CONTEXT)
    assert decision.category is not Category.FRAUD


def test_an_outage_that_is_fixed_is_praise_not_a_failure(triager, make_mention, make_sentiment) -> None:
    text = "Thanks for fixing the outage so quickly, all back online"
    decision = triager.triage(make_mention(text), make_sentiment("POSITIVE", positive=0.9), NO_CONTEXT)
    assert decision.reaction is Reaction.ACKNOWLEDGE


def test_a_question_that_ends_in_thanks_is_a_question(triager, make_mention, make_sentiment) -> None:
    text = "Can I use an upgrade on a codeshare flight? Thanks in advance"
    decision = triager.triage(make_mention(text), make_sentiment("POSITIVE", positive=0.8), NO_CONTEXT)
    assert decision.category is Category.QUESTION
    assert decision.reaction is Reaction.RESPOND


def test_cant_wait_is_not_a_question(triager, make_mention, make_sentiment) -> None:
    decision = triager.triage(make_mention("Can't wait for my trip with you!"), make_sentiment("POSITIVE"), NO_CONTEXT)
    assert decision.reaction is Reaction.ACKNOWLEDGE


@pytest.mark.parametrize(
    "text",
    ["that's quite an impressive list of fees!", "Thanks for the lovely brown water this morning, just what I needed"],
)
def test_sarcastic_praise_is_a_complaint_never_thanked(triager, make_mention, make_sentiment, text) -> None:
    sincere = triager.triage(make_mention(text), make_sentiment("POSITIVE", sarcasm=0.1), NO_CONTEXT)
    sarcastic = triager.triage(make_mention(text), make_sentiment("POSITIVE", sarcasm=0.85), NO_CONTEXT)
    assert sincere.reaction is Reaction.ACKNOWLEDGE
    assert sarcastic.category is Category.COMPLAINT
    assert sarcastic.reaction is Reaction.RESPOND
    assert "sarcasm" in sarcastic.tags
    assert "Thank you" not in (sarcastic.suggested_response or "")
    assert any("sarcasm 0.85" in reason for reason in sarcastic.reasons)


@pytest.mark.parametrize(
    ("text", "language"),
    [("Merci pour la réparation si rapide, service impeccable !", "fr"), ("Wann ist die Störung behoben?", "de")],
)
def test_a_language_the_model_cannot_read_goes_to_a_person(
    triager, make_mention, make_sentiment, text, language
) -> None:
    decision = triager.triage(make_mention(text), make_sentiment("NEUTRAL", language=language), NO_CONTEXT)
    assert decision.reaction is Reaction.RESPOND
    assert "language-review" in decision.tags
    assert any(f"language {language}" in reason for reason in decision.reasons)


def test_undetermined_and_english_posts_are_not_sent_for_language_review(triager, make_mention, make_sentiment) -> None:
    for language in ("und", "en", "en-gb"):
        decision = triager.triage(make_mention("📱"), make_sentiment("NEUTRAL", language=language), NO_CONTEXT)
        assert "language-review" not in decision.tags


def test_a_post_without_a_sarcasm_score_is_scored_by_the_triager(triager, make_mention) -> None:
    from mentionwatch.models import Sentiment, SentimentResult, SentimentScores

    # Given a sentiment from an analyzer that has no sarcasm model (Comprehend)
    comprehend = SentimentResult(
        label=Sentiment.POSITIVE, scores=SentimentScores(positive=0.9, neutral=0.1), analyzer="comprehend"
    )
    calls: list[str] = []

    def scorer(text: str) -> float:
        calls.append(text)
        return 0.9

    from mentionwatch.triage.engine import RulesTriager

    own = RulesTriager(triager.rules, sarcasm=scorer)
    decision = own.triage(make_mention("Wonderful, another fee. Love it."), comprehend, NO_CONTEXT)
    # Then the triager scored it itself and the sarcastic praise is not thanked
    assert calls == ["Wonderful, another fee. Love it."]
    assert decision.reaction is Reaction.RESPOND
