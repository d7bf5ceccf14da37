"""Rules that carry to trades the rules were not written for: phrase variants, not one trade's words.

The sentences here are not in either evaluation set; each names a trade the sets do not lean on. Sentiment is
made by hand (often the wrong one on purpose), so these tests check the rules alone.
"""

from __future__ import annotations

import pytest

from mentionwatch.models import Category, Reaction, TriageContext

NO_CONTEXT = TriageContext()


@pytest.mark.parametrize(
    "text",
    [
        "The steering locked on the dual carriageway and I nearly went into the barrier with my baby in the car",
        "Lift doors opened between floors while my nan was inside, she's terrified",
        "Strong smell of gas in the flat you manage, we've told the agent three times",
        "Petrol leak under the hire car you gave us, the kids were sitting right above it",
        "My husband came out in hives and his lips are swollen after your new shampoo",
        "The climbing wall hold came off and landed on a boy's head, ambulance called",
        "Your dog groomer's van reversed and hit my neighbour, she hit her head on the kerb",
        "My son has been sick all night after your school dinner, we are in the children's hospital now",
        "He's been posting that he wants to end it all and your moderators have done nothing",
    ],
)
def test_harm_phrased_many_ways_pages_whatever_the_sentiment(triager, make_mention, make_sentiment, text) -> None:
    for label in ("NEUTRAL", "NEGATIVE"):
        decision = triager.triage(make_mention(text), make_sentiment(label), NO_CONTEXT)
        assert decision.category is Category.SAFETY, (text, label, decision.reasons)
        assert decision.reaction is Reaction.ESCALATE


@pytest.mark.parametrize(
    "text",
    [
        "My mum fell for a fake parcel text and lost £300",
        "Best season of the show hands down, my wife agrees",
        "Fire sale on all the kids' coats this weekend!",
        "Doing a crash course in first aid with my daughter's scout group",
        "Free kick was a hospital pass from our keeper to the lad",
        "The new stock market crash podcast has my dad hooked",
        "Bought the kids some crushed velvet cushions, they love them",
    ],
)
def test_idioms_with_harm_words_page_nobody(triager, make_mention, make_sentiment, text) -> None:
    for label in ("NEUTRAL", "NEGATIVE", "MIXED"):
        decision = triager.triage(make_mention(text), make_sentiment(label), NO_CONTEXT)
        assert decision.reaction is not Reaction.ESCALATE, (text, label, decision.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "Your letting agent sent me another tenant's tenancy agreement with her bank details on it",
        "The vet's app shows some other family's pet records and their home address",
        "Someone logged into my dating profile and changed the email, now I can't get in",
        "My account was used to book three holidays I never made",
        "Someone took £900 from my account overnight and your fraud team won't call back",
        "The school emailed every parent a spreadsheet with all the children's names and dates of birth",
        "The receptionist read out my diagnosis loud enough for the whole waiting room",
    ],
)
def test_privacy_breaches_in_any_trade_escalate(triager, make_mention, make_sentiment, text) -> None:
    decision = triager.triage(make_mention(text), make_sentiment("NEGATIVE"), NO_CONTEXT)
    assert decision.category is Category.PRIVACY, (text, decision.reasons)
    assert decision.reaction is Reaction.ESCALATE
    assert decision.team == "privacy"


@pytest.mark.parametrize(
    "text",
    [
        "The swimming instructor keeps touching my daughter and messaging her at night",
        "A bouncer at your club grabbed my friend by the throat for no reason",
        "Your dentist laughed at me and called me a baby in front of the other patients",
        "The host refused to seat us when she saw my wife's hijab",
        "Your salesman wouldn't let my dad test drive because he's in a wheelchair",
    ],
)
def test_allegations_against_our_people_escalate_to_a_senior_person(
    triager, make_mention, make_sentiment, text
) -> None:
    decision = triager.triage(make_mention(text), make_sentiment("NEUTRAL"), NO_CONTEXT)
    assert decision.category is Category.MISCONDUCT, (text, decision.reasons)
    assert decision.reaction is Reaction.ESCALATE
    assert decision.team == "senior-complaints"


