"""The rules engine: categories, reactions, ordering, signals, explanations and suggested responses.

Sentiment is built by hand here so each test exercises the rules alone.
"""

from __future__ import annotations

import pytest

from mentionwatch.models import Category, Platform, Reaction, Sentiment, Severity, TriageContext
from mentionwatch.sentiment.local import LocalAnalyzer
from mentionwatch.triage.engine import RulesTriager
from mentionwatch.triage.rules import load_rules

NO_CONTEXT = TriageContext()


@pytest.mark.parametrize(
    ("text", "label", "category", "reaction"),
    [
        ("My son was injured when the shelf fell on him in your store", "NEGATIVE", "safety", "escalate"),
        ("The heater in the room started to smoke, this is dangerous", "NEGATIVE", "safety", "escalate"),
        ("I have spoken to my lawyer and we will be taking legal action", "NEGATIVE", "legal", "escalate"),
        ("Your app is down again and I can't log in", "NEGATIVE", "service_failure", "respond"),
        ("Is the website down? I'm unable to check out", "NEUTRAL", "service_failure", "respond"),
        ("I want a refund. Cancelling my subscription today", "NEGATIVE", "churn_risk", "respond"),
        ("Never buying from you again", "NEGATIVE", "churn_risk", "respond"),
        ("Your staff member harassed me and made racist remarks", "NEGATIVE", "misconduct", "escalate"),
        ("Some stranger keeps harassing me with racist slurs in the replies", "NEGATIVE", "abuse", "respond"),
        ("Follow me back and check out my giveaway, click here", "NEUTRAL", "spam", "monitor"),
        ("Thank you so much, the team was wonderful", "POSITIVE", "praise", "acknowledge"),
        ("How do I change the address on my order?", "NEUTRAL", "question", "respond"),
        ("Please help, I need to speak to someone about my order", "NEUTRAL", "question", "respond"),
        ("The delivery was late and the box arrived damaged", "NEGATIVE", "complaint", "respond"),
        ("Still waiting for an answer, been on hold for an hour", "NEUTRAL", "complaint", "respond"),
        ("Had lunch near your shop today", "NEUTRAL", "other", "monitor"),
    ],
)
def test_each_category_is_detected_and_routed(
    triager, make_mention, make_sentiment, text, label, category, reaction
) -> None:
    # Given a crafted mention and its sentiment
    # When it is triaged with the default rules
    decision = triager.triage(make_mention(text), make_sentiment(label), NO_CONTEXT)
    # Then the category and reaction are the ones a person would choose
    assert decision.category == Category(category)
    assert decision.reaction == Reaction(reaction)


def test_safety_escalation_is_critical_with_a_short_sla(triager, make_mention, make_sentiment) -> None:
    decision = triager.triage(
        make_mention("My daughter is in hospital after eating your product"), make_sentiment("NEGATIVE"), NO_CONTEXT
    )
    assert decision.reaction is Reaction.ESCALATE
    assert decision.severity is Severity.CRITICAL
    assert decision.team == "safety"
    assert decision.sla_minutes == 15


def test_clear_praise_that_mentions_an_injury_is_acknowledged(triager, make_mention, make_sentiment) -> None:
    # Given warm thanks that mentions someone injured
    text = "Travelling with my injured mum and your staff were amazing, thank you!"
    # When triaged with confident positive sentiment
    decision = triager.triage(make_mention(text), make_sentiment("POSITIVE", positive=0.92), NO_CONTEXT)
    # Then nobody is paged: it is praise
    assert decision.reaction is Reaction.ACKNOWLEDGE


def test_keywords_do_not_match_inside_handles_or_words(triager, make_mention, make_sentiment) -> None:
    # Given a handle containing a legal word, and "hospitality" containing "hospital"
    text = "@lawyer_bob loved the hospitality at your hotel"
    # When triaged as neutral
    decision = triager.triage(make_mention(text), make_sentiment("NEUTRAL"), NO_CONTEXT)
    # Then neither legal nor safety fires
    assert decision.category not in (Category.LEGAL, Category.SAFETY)
    assert decision.reaction is not Reaction.ESCALATE


def test_complaint_from_a_large_account_is_escalated(triager, make_mention, make_sentiment) -> None:
    # Given the same complaint from a small and a very large account
    text = "Worst service I have ever had, nobody cares"
    small = triager.triage(make_mention(text, followers=120), make_sentiment("NEGATIVE"), NO_CONTEXT)
    large = triager.triage(make_mention(text, followers=250_000), make_sentiment("NEGATIVE"), NO_CONTEXT)
    # Then reach alone turns respond into escalate, and says why
    assert small.reaction is Reaction.RESPOND
    assert large.reaction is Reaction.ESCALATE
    assert "route/negative-influential" in large.rules
    assert any("reach 250000" in reason for reason in large.reasons)


def test_complaint_from_a_verified_account_is_escalated(triager, make_mention, make_sentiment) -> None:
    decision = triager.triage(
        make_mention("Terrible experience today", followers=20_000, verified=True),
        make_sentiment("NEGATIVE"),
        NO_CONTEXT,
    )
    assert decision.reaction is Reaction.ESCALATE
    assert "verified" in decision.tags


