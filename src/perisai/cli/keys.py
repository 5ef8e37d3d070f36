"""``perisai keys create|revoke|list``."""

from __future__ import annotations

import click

from perisai.auth.keys import ROLE_HELP, ROLES
from perisai.cli.common import echo_json, runtime

ROLE_LINES = "\n".join(f"  {role}: {text}" for role, text in ROLE_HELP.items())


@click.group("keys")
def command() -> None:
    """Create, list and revoke API keys."""


@command.command(
    "create", help=f"Create an API key with ROLE and print it once.\n\nRoles:\n\n{ROLE_LINES}"
)
@click.argument("role", type=click.Choice(ROLES))
@click.option("--name", required=True, help="Who or what uses the key, e.g. 'image-service-prod'.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def create(role: str, name: str, as_json: bool) -> None:
    rt = runtime()
    try:
        token, key = rt.keys.create(role, name)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--name") from None
    rt.ledger.append("key.created", {"key_id": key.key_id, "role": role, "name": key.name})
    if as_json:
        echo_json({"key_id": key.key_id, "role": role, "name": key.name, "token": token})
    else:
        click.echo(f"Created {role} key {key.key_id} for {key.name!r}. It is shown only once:")
        click.echo(token)


@command.command("revoke")
@click.argument("key_id")
def revoke(key_id: str) -> None:
    """Revoke the key KEY_ID (the middle part of psk_<KEY_ID>_...). It stops working at once."""
    rt = runtime()
    if not rt.keys.revoke(key_id):
        raise click.ClickException(f"no active key with id {key_id!r}")
    rt.ledger.append("key.revoked", {"key_id": key_id})
    click.echo(f"Revoked key {key_id}.")


@command.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines instead of a table.")
def list_keys(as_json: bool) -> None:
    """List keys (never their secrets)."""
    for key in runtime().keys.list():
        state = "active" if key.active else f"revoked {key.revoked_at:%Y-%m-%d}"
        if as_json:
            echo_json(
                {"key_id": key.key_id, "role": key.role, "name": key.name, "active": key.active}
            )
        else:
            click.echo(f"{key.key_id}  {key.role:<9}  {state:<18}  {key.name}")
