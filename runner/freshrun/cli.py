"""The `freshrun` command line.  Thin: options here, work in freshrun.commands.*"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from freshrun import __version__, signals
from freshrun.errors import EXIT_BAD_INPUT, EXIT_INTERRUPTED, FreshrunError
from freshrun.session import CommonOptions

app = typer.Typer(
    name="freshrun",
    help="Declarative, freshness-driven scheduling for dbt Core: build only what is stale.\n\n"
    "`freshrun` alone is `freshrun run`: one tick.",
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)

ProjectDir = Annotated[
    Path, typer.Option("--project-dir", help="The dbt project (default: current directory).", envvar="DBT_PROJECT_DIR")
]
ProfilesDir = Annotated[
    Path | None, typer.Option("--profiles-dir", help="Where profiles.yml is (dbt's default rules otherwise).")
]
Target = Annotated[str | None, typer.Option("--target", "-t", help="dbt target.")]
Select = Annotated[list[str] | None, typer.Option("--select", "-s", help="dbt selector: what freshrun may build.")]
Exclude = Annotated[list[str] | None, typer.Option("--exclude", help="dbt selector: what freshrun must not build.")]
Vars = Annotated[str | None, typer.Option("--vars", help="dbt vars, YAML or JSON.")]
Json = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]
LockTimeout = Annotated[
    float, typer.Option("--lock-timeout", help="Seconds to wait for another tick's lock before exiting 4.")
]
Interval = Annotated[
    str | None,
    typer.Option(
        "--interval", help="How often freshrun runs (15m, 2h, 1d). Default: inferred from recorded ticks, else 15m."
    ),
]


def _common(project_dir, profiles_dir, target, select, exclude, vars, json, interval) -> CommonOptions:
    def split(values):
        return [part for v in (values or []) for part in v.split()]

    return CommonOptions(project_dir, profiles_dir, target, split(select), split(exclude), vars, json, interval)


def _guard(work: Callable[[], int]) -> None:
    try:
        code = work()
    except FreshrunError as exc:
        typer.echo(f"freshrun: error: {exc}", err=True)
        code = exc.exit_code
    except KeyboardInterrupt as exc:
        detail = str(exc) if str(exc) not in ("", "SIGINT", "SIGTERM", "deferred signal") else ""
        typer.echo("freshrun: interrupted" + (f": {detail}" if detail else ""), err=True)
        code = EXIT_INTERRUPTED
    except Exception as exc:  # never a traceback for the user; FRESHRUN_DEBUG=1 shows it
        if os.environ.get("FRESHRUN_DEBUG"):
            raise
        typer.echo(f"freshrun: error: {type(exc).__name__}: {exc} (FRESHRUN_DEBUG=1 shows the traceback)", err=True)
        code = EXIT_BAD_INPUT
    raise typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"freshrun {__version__}")
        raise typer.Exit(0)


@app.callback()
def main_callback(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Declarative, freshness-driven scheduling for dbt Core."""


@app.command()
def run(
    project_dir: ProjectDir = Path("."),
    profiles_dir: ProfilesDir = None,
    target: Target = None,
    select: Select = None,
    exclude: Exclude = None,
    vars: Vars = None,
    json: Json = False,
    interval: Interval = None,
    command: Annotated[
        str, typer.Option("--command", help="dbt command for the stale set: build (with tests) or run.")
    ] = "build",
    lock_timeout: LockTimeout = 10.0,
    webhook: Annotated[
        str | None,
        typer.Option(
            "--webhook", envvar="FRESHRUN_WEBHOOK", help="POST violations and recoveries here, once per transition."
        ),
    ] = None,
    webhook_timeout: Annotated[
        float, typer.Option("--webhook-timeout", help="Seconds before a webhook POST gives up.")
    ] = 5.0,
) -> None:
    """One tick: observe sources, plan, build the stale selection, report."""
    from freshrun.commands.tick import run_tick

    _guard(
        lambda: run_tick(
            _common(project_dir, profiles_dir, target, select, exclude, vars, json, interval),
            command,
            lock_timeout=lock_timeout,
            webhook=webhook,
            webhook_timeout=webhook_timeout,
        )
    )


@app.command()
def refresh(
    models: Annotated[list[str], typer.Argument(help="Models to build now (names or dbt selector syntax).")],
    project_dir: ProjectDir = Path("."),
    profiles_dir: ProfilesDir = None,
    target: Target = None,
    select: Select = None,
    exclude: Exclude = None,
    vars: Vars = None,
    json: Json = False,
    interval: Interval = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the set and the reasons; build nothing.")] = False,
    command: Annotated[str, typer.Option("--command", help="dbt command: build (with tests) or run.")] = "build",
    lock_timeout: LockTimeout = 10.0,
) -> None:
    """Surgical: build MODELS now, plus only the ancestors whose data is too old for them (never the whole +MODEL)."""
    from freshrun.commands.tick import run_tick

    _guard(
        lambda: run_tick(
            _common(project_dir, profiles_dir, target, select, exclude, vars, json, interval),
            command,
            force_selectors=[p for m in models for p in m.split()],
            dry_run=dry_run,
            lock_timeout=lock_timeout,
        )
    )


