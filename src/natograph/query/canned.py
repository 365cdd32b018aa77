"""Canned queries: queries/*.rq with `#+` YAML headers (grlc style) → a typed, parameterised catalogue."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import pyoxigraph as ox
import yaml

from ..rdf.dates import day_range
from ..errors import NatographError, ParameterError, QueryRefusedError
from .form import QueryForm, query_form
from ..sparql import read_query
from ..sparql.text import QueryText
from ..store import SelectResult, Store
from ..vocab import NATOID, PREFIXES

PARAMETER_TYPES = ("iri", "date", "integer", "string", "enum")
XSD = "http://www.w3.org/2001/XMLSchema#"
_DATE_FORMS = {
    re.compile(r"^\d{4}$"): "gYear",
    re.compile(r"^\d{4}-\d{2}$"): "gYearMonth",
    re.compile(r"^\d{4}-\d{2}-\d{2}$"): "date",
}
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MAX_CANDIDATES = 20
# libyaml's safe loader when PyYAML has it: the catalogue loads at every server start.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CatalogueError(NatographError):
    """A canned query file whose header is malformed; names the file and what is wrong."""

    kind = "catalogue-error"


@dataclass(frozen=True)
class Parameter:
    """A typed parameter of a canned query, bound to the query variable of the same name."""

    name: str
    type: str
    description: str = ""
    required: bool = False
    default: str | None = None
    example: str | None = None
    values: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()

    def accepts(self) -> str:
        """What this parameter accepts, in words, for error messages and documentation."""
        if self.type == "iri":
            kinds = " or ".join(compact_iri(c) for c in self.classes) or "resource"
            return f"the IRI, the slug, or a label or acronym of exactly one {kinds}"
        if self.type == "date":
            return "a year (2014), a year and month (2014-12) or a date (2014-12-28)"
        if self.type == "integer":
            return "an integer"
        if self.type == "enum":
            return "one of: " + ", ".join(self.values)
        return "a string"

    def variables(self) -> tuple[str, ...]:
        """The query variables this parameter binds (dates bind their earliest and latest day too)."""
        if self.type == "date":
            return (self.name, f"{self.name}_earliest", f"{self.name}_latest")
        return (self.name,)


@dataclass(frozen=True)
class CannedQuery:
    """One reviewed query file with its metadata."""

    name: str
    summary: str
    description: str
    tags: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    query: QueryText
    form: QueryForm
    path: Path = field(compare=False)

    @property
    def text(self) -> str:
        """The file's text, as it runs (its `#+` header is made of comments)."""
        return self.query.text

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)


def load_catalogue(queries_dir: Path) -> dict[str, CannedQuery]:
    """Every queries/*.rq file, by name (the file name without .rq)."""
    if not queries_dir.is_dir():
        raise CatalogueError(f"{queries_dir}: canned query directory not found")
    catalogue = {}
    for path in sorted(queries_dir.glob("*.rq")):
        query = parse_query_file(path)
        catalogue[query.name] = query
    return catalogue


def parse_query_file(path: Path) -> CannedQuery:
    """Read one .rq file and its `#+` header; a malformed header raises CatalogueError."""
    text = path.read_text(encoding="utf-8")
    header_lines = [line[3:] if line.startswith("#+ ") else line[2:] for line in text.splitlines()
                    if line.startswith("#+")]
    try:
        header = yaml.load("\n".join(header_lines), Loader=YAML_LOADER) or {}
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path.name}: the #+ header is not valid YAML: {exc}") from None
    if not isinstance(header, dict) or not header.get("summary"):
        raise CatalogueError(f"{path.name}: the #+ header needs at least a summary")
    query = QueryText(text)
    try:
        form = query_form(query)
    except QueryRefusedError:
        form = QueryForm.UNKNOWN
    if form is QueryForm.UNKNOWN:
        raise CatalogueError(f"{path.name}: not a SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE)")
    parameters = tuple(_parameter(path.name, spec) for spec in header.get("params") or [])
    for parameter in parameters:
        if not query.variables & set(parameter.variables()):
            raise CatalogueError(f"{path.name}: parameter '{parameter.name}' is not a variable of the query")
    if parameters:
        try:
            query.where_offset  # read now, once: each run binds its parameters there
        except ValueError:
            raise CatalogueError(f"{path.name}: parameters need a WHERE group to be bound in") from None
    return CannedQuery(
        name=path.stem,
        summary=str(header["summary"]),
        description=str(header.get("description", "")).strip(),
        tags=tuple(header.get("tags") or ()),
        parameters=parameters,
        query=query,
        form=form,
        path=path,
    )


def _parameter(file_name: str, spec) -> Parameter:
    if not isinstance(spec, dict) or not _NAME.match(str(spec.get("name", ""))):
        raise CatalogueError(f"{file_name}: each parameter needs a lower-case `name`: {spec!r}")
    kind = spec.get("type")
    if kind not in PARAMETER_TYPES:
        raise CatalogueError(f"{file_name}: parameter '{spec['name']}' has type {kind!r}; use one of {PARAMETER_TYPES}")
    classes = spec.get("class") or ()
    classes = (classes,) if isinstance(classes, str) else tuple(classes)
    values = tuple(str(v) for v in spec.get("values") or ())
    if kind == "enum" and not values:
        raise CatalogueError(f"{file_name}: enum parameter '{spec['name']}' needs `values`")
    default = spec.get("default")
    return Parameter(
        name=spec["name"],
        type=kind,
        description=str(spec.get("description", "")),
        required=bool(spec.get("required", default is None)),
        default=None if default is None else str(default),
        example=None if spec.get("example") is None else str(spec["example"]),
        values=values,
        classes=tuple(expand_iri(c) for c in classes),
    )


