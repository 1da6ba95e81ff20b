"""The `kb` command: a thin layer over kb.store and kb.ingest."""
from __future__ import annotations

from pathlib import Path

import click

from .store.build import BuildError, build
from .store.manifest import ManifestError

DEFAULT_DB = Path("build/kb.db")
DEFAULT_DATA = Path("data")

db_option = click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_DB,
                         show_default=True, help="SQLite file of the knowledge base.")


@click.group()
@click.version_option(package_name="cryo-kb")
def cli():
    """cryo-kb: medical policies on cryoablation as a queryable evidence base."""


@cli.command(name="build")
@db_option
@click.option("--data", "data_dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              default=DEFAULT_DATA, show_default=True, help="Folder with policies.yml, policies/ and curation/.")
@click.option("--strict", is_flag=True, help="Fail, writing nothing, on any error or warning.")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors and warnings.")
def build_command(db_path: Path, data_dir: Path, strict: bool, quiet: bool):
    """Parse every policy in DATA and write the knowledge base to DB (atomically)."""
    try:
        report = build(db_path, data_dir, strict=strict)
    except (BuildError, ManifestError) as exc:
        for problem in getattr(exc, "problems", []):
            click.echo(str(problem), err=True)
        raise click.ClickException(str(exc)) from None
    for problem in report.problems:
        if problem.severity != "info" or not quiet:
            click.echo(str(problem), err=True)
    if not quiet:
        counts = report.counts
        click.echo(f"{db_path}: {len(report.loaded)} policies, {counts['statements']} statements, "
                   f"{counts['criteria']} criteria, {counts['codes']} codes, {counts['policy_references']} references, "
                   f"{counts['citations']} citations, {len(report.problems)} problems noted")
    if report.failed:
        click.echo(f"not loaded: {', '.join(report.failed)} (see the messages above)", err=True)

