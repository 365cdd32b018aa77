"""Command line: `natograph build | serve | query | check | explain | export`, thin wrappers over the library."""

from __future__ import annotations

import sys

import click

from . import __version__
from .build import build
from .config import Config
from .errors import NatographError
from .progress import StepTimer


class NatographGroup(click.Group):
    """A click group that reports natograph errors as one clear message and their exit code."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except NatographError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=NatographGroup)
@click.version_option(__version__, prog_name="natograph")
@click.option("--root", type=click.Path(file_okay=False, exists=True), help="Project directory (default: current).")
@click.pass_context
def main(ctx: click.Context, root: str | None) -> None:
    """natograph: a reasoned knowledge graph of NATO operations, mandates, partners and summits."""
    ctx.obj = Config.load(root=root)


@main.command("build")
@click.option("--force", is_flag=True, help="Rebuild even if a snapshot of the same inputs exists.")
@click.option("--reasoner", type=click.Choice(["owlrl"]), default=None, help="OWL-RL engine (default: owlrl).")
@click.pass_obj
def build_command(config: Config, force: bool, reasoner: str | None) -> None:
    """Load, reason, check and snapshot the graph; reuse the snapshot if the inputs are unchanged."""
    if reasoner:
        config = config.replace(reasoner=reasoner)
    timer = StepTimer()
    result = build(config, force=force, timer=timer)
    click.echo(format_build_summary(result.manifest, reused=result.reused, timings=timer.timings))


def format_build_summary(manifest: dict, *, reused: bool, timings: dict[str, float]) -> str:
    """The human summary `natograph build` prints."""
    counts = manifest["counts"]
    lines = [
        f"snapshot {manifest['key']} ({'reused: inputs unchanged' if reused else 'built ' + manifest['created']})",
        f"loaded {len(manifest['inputs'])} files, {counts['asserted']} asserted triples:",
    ]
    lines += [f"  {entry['path']:<32} {entry['triples']:>6} triples" for entry in manifest["inputs"]]
    lines.append(f"inferred {counts['inferred']} triples with {manifest['reasoner']} (OWL 2 RL) and date bounds")
    for kind, number in manifest.get("dropped_trivial", {}).items():
        lines.append(f"  dropped {number:>6} trivial: {kind}")
    lines.append(f"total {counts['all']} triples; consistent (no OWL-RL clash)")
    shown = timings if reused else manifest["timings_seconds"]
    lines.append("timings: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in shown.items()))
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
