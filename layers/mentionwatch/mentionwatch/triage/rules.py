"""The triage rules file: its pydantic schema, and loading it with errors that name the rule and the field.

A rules file has three parts (see `rules/default.yaml`, and the README beside this module):

- `categories`: ordered; the first entry whose `when` matches names the mention's category.
- `routes`: ordered; the first entry whose `when` matches decides reaction, severity, team, SLA, tags and
  the suggested response. A route's `when` may test the category found above.
- `responses`: suggested replies by key, for a person to adapt. Never posted automatically.

Conditions in a `when` are all required (AND); list values inside one condition are alternatives (OR).
"""

from __future__ import annotations

import re
import string
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mentionwatch.exceptions import InvalidRules
from mentionwatch.models import Category, Platform, Reaction, Sentiment, Severity
from mentionwatch.triage.keywords import KeywordMatcher, validate_phrase

RuleId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_./-]*$")]
Probability = Annotated[float, Field(ge=0, le=1)]
Count = Annotated[int, Field(ge=0)]
TEMPLATE_FIELDS = frozenset({"handle", "brand"})
MAX_RULES_BYTES = 256 * 1024


class Condition(BaseModel):
    """What a mention must look like for an entry to apply. Every condition given must hold."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    keywords: Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)] | None = None
    not_keywords: Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)] | None = None
    # A second list that must match too: harm words only count next to a person or damage ("fell" + "my
    # grandmother"), so "hospital drama" pages nobody.
    also_keywords: Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)] | None = None
    regex: Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)] | None = None
    not_regex: Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)] | None = None
    question: bool | None = None
    category: list[Category] | None = None
    sentiment: list[Sentiment] | None = None
    not_sentiment: list[Sentiment] | None = None
    negative_at_least: Probability | None = None
    negative_at_most: Probability | None = None
    positive_at_least: Probability | None = None
    positive_at_most: Probability | None = None
    sarcasm_at_least: Probability | None = None
    sarcasm_at_most: Probability | None = None
    reach_at_least: Count | None = None
    verified: bool | None = None
    engagement_at_least: Count | None = None
    thread_replies_at_least: Count | None = None
    author_mentions_today_at_least: Count | None = None
    platform: list[Platform] | None = None
    language: list[Annotated[str, Field(min_length=2, max_length=16)]] | None = None
    # Holds when the language is known (not `und`) and is none of these: posts the analyzer was not trained on.
    not_language: list[Annotated[str, Field(min_length=2, max_length=16)]] | None = None
    brand: list[Annotated[str, Field(min_length=1)]] | None = None

    @field_validator("keywords", "not_keywords", "also_keywords")
    @classmethod
    def _phrases_have_words(cls, value: list[str] | None) -> list[str] | None:
        for phrase in value or ():
            validate_phrase(phrase)
        return value

    @field_validator("regex", "not_regex")
    @classmethod
    def _patterns_compile(cls, value: list[str] | None) -> list[str] | None:
        for pattern in value or ():
            try:
                re.compile(pattern)
            except re.error as err:
                raise ValueError(f"regular expression {pattern!r} does not compile: {err}") from err
        return value

    @field_validator("language", "not_language", "brand")
    @classmethod
    def _lower(cls, value: list[str] | None) -> list[str] | None:
        return [v.strip().lower().replace("_", "-") for v in value] if value else value

    @model_validator(mode="after")
    def _ranges_make_sense(self) -> Condition:
        for name in ("negative", "positive", "sarcasm"):
            low, high = getattr(self, f"{name}_at_least"), getattr(self, f"{name}_at_most")
            if low is not None and high is not None and low > high:
                raise ValueError(f"`{name}_at_least` ({low:g}) is above `{name}_at_most` ({high:g}): nothing can match")
        if self.also_keywords is not None and self.keywords is None:
            raise ValueError("`also_keywords` needs `keywords`: it names what must appear beside them")
        return self

    @cached_property
    def tests_counts(self) -> bool:
        return any(
            threshold is not None
            for threshold in (
                self.reach_at_least,
                self.engagement_at_least,
                self.thread_replies_at_least,
                self.author_mentions_today_at_least,
            )
        )

    @cached_property
    def keyword_matcher(self) -> KeywordMatcher | None:
        return KeywordMatcher(self.keywords) if self.keywords else None

    @cached_property
    def also_keyword_matcher(self) -> KeywordMatcher | None:
        return KeywordMatcher(self.also_keywords) if self.also_keywords else None

    @cached_property
    def not_keyword_matcher(self) -> KeywordMatcher | None:
        return KeywordMatcher(self.not_keywords) if self.not_keywords else None

    @cached_property
    def regex_pattern(self) -> re.Pattern[str] | None:
        return re.compile("|".join(f"(?:{p})" for p in self.regex), re.IGNORECASE) if self.regex else None

    @cached_property
    def not_regex_pattern(self) -> re.Pattern[str] | None:
        if not self.not_regex:
            return None
        return re.compile("|".join(f"(?:{p})" for p in self.not_regex), re.IGNORECASE)


class CategoryRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: RuleId
    description: str | None = None
    category: Category
    when: Condition

    @model_validator(mode="after")
    def _no_category_test(self) -> CategoryRule:
        if self.when.category is not None:
            raise ValueError("a category entry cannot test `category`: the category is what it decides")
        return self


class Action(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    reaction: Reaction
    severity: Severity
    team: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    sla_minutes: Annotated[int, Field(ge=1, le=60 * 24 * 14)] | None = None
    tags: list[Annotated[str, Field(min_length=1, max_length=64)]] = []
    category: Category | None = None  # overrides the category found, when a route knows better
    response: Annotated[str, Field(min_length=1, max_length=64)] | None = None  # a key of `responses`


class Route(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: RuleId
    description: str | None = None
    when: Condition = Condition()
    then: Action

    @model_validator(mode="after")
    def _sla_for_replies(self) -> Route:
        if self.then.reaction in (Reaction.RESPOND, Reaction.ESCALATE) and self.then.sla_minutes is None:
            raise ValueError(f"a route that decides {self.then.reaction.value!r} needs `then.sla_minutes`")
        return self


class Defaults(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    team: Annotated[str, Field(min_length=1, max_length=64)] = "social"
    category: Category = Category.OTHER


class RuleSet(BaseModel):
    """A whole rules file, validated: what `RulesTriager` runs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = 1
    name: Annotated[str, Field(min_length=1, max_length=128)] = "rules"
    defaults: Defaults = Defaults()
    categories: list[CategoryRule] = []
    routes: Annotated[list[Route], Field(min_length=1)]
    responses: dict[Annotated[str, Field(min_length=1, max_length=64)], Annotated[str, Field(min_length=1)]] = {}

    @field_validator("version")
    @classmethod
    def _known_version(cls, value: int) -> int:
        if value != 1:
            raise ValueError(f"version {value} is not supported (this mentionwatch reads version 1)")
        return value

    @field_validator("responses")
    @classmethod
    def _templates_use_known_fields(cls, value: dict[str, str]) -> dict[str, str]:
        for key, template in value.items():
            try:
                names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
            except ValueError as err:
                raise ValueError(f"response {key!r} is not a valid template: {err}") from err
            unknown = names - TEMPLATE_FIELDS
            if unknown:
                raise ValueError(
                    f"response {key!r} uses unknown placeholder(s) {sorted(unknown)}; known: {sorted(TEMPLATE_FIELDS)}"
                )
        return value