@pytest.mark.parametrize(
    "text",
    [
        "I've written to the Gambling Commission about how you closed my account",
        "Taking this to the Civil Aviation Authority and the Competition and Markets Authority",
        "Complaint going to the Health and Safety Executive about your warehouse",
        "Reported the defect to the NHTSA and my lawyer has a copy",
        "Filed with the Federal Trade Commission today",
    ],
)
def test_regulators_named_in_any_trade_escalate_to_legal(triager, make_mention, make_sentiment, text) -> None:
    decision = triager.triage(make_mention(text), make_sentiment("POSITIVE", positive=0.6), NO_CONTEXT)
    assert decision.category is Category.LEGAL, (text, decision.reasons)
    assert decision.reaction is Reaction.ESCALATE


@pytest.mark.parametrize(
    "text",
    [
        "Reported the pothole to the City Council again",
        "Is the SEC schedule out yet? Big game on Saturday",
        "Our regulator on the car window is broken again",
    ],
)
def test_bodies_that_are_not_regulators_page_nobody(triager, make_mention, make_sentiment, text) -> None:
    decision = triager.triage(make_mention(text), make_sentiment("NEGATIVE"), NO_CONTEXT)
    assert decision.category is not Category.LEGAL, (text, decision.reasons)
    assert decision.reaction is not Reaction.ESCALATE


@pytest.mark.parametrize(
    "text",
    [
        "Switching to Octopus when the contract ends",
        "Moving my savings to another app this week, the rates here are a joke",
        "Not renewing the season ticket after this year",
        "Cancelling my direct debit today",
    ],
)
def test_leaving_phrased_many_ways_is_churn(triager, make_mention, make_sentiment, text) -> None:
    decision = triager.triage(make_mention(text), make_sentiment("NEUTRAL"), NO_CONTEXT)
    assert decision.category is Category.CHURN_RISK, (text, decision.reasons)
    assert decision.reaction is Reaction.RESPOND


@pytest.mark.parametrize(
    "text",
    [
        "Binge-watched the whole medical drama series this weekend",
        "This revision is killing me, two exams tomorrow",
        "Fire sale at the garden centre, grabbed three pots",
    ],
)
def test_chatter_the_model_reads_as_negative_is_watched_not_answered(
    triager, make_mention, make_sentiment, text
) -> None:
    decision = triager.triage(make_mention(text), make_sentiment("NEGATIVE", negative=0.8), NO_CONTEXT)
    assert decision.reaction is Reaction.MONITOR, (text, decision.reasons)


def test_chatter_words_in_a_complaint_addressed_to_us_still_get_an_answer(
    triager, make_mention, make_sentiment
) -> None:
    text = "Your film kept freezing every ten minutes, what a waste of an evening"
    decision = triager.triage(make_mention(text), make_sentiment("NEGATIVE", negative=0.8), NO_CONTEXT)
    assert decision.reaction is Reaction.RESPOND


@pytest.mark.parametrize(
    "text", ["The new menu is straight fire 🔥", "Our instructor was killing it tonight", "That finale 😍😍"]
)
def test_slang_and_emoji_praise_is_thanked(triager, make_mention, make_sentiment, text) -> None:
    decision = triager.triage(make_mention(text), make_sentiment("NEGATIVE", negative=0.6), NO_CONTEXT)
    assert decision.category is Category.PRAISE, (text, decision.reasons)
    assert decision.reaction is Reaction.ACKNOWLEDGE


def test_angry_emoji_alone_gets_an_answer(triager, make_mention, make_sentiment) -> None:
    decision = triager.triage(make_mention("👎👎"), make_sentiment("NEUTRAL"), NO_CONTEXT)
    assert decision.category is Category.COMPLAINT
    assert decision.reaction is Reaction.RESPOND


def test_down_since_about_a_toy_is_not_an_outage(triager, make_mention, make_sentiment) -> None:
    text = "My son hasn't put the scooter down since his birthday 😍"
    decision = triager.triage(make_mention(text), make_sentiment("POSITIVE"), NO_CONTEXT)
    assert decision.category is not Category.SERVICE_FAILURE
    assert decision.reaction is Reaction.ACKNOWLEDGE


def test_a_question_without_a_question_mark_is_answered(triager, make_mention, make_sentiment) -> None:
    text = "Wondering whether the student discount works online as well"
    decision = triager.triage(make_mention(text), make_sentiment("NEUTRAL"), NO_CONTEXT)
    assert decision.category is Category.QUESTION
    assert decision.reaction is Reaction.RESPOND


