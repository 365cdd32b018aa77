"""Result writers: SPARQL JSON, XML, CSV and TSV for bindings and booleans; RDF serialisations for graphs.

Graphs in JSON-LD are compact, with their context inline (jsonld.py): the project's context when the caller
has it, else the prefixes alone.
"""

from __future__ import annotations

import csv
import io
import json
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from . import OXIGRAPH_RDF_FORMAT, Format, ResultKind
from .jsonld import JsonLdContext, serialize_document
from ..store import AskResult, GraphResult, QueryResult, SelectResult
from ..vocab import PREFIXES

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
RESULTS_NAMESPACE = "http://www.w3.org/2005/sparql-results#"
# The member natograph adds to SPARQL JSON results; clients that do not know it ignore it.
JSON_EXTENSION_MEMBER = "natograph"


def result_kind(result: QueryResult) -> ResultKind:
    """Whether a result is bindings/boolean or a graph."""
    return ResultKind.GRAPH if isinstance(result, GraphResult) else ResultKind.SOLUTIONS


def serialize_result(result: QueryResult, fmt: Format, *, max_rows: int | None = None,
                     context: JsonLdContext | None = None) -> bytes:
    """The bytes of a query result in a format of its kind; `max_rows` is reported when the result was cut.

    A graph in JSON-LD is compacted with `context` (the snapshot's, `jsonld.store_context`) when given.
    """
    if fmt.kind is not result_kind(result):
        raise ValueError(f"{fmt.name} cannot express a {result_kind(result).value} result")
    if isinstance(result, GraphResult):
        return serialize_graph(result.triples, fmt, context=context, pretty=False)
    writer = {
        Format.SPARQL_JSON: write_json,
        Format.SPARQL_XML: write_xml,
        Format.CSV: write_csv,
        Format.TSV: write_tsv,
    }[fmt]
    return writer(result, max_rows=max_rows)


def serialize_graph(triples, fmt: Format, *, prefixes: dict[str, str] | None = None,
                    context: JsonLdContext | None = None, pretty: bool = True) -> bytes:
    """Triples in an RDF format (natograph's prefixes unless others are given); N-Quads and TriG put them in the default graph.

    JSON-LD is compact against `context` (with any of `prefixes` it lacks), else against the prefixes alone;
    `pretty` indents it.
    """
    if fmt is Format.JSON_LD:
        return serialize_document(_json_ld_context(context, prefixes), triples, pretty=pretty)
    rdf_format = OXIGRAPH_RDF_FORMAT[fmt]
    if rdf_format.supports_datasets:
        triples = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples]
    return ox.serialize(triples, format=rdf_format, prefixes=PREFIXES if prefixes is None else prefixes)


def _json_ld_context(context: JsonLdContext | None, prefixes: dict[str, str] | None) -> JsonLdContext:
    if context is None:
        return JsonLdContext((), PREFIXES if prefixes is None else prefixes)
    return context if prefixes is None else context.with_prefixes(prefixes)


def write_json(result: SelectResult | AskResult, *, max_rows: int | None = None) -> bytes:
    """SPARQL 1.1 Query Results JSON, with a `natograph` member saying whether rows were cut."""
    if isinstance(result, AskResult):
        document = {"head": {}, "boolean": result.value}
    else:
        json_term = _json_term
        bindings = [
            {name: json_term(term) for name, term in zip(result.variables, row) if term is not None}
            for row in result.rows
        ]
        extension = {"truncated": result.truncated}
        if result.truncated and max_rows is not None:
            extension["max_rows"] = max_rows
        # Before "results": streaming parsers (Oxigraph's among them) stop reading after the bindings.
        document = {"head": {"vars": result.variables}, JSON_EXTENSION_MEMBER: extension,
                    "results": {"bindings": bindings}}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _json_term(term) -> dict:
    kind = type(term)  # pyoxigraph's term classes cannot be subclassed: one look-up instead of isinstance after another
    if kind is ox.Literal:
        encoded = {"type": "literal", "value": term.value}
        language = term.language
        if language:
            encoded["xml:lang"] = language
        else:
            datatype = term.datatype.value
            if datatype != XSD_STRING:
                encoded["datatype"] = datatype
        return encoded
    if kind is ox.NamedNode:
        return {"type": "uri", "value": term.value}
    if kind is ox.BlankNode:
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": _json_term(term.subject),
                "predicate": _json_term(term.predicate),
                "object": _json_term(term.object),
            },
        }
    raise TypeError(f"not an RDF term: {term!r}")


def write_xml(result: SelectResult | AskResult, *, max_rows: int | None = None) -> bytes:
    """SPARQL Query Results XML."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n', f"<sparql xmlns={quoteattr(RESULTS_NAMESPACE)}>\n"]
    if isinstance(result, AskResult):
        parts.append("<head/>\n")
        parts.append(f"<boolean>{'true' if result.value else 'false'}</boolean>\n")
    else:
        parts.append("<head>" + "".join(f"<variable name={quoteattr(v)}/>" for v in result.variables) + "</head>\n")
        parts.append("<results>\n")
        for row in result.rows:
            parts.append("<result>")
            for name, term in zip(result.variables, row):
                if term is not None:
                    parts.append(f"<binding name={quoteattr(name)}>{_xml_term(term)}</binding>")
            parts.append("</result>\n")
        parts.append("</results>\n")
    parts.append("</sparql>\n")
    return "".join(parts).encode("utf-8")


def _xml_term(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    if isinstance(term, ox.Triple):
        return (
            f"<triple><subject>{_xml_term(term.subject)}</subject>"
            f"<predicate>{_xml_term(term.predicate)}</predicate>"
            f"<object>{_xml_term(term.object)}</object></triple>"
        )
    raise TypeError(f"not an RDF term: {term!r}")


def write_csv(result: SelectResult | AskResult, *, max_rows: int | None = None) -> bytes:
    """SPARQL 1.1 CSV: plain values (IRIs, lexical forms, `_:` blank nodes), CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if isinstance(result, AskResult):
        writer.writerow(["boolean"])
        writer.writerow(["true" if result.value else "false"])
    else:
        writer.writerow(result.variables)
        for row in result.rows:
            writer.writerow(["" if term is None else _csv_value(term) for term in row])
    return out.getvalue().encode("utf-8")


def _csv_value(term) -> str:
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return term.value
    return str(term)


def write_tsv(result: SelectResult | AskResult, *, max_rows: int | None = None) -> bytes:
    """SPARQL 1.1 TSV: `?var` headers and values in Turtle syntax, one row a line."""
    if isinstance(result, AskResult):
        return f"?boolean\n{'true' if result.value else 'false'}\n".encode("utf-8")
    lines = ["\t".join(f"?{name}" for name in result.variables)]
    for row in result.rows:
        lines.append("\t".join("" if term is None else _tsv_value(term) for term in row))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _tsv_value(term) -> str:
    # N-Triples syntax escapes newlines and quotes but leaves tabs raw; a raw tab would split the cell.
    return str(term).replace("\t", "\\t")
