"""`fmops`: the MLOps command-line tool.

Verbs are grouped by noun (`fmops settings show`, later `fmops pipeline start`). Every command
validates its input and fails with one line and a non-zero exit before touching AWS.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from deployment.settings import SettingsError, settings_for_stage
from pipelines.aws_patience import install as install_aws_patience
from pipelines.commands import (
    advise,
    bedrock,
    data,
    feedback,
    local,
    local_serving,
    pipeline,
    runs,
    serving,
)
from pipelines.commands import eval as eval_commands
from pipelines.commands import models as models_commands
from pipelines.console import console, fail, print_json
from pipelines.error_path import ErrorHandlingGroup, set_verbose

app = typer.Typer(
    name="fmops",
    cls=ErrorHandlingGroup,  # every command's uncaught error becomes one `error:` line
    help="Adapt foundation models on AWS: data, training pipelines, Bedrock jobs, offline runs.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
settings_app = typer.Typer(help="Inspect and check the typed settings read from cdk.json.")
app.add_typer(settings_app, name="settings")
# Each noun lives in pipelines/commands/<noun>.py and is registered here with one line.
app.add_typer(feedback.app, name="feedback")
app.add_typer(eval_commands.app, name="eval")
app.command("advise")(advise.advise)
app.add_typer(bedrock.app, name="bedrock")
app.add_typer(data.app, name="data")
app.add_typer(local.app, name="local")
app.add_typer(pipeline.app, name="pipeline")
app.add_typer(models_commands.app, name="models")
app.add_typer(runs.app, name="runs")
# Serving (issue 16): guarded invocation, Bedrock deployment, and the offline route.
app.command("invoke")(serving.invoke)
bedrock.app.command("deploy")(serving.deploy_command)
bedrock.app.command("undeploy")(serving.undeploy_command)
local.app.command("approve")(local_serving.approve)
local.app.command("invoke")(local_serving.invoke)


@app.callback()
def main_options(
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", "-v", help="Show AWS SDK logging and the traceback of unexpected errors."
        ),
    ] = False,
) -> None:
    """Adapt foundation models on AWS: data, training pipelines, Bedrock jobs, offline runs.

    Errors are one `error:` line: exit 2 for bad input (nothing was sent to AWS or written),
    exit 1 when AWS or a job failed.
    """
    set_verbose(verbose)
    install_aws_patience()


StageOption = Annotated[
    str | None, typer.Option("--stage", "-s", help="Stage from cdk.json (default: its `stage`).")
]


@settings_app.command("show")
def settings_show(
    stage: StageOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Show the validated settings of a stage.

    Example: [cyan]fmops settings show --stage prod --json[/]
    """
    try:
        settings = settings_for_stage(stage)
    except SettingsError as exc:
        raise fail(str(exc)) from None
    dumped = settings.model_dump(mode="json")
    if as_json:
        print_json(dumped)
        return
    table = Table(title=f"settings for stage {settings.stage}", show_lines=False)
    table.add_column("key")
    table.add_column("value")
    for key, value in _flatten(dumped):
        table.add_row(key, "-" if value is None else str(value))
    console.print(table)


def _flatten(tree: dict, prefix: str = "") -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = []
    for key, value in tree.items():
        if isinstance(value, dict):
            rows.extend(_flatten(value, f"{prefix}{key}."))
        else:
            rows.append((f"{prefix}{key}", value))
    return rows


def main() -> None:
    app()


if __name__ == "__main__":
    main()
