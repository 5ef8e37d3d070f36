"""Load and validate a policy file, naming the file, line and field of every
problem (``default.yaml:42:7: rules[3].block_at: ...``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from perisai.policy.schema import Policy, reference_problems

Loc = tuple[Any, ...]
MAX_POLICY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class PolicyProblem:
    file: str
    line: int
    column: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class PolicyError(ValueError):
    def __init__(self, problems: list[PolicyProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def load_policy(path: str | Path) -> Policy:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PolicyError(
            [PolicyProblem(str(path), 0, 0, "", f"cannot read: {exc.strerror}")]
        ) from exc
    return parse_policy(data, str(path))


def _yaml_error(exc: yaml.YAMLError, filename: str, what: str) -> PolicyError:
    mark = getattr(exc, "problem_mark", None)
    line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
    message = getattr(exc, "problem", None) or str(exc)
    return PolicyError([PolicyProblem(filename, line, col, "", f"{what}: {message}")])


def parse_policy(source: str | bytes, filename: str = "<policy>") -> Policy:
    if isinstance(source, bytes):
        if len(source) > MAX_POLICY_BYTES:
            raise PolicyError([PolicyProblem(filename, 0, 0, "", "file is larger than 1 MiB")])
        try:
            source = source.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PolicyError(
                [PolicyProblem(filename, 0, 0, "", f"not UTF-8 text (byte {exc.start})")]
            ) from exc
    try:
        node = yaml.compose(source, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, filename, "YAML syntax") from exc
    if node is None:
        raise PolicyError([PolicyProblem(filename, 1, 1, "", "the file is empty")])
    marks: dict[Loc, tuple[int, int]] = {}
    problems: list[PolicyProblem] = []
    _index(node, (), marks, problems, filename)
    if problems:
        raise PolicyError(problems)
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:  # composes, but cannot be built: an unknown tag ("!x")
        raise _yaml_error(exc, filename, "YAML") from exc
    if not isinstance(data, dict):
        raise PolicyError([PolicyProblem(filename, 1, 1, "", "the top level must be a mapping")])
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = _resolve(data, tuple(err["loc"]))
            line, col = _mark_for(marks, loc)
            problems.append(PolicyProblem(filename, line, col, field_name(loc), _message(err)))
        raise PolicyError(problems) from None
    for loc, message in reference_problems(policy):
        line, col = _mark_for(marks, loc)
        problems.append(PolicyProblem(filename, line, col, field_name(loc), message))
    if problems:
        raise PolicyError(problems)
    return policy


def field_name(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


def _message(err: Any) -> str:
    if err["type"] == "extra_forbidden":
        return "unknown field (check the spelling; see docs/policy.md)"
    if err["type"] == "missing":
        return "this field is required"
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ")


def _index(
    node: yaml.Node,
    loc: Loc,
    marks: dict[Loc, tuple[int, int]],
    problems: list[PolicyProblem],
    filename: str,
) -> None:
    marks[loc] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
                problems.append(
                    PolicyProblem(filename, line, col, field_name((*loc, key)), "key appears twice")
                )
            seen.add(key)
            _index(value_node, (*loc, key), marks, problems, filename)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, (*loc, i), marks, problems, filename)


def _resolve(data: Any, loc: Loc) -> Loc:
    """Map a pydantic error location onto the data: union tags in the
    location (``when.signal.at_least``) are skipped when they are not keys."""
    best: Loc = ()

    def walk(node: Any, rest: Loc, path: Loc) -> None:
        nonlocal best
        if len(path) > len(best):
            best = path
        if not rest:
            return
        head, tail = rest[0], rest[1:]
        is_key = isinstance(node, dict) and head in node
        is_index = isinstance(node, list) and isinstance(head, int) and 0 <= head < len(node)
        if is_key or is_index:
            walk(node[head], tail, (*path, head))
        if tail:
            walk(node, tail, path)
        elif (
            isinstance(node, dict)
            and not is_key
            and isinstance(head, str)
            and len(path) + 1 > len(best)
        ):
            best = (*path, head)  # a missing field: name it, located at its parent

    walk(data, loc, ())
    return best


def _mark_for(marks: dict[Loc, tuple[int, int]], loc: Loc) -> tuple[int, int]:
    for end in range(len(loc), -1, -1):
        if loc[:end] in marks:
            return marks[loc[:end]]
    return (1, 1)