def expand_iri(name: str) -> str:
    """A full IRI for a prefixed name such as nato:Operation (full IRIs pass through)."""
    prefix, _, local = name.partition(":")
    if prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    return name.strip("<>")


def compact_iri(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def bind_parameters(query: CannedQuery, given: Mapping[str, str], store: Store, *,
                    allow_missing: bool = False) -> dict[str, object]:
    """Typed RDF terms for every parameter of `query`; a missing or invalid one raises ParameterError.

    With `allow_missing`, a required parameter not given is left out instead (a form still to be filled in
    has its given values checked)."""
    unknown = set(given) - {p.name for p in query.parameters}
    if unknown:
        name = sorted(unknown)[0]
        known = ", ".join(p.name for p in query.parameters) or "none"
        raise ParameterError(name, f"'{query.name}' has no such parameter", accepts=f"parameters: {known}")
    bindings: dict[str, object] = {}
    for parameter in query.parameters:
        raw = given.get(parameter.name)
        if raw is None or raw == "":
            if parameter.default is None:
                if parameter.required and not allow_missing:
                    raise ParameterError(parameter.name, "is required", accepts=parameter.accepts())
                continue
            raw = parameter.default
        bindings.update(_term(parameter, raw.strip(), store))
    return bindings


def _term(parameter: Parameter, raw: str, store: Store) -> dict[str, object]:
    if parameter.type == "integer":
        if not re.fullmatch(r"[+-]?\d+", raw):
            raise ParameterError(parameter.name, f"{raw!r} is not an integer", accepts=parameter.accepts())
        return {parameter.name: ox.Literal(str(int(raw)), datatype=ox.NamedNode(XSD + "integer"))}
    if parameter.type == "string":
        return {parameter.name: ox.Literal(raw)}
    if parameter.type == "enum":
        if raw not in parameter.values:
            raise ParameterError(parameter.name, f"{raw!r} is not allowed", accepts=parameter.accepts())
        return {parameter.name: ox.Literal(raw)}
    if parameter.type == "date":
        return _date_terms(parameter, raw)
    return {parameter.name: resolve_resource(parameter, raw, store)}


def _date_terms(parameter: Parameter, raw: str) -> dict[str, object]:
    datatype = next((dt for pattern, dt in _DATE_FORMS.items() if pattern.match(raw)), None)
    span = day_range(raw, XSD + datatype) if datatype else None
    if span is None:
        raise ParameterError(parameter.name, f"{raw!r} is not a date", accepts=parameter.accepts())
    date = ox.NamedNode(XSD + "date")
    earliest, latest = parameter.variables()[1:]
    return {
        parameter.name: ox.Literal(raw, datatype=ox.NamedNode(XSD + datatype)),
        earliest: ox.Literal(span[0].isoformat(), datatype=date),
        latest: ox.Literal(span[1].isoformat(), datatype=date),
    }


def resolve_resource(parameter: Parameter, raw: str, store: Store) -> ox.NamedNode:
    """The one resource an IRI, prefixed name, slug, label or acronym names, among the parameter's classes."""
    if raw.startswith(("http://", "https://", "<")) or (":" in raw and raw.split(":", 1)[0] in PREFIXES):
        iri = expand_iri(raw)
        try:
            candidates = [ox.NamedNode(iri)]
        except ValueError:
            raise ParameterError(parameter.name, f"{raw!r} is not a valid IRI", accepts=parameter.accepts()) from None
    elif _SLUG.match(raw) and _resources(store, "resource-of-class.rq", parameter, ox.NamedNode(str(NATOID) + raw)):
        candidates = [ox.NamedNode(str(NATOID) + raw)]
    else:
        candidates = _resources(store, "resources-named.rq", parameter, ox.Literal(raw.casefold()))
        if len(candidates) > 1:
            raise ParameterError(parameter.name, f"{raw!r} is ambiguous", accepts=parameter.accepts(),
                                 candidates=_describe(store, candidates))
    if len(candidates) == 1 and _resources(store, "resource-of-class.rq", parameter, candidates[0]):
        return candidates[0]
    raise ParameterError(parameter.name, f"{raw!r} names no known {_class_words(parameter)}",
                         accepts=parameter.accepts(), candidates=_describe(store, _similar(store, parameter, raw)))


def _class_words(parameter: Parameter) -> str:
    return " or ".join(compact_iri(c) for c in parameter.classes) or "resource"


def _resources(store: Store, query_file: str, parameter: Parameter, value) -> list[ox.NamedNode]:
    text = read_query(query_file)
    found: list[ox.NamedNode] = []
    for cls in parameter.classes or (None,):
        bindings = {"value": value}
        if cls is not None:
            bindings["class"] = ox.NamedNode(cls)
        result = store.query(text, bindings=bindings)
        assert isinstance(result, SelectResult)
        found += [row[0] for row in result.rows if row[0] not in found]
    return found


def _similar(store: Store, parameter: Parameter, raw: str) -> list[ox.NamedNode]:
    return _resources(store, "resources-like.rq", parameter, ox.Literal(raw.casefold()))[:MAX_CANDIDATES]


def _describe(store: Store, resources_: list[ox.NamedNode]) -> list[dict]:
    text = read_query("label-of.rq")
    described = []
    for resource in resources_:
        result = store.query(text, bindings={"resource": resource})
        label = result.rows[0][0].value if result.rows and result.rows[0][0] is not None else ""
        described.append({"iri": resource.value, "name": compact_iri(resource.value), "label": label})
    return described

