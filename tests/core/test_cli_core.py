from __future__ import annotations

import json

from click.testing import CliRunner

from perisai.cli.main import cli


def test_help_lists_commands_and_reads_well() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in ("serve", "policy", "ledger", "keys", "gate"):
        assert name in result.output


def test_keys_create_list_revoke() -> None:
    runner = CliRunner()
    created = runner.invoke(cli, ["keys", "create", "client", "--name", "svc", "--json"])
    assert created.exit_code == 0, created.output
    key = json.loads(created.output)
    assert key["token"].startswith("psk_") and key["role"] == "client"
    listed = runner.invoke(cli, ["keys", "list"])
    assert key["key_id"] in listed.output and "active" in listed.output
    assert key["token"].split("_")[2] not in listed.output
    assert runner.invoke(cli, ["keys", "revoke", key["key_id"]]).exit_code == 0
    again = runner.invoke(cli, ["keys", "revoke", key["key_id"]])
    assert again.exit_code == 1 and "no active key" in again.output
    bad_role = runner.invoke(cli, ["keys", "create", "root", "--name", "x"])
    assert bad_role.exit_code == 2 and "root" in bad_role.output
