from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from perisai.cli.main import cli
from perisai.config import BUNDLED_POLICY
from perisai.policy import PolicyError, load_policy, parse_policy

DEFAULT = BUNDLED_POLICY.read_text()


def problems_of(text: str) -> list[str]:
    with pytest.raises(PolicyError) as info:
        parse_policy(text, "p.yaml")
    return [str(p) for p in info.value.problems]


def test_default_policy_loads_with_required_categories() -> None:
    policy = load_policy(BUNDLED_POLICY)
    assert {
        "sexual_explicit",
        "sexualised_real_person",
        "minor_sexualisation",
        "sexual_violence",
        "hash_match",
    } <= set(policy.categories)
    assert policy.categories["minor_sexualisation"].escalate == "child_safety"
    assert policy.clock("MY", "acknowledge") == "1h"


def test_bad_threshold_names_file_line_and_field() -> None:
    text = DEFAULT.replace("    block_at: 0.6\n", "    block_at: 1.6\n", 1)
    line = text.splitlines().index("    block_at: 1.6") + 1
    found = problems_of(text)
    assert len(found) == 1
    assert found[0].startswith(f"p.yaml:{line}:")
    assert "block_at" in found[0] and "less than or equal to 1" in found[0]


def test_unknown_field_is_named() -> None:
    text = DEFAULT.replace(
        "    review_at: 0.4\n    block_at: 0.6\n", "    review_at: 0.4\n    blok_at: 0.6\n", 1
    )
    found = problems_of(text)
    assert any("blok_at" in p and "unknown field" in p for p in found)


def test_unknown_category_reference() -> None:
    text = DEFAULT.replace("    category: sexual_violence\n", "    category: sexual_violense\n", 1)
    found = problems_of(text)
    assert len(found) == 1 and "rules[" in found[0] and "sexual_violense" in found[0]


def test_condition_needs_one_key() -> None:
    text = DEFAULT.replace(
        "    when: {signal: text.sexual_violence}", "    when: {signul: text.sexual_violence}"
    )
    found = problems_of(text)
    assert any("exactly one of" in p for p in found)


def test_duplicate_keys_and_syntax_errors_have_lines() -> None:
    assert problems_of("perisai_policy: 1\nversion: a\nversion: b\n")[0].startswith("p.yaml:3:")
    assert "YAML syntax" in problems_of("rules: [\n")[0]
    assert "empty" in problems_of("")[0]
    assert "mapping" in problems_of("- a\n- b\n")[0]


def test_missing_required_category() -> None:
    data = yaml.safe_load(DEFAULT)
    del data["categories"]["hash_match"]
    data["rules"] = [r for r in data["rules"] if r["category"] != "hash_match"]
    found = problems_of(yaml.safe_dump(data))
    assert any("hash_match" in p for p in found)


def test_bad_dsa_category_and_clock() -> None:
    found = problems_of(
        DEFAULT.replace("STATEMENT_CATEGORY_VIOLENCE", "STATEMENT_CATEGORY_VIOLENT")
    )
    assert any("dsa.category" in p for p in found)
    found = problems_of(DEFAULT.replace("status: 12h", "status: 12 hours", 1))
    assert any("clocks" in p and "duration" in p for p in found)


def test_not_utf8_and_too_large() -> None:
    with pytest.raises(PolicyError, match="UTF-8"):
        parse_policy(b"\xff\xfe\x00bad", "p.yaml")
    with pytest.raises(PolicyError, match="1 MiB"):
        parse_policy(b"a" * (1024 * 1024 + 1), "p.yaml")


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_gives_policy_error_only(text: str) -> None:
    try:
        parse_policy(text, "fuzz.yaml")
    except PolicyError as exc:
        assert exc.problems and all(p.file == "fuzz.yaml" for p in exc.problems)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_mutated_default_policy_gives_policy_error_or_valid(data: st.DataObject) -> None:
    lines = DEFAULT.splitlines()
    i = data.draw(st.integers(0, len(lines) - 1))
    lines[i] = data.draw(
        st.sampled_from(["", "  x: 1", "- y", "block_at: -1", lines[i][::-1], "  "])
    )
    try:
        parse_policy("\n".join(lines), "m.yaml")
    except PolicyError as exc:
        assert all(p.line >= 0 for p in exc.problems)


def test_cli_validate_and_explain(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(cli, ["policy", "validate", str(BUNDLED_POLICY)])
    assert ok.exit_code == 0 and "ok (version demo-" in ok.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(DEFAULT.replace("    block_at: 0.6\n", "    block_at: high\n", 1))
    result = runner.invoke(cli, ["policy", "validate", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:" in result.output and "block_at" in result.output
    explained = runner.invoke(cli, ["policy", "explain"])
    assert explained.exit_code == 0
    assert "Sexualised image of a real person" in explained.output
    assert "BLOCK when the score is" in explained.output


@pytest.mark.parametrize("text", ["!0", "a: !custom 1", "rules: !!python/object:os.system x"])
def test_unknown_yaml_tags_are_policy_errors(text: str) -> None:
    with pytest.raises(PolicyError) as info:
        parse_policy(text, "tags.yaml")
    assert info.value.problems[0].line == 1
