// The query page: a SPARQL editor (a textarea over a highlighted copy of its text), runs against /sparql,
// results as a table with links to resource pages, downloads in every format. Everything shown from a
// query or its results is inserted as text, never as markup.
"use strict";

(function () {
  const settings = JSON.parse(document.getElementById("query-settings").textContent);
  const examples = JSON.parse(document.getElementById("query-examples").textContent);
  const form = document.getElementById("query-form");
  const editor = document.getElementById("query");
  const highlight = document.getElementById("highlight");
  const status = document.getElementById("status");
  const results = document.getElementById("results");
  const summary = document.getElementById("summary");
  const downloads = document.getElementById("downloads");
  const table = document.getElementById("result-table");

  const SOLUTION_FORMATS = [["json", "SPARQL JSON", "srj"], ["xml", "SPARQL XML", "srx"], ["csv", "CSV", "csv"],
    ["tsv", "TSV", "tsv"]];
  const GRAPH_FORMATS = [["ttl", "Turtle", "ttl"], ["nt", "N-Triples", "nt"], ["jsonld", "JSON-LD", "jsonld"],
    ["rdfxml", "RDF/XML", "rdf"], ["trig", "TriG", "trig"], ["nq", "N-Quads", "nq"]];
  const KEYWORDS = new Set(("select construct ask describe where prefix base from named graph optional union minus " +
    "filter bind values service group by order having limit offset distinct reduced as not exists in asc desc " +
    "undef true false a load clear drop create add move copy insert delete with data using default all silent")
    .split(" "));
  const FUNCTIONS = new Set(("str lang langmatches datatype bound iri uri bnode rand abs ceil floor round concat " +
    "strlen ucase lcase encode_for_uri contains strstarts strends strbefore strafter year month day hours minutes " +
    "seconds timezone tz now uuid struuid md5 sha1 sha256 sha384 sha512 coalesce if strlang strdt sameterm isiri " +
    "isuri isblank isliteral isnumeric regex substr replace count sum min max avg sample group_concat separator")
    .split(" "));
  const TOKEN = new RegExp([
    "(#[^\\n]*)",                                                                     // 1 comment
    "(\"\"\"[\\s\\S]*?(?:\"\"\"|$)|'''[\\s\\S]*?(?:'''|$)|\"(?:[^\"\\\\\\n]|\\\\.)*\"?|'(?:[^'\\\\\\n]|\\\\.)*'?)", // 2 string
    "(<[^<>\"{}|^`\\\\\\u0000-\\u0020]*>)",                                           // 3 IRI
    "([?$][A-Za-z0-9_\\u00B7\\u00C0-\\uFFFF]+)",                                      // 4 variable
    "((?:[A-Za-z][\\w.-]*)?:[^\\s{}()\\[\\];,<>\"'#]*)",                              // 5 prefixed name
    "([A-Za-z_][A-Za-z0-9_]*)",                                                       // 6 word
    "([-+]?\\d+(?:\\.\\d*)?(?:[eE][-+]?\\d+)?)",                                      // 7 number
    "(@[A-Za-z]+(?:-[A-Za-z0-9]+)*|\\^\\^)",                                          // 8 language tag, datatype
    "([\\s\\S])",                                                                     // 9 anything else
  ].join("|"), "g");

  function tokenClass(match) {
    if (match[1] !== undefined) return "tok-comment";
    if (match[2] !== undefined) return "tok-string";
    if (match[3] !== undefined) return "tok-iri";
    if (match[4] !== undefined) return "tok-variable";
    if (match[5] !== undefined) return "tok-prefixed";
    if (match[6] !== undefined) {
      const word = match[6].toLowerCase();
      if (KEYWORDS.has(word)) return "tok-keyword";
      if (FUNCTIONS.has(word)) return "tok-function";
      return null;
    }
    if (match[7] !== undefined) return "tok-number";
    if (match[8] !== undefined) return "tok-annotation";
    return "{}()".includes(match[9]) ? "tok-brace" : null;
  }

  function renderHighlight() {
    const text = editor.value;
    const fragment = document.createDocumentFragment();
    TOKEN.lastIndex = 0;
    let match;
    let plain = "";
    while ((match = TOKEN.exec(text)) !== null) {
      const kind = tokenClass(match);
      if (kind === null) {
        plain += match[0];
        continue;
      }
      if (plain) {
        fragment.appendChild(document.createTextNode(plain));
        plain = "";
      }
      const span = document.createElement("span");
      span.className = kind;
      span.textContent = match[0];
      fragment.appendChild(span);
    }
    // A final newline keeps the copy as tall as the textarea when the text ends with an empty line.
    fragment.appendChild(document.createTextNode(plain + "\n"));
    highlight.replaceChildren(fragment);
    syncScroll();
  }

  function syncScroll() {
    highlight.parentElement.scrollTop = editor.scrollTop;
    highlight.parentElement.scrollLeft = editor.scrollLeft;
  }

  let pending = false;
  editor.addEventListener("input", function () {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      renderHighlight();
    });
  });
  editor.addEventListener("scroll", syncScroll);
  editor.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      run();
    } else if (event.key === "Tab" && !event.shiftKey) {
      event.preventDefault();
      const start = editor.selectionStart;
      editor.setRangeText("  ", start, editor.selectionEnd, "end");
      renderHighlight();
    }
  });

  document.getElementById("examples").addEventListener("change", function (event) {
    const chosen = examples.find(function (example) { return example.name === event.target.value; });
    if (chosen) {
      editor.value = chosen.text;
      renderHighlight();
      editor.focus();
    }
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    run();
  });

  function setStatus(text, kind) {
    status.textContent = text;
    status.className = kind || "";
  }

  async function run() {
    const query = editor.value;
    setStatus("running…", "busy");
    const started = performance.now();
    let response;
    try {
      response = await fetch(settings.endpoint, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          "Accept": "application/sparql-results+json, application/n-triples;q=0.9",
        },
        body: new URLSearchParams({query: query}),
      });
    } catch (error) {
      setStatus("the server could not be reached: " + error.message, "error");
      return;
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    const type = (response.headers.get("Content-Type") || "").split(";")[0].trim();
    if (!response.ok) {
      showError(response, type);
      return;
    }
    const truncated = response.headers.get("Natograph-Truncated") === "true";
    const url = new URL(window.location.href);
    url.searchParams.set("query", query);
    window.history.replaceState(null, "", url);
    if (type === "application/sparql-results+json") {
      const body = await response.json();
      if ("boolean" in body) {
        showTable(["answer"], [{answer: {type: "literal", value: body.boolean ? "yes" : "no"}}]);
        showSummary("ASK: " + (body.boolean ? "yes" : "no"), seconds, false);
      } else {
        showTable(body.head.vars, body.results.bindings);
        showSummary(body.results.bindings.length + " rows", seconds, truncated);
      }
      showDownloads(query, SOLUTION_FORMATS);
    } else {
      const triples = parseNTriples(await response.text());
      showTable(["subject", "predicate", "object"], triples);
      showSummary(triples.length + " triples", seconds, truncated);
      showDownloads(query, GRAPH_FORMATS);
    }
    setStatus("done in " + seconds + " s", "ok");
    results.hidden = false;
  }

  async function showError(response, type) {
    let message = response.status + " " + response.statusText;
    if (type === "application/json") {
      const error = await response.json();
      message = error.message || message;
    }
    results.hidden = true;
    setStatus(message, "error");
  }

  function showSummary(text, seconds, truncated) {
    summary.textContent = text + " in " + seconds + " s" +
      (truncated ? " — cut at the server's limit of " + settings.maxRows + " rows" : "");
  }

  function showDownloads(query, formats) {
    downloads.replaceChildren(document.createTextNode("Download: "));
    formats.forEach(function (format, index) {
      const link = document.createElement("a");
      link.href = settings.endpoint + "?" + new URLSearchParams({query: query, format: format[0]}).toString();
      link.textContent = format[1];
      link.setAttribute("download", "results." + format[2]);
      if (index) downloads.appendChild(document.createTextNode(" · "));
      downloads.appendChild(link);
    });
  }

  function showTable(variables, rows) {
    const head = document.createElement("thead");
    const headRow = document.createElement("tr");
    variables.forEach(function (name) {
      const cell = document.createElement("th");
      cell.scope = "col";
      cell.textContent = name;
      headRow.appendChild(cell);
    });
    head.appendChild(headRow);
    const body = document.createElement("tbody");
    rows.forEach(function (row) {
      const tableRow = document.createElement("tr");
      variables.forEach(function (name) {
        const cell = document.createElement("td");
        if (row[name]) cell.appendChild(renderTerm(row[name]));
        tableRow.appendChild(cell);
      });
      body.appendChild(tableRow);
    });
    table.replaceChildren(head, body);
  }

  function pagePath(iri) {
    const base = settings.resourceBase;
    if (!iri.startsWith(base)) return null;
    const rest = iri.slice(base.length);
    const hash = rest.indexOf("#");
    if (hash < 0) return "/" + rest;
    const documentPart = rest.slice(0, hash);
    const fragment = rest.slice(hash + 1);
    return documentPart === "ontology" && fragment ? "/ontology/" + fragment : "/" + documentPart;
  }

  function compactIri(iri) {
    for (const [prefix, namespace] of Object.entries(settings.prefixes)) {
      const local = iri.slice(namespace.length);
      if (iri.startsWith(namespace) && local && !/[/#]/.test(local)) return prefix + ":" + local;
    }
    return "<" + iri + ">";
  }

  function renderTerm(term) {
    if (term.type === "uri") {
      const path = pagePath(term.value);
      const target = path || (/^https?:\/\//.test(term.value) ? term.value : null);
      const element = document.createElement(target ? "a" : "span");
      if (target) element.href = target;
      element.title = term.value;
      element.textContent = compactIri(term.value);
      return element;
    }
    if (term.type === "bnode") {
      const element = document.createElement("span");
      element.className = "bnode";
      element.textContent = "_:" + term.value;
      return element;
    }
    const wrapper = document.createElement("span");
    const text = document.createElement("span");
    text.className = "literal";
    text.textContent = term.value;
    wrapper.appendChild(text);
    const annotation = term["xml:lang"] ? "@" + term["xml:lang"] : term.datatype ? compactIri(term.datatype) : "";
    if (annotation) {
      const small = document.createElement("small");
      small.className = "datatype";
      small.textContent = " " + annotation;
      wrapper.appendChild(small);
    }
    return wrapper;
  }

  const NT_TERM = "(<[^>]*>|_:\\S+|\"(?:[^\"\\\\]|\\\\.)*\"(?:@[A-Za-z0-9-]+|\\^\\^<[^>]*>)?)";
  const NT_LINE = new RegExp("^\\s*" + NT_TERM + "\\s+" + NT_TERM + "\\s+" + NT_TERM + "\\s*\\.\\s*$");

  function parseNTriples(text) {
    const triples = [];
    text.split("\n").forEach(function (line) {
      const match = NT_LINE.exec(line);
      if (match) triples.push({subject: ntTerm(match[1]), predicate: ntTerm(match[2]), object: ntTerm(match[3])});
    });
    return triples;
  }

  function ntTerm(text) {
    if (text.startsWith("<")) return {type: "uri", value: unescapeNt(text.slice(1, -1))};
    if (text.startsWith("_:")) return {type: "bnode", value: text.slice(2)};
    const close = text.lastIndexOf("\"");
    const term = {type: "literal", value: unescapeNt(text.slice(1, close))};
    const rest = text.slice(close + 1);
    if (rest.startsWith("@")) term["xml:lang"] = rest.slice(1);
    if (rest.startsWith("^^")) term.datatype = unescapeNt(rest.slice(3, -1));
    return term;
  }

  function unescapeNt(text) {
    return text.replace(/\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)/g, function (_, code) {
      if (code.length > 1) return String.fromCodePoint(parseInt(code.slice(1), 16));
      return {t: "\t", n: "\n", r: "\r", b: "\b", f: "\f"}[code] || code;
    });
  }

  renderHighlight();
  // A shared link (?query=…) runs its query as it opens.
  if (new URL(window.location.href).searchParams.has("query")) {
    run();
  }
})();
