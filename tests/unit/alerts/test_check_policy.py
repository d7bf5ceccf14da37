"""`python -m mentionwatch.alerts.check_policy`: a policy checked before deploying, errors naming the field."""

from __future__ import annotations

import io

from mentionwatch.alerts.check_policy import check
from mentionwatch.alerts.policy import default_config_text


def test_a_valid_policy_is_described_and_exits_0(tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text(default_config_text())
    out, err = io.StringIO(), io.StringIO()

    status = check([str(policy)], out, err)

    assert status == 0 and err.getvalue() == ""
    assert "policy default: level:oncall@+0m -> level:oncall-lead@+10m" in out.getvalue()
    assert "team social: policy default, respond SLAs Europe/London 09:00-17:30" in out.getvalue()


def test_an_invalid_policy_names_the_field_and_exits_1(tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text("policies:\n  default:\n    levels:\n      - notify: [oncall]\nteams:\n  x:\n    policy: gold\n")
    err = io.StringIO()

    status = check([str(policy), str(tmp_path / "missing.yaml")], io.StringIO(), err)

    assert status == 1
    assert "teams.x.policy: unknown policy 'gold'" in err.getvalue()
    assert "missing.yaml: cannot read" in err.getvalue()


def test_no_arguments_prints_usage_and_exits_2():
    err = io.StringIO()

    assert check([], io.StringIO(), err) == 2
    assert "usage:" in err.getvalue()
