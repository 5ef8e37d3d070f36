"""``perisai cases`` commands."""

from __future__ import annotations

from click.testing import CliRunner

from perisai.cli.main import cli


def test_cases_cli_lists_shows_and_checks_clocks() -> None:
    runner = CliRunner()
    empty = runner.invoke(cli, ["cases", "list"])
    assert empty.exit_code == 0, empty.output and "empty" in empty.output
    from perisai.cases import ReportInput, case_service
    from perisai.cli.common import runtime

    rt = runtime()
    receipt = case_service(rt).create_report(
        ReportInput(
            reason="other",
            reporter_role="third_party",
            content_urls=["https://example.com/x"],
            explanation="Looks like a sexualised edit of a classmate.",
            name="A",
            email="a@example.org",
            good_faith=True,
        )
    )
    rt.close()
    listed = runner.invoke(cli, ["cases", "list"])
    assert receipt["case_number"] in listed.output
    shown = runner.invoke(cli, ["cases", "show", receipt["case_number"]])
    assert shown.exit_code == 0 and '"reason": "other"' in shown.output
    assert "a@example.org" not in shown.output
    missing = runner.invoke(cli, ["cases", "show", "PRS-2222-2222"])
    assert missing.exit_code != 0 and "no case" in missing.output
    clocks = runner.invoke(cli, ["cases", "clocks"])
    assert clocks.exit_code == 0 and "0 new breach(es)" in clocks.output
