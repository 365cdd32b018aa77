"""Command line: `natograph build | serve | query | upload | check | explain | review | export`, thin wrappers over the library."""

from __future__ import annotations

import difflib
import os
import sys

import click

from .. import __version__
from ..build import build, ensure_snapshot
from ..config import Config
from ..errors import ConfigError, InconsistencyError, InputFileError, NatographError
from ..build.progress import StepTimer


class NatographGroup(click.Group):
    """A click group that reports natograph errors as one clear message and their exit code."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except NatographError as exc:
            click.echo(f"error: {exc}", err=True)
            for line in candidate_lines(exc):
                click.echo(line, err=True)
            ctx.exit(exc.exit_code)


def candidate_lines(error: NatographError) -> list[str]:
    """The "did you mean" lines of an error that names candidates (as the HTTP API lists them)."""
    candidates = getattr(error, "candidates", None) or []
    if not candidates:
        return []
    lines = ["did you mean:"]
    for candidate in candidates:
        if isinstance(candidate, dict):
            label = f" — {candidate['label']}" if candidate.get("label") else ""
            lines.append(f"  {candidate.get('name') or candidate.get('iri')}{label}")
        else:
            lines.append(f"  {candidate}")
    return lines


@click.group(cls=NatographGroup)
@click.version_option(__version__, prog_name="natograph")
@click.option("--root", type=click.Path(file_okay=False, exists=True), help="Project directory (default: current).")
@click.pass_context
def main(ctx: click.Context, root: str | None) -> None:
    """natograph: a reasoned knowledge graph of NATO operations, mandates, partners and summits."""
    ctx.obj = Config.load(root=root)


@main.command("build")
@click.option("--force", is_flag=True, help="Rebuild even if a snapshot of the same inputs exists.")
@click.option("--reasoner", type=click.Choice(["natograph", "owlrl"]), default=None,
              help="OWL-RL engine: natograph's own (default) or owlrl, the reference.")
@click.pass_obj
def build_command(config: Config, force: bool, reasoner: str | None) -> None:
    """Load, reason, check and snapshot the graph; reuse the snapshot if the inputs are unchanged."""
    if reasoner:
        config = config.replace(reasoner=reasoner)
    timer = StepTimer()
    result = build(config, force=force, timer=timer)
    click.echo(format_build_summary(result.manifest, reused=result.reused, timings=timer.timings))
    if force and result.reused:
        click.echo(f"note: snapshot {result.key} is open in a running process (a server?), so it was kept and the "
                   "rebuilt copy dropped: the same inputs build the same graph", err=True)


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


@main.command("query")
@click.argument("name", required=False)
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE", help="A canned query parameter.")
@click.option("--list", "list_queries", is_flag=True, help="List the canned queries and their parameters.")
@click.option("--sparql", help="Run this free SPARQL query instead of a canned one.")
@click.option("--file", "query_file", type=click.File("r", encoding="utf-8"), help="Run the free SPARQL query in this file.")
@click.option("--format", "output_format", type=click.Choice(["table", "csv", "tsv", "json"]), default="table",
              show_default=True, help="Output format for SELECT/ASK results (graphs print as Turtle).")
@click.option("--max-rows", type=int, default=None, help="Row limit (default: the max_rows setting).")
@click.option("--raw", is_flag=True,
              help="Table cells as RDF terms (\"3500\"^^xsd:integer, natoid:…) instead of values and labels.")
@click.pass_obj
def query_command(config, name, params, list_queries, sparql, query_file, output_format, max_rows, raw):
    """Run a canned query by NAME, or free SPARQL with --sparql/--file, on the current snapshot (no server)."""
    from ..query.canned import bind_parameters, load_catalogue
    from ..errors import NotFoundError, ParameterError
    from ..store import EmbeddedStore, QueryLimits, open_store

    catalogue = load_catalogue(config.queries_path)
    if list_queries:
        click.echo(format_catalogue(catalogue))
        return
    if sum(bool(x) for x in (name, sparql, query_file)) != 1:
        raise click.UsageError("give exactly one of: a canned query NAME, --sparql, --file")
    store = open_store(config, ensure_snapshot(config))
    limits = QueryLimits(max_rows=max_rows or config.max_rows)
    if name:
        if name not in catalogue:
            close = difflib.get_close_matches(name, list(catalogue), n=3, cutoff=0.5)
            hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ";"
            raise NotFoundError(f"no canned query '{name}'{hint} `natograph query --list` shows them")
        given = {}
        for item in params:
            key, sep, value = item.partition("=")
            if not sep:
                raise ParameterError(item, "expected NAME=VALUE")
            given[key] = value
        canned = catalogue[name]
        result = store.query(canned.query, bindings=bind_parameters(canned, given, store), limits=limits)
    else:
        text = sparql or query_file.read()
        if isinstance(store, EmbeddedStore):
            store = isolated(store)
        result = store.query(text, limits=limits)
    click.echo(format_result(result, output_format, labels=None if raw else labels_in(store, result)))


def labels_in(store, result) -> dict[str, str]:
    """The labels of the IRIs of a SELECT result, for the table (empty for other results)."""
    import pyoxigraph as ox

    from ..query.describe import labels_of
    from ..store import SelectResult

    if not isinstance(result, SelectResult):
        return {}
    return labels_of(store, {t for row in result.rows for t in row if isinstance(t, ox.NamedNode)})


def isolated(store):
    """The embedded store after this process has left the network, so a free query cannot open a connection.

    Where the machine cannot (no network namespaces), the store refuses any text that could call SERVICE.
    """
    import dataclasses

    from ..query.sandbox import SandboxError, leave_network

    try:
        leave_network()
    except SandboxError:
        return store
    return dataclasses.replace(store, network_isolated=True)


def format_catalogue(catalogue) -> str:
    """The `--list` text: each canned query with its summary and parameters."""
    lines = []
    for query in catalogue.values():
        lines.append(f"{query.name}: {query.summary}")
        for p in query.parameters:
            default = f" [default {p.default}]" if p.default is not None else (" (required)" if p.required else "")
            values = f" (one of: {', '.join(p.values)})" if p.values else ""
            lines.append(f"    --param {p.name}=…  {p.type}{default}: {p.description or p.accepts()}{values}")
    return "\n".join(lines)


def format_result(result, output_format: str, *, labels: dict[str, str] | None = None) -> str:
    """A query result as text for the terminal (table) or in a standard results format.

    With `labels`, table cells are readable: IRIs by their labels, literals by their values; without, RDF terms.
    """
    from ..formats import Format
    from ..formats.results import serialize_graph, serialize_result
    from ..store import GraphResult, SelectResult
    from .table import render_table

    if isinstance(result, GraphResult):
        return serialize_graph(result.triples, Format.TURTLE).decode("utf-8")
    if output_format == "table":
        if isinstance(result, SelectResult):
            return render_table(result, labels=labels)
        return "yes" if result.value else "no"
    chosen = {"csv": Format.CSV, "tsv": Format.TSV, "json": Format.SPARQL_JSON}[output_format]
    return serialize_result(result, chosen).decode("utf-8")


@main.command("check")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Report format.")
@click.pass_context
def check_command(ctx: click.Context, output_format: str) -> None:
    """Check consistency, unsatisfiable classes, SHACL shapes and entailment expectations; exit 1 on any finding."""
    import json

    from ..build.check.report import format_text, run_checks

    report = run_checks(ctx.obj)
    click.echo(json.dumps(report.to_dict(), indent=2) if output_format == "json" else format_text(report))
    ctx.exit(report.exit_code)


@main.command("explain")
@click.argument("s")
@click.argument("p")
@click.argument("o")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="An indented tree, or JSON.")
@click.pass_context
def explain_command(ctx: click.Context, s: str, p: str, o: str, output_format: str) -> None:
    """Why the graph holds the triple S P O: the OWL 2 RL rule and premises, down to asserted triples and their lines.

    Terms are prefixed names (natoid:kfor, rdf:type or a), IRIs in <…>, or Turtle literals ('"1999"^^xsd:gYear').
    Exits 1 if the graph does not entail the triple.
    """
    import json

    from ..sparql.explain import explain, parse_triple
    from ..build.load import graph_input_files
    from ..build.provenance import SourceIndex
    from ..snapshot.source_lines import open_source_lines

    triple = parse_triple(s, p, o)
    config = ctx.obj
    snapshot = ensure_snapshot(config)
    # The lines `natograph check` saved with the snapshot, or (none saved yet) the files parsed now.
    saved, _ = open_source_lines(snapshot)
    explanation = explain(snapshot.store, triple, sources=saved or SourceIndex.from_files(graph_input_files(config)))
    click.echo(json.dumps(explanation.to_dict(), indent=2) if output_format == "json" else explanation.render())
    ctx.exit(1 if explanation.status == "not-entailed" else 0)


@main.command("review")
@click.argument("document")
@click.option("--text", "text_file", type=click.File("r", encoding="utf-8"), default=None,
              help="The document's text (e.g. ../shared/sources/002_….txt): each line is printed above its statements.")
@click.pass_obj
def review_command(config: Config, document: str, text_file) -> None:
    """What a source DOCUMENT (source-002, or a reference) states, line by line: to read beside the document.

    With --text, every line of the document is printed, each followed by the statements recorded for it, so
    that a line stating a fact the graph lacks shows as a line with nothing under it.
    """
    from ..query.canned import bind_parameters, load_catalogue
    from ..rdf.terms import compact
    from ..store import open_store

    query = load_catalogue(config.queries_path)["document-statements"]
    snapshot = ensure_snapshot(config)
    store = open_store(config, snapshot)
    result = store.query(query.query, bindings=bind_parameters(query, {"document": document}, store))
    by_line: dict[int | None, list[str]] = {}
    for row in result.rows:
        line, subject, _, prop, value = row[:5]
        by_line.setdefault(int(line.value) if line is not None else None, []).append(
            f"{compact(subject)} {compact(prop)} {compact(value)}")
    if text_file is None:
        for line, statements in sorted(by_line.items(), key=lambda item: item[0] or 0):
            click.echo(f"line {line}:" if line is not None else "(no line: a public reference)")
            click.echo("".join(f"    {statement}\n" for statement in statements), nl=False)
        return
    for number, text in enumerate(text_file.read().splitlines(), 1):
        click.echo(f"{number:>4} | {text}")
        click.echo("".join(f"         {statement}\n" for statement in by_line.pop(number, [])), nl=False)
    for line in sorted(line for line in by_line if line is not None):
        click.echo(f"error: statements recorded for line {line}, past the end of the text given", err=True)


@main.command("export")
@click.option("--format", "output_format", type=click.Choice(["ttl", "nt", "jsonld", "rdfxml", "trig", "nq"]),
              default="ttl", show_default=True, help="RDF format; trig and nq keep the named graphs.")
@click.option("--graph", "selection", type=click.Choice(["asserted", "inferred", "all"]), default="all",
              show_default=True, help="Which triples: stated in the files, inferred by the reasoner, or both.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default=None,
              help="File to write (default: standard output); written whole or not at all.")
@click.pass_obj
def export_command(config: Config, output_format: str, selection: str, output: str | None) -> None:
    """Write the current snapshot's graph as one RDF file: the same dumps the server offers at /dump/."""
    from ..formats.dump import GraphSelection, write_dump, write_dump_file
    from ..errors import OutputFileError
    from ..formats import Format

    fmt = next(f for f in Format if f.short_name == output_format)
    snapshot = ensure_snapshot(config)
    if output is None:
        sys.stdout.flush()
        write_dump(snapshot, fmt, GraphSelection(selection), sys.stdout.buffer)
        return
    try:
        write_dump_file(snapshot, fmt, GraphSelection(selection), output)
    except OSError as exc:
        raise OutputFileError(output, exc.strerror or str(exc)) from None
    size = os.path.getsize(output)
    which = {"all": "asserted and inferred", "asserted": "asserted", "inferred": "inferred"}[selection]
    click.echo(f"wrote {output}: the {which} triples of snapshot {snapshot.key} as {fmt.short_name} "
               f"({size:,} bytes)", err=True)


