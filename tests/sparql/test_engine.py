"""Asking Oxigraph about a user's text outside a query worker: it must neither crash the process nor run the text.

Both were found by attacking the server: a text of 7.9 KB nested 3,900 groups deep killed the process that
parsed it on an ordinary thread's stack (a segmentation fault), and a 3.4 KB ASK whose VALUES make 27 million
rows took 44 s of the server's own time when prepared on an empty store (the editor's hints, and the remote
store's check of every query).
"""

import subprocess
import sys
import threading

import pyoxigraph as ox
import pytest

from natograph.sparql.engine import check_parses, engine_call
from natograph.sparql.text import QueryText

from .test_query_text import _corpus

NESTED = "SELECT * WHERE {" + "{" * 3900 + "?s ?p ?o FILTER EXISTS { ?s a ?t . ?t <http://e/sub>* ?c }" + "}" * 3900 + "}"
# 10^12 rows if evaluated: whoever evaluates one of these does not come back within the test's patience.
_VALUES = " ".join(f"VALUES ?v{i} {{ {' '.join(str(n) for n in range(100))} }}" for i in range(6))
_BODY = f"{{ {_VALUES} FILTER(?v0 + ?v1 + ?v2 + ?v3 + ?v4 + ?v5 < 0) }}"
NEVER_ENDING = [
    f"ASK {_BODY}",
    f"SELECT (COUNT(*) AS ?n) WHERE {_BODY}",
    f"SELECT * WHERE {_BODY} ORDER BY ?v0",
    f"SELECT ?v0 WHERE {_BODY} GROUP BY ?v0",
    f"SELECT * WHERE {{ ?s ?p ?o MINUS {_BODY} }}",
    f"CONSTRUCT {{ ?v0 ?v1 ?v2 }} WHERE {_BODY} ORDER BY ?v0",
    f"SELECT ?natograph_parse_probe WHERE {{ {_VALUES} BIND(?v0 AS ?natograph_parse_probe) }} ORDER BY ?v1",
]


def returns_within(seconds: float, call) -> bool:
    """Whether `call` comes back within `seconds` (a liveness bound, far above what it takes when it runs nothing)."""
    finished = threading.Event()
    thread = threading.Thread(target=lambda: (call(), finished.set()), daemon=True)
    thread.start()
    return finished.wait(seconds)


@pytest.mark.parametrize("text", NEVER_ENDING, ids=["ask", "count", "order", "group", "minus", "construct", "probe"])
def test_checking_that_a_text_parses_runs_nothing_of_it(text):
    assert returns_within(60, lambda: check_parses(QueryText(text)))


def test_a_malformed_text_is_the_engines_syntax_error_with_its_position():
    with pytest.raises(SyntaxError, match=r"error at 2:\d+"):
        check_parses(QueryText("SELECT ?x WHERE {\n ?x ?p }"))


@pytest.mark.parametrize("index", range(len(_corpus())))
def test_the_check_agrees_with_the_engine_on_every_text_natograph_has(index):
    text = _corpus()[index]
    ox.Store().query(text)  # every file parses
    check_parses(QueryText(text))
    broken = text.replace("{", "{ (", 1)
    with pytest.raises(SyntaxError):
        ox.Store().query(broken)
    with pytest.raises(SyntaxError):
        check_parses(QueryText(broken))


def test_a_deeply_nested_text_is_parsed_on_a_deep_stack_not_a_crash_of_the_process():
    """In a child process, from an ordinary thread (as a server's request thread): it must live to print."""
    program = (
        "import threading\n"
        "from natograph.sparql.engine import check_parses\n"
        "from natograph.sparql.shapes import rewrite, slow_shape_hints\n"
        "from natograph.sparql.text import QueryText\n"
        f"text = {NESTED!r}\n"
        "def run():\n"
        "    check_parses(QueryText(text)); rewrite(text); slow_shape_hints(text); print('alive')\n"
        "thread = threading.Thread(target=run); thread.start(); thread.join()\n"
    )
    finished = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0 and finished.stdout.strip() == "alive", finished.stderr[-2000:]


def test_a_call_already_on_a_deep_stack_runs_where_it_is():
    threads = []
    engine_call(NESTED, lambda: threads.append(threading.current_thread())
                or engine_call(NESTED, lambda: threads.append(threading.current_thread())))
    assert threads[0] is threads[1] is not threading.current_thread()
