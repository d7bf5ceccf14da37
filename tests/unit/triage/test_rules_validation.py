"""A rules file that does not validate fails at load, with a message that names the rule and the field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from mentionwatch.exceptions import ConfigurationError, InvalidRules
from mentionwatch.triage.engine import default_triager
from mentionwatch.triage.rules import RuleSet, load_rules, packaged_rules_text

VALID = """
version: 1
categories:
  - id: cat/legal
    category: legal
    when: {keywords: [lawyer]}
routes:
  - id: route/legal
    when: {category: [legal]}
    then: {reaction: escalate, severity: high, team: legal, sla_minutes: 30, response: legal}
  - id: route/rest
    then: {reaction: monitor, severity: low}
responses:
  legal: "Hi {handle}, please send us a direct message."
"""


def rules_with(route: str) -> str:
    """A rules text whose first route is `route` (YAML for one list item), then a catch-all."""
    return (
        "version: 1\nroutes:\n"
        + textwrap.indent(textwrap.dedent(route).strip(), "  ")
        + "\n  - id: route/rest\n    then: {reaction: monitor, severity: low}\n"
        + 'responses:\n  ok: "Thanks {handle}"\n'
    )


def test_valid_rules_load_into_a_rule_set() -> None:
    # Given a small valid rules text
    # When it is loaded
    rules = load_rules(VALID)
    # Then the entries are there, in order
    assert isinstance(rules, RuleSet)
    assert [r.id for r in rules.routes] == ["route/legal", "route/rest"]
    assert rules.categories[0].category == "legal"


def test_threshold_out_of_range_names_rule_and_field() -> None:
    # Given a route whose negative threshold is above 1
    text = rules_with("""
        - id: route/angry
          when: {negative_at_least: 1.5}
          then: {reaction: respond, severity: medium, sla_minutes: 60}
        """)
    # When it is loaded
    with pytest.raises(InvalidRules) as caught:
        load_rules(text)
    # Then the message names the rule id and the field
    assert "'route/angry'" in str(caught.value)
    assert "when.negative_at_least" in str(caught.value)
    assert caught.value.rule == "route/angry"
    assert caught.value.field == "when.negative_at_least"


def test_unknown_condition_names_rule_and_field() -> None:
    # Given a typo in a condition name
    text = rules_with("""
        - id: route/typo
          when: {keywrds: [refund]}
          then: {reaction: respond, severity: medium, sla_minutes: 60}
        """)
    # When / Then
    with pytest.raises(InvalidRules, match=r"rule 'route/typo' field 'when\.keywrds'"):
        load_rules(text)


def test_unknown_reaction_names_rule_and_field() -> None:
    text = rules_with("""
        - id: route/shout
          then: {reaction: shout, severity: medium, sla_minutes: 60}
        """)
    with pytest.raises(InvalidRules, match=r"rule 'route/shout' field 'then\.reaction'"):
        load_rules(text)


def test_regex_that_does_not_compile_names_rule_and_field() -> None:
    text = rules_with("""
        - id: route/broken-regex
          when: {regex: ["(unclosed"]}
          then: {reaction: respond, severity: medium, sla_minutes: 60}
        """)
    with pytest.raises(InvalidRules) as caught:
        load_rules(text)
    assert "rule 'route/broken-regex' field 'when.regex'" in str(caught.value)
    assert "does not compile" in str(caught.value)


def test_respond_without_sla_names_the_rule() -> None:
    text = rules_with("""
        - id: route/no-sla
          then: {reaction: respond, severity: medium}
        """)
    with pytest.raises(InvalidRules, match=r"rule 'route/no-sla'.*sla_minutes"):
        load_rules(text)


def test_response_key_missing_from_responses_names_rule_and_field() -> None:
    text = rules_with("""
        - id: route/thanks
          then: {reaction: acknowledge, severity: low, response: thank_you}
        """)
    with pytest.raises(InvalidRules, match=r"rule 'route/thanks' field 'then\.response'.*thank_you"):
        load_rules(text)


def test_duplicate_rule_id_is_refused() -> None:
    text = rules_with("""
        - id: route/rest
          then: {reaction: monitor, severity: low}
        """)
    with pytest.raises(InvalidRules, match=r"rule 'route/rest'.*'id'.*twice"):
        load_rules(text)


def test_rule_without_id_is_named_by_position() -> None:
    text = rules_with("""
        - then: {reaction: monitor, severity: low}
        """)
    with pytest.raises(InvalidRules, match=r"rule 'routes\[0\]' field 'id'"):
        load_rules(text)


def test_category_entry_cannot_test_category() -> None:
    text = VALID.replace("when: {keywords: [lawyer]}", "when: {category: [legal]}")
    with pytest.raises(InvalidRules, match=r"rule 'cat/legal'.*cannot test `category`"):
        load_rules(text)


def test_unknown_placeholder_in_a_response_names_the_field() -> None:
    text = VALID.replace("Hi {handle}", "Hi {customer_name}")
    with pytest.raises(InvalidRules, match=r"field 'responses'.*customer_name"):
        load_rules(text)


def test_text_that_is_not_yaml_is_refused() -> None:
    with pytest.raises(InvalidRules, match="not YAML"):
        load_rules("routes: [unclosed")


def test_top_level_list_is_refused() -> None:
    with pytest.raises(InvalidRules, match="top level must be a mapping"):
        load_rules("- a\n- b\n")


def test_rules_without_routes_are_refused() -> None:
    with pytest.raises(InvalidRules, match="field 'routes'"):
        load_rules("version: 1\ncategories: []\n")


def test_unsupported_version_is_refused() -> None:
    with pytest.raises(InvalidRules, match="field 'version'.*not supported"):
        load_rules(VALID.replace("version: 1", "version: 2"))


def test_rules_load_from_a_path(tmp_path: Path) -> None:
    # Given the rules written to a file
    path = tmp_path / "team.yaml"
    path.write_text(VALID, encoding="utf-8")
    # When loaded by Path and by path string
    # Then both give the same rules
    assert load_rules(path) == load_rules(str(path))


def test_missing_rules_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot be read"):
        load_rules(tmp_path / "absent.yaml")


def test_default_triager_refuses_invalid_rules_text() -> None:
    # Given a team's rules text with a mistake (what a deployed function would be handed)
    text = VALID.replace("severity: high", "severity: huge")
    # When the triager is built, Then it refuses to start, as a ConfigurationError
    with pytest.raises(ConfigurationError, match=r"rule 'route/legal' field 'then\.severity'"):
        default_triager(text)


@pytest.mark.parametrize("name", ["default", "airline"])
def test_packaged_rules_validate(name: str) -> None:
    # Given the rules shipped with the package, When loaded, Then they validate and end with a catch-all
    rules = load_rules(packaged_rules_text(name))
    assert rules.routes[-1].when.model_dump(exclude_none=True) == {}


def test_unknown_packaged_rules_name_is_refused() -> None:
    with pytest.raises(InvalidRules, match="no packaged rules named 'bakery'"):
        packaged_rules_text("bakery")


def test_new_conditions_are_validated_with_the_rule_and_field_named() -> None:
    from mentionwatch.exceptions import InvalidRules
    from mentionwatch.triage.rules import load_rules

    text = """