@pytest.mark.parametrize(
    "text",
    [
        "Love paying £12 for a cinema hot dog that's cold in the middle. Top work.",
        "Love being put on hold for an hour by the vet. Really makes me want to come back.",
    ],
)
def test_sarcasm_markers_make_praise_a_complaint(triager, make_mention, make_sentiment, text) -> None:
    decision = triager.triage(make_mention(text), make_sentiment("POSITIVE", sarcasm=0.5), NO_CONTEXT)
    assert decision.category is Category.COMPLAINT, (text, decision.reasons)
    assert decision.reaction is Reaction.RESPOND


@pytest.mark.parametrize(
    "text",
    [
        "Our puppy has been vomiting since the first bowl of your new puppy food",
        "Found a shard of glass in the jar of baby food",
        "Allergic to sesame and the 'sesame free' wrap has left my lips swollen",
        "Someone from your forum keeps sending me death threats and knows where I live",
        "Touched the metal frame of your hot tub and my arm went numb",
    ],
)
def test_more_emergencies_in_other_words_page(triager, make_mention, make_sentiment, text) -> None:
    decision = triager.triage(make_mention(text), make_sentiment("NEUTRAL"), NO_CONTEXT)
    assert decision.category is Category.SAFETY, (text, decision.reasons)
    assert decision.reaction is Reaction.ESCALATE


@pytest.mark.parametrize(
    "text",
    [
        "Burnt the hot dogs on the barbecue again, the kids still ate them",
        "Is the nut free menu safe for my son? He's allergic to peanuts",
        "¿Atienden urgencias los domingos?",
    ],
)
def test_pet_allergy_and_place_words_alone_page_nobody(triager, make_mention, make_sentiment, text) -> None:
    decision = triager.triage(make_mention(text), make_sentiment("NEUTRAL"), NO_CONTEXT)
    assert decision.reaction is not Reaction.ESCALATE, (text, decision.reasons)


def test_theft_by_our_people_is_misconduct(triager, make_mention, make_sentiment) -> None:
    text = "Caught your cleaner stealing from my jewellery box on the doorbell camera"
    decision = triager.triage(make_mention(text), make_sentiment("NEGATIVE"), NO_CONTEXT)
    assert decision.category is Category.MISCONDUCT, decision.reasons
    assert decision.reaction is Reaction.ESCALATE


@pytest.mark.parametrize(
    "text",
    [
        "The gym shared a video of me on their Instagram without my permission",
        "Closed my account a year ago and you're still selling my data to marketers",
        "The club forwarded a spreadsheet to all members with everyone's home addresses",
    ],
)
def test_consent_retention_and_mailings_are_privacy(triager, make_mention, make_sentiment, text) -> None:
    decision = triager.triage(make_mention(text), make_sentiment("NEGATIVE"), NO_CONTEXT)
    assert decision.category is Category.PRIVACY, (text, decision.reasons)
    assert decision.reaction is Reaction.ESCALATE


def test_a_regulator_report_cited_is_not_a_legal_threat(triager, make_mention, make_sentiment) -> None:
    text = "The latest Ofsted report rated the school inadequate, really worried about my daughter"
    decision = triager.triage(make_mention(text), make_sentiment("NEGATIVE"), NO_CONTEXT)
    assert decision.category is not Category.LEGAL, decision.reasons
    assert decision.reaction is not Reaction.ESCALATE


def test_a_regulator_taken_a_complaint_is_legal(triager, make_mention, make_sentiment) -> None:
    text = "Taking my complaint about your roaming charges to Ofcom next week"
    decision = triager.triage(make_mention(text), make_sentiment("NEGATIVE"), NO_CONTEXT)
    assert decision.category is Category.LEGAL, decision.reasons


def test_counterfeits_sold_in_our_name_are_fraud(triager, make_mention, make_sentiment) -> None:
    text = "Market stall selling counterfeit trainers in your name, my nephew bought a pair"
    decision = triager.triage(make_mention(text), make_sentiment("NEUTRAL"), NO_CONTEXT)
    assert decision.category is Category.FRAUD, decision.reasons
    assert decision.reaction is Reaction.RESPOND


def test_a_device_offline_is_a_service_failure(triager, make_mention, make_sentiment) -> None:
    text = "Thermostat offline since the weekend and none of the radiators respond"
    decision = triager.triage(make_mention(text), make_sentiment("NEUTRAL"), NO_CONTEXT)
    assert decision.category is Category.SERVICE_FAILURE, decision.reasons