def test_failure_report_in_a_busy_thread_is_escalated(triager, make_mention, make_sentiment) -> None:
    # Given an outage report, alone and in a thread that drew many replies lately
    text = "The app is not working for me either"
    alone = triager.triage(make_mention(text), make_sentiment("NEGATIVE"), NO_CONTEXT)
    busy = triager.triage(make_mention(text), make_sentiment("NEGATIVE"), TriageContext(thread_replies_recent=40))
    # Then only the busy thread pages operations
    assert alone.reaction is Reaction.RESPOND
    assert busy.reaction is Reaction.ESCALATE
    assert busy.team == "operations"


def test_repeat_complainer_gets_a_faster_answer(triager, make_mention, make_sentiment) -> None:
    # Given a complaint from someone who wrote four times today
    context = TriageContext(author_mentions_today=4)
    # When triaged
    decision = triager.triage(make_mention("Still no reply to my messages"), make_sentiment("NEGATIVE"), context)
    # Then it is answered sooner, and tagged
    assert decision.reaction is Reaction.RESPOND
    assert decision.severity is Severity.HIGH
    assert decision.sla_minutes == 30
    assert "repeat-author" in decision.tags


def test_leaning_negative_neutral_is_still_answered(triager, make_mention, make_sentiment) -> None:
    # Given a neutral label whose negative score is substantial and no other cue
    leaning = make_sentiment("NEUTRAL", negative=0.45, positive=0.05)
    decision = triager.triage(make_mention("so that happened today"), leaning, NO_CONTEXT)
    # Then it is treated as a complaint to answer
    assert decision.category is Category.COMPLAINT
    assert decision.reaction is Reaction.RESPOND


def test_decision_explains_itself(triager, make_mention, make_sentiment) -> None:
    decision = triager.triage(make_mention("I will sue you"), make_sentiment("NEGATIVE"), NO_CONTEXT)
    assert decision.rules == ("cat/legal", "route/legal")
    assert decision.reasons[0].startswith("cat/legal: category legal")
    assert "says 'i will sue'" in decision.reasons[0]
    assert decision.reasons[1].startswith("route/legal: escalate")


ORDERED = """
version: 1
categories:
  - id: cat/first
    category: complaint
    when: {keywords: [broken]}
  - id: cat/second
    category: service_failure
    when: {keywords: [broken]}
routes:
  - id: route/first
    when: {keywords: [broken]}
    then: {reaction: respond, severity: medium, team: first-team, sla_minutes: 60}
  - id: route/second
    when: {keywords: [broken]}
    then: {reaction: escalate, severity: high, team: second-team, sla_minutes: 15}
  - id: route/rest
    then: {reaction: monitor, severity: low}
"""


def test_first_matching_category_and_route_win(make_mention, make_sentiment) -> None:
    # Given two categories and two routes that all match the same word
    triager = RulesTriager(load_rules(ORDERED))
    # When a mention with that word is triaged
    decision = triager.triage(make_mention("it is broken"), make_sentiment("NEGATIVE"), NO_CONTEXT)
    # Then the earlier entries decide
    assert decision.category is Category.COMPLAINT
    assert decision.team == "first-team"
    assert decision.rules == ("cat/first", "route/first")


def test_reordering_routes_changes_the_decision(make_mention, make_sentiment) -> None:
    # Given the same rules with the two matching routes swapped
    first = ORDERED[ORDERED.index("  - id: route/first") : ORDERED.index("  - id: route/second")]
    second = ORDERED[ORDERED.index("  - id: route/second") : ORDERED.index("  - id: route/rest")]
    swapped = ORDERED.replace(first + second, second + first)
    triager = RulesTriager(load_rules(swapped))
    # When the same mention is triaged
    decision = triager.triage(make_mention("it is broken"), make_sentiment("NEGATIVE"), NO_CONTEXT)
    # Then the route now first decides
    assert decision.rules[-1] == "route/second"
    assert decision.reaction is Reaction.ESCALATE
    assert decision.team == "second-team"


SCOPED = """
version: 1
routes:
  - id: route/french-x-acme
    when: {platform: [x], language: [fr], brand: [Acme]}
    then: {reaction: respond, severity: medium, team: france, sla_minutes: 60}
  - id: route/popular
    when: {engagement_at_least: 100}
    then: {reaction: respond, severity: medium, team: popular, sla_minutes: 60}
  - id: route/rest
    then: {reaction: monitor, severity: low}
"""


@pytest.mark.parametrize(
    ("platform", "language", "brand", "team"),
    [
        (Platform.X, "fr-FR", "acme", "france"),
        (Platform.X, "en", "acme", "social"),
        (Platform.MASTODON, "fr", "acme", "social"),
        (Platform.X, "fr", "globex", "social"),
        (Platform.X, None, "acme", "social"),
    ],
)
def test_platform_language_and_brand_conditions(make_mention, make_sentiment, platform, language, brand, team) -> None:
    triager = RulesTriager(load_rules(SCOPED))
    decision = triager.triage(
        make_mention("bonjour", platform=platform, language=language, brand=brand),
        make_sentiment("NEUTRAL"),
        NO_CONTEXT,
    )
    assert decision.team == team


