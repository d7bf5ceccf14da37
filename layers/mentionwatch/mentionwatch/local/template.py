"""Reads template.yaml (CloudFormation short-form tags included) and resolves the intrinsics the local stack needs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader that turns `!Ref X` into `{"Ref": X}`, `!GetAtt A.B` into `{"Fn::GetAtt": [A, B]}` and so on."""


def _construct(tag: str) -> Callable[[_CfnLoader, yaml.Node], Any]:
    name = tag if tag in ("Ref", "Condition") else f"Fn::{tag}"  # `!Condition X` is {"Condition": X} in JSON

    def construct(loader: _CfnLoader, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if tag == "GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            assert isinstance(node, yaml.MappingNode)
            value = loader.construct_mapping(node, deep=True)
        return {name: value}

    return construct


for _tag in (
    "Ref",
    "GetAtt",
    "Sub",
    "If",
    "Join",
    "Select",
    "Split",
    "Equals",
    "Not",
    "And",
    "Or",
    "FindInMap",
    "Base64",
    "GetAZs",
    "ImportValue",
    "Condition",
    "Cidr",
    "Length",
    "ToJsonString",
):
    _CfnLoader.add_constructor(f"!{_tag}", _construct(_tag))


def load_template(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = yaml.load(handle, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass with CFN tags only
        return loaded


@dataclass
class HttpRoute:
    function: str
    method: str
    path: str  # "/webhooks/{source}"


@dataclass
class QueueSource:
    function: str
    queue: str  # logical id
    batch_size: int = 10
    window_seconds: int = 0


@dataclass
class FunctionSpec:
    logical_id: str
    code_uri: str
    handler: str
    environment: dict[str, Any] = field(default_factory=dict)
    events: dict[str, Any] = field(default_factory=dict)


class Template:
    def __init__(self, document: dict[str, Any], parameter_overrides: Mapping[str, str] | None = None) -> None:
        self.document = document
        self.resources: dict[str, Any] = document.get("Resources", {})
        specs = document.get("Parameters", {})
        values = {name: str(spec.get("Default", "")) for name, spec in specs.items()} | dict(parameter_overrides or {})
        # A CommaDelimitedList parameter is a list wherever it is referenced.
        self.parameters: dict[str, Any] = {
            name: [item.strip() for item in value.split(",")]
            if specs.get(name, {}).get("Type") == "CommaDelimitedList"
            else value
            for name, value in values.items()
        }
        self.physical: dict[str, dict[str, str]] = {}  # logical id → {"Ref": …, "Arn": …, …}

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {name: spec for name, spec in self.resources.items() if spec.get("Type") == resource_type}

    def functions(self) -> list[FunctionSpec]:
        globals_ = self.document.get("Globals", {}).get("Function", {})
        global_env = globals_.get("Environment", {}).get("Variables", {})
        specs = []
        for name, spec in self.of_type("AWS::Serverless::Function").items():
            props = spec.get("Properties", {})
            env = {**global_env, **props.get("Environment", {}).get("Variables", {})}
            specs.append(FunctionSpec(name, props["CodeUri"], props["Handler"], env, props.get("Events", {})))
        return specs

    def http_routes(self) -> list[HttpRoute]:
        return [
            HttpRoute(fn.logical_id, str(event["Properties"].get("Method", "ANY")).upper(), event["Properties"]["Path"])
            for fn in self.functions()
            for event in fn.events.values()
            if event.get("Type") == "HttpApi"
        ]

    def queue_sources(self) -> list[QueueSource]:
        """SQS events of functions and explicit `AWS::Lambda::EventSourceMapping`s on a queue."""
        sources = []
        for mapping in self.of_type("AWS::Lambda::EventSourceMapping").values():
            props = mapping.get("Properties", {})
            arn, function = props.get("EventSourceArn"), props.get("FunctionName")
            if not (isinstance(arn, dict) and "Fn::GetAtt" in arn and isinstance(function, dict)):
                continue
            target = function.get("Ref") or function.get("Fn::GetAtt", [None])[0]
            sources.append(
                QueueSource(
                    str(target),
                    arn["Fn::GetAtt"][0],
                    int(props.get("BatchSize", 10)),
                    int(props.get("MaximumBatchingWindowInSeconds", 0)),
                )
            )
        for fn in self.functions():
            for event in fn.events.values():
                if event.get("Type") != "SQS":
                    continue
                props = event["Properties"]
                queue = props["Queue"]
                logical = queue["Fn::GetAtt"][0] if isinstance(queue, dict) and "Fn::GetAtt" in queue else str(queue)
                sources.append(
                    QueueSource(
                        fn.logical_id,
                        logical,
                        int(props.get("BatchSize", 10)),
                        int(props.get("MaximumBatchingWindowInSeconds", 0)),
                    )
                )
        return sources

    def resolve(self, value: Any) -> Any:
        """Resolve intrinsics against parameters and the physical ids created so far."""
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) != 1:
            return {key: self.resolve(item) for key, item in value.items()}
        ((key, arg),) = value.items()
        if key == "Ref":
            if arg in self.parameters:
                return self.parameters[arg]
            if arg in self.physical:
                return self.physical[arg]["Ref"]
            pseudo = {
                "AWS::Region": "us-east-1",
                "AWS::AccountId": "123456789012",
                "AWS::StackName": "mentionwatch-local",
                "AWS::Partition": "aws",
                "AWS::URLSuffix": "amazonaws.com",
                "AWS::NoValue": None,
            }
            return pseudo.get(arg)
        if key == "Fn::GetAtt":
            logical, attribute = arg
            return self.physical.get(logical, {}).get(attribute)
        if key == "Fn::Sub":
            template, variables = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))
            import re

            def substitute(match: re.Match[str]) -> str:
                name = match.group(1)
                if name in variables:
                    return str(variables[name])
                if "." in name:
                    return str(self.resolve({"Fn::GetAtt": name.split(".", 1)}))
                return str(self.resolve({"Ref": name}))

            return re.sub(r"\$\{([^!}][^}]*)\}", substitute, template)
        if key == "Fn::Join":
            separator, items = arg
            return separator.join(str(item) for item in self.resolve(items))
        if key == "Fn::If":
            condition, when_true, when_false = arg
            return self.resolve(when_true if self.condition(condition) else when_false)
        if key == "Fn::Split":
            separator, text = arg
            return str(self.resolve(text)).split(separator)
        if key == "Fn::Select":
            index, items = arg
            return self.resolve(items)[int(index)]
        return {key: self.resolve(arg)}

    def condition(self, name: str) -> bool:
        return bool(self._evaluate(self.document.get("Conditions", {}).get(name, False)))

    def _evaluate(self, expression: Any) -> Any:
        if isinstance(expression, dict) and len(expression) == 1:
            ((key, arg),) = expression.items()
            if key == "Fn::Equals":
                left, right = (self._evaluate(item) for item in arg)
                return str(left) == str(right)
            if key == "Fn::Not":
                return not self._evaluate(arg[0])
            if key == "Fn::And":
                return all(self._evaluate(item) for item in arg)
            if key == "Fn::Or":
                return any(self._evaluate(item) for item in arg)
            if key == "Condition":
                return self.condition(arg)
        return self.resolve(expression)
