"""The `freshrun` command line (thin: one module per command does the work)."""

from __future__ import annotations

import typer

from freshrun import __version__

app = typer.Typer(
    name="freshrun",
    help="Declarative, freshness-driven scheduling for dbt Core: build only what is stale.",
    no_args_is_help=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"freshrun {__version__}")
        raise typer.Exit(0)


@app.callback(invoke_without_command=True)
def main_callback(
    ctx: typer.Context,
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())


def main() -> None:
    app()


if __name__ == "__main__":
    main()