@main.command("upload")
@click.option("--data-url", default=None,
              help="Graph Store Protocol endpoint of the SPARQL server (default: the store_data_url setting).")
@click.option("--update-url", default=None,
              help="SPARQL Update endpoint of the server (default: the store_update_url setting): with it, the "
                   "graphs go into staging graphs, are counted there and replace the served ones in one update.")
@click.option("--user", default=None,
              help="User to authenticate as (default: the store_user setting); the password is read from "
                   "NATOGRAPH_STORE_PASSWORD or --password-file, never from the command line.")
@click.option("--password-file", type=click.Path(dir_okay=False, exists=True), default=None,
              help="File whose first line is the user's password.")
@click.option("--chunk-triples", type=click.IntRange(1), default=None,
              help="Triples per request (default: the store_upload_chunk_triples setting, 50,000); a blank "
                   "node's triples stay in one request.")
@click.option("--bulk/--no-bulk", default=None,
              help="With --update-url: send the staging graphs to the data URL as N-Quads for the server's bulk "
                   "loader (Oxigraph server's /store with no_transaction) and switch in only the triples that "
                   "change (default: when the server says it is Oxigraph server).")
@click.option("--check-answers/--no-check-answers", default=True, show_default=True,
              help="With store_url: after the counts, run every canned query on the server and on the snapshot "
                   "and fail naming each whose answers differ.")
