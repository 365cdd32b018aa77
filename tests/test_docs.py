"""The README documents every CLI command and every canned query, and CI runs its test command."""

import re

from natograph.query.canned import load_catalogue
from natograph.cli import main

from .conftest import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_set_up_commands():
    first_block = re.search(r"```sh\n(.*?)```", README, re.S).group(1).strip().splitlines()
    assert len(first_block) == 2
    assert first_block[0].startswith("python3 -m venv .venv") and "natograph " in first_block[0]
    assert first_block[1].startswith("python3 -m venv .venv") and "pytest" in first_block[1]


def test_ci_runs_the_readme_test_command():
    test_command = re.search(r"```sh\n(.*?)```", README, re.S).group(1).strip().splitlines()[1]
    assert test_command in (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_cli_command_is_documented():
    missing = [name for name in main.commands if f"natograph {name}" not in README]
    assert not missing, f"commands missing from the README: {missing}"


def test_every_canned_query_is_documented():
    catalogue = load_catalogue(REPO_ROOT / "queries")
    missing = [name for name in catalogue if f"`{name}`" not in README]
    assert not missing, f"canned queries missing from the README: {missing}"