@app.command()
def plan(
    project_dir: ProjectDir = Path("."),
    profiles_dir: ProfilesDir = None,
    target: Target = None,
    select: Select = None,
    exclude: Exclude = None,
    vars: Vars = None,
    json: Json = False,
    interval: Interval = None,
    at: Annotated[
        str | None, typer.Option("--at", help="Plan as of another moment: ISO 8601 or an offset like +2h.")
    ] = None,
    explain: Annotated[str | None, typer.Option("--explain", help="Walk the reasons for one model.")] = None,
) -> None:
    """The plan a tick would make now (or --at another time); nothing is built."""
    from freshrun.commands.tick import run_plan

    _guard(
        lambda: run_plan(_common(project_dir, profiles_dir, target, select, exclude, vars, json, interval), at, explain)
    )


@app.command()
def status(
    project_dir: ProjectDir = Path("."),
    profiles_dir: ProfilesDir = None,
    target: Target = None,
    select: Select = None,
    exclude: Exclude = None,
    vars: Vars = None,
    json: Json = False,
    interval: Interval = None,
) -> None:
    """Current freshness per model: last success, data time, lag, policy, overdue, blocked_by, next deadline."""
    from freshrun.commands.status import run_status

    _guard(lambda: run_status(_common(project_dir, profiles_dir, target, select, exclude, vars, json, interval)))


@app.command()
def check(
    project_dir: ProjectDir = Path("."),
    profiles_dir: ProfilesDir = None,
    target: Target = None,
    select: Select = None,
    exclude: Exclude = None,
    vars: Vars = None,
    json: Json = False,
    interval: Interval = None,
    webhook: Annotated[
        str | None,
        typer.Option(
            "--webhook", envvar="FRESHRUN_WEBHOOK", help="POST each violation and recovery here, once per transition."
        ),
    ] = None,
    webhook_timeout: Annotated[
        float, typer.Option("--webhook-timeout", help="Seconds before a webhook POST gives up.")
    ] = 5.0,
) -> None:
    """Exit 3 if any policy is violated (0 otherwise); --webhook alerts once per transition."""
    from freshrun.commands.check import run_check

    _guard(
        lambda: run_check(
            _common(project_dir, profiles_dir, target, select, exclude, vars, json, interval), webhook, webhook_timeout
        )
    )


@app.command()
def simulate(
    project_dir: ProjectDir = Path("."),
    profiles_dir: ProfilesDir = None,
    target: Target = None,
    select: Select = None,
    exclude: Exclude = None,
    vars: Vars = None,
    json: Json = False,
    interval: Interval = None,
    hours: Annotated[float, typer.Option("--hours", help="How long a horizon to replay.")] = 24.0,
    arrivals: Annotated[
        Path | None, typer.Option("--arrivals", help="YAML file: when each source gets new data (see the README).")
    ] = None,
    source_every: Annotated[
        str | None,
        typer.Option("--source-every", help="Every observed source gets new data this often (30m, 1h). Default 1h."),
    ] = None,
    start: Annotated[
        str | None, typer.Option("--start", help="Start of the horizon: ISO 8601 or an offset like +1h (default now).")
    ] = None,
    trace: Annotated[bool, typer.Option("--trace", help="Also list what freshrun builds at each tick.")] = False,
) -> None:
    """Replay a horizon of ticks with the real planner; compare with `dbt build` on a schedule."""
    from freshrun.commands.simulate import run_simulate

    _guard(
        lambda: run_simulate(
            _common(project_dir, profiles_dir, target, select, exclude, vars, json, interval),
            hours,
            None,
            arrivals,
            source_every,
            start,
            trace,
        )
    )


@app.command()
def baseline(
    project_dir: ProjectDir = Path("."),
    profiles_dir: ProfilesDir = None,
    target: Target = None,
    select: Select = None,
    exclude: Exclude = None,
    vars: Vars = None,
    json: Json = False,
    interval: Interval = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be adopted; record nothing.")] = False,
    lock_timeout: LockTimeout = 10.0,
) -> None:
    """Adopt an existing warehouse: record every existing relation with no history as built now (flagged baseline)."""
    from freshrun.commands.baseline import run_baseline

    _guard(
        lambda: run_baseline(
            _common(project_dir, profiles_dir, target, select, exclude, vars, json, interval), dry_run, lock_timeout
        )
    )


SELECTOR_OPTIONS = ("--select", "-s", "--exclude")


def dbt_style_selectors(args: list[str], takes_arguments: bool) -> list[str]:
    """`--select a b --exclude c` as dbt takes it: the words after a selector option, up to the
    next option, are one selector value.  Not for commands with positional arguments (`refresh`),
    where the words after the option could be those arguments."""
    if takes_arguments:
        return args
    out: list[str] = []
    i = 0
    while i < len(args):
        out.append(args[i])
        if args[i] in SELECTOR_OPTIONS:
            words = []
            i += 1
            while i < len(args) and not args[i].startswith("-"):
                words.append(args[i])
                i += 1
            if words:
                out.append(" ".join(words))
            continue
        i += 1
    return out


def main() -> None:
    args = sys.argv[1:]
    commands = {c.name or c.callback.__name__ for c in app.registered_commands}
    first = next((a for a in args if not a.startswith("-")), None)
    if not any(a in ("--help", "--version") for a in args) and (first is None or first not in commands):
        sys.argv.insert(1, "run")  # `freshrun` alone is one tick
    first = next((a for a in sys.argv[1:] if not a.startswith("-")), None)
    sys.argv[1:] = dbt_style_selectors(sys.argv[1:], takes_arguments=first == "refresh")
    with contextlib.suppress(AttributeError, ValueError):  # progress lines show live in CI logs and pipes
        sys.stdout.reconfigure(line_buffering=True)
    signals.install()  # SIGTERM too: dbt stops cleanly, what finished is recorded, exit 130
    app()


if __name__ == "__main__":
    main()