@click.pass_obj
def upload_command(config: Config, data_url: str | None, update_url: str | None, user: str | None,
                   password_file: str | None, chunk_triples: int | None, bulk: bool | None,
                   check_answers: bool) -> None:
    """Load the current snapshot into a SPARQL server (store = remote), replacing its default and named graphs.

    Publishing again replaces the graphs (never adds to them); with store_url set, each graph's triples are
    then counted on the server and compared with the snapshot's. With an update endpoint (--update-url) the
    switch is atomic: the server serves the old graphs until the new ones are all there and counted. On
    Oxigraph server the graphs go through its bulk loader (--bulk, the default there). Last, every canned query
    is asked of the server and of the snapshot, and answers that differ fail the upload (--no-check-answers skips).
    """
    from ..store.publish import is_oxigraph_server, upload_snapshot

    target = data_url or config.store_data_url
    user = user or config.store_user or None
    password = None
    if password_file:
        with open(password_file, encoding="utf-8") as file:
            password = file.readline().rstrip("\r\n")
    elif user:
        password = os.environ.get("NATOGRAPH_STORE_PASSWORD")
        if password is None:
            raise ConfigError(f"--user {user} needs a password: set NATOGRAPH_STORE_PASSWORD or pass --password-file")

    def progress(graph: str, sent: int, total: int) -> None:
        click.echo(f"  {graph}: {sent:,} of {total:,} triples", err=True)

    update_url = update_url or config.store_update_url
    if update_url and bulk is None and target:
        bulk = is_oxigraph_server(target)
    notes: list[str] = []
    snapshot = ensure_snapshot(config)
    uploaded = upload_snapshot(snapshot, target, query_url=config.store_url, update_url=update_url,
                               default_graph=config.store_default_graph or None, user=user, password=password,
                               progress=progress, chunk_triples=chunk_triples or config.store_upload_chunk_triples,
                               bulk=bulk, note=notes.append)
    verified = " through the server's bulk loader" if bulk else ""
    verified += ", triple counts verified on the server" if config.store_url else ""
    verified += "".join(f", {note}" for note in notes) or (", switched in by one update" if update_url else "")
    click.echo(f"uploaded {sum(uploaded.values())} triples in {len(uploaded)} graphs to {target}{verified}")
    if config.store_url and check_answers:
        from ..query.canned import load_catalogue
        from ..query.verify import check_published_answers
        from ..store import QueryLimits, open_remote_store

        server = open_remote_store(config.store_url, snapshot, config.store_default_graph)
        served_limits = QueryLimits(timeout_ms=config.query_timeout_ms, max_rows=config.max_rows)
        checked = check_published_answers(snapshot, server, load_catalogue(config.queries_path), served_limits)
        click.echo(f"the server answers the {checked.compared} canned-query runs as the snapshot does")
        if checked.range_warnings:
            click.echo(f"warning: the server counts {len(checked.range_warnings)} of {checked.probes} comparisons "
                       "`value <= highest value` otherwise than the snapshot, so queries comparing values so can miss "
                       "or add rows (README, \"Found, and translated\"):", err=True)
            for warning in checked.range_warnings:
                click.echo(f"  {warning.describe()}", err=True)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option("--check", "run_check", is_flag=True,
              help="Print the check report before serving (the snapshot always carries it: /check, /explain).")
