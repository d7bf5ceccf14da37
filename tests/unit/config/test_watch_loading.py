from __future__ import annotations

import pytest
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

from mentionwatch.config.loading import watch_from_file, watch_from_parameter
from mentionwatch.exceptions import ConfigurationError

YAML = "brands: [{name: acme, keywords: [acme]}]"


class FakeSsm:
    def __init__(self, value: str | None) -> None:
        self.value = value
        self.calls: list[tuple[str, int]] = []

    def get(self, name: str, max_age: int) -> str:
        self.calls.append((name, max_age))
        if self.value is None:
            raise GetParameterError("ParameterNotFound")
        return self.value


def test_parameter_is_read_with_a_cache_age_and_validated():
    ssm = FakeSsm(YAML)
    config = watch_from_parameter("/mentionwatch/watch", provider=ssm)
    assert config.brands[0].name == "acme"
    assert ssm.calls == [("/mentionwatch/watch", 300)]


def test_unreadable_parameter_is_a_configuration_error_naming_it():
    with pytest.raises(ConfigurationError) as caught:
        watch_from_parameter("/mentionwatch/watch", provider=FakeSsm(None))
    assert "/mentionwatch/watch" in caught.value.message


def test_invalid_parameter_value_names_the_field():
    with pytest.raises(ConfigurationError) as caught:
        watch_from_parameter("/p", provider=FakeSsm("brands: [{name: acme}]"))
    assert caught.value.field == "brands.0.keywords"


def test_missing_file_is_a_configuration_error(tmp_path):
    with pytest.raises(ConfigurationError):
        watch_from_file(tmp_path / "nope.yaml")
