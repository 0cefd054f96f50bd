"""``shelfcast token create --role R --name N``: a new API token; its key alone on stdout."""

from __future__ import annotations

import typer

from shelfcast.cli._common import handle_errors

__all__ = ["register", "token_app", "token_create_command"]

token_app = typer.Typer(help="API tokens: create them.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(token_app, name="token")


@token_app.command("create")
@handle_errors
def token_create_command(
    role: str = typer.Option(..., "--role",
                             help="viewer (read), till (POST transactions), analyst, admin."),
    name: str = typer.Option(..., "--name", help="Who or what uses it (a till, a script)."),
) -> None:
    """Create an API token and print its key alone on standard output.

    The key is shown once: only its hash is stored. Revoke it in the admin (/admin/).

    Example:

        export SHELFCAST_TOKEN=$(shelfcast token create --role till --name till-s01)
    """
    import shelfcast.server as server

    server.setup()
    server.migrate()
    from shelfcast.server.accounts.services import token_create

    _, key = token_create(name=name, role=role)
    typer.echo(key)