def _rule_label(data: Any, loc: tuple[int | str, ...]) -> tuple[str | None, str]:
    """For an error at `loc`, the rule id (if the error sits inside a rule) and the field path."""
    if len(loc) >= 2 and loc[0] in ("routes", "categories") and isinstance(loc[1], int):
        section, index = loc[0], loc[1]
        rule_id = None
        try:
            entry = data[section][index]
            rule_id = entry.get("id") if isinstance(entry, dict) else None
        except (KeyError, IndexError, TypeError):
            pass
        label = str(rule_id) if rule_id else f"{section}[{index}]"
        field = ".".join(str(p) for p in loc[2:]) or "(the entry)"
        return label, field
    return None, ".".join(str(p) for p in loc) or "(the file)"


def _semantic_checks(rules: RuleSet) -> None:
    seen: set[str] = set()
    for section, entries in (("categories", rules.categories), ("routes", rules.routes)):
        for entry in entries:
            if entry.id in seen:
                raise InvalidRules(
                    f"rules file invalid: rule {entry.id!r} ({section}) field 'id': the id is used twice",
                    rule=entry.id,
                    field="id",
                )
            seen.add(entry.id)
    for route in rules.routes:
        key = route.then.response
        if key is not None and key not in rules.responses:
            raise InvalidRules(
                f"rules file invalid: rule {route.id!r} field 'then.response': no response "
                f"named {key!r} under `responses`",
                rule=route.id,
                field="then.response",
            )


def load_rules(source: str | Path) -> RuleSet:
    """A validated `RuleSet` from a path or from YAML text. Raises `InvalidRules` naming rule and field.

    A `Path` is read as a file; a `str` is taken as YAML text unless it names an existing `.yaml`/`.yml`
    file (so `load_rules("rules.yaml")` and `load_rules(yaml_text)` both work).
    """
    text = load_rules_text(source) if isinstance(source, Path) or _looks_like_path(source) else source
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise InvalidRules(f"rules file invalid: not YAML: {err}") from err
    if not isinstance(data, dict):
        raise InvalidRules(
            "rules file invalid: the top level must be a mapping with `routes` "
            "(and optionally `categories`, `responses`, `defaults`)"
        )
    try:
        rules = RuleSet.model_validate(data)
    except ValidationError as err:
        problems = []
        first_rule, first_field = None, None
        for error in err.errors():
            rule, field = _rule_label(data, tuple(error["loc"]))
            where = f"rule {rule!r} field {field!r}" if rule else f"field {field!r}"
            problems.append(f"{where}: {error['msg']}")
            if first_field is None:
                first_rule, first_field = rule, field
        raise InvalidRules("rules file invalid: " + "; ".join(problems), rule=first_rule, field=first_field) from None
    _semantic_checks(rules)
    return rules


def _looks_like_path(value: str) -> bool:
    return "\n" not in value and value.strip().endswith((".yaml", ".yml"))


def load_rules_text(path: str | Path) -> str:
    """The text of a rules file on disk (a `MENTIONWATCH_RULES_FILE`), bounded in size."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InvalidRules(f"rules file {str(path)!r} cannot be read: {err.strerror or err}") from err
    if len(data) > MAX_RULES_BYTES:
        raise InvalidRules(f"rules file {str(path)!r} is {len(data)} bytes; at most {MAX_RULES_BYTES}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InvalidRules(f"rules file {str(path)!r} is not UTF-8: {err}") from err


def packaged_rules_text(name: str = "default") -> str:
    """The text of a rules file shipped with the package: `default`, or an example such as `airline`."""
    folder = resources.files("mentionwatch.triage").joinpath("rules")
    target = folder.joinpath(f"{name}.yaml") if name == "default" else folder / "examples" / f"{name}.yaml"
    try:
        return target.read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise InvalidRules(f"no packaged rules named {name!r}") from err