routes:
  - id: route/sarcastic
    when: {sarcasm_at_least: 1.5}
    then: {reaction: monitor, severity: low}
"""
    with pytest.raises(InvalidRules) as raised:
        load_rules(text)
    assert "rule 'route/sarcastic' field 'when.sarcasm_at_least'" in str(raised.value)
    assert raised.value.field == "when.sarcasm_at_least"

    empty_range = """
routes:
  - id: route/never
    when: {sarcasm_at_least: 0.8, sarcasm_at_most: 0.2}
    then: {reaction: monitor, severity: low}
"""
    with pytest.raises(InvalidRules, match="route/never.*sarcasm_at_least"):
        load_rules(empty_range)

    orphan = """
categories:
  - id: cat/orphan
    category: safety
    when: {also_keywords: [child]}
routes:
  - {id: route/all, then: {reaction: monitor, severity: low}}
"""
    with pytest.raises(InvalidRules, match="cat/orphan.*also_keywords"):
        load_rules(orphan)


def test_also_keywords_and_not_language_hold_only_together_with_their_pair(make_mention, make_sentiment) -> None:
    from mentionwatch.models import TriageContext
    from mentionwatch.triage.engine import RulesTriager
    from mentionwatch.triage.rules import load_rules

    rules = load_rules("""
categories:
  - id: cat/harm
    category: safety
    when: {keywords: [burn*], also_keywords: [hand, child]}
routes:
  - id: route/foreign
    when: {not_language: [en]}
    then: {reaction: respond, severity: low, sla_minutes: 60, tags: [language-review]}
  - {id: route/harm, when: {category: [safety]}, then: {reaction: escalate, severity: critical, sla_minutes: 15}}
  - {id: route/all, then: {reaction: monitor, severity: low}}
""")
    triager = RulesTriager(rules)
    ctx = TriageContext()
    assert triager.triage(make_mention("burnt my toast"), make_sentiment("NEUTRAL"), ctx).reaction.value == "monitor"
    burned = triager.triage(make_mention("it burned my hand"), make_sentiment("NEUTRAL"), ctx)
    assert burned.reaction.value == "escalate"
    assert any("with 'hand'" in reason for reason in burned.reasons)
    spanish = triager.triage(make_mention("hola", language="es"), make_sentiment("NEUTRAL"), ctx)
    assert "language-review" in spanish.tags
