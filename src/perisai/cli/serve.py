"""``perisai serve``: the HTTP service on embedded defaults."""

from __future__ import annotations

import logging
import os
import stat

import click

from perisai.api.logs import configure_logging
from perisai.config import Settings
from perisai.runtime import Runtime

log = logging.getLogger("perisai.serve")


@click.command("serve")
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default 8000).")
@click.option("--workers", default=1, show_default=True, help="Worker processes.")
def command(host: str | None, port: int | None, workers: int) -> None:
    """Start the HTTP service.

    With no configuration it uses a SQLite database under ./perisai-data and the
    bundled demo policy. On first start it creates an admin API key and saves
    it to perisai-data/admin-key.txt (readable only by you).
    """
    import uvicorn

    settings = Settings()
    configure_logging(settings.log_level)
    runtime = Runtime(settings)
    policy = runtime.policy  # fail fast on a bad policy file
    _bootstrap_admin_key(runtime)
    runtime.close()
    log.info(
        "starting",
        extra={
            "database": runtime.db.url.render_as_string(hide_password=True),
            "policy": str(settings.policy_path),
            "policy_version": policy.version,
        },
    )
    uvicorn.run(
        "perisai.api.app:create_served_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_config=None,
        access_log=False,
    )


def _bootstrap_admin_key(runtime: Runtime) -> None:
    if runtime.keys.any_active_admin():
        return
    token, key = runtime.keys.create("admin", "bootstrap admin (created on first start)")
    runtime.ledger.append("key.created", {"key_id": key.key_id, "role": "admin", "name": key.name})
    path = runtime.settings.data_dir / "admin-key.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "w") as fh:
        fh.write(token + "\n")
    click.echo(
        f"Created an admin API key ({key.key_id}) and saved it to {path}.\n"
        "Use it to create other keys: perisai keys create client --name my-image-service",
        err=True,
    )