def test_engagement_condition(make_mention, make_sentiment) -> None:
    triager = RulesTriager(load_rules(SCOPED))
    decision = triager.triage(make_mention("hello", likes=150), make_sentiment("NEUTRAL"), NO_CONTEXT)
    assert decision.team == "popular"
    assert any("engagement 150" in reason for reason in decision.reasons)


@pytest.mark.parametrize(
    ("text", "label", "must_contain"),
    [
        ("My child was injured by your product", "NEGATIVE", "call"),
        ("I am contacting my lawyer about this", "NEGATIVE", "direct message"),
        ("Your website is down", "NEGATIVE", "looking into it"),
        ("Refund me now, I'm done with you", "NEGATIVE", "put it right"),
        ("I was harassed by your driver", "NEGATIVE", "serious allegation"),
        ("Some stranger keeps harassing me in the replies", "NEGATIVE", "harassment"),
        ("Terrible service and a rude cashier", "NEGATIVE", "sorry"),
        ("What time do you open on Sunday?", "NEUTRAL", "direct message"),
        ("Lovely staff, great visit", "POSITIVE", "Thank you"),
    ],
)
def test_suggested_response_fits_the_category(triager, make_mention, make_sentiment, text, label, must_contain) -> None:
    # Given a mention from @amy that needs a reaction
    # When triaged
    decision = triager.triage(make_mention(text, handle="@amy"), make_sentiment(label), NO_CONTEXT)
    # Then there is a suggested reply addressed to the author, in the category's words
    assert decision.suggested_response is not None
    assert decision.suggested_response.startswith(("Hi amy", "Thank you amy"))
    assert must_contain in decision.suggested_response


def test_every_route_that_answers_has_a_suggested_response(triager) -> None:
    for route in triager.rules.routes:
        if route.then.reaction is not Reaction.MONITOR:
            assert route.then.response, route.id


def test_safety_response_expresses_sympathy_without_admitting_fault(triager) -> None:
    text = triager.rules.responses["safety"].lower()
    assert "sorry to hear" in text
    assert "our fault" not in text and "we are responsible" not in text


def test_spam_and_chatter_get_no_suggested_response(triager, make_mention, make_sentiment) -> None:
    decision = triager.triage(make_mention("check out my crypto giveaway"), make_sentiment("NEUTRAL"), NO_CONTEXT)
    assert decision.reaction is Reaction.MONITOR
    assert decision.suggested_response is None


@pytest.mark.parametrize(
    ("text", "team"),
    [
        ("My bag never arrived at the carousel and nobody can tell me where it is", "baggage"),
        ("Flight delayed 4 hours and now I missed my connection", "operations"),
        ("I can't change my reservation and the fare went up", "bookings"),
        ("On hold for two hours with customer service", "customer-care"),
    ],
)
def test_airline_example_routes_complaints_to_the_right_team(
    airline_triager, make_mention, make_sentiment, text, team
) -> None:
    decision = airline_triager.triage(make_mention(text), make_sentiment("NEGATIVE"), NO_CONTEXT)
    assert decision.reaction is Reaction.RESPOND
    assert decision.team == team


def test_mixed_sentiment_is_answered(triager, make_mention, make_sentiment) -> None:
    decision = triager.triage(make_mention("Loved the food but the wait was long"), make_sentiment("MIXED"), NO_CONTEXT)
    assert decision.reaction is Reaction.RESPOND


def test_rewritten_cancel_words_are_repaired_before_matching(make_mention, make_sentiment) -> None:
    # Given a rule on "cancelled" and a tweet where it was rewritten as "Cancelled Flightled"
    rules = load_rules("""
version: 1
routes:
  - id: route/cancelled
    when: {keywords: [cancelled]}
    then: {reaction: respond, severity: medium, sla_minutes: 60}
  - id: route/rest
    then: {reaction: monitor, severity: low}
""")
    decision = RulesTriager(rules).triage(
        make_mention("My flight was Cancelled Flightled again"), make_sentiment(Sentiment.NEUTRAL), NO_CONTEXT
    )
    assert decision.rules == ("route/cancelled",)


@pytest.mark.parametrize("text", ["", "😀🎉😀", "🙏" * 5_000, "lost my bag " * 5_000, "a" * 50_000])
def test_edge_texts_are_triaged_end_to_end(triager, make_mention, text) -> None:
    # Given an empty, emoji-only or very long text (a Mention keeps its first 10,000 characters)
    subject = make_mention(text)
    # When scored by the local analyzer and triaged
    decision = triager.triage(subject, LocalAnalyzer().score(subject.text), NO_CONTEXT)
    # Then a complete decision comes back, explained
    assert decision.reaction in set(Reaction)
    assert decision.rules and decision.reasons