@click.pass_obj
def serve_command(config: Config, host: str, port: int, run_check: bool) -> None:
    """Build the snapshot if needed, then serve it: SPARQL 1.1 endpoint at /sparql, landing page at /.

    If the inputs do not build (a malformed file, an inconsistent graph), the last good snapshot is served,
    marked stale (stderr, /health, the landing page); with none, the build's error and exit code.
    """
    from ..serve.server import exec_server, serve

    timer = StepTimer()
    try:
        result = build(config, timer=timer)
    except (InputFileError, InconsistencyError) as exc:
        serve_last_good_snapshot(config, exc, host=host, port=port, check_skipped=run_check)
        raise  # there is none: the build's error is the answer, with its exit code
    click.echo(format_build_summary(result.manifest, reused=result.reused, timings=timer.timings))
    if run_check:
        from ..build.check.report import format_text, run_checks

        # Findings are reported and served, not fatal: the graph is still worth querying while they are fixed.
        click.echo(format_text(run_checks(config)))
    click.echo(f"serving snapshot {result.key} at http://{host}:{port}/ (SPARQL endpoint: /sparql); Ctrl-C stops")
    if result.reused and not run_check:
        # Nothing was built and no store was opened here: serving from this process saves a second start-up.
        serve(config, host=host, port=port)
    else:
        exec_server(config, host=host, port=port)


def serve_last_good_snapshot(config: Config, error: NatographError, *, host: str, port: int,
                             check_skipped: bool = False) -> None:
    """After a build failed on its inputs, serve the current snapshot, saying loudly it is stale (if there is one)."""
    from ..serve.server import exec_server
    from ..snapshot import current_key, read_manifest

    key = current_key(config)
    if key is None:
        return
    created = read_manifest(config, key).get("created")
    click.echo(f"warning: the build failed: {error}", err=True)
    click.echo(f"warning: serving the last good snapshot {key} (built {created}), which is STALE: fix the input "
               f"and restart to serve it; /health and / say so meanwhile", err=True)
    if check_skipped:
        click.echo("warning: --check skipped: the inputs do not build", err=True)
    click.echo(f"serving snapshot {key} at http://{host}:{port}/ (SPARQL endpoint: /sparql); Ctrl-C stops")
    # The failed build may have opened a store: a fresh interpreter inherits nothing from it.
    exec_server(config, host=host, port=port)


