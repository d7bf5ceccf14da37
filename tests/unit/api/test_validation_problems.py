"""Powertools request validation errors become 400 problem bodies that name the field."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from mentionwatch.http.responses import validation_problem


def test_the_last_named_location_is_the_field():
    error = RequestValidationError(
        [
            {
                "loc": ("query", "limit"),
                "type": "less_than_equal",
                "msg": "Input should be less than or equal to 100",
                "input": "500",
            }
        ]
    )

    response = validation_problem(error)

    assert response.status_code == 400
    assert response.body == {
        "error": {
            "code": "invalid_parameter",
            "message": "limit: Input should be less than or equal to 100",
            "field": "limit",
        }
    }


def test_the_rejected_value_is_not_echoed():
    error = RequestValidationError(
        [{"loc": ("body", "note"), "type": "string_too_long", "msg": "too long", "input": "SECRET"}]
    )

    assert "SECRET" not in str(validation_problem(error).body)


def test_a_missing_field_says_it_is_required():
    error = RequestValidationError([{"loc": ("body", "version"), "type": "missing", "msg": "Field required"}])

    assert validation_problem(error).body["error"]["message"] == "version is required"


def test_invalid_json_names_the_body():
    error = RequestValidationError([{"loc": ("body", 1), "type": "json_invalid", "msg": "JSON decode error"}])

    assert validation_problem(error).body["error"] == {
        "code": "invalid_parameter",
        "message": "body is not valid JSON",
        "field": "body",
    }
