// The SPARQL editor at /query: YASGUI (vendored) set up for natograph. The endpoint is this server's; the
// natograph prefixes are predeclared; nato: classes and properties complete from the ontology (never from an
// outside service); the canned queries open as tabs with their parameters bound; a link with ?query= runs.
(function () {
  "use strict";
  const settings = JSON.parse(document.getElementById("query-settings").textContent);
  const examples = JSON.parse(document.getElementById("query-examples").textContent);
  const endpoint = new URL(settings.endpoint, window.location.href).href;
  const Yasqe = Yasgui.Yasqe;

  // Completion of IRIs from the ontology's terms instead of the Linked Open Vocabularies service.
  function fromOntology(terms) {
    return function (yasqe, token) {
      const typed = (token && (token.autocompletionString || token.string)) || "";
      return terms.filter(function (iri) { return iri.indexOf(typed) === 0; });
    };
  }
  Yasqe.forkAutocompleter("class", {name: "natoClass", get: fromOntology(settings.classes), persistenceId: null});
  Yasqe.forkAutocompleter("property", {name: "natoProperty", get: fromOntology(settings.properties),
                                       persistenceId: null});
  // natoid: resources complete by label, acronym or part of a name, from this server's search.
  const resourceBase = settings.prefixes.natoid;
  const resourceLabels = {};
  Yasqe.registerAutocompleter({
    name: "natoResource",
    bulk: false,
    autoShow: false,
    persistenceId: null,
    isValidCompletionPosition: function (yasqe) {
      return yasqe.getCompleteToken().string.indexOf("natoid:") === 0;
    },
    get: function (yasqe, token) {
      const words = token.string.slice("natoid:".length).replace(/[-_]+/g, " ").trim();
      if (!words) return Promise.resolve([]);
      return fetch("/search?format=json&q=" + encodeURIComponent(words))
        .then(function (response) { return response.ok ? response.json() : {results: []}; })
        .then(function (body) {
          return body.results.filter(function (found) { return found.iri.indexOf(resourceBase) === 0; })
            .map(function (found) {
              const name = "natoid:" + found.iri.slice(resourceBase.length);
              resourceLabels[name] = found.label;
              return name;
            });
        });
    },
    postprocessHints: function (yasqe, hints) {
      hints.forEach(function (hint) {
        if (resourceLabels[hint.text]) hint.displayText = hint.text + " — " + resourceLabels[hint.text];
      });
      return hints;
    },
  });
  Yasqe.defaults.autocompleters = Yasqe.defaults.autocompleters.filter(function (name) {
    return name !== "class" && name !== "property";
  });

  const opened = new URL(window.location.href).searchParams;
  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: {endpoint: endpoint, method: "POST"},
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: {getData: function () { return [{endpoint: endpoint}]; }},
    persistenceId: "natograph-editor",
    populateFromUrl: true,
    autofocus: true,
    yasqe: {value: settings.defaultQuery, resizeable: true, editorHeight: "22rem"},
    yasr: {prefixes: settings.prefixes, maxPersistentResponseSize: 0},
  });
  window.natographEditor = yasgui;

  function openTab(name, text) {
    const tab = yasgui.addTab(true, {...Yasgui.Tab.getDefaults(), name: name,
                                     requestConfig: {...yasgui.config.requestConfig, endpoint: endpoint}});
    tab.show();
    tab.getYasqe().setValue(text);
    tab.query();
    return tab;
  }

  // Before a query runs, say which of its shapes the server evaluates slowly and how to write them fast.
  const hintsBox = document.getElementById("shape-hints");
  let hintsTimer = null;
  let hintsAsked = 0;
  function showHints(hints) {
    hintsBox.replaceChildren();
    hints.forEach(function (hint) {
      const item = document.createElement("p");
      const shape = document.createElement("strong");
      shape.textContent = "Slow shape: " + hint.shape + ".";
      item.append(shape, " Faster: ");
      // The suggestion's `…` spans are SPARQL: shown as code, as text (never as HTML).
      hint.suggestion.split("`").forEach(function (part, index) {
        if (index % 2 === 1) {
          const code = document.createElement("code");
          code.textContent = part;
          item.append(code);
        } else {
          item.append(part);
        }
      });
      item.append(".");
      hintsBox.append(item);
    });
    hintsBox.hidden = hints.length === 0;
  }
  function askHints(text) {
    const asked = ++hintsAsked;
    fetch("/query/shape-hints", {method: "POST", body: new URLSearchParams({query: text})})
      .then(function (response) { return response.ok ? response.json() : {hints: []}; })
      .then(function (answer) { if (asked === hintsAsked) showHints(answer.hints); })
      .catch(function () { if (asked === hintsAsked) showHints([]); });
  }
  function watchTab(tab) {
    if (!tab || tab.natographWatched) return;
    tab.natographWatched = true;
    tab.getYasqe().on("change", function (yasqe) {
      clearTimeout(hintsTimer);
      hintsTimer = setTimeout(function () { askHints(yasqe.getValue()); }, 400);
    });
  }
  function watchActiveTab() {
    const tab = yasgui.getTab();
    watchTab(tab);
    if (tab) askHints(tab.getYasqe().getValue());
  }
  yasgui.on("tabSelect", function () { setTimeout(watchActiveTab, 0); });
  yasgui.on("tabAdd", function () { setTimeout(watchActiveTab, 0); });
  watchActiveTab();

  document.getElementById("examples").addEventListener("change", function (event) {
    const chosen = examples.find(function (example) { return example.name === event.target.value; });
    if (chosen) {
      openTab(chosen.name, chosen.text);
      event.target.value = "";
    }
  });

  // IRIs in the results under natograph's resource base lead to their pages on this server, in this tab.
  function localPage(iri) {
    if (iri.indexOf(settings.resourceBase) !== 0) return null;
    const rest = iri.slice(settings.resourceBase.length);
    const hash = rest.indexOf("#");
    if (hash >= 0 && rest.slice(0, hash) === "ontology") return "/ontology/" + rest.slice(hash + 1);
    return "/" + rest;
  }
  new MutationObserver(function () {
    document.querySelectorAll("#yasgui .yasr a.iri:not([data-local])").forEach(function (link) {
      link.setAttribute("data-local", "");
      const page = localPage(link.getAttribute("href") || "");
      if (page) {
        link.setAttribute("href", page);
        link.removeAttribute("target");
      }
    });
  }).observe(document.getElementById("yasgui"), {childList: true, subtree: true});

  // A shared link (a canned query's "open in the editor", the landing page's "Try it", YASGUI's own share
  // link) opens its query in a tab: it runs as it opens.
  if (opened.has("query")) {
    const tab = yasgui.getTab();
    if (!tab || tab.getYasqe().getValue() !== opened.get("query")) {
      openTab("Shared", opened.get("query"));
    }
  }
})();
