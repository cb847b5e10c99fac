"""The README is the coordinator's manual: it must stay true to the code and to CI."""

from __future__ import annotations

import re
from pathlib import Path

import click

from aide_alim.cli import main
from aide_alim.scenario.dictionary import data_dictionary

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "aide-alim") -> list[str]:
    names = []
    for name, command in group.commands.items():
        names.append(f"{prefix} {name}")
        if isinstance(command, click.Group):
            names += [f"{prefix} {name} {sub}" for sub in command.commands]
    return names


def test_the_data_dictionary_in_the_readme_is_the_one_the_validator_applies() -> None:
    section = README.split("<!-- data dictionary")[1].split("<!-- end of data dictionary")[0]
    generated = section.split("-->", 1)[1].strip()
    assert generated == data_dictionary().strip(), "regenerate the README's data dictionary"


def test_every_command_is_documented_in_the_readme() -> None:
    for command in _commands(main):
        *parent, last = command.split()
        documented = command in README or (
            len(parent) == 2 and re.search(rf"{' '.join(parent)} [\w\\|-]*\b{last}\b", README)
        )
        assert documented, f"{command} is not in README.md"


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    commands = re.findall(r"```\n(python3\.11 -m venv .*)\n```", README)
    assert len(commands) == 2, "the README gives exactly two commands"
    install_and_run, install_and_test = commands
    assert "aide-alim run scenarios/dijon" in install_and_run
    assert "pytest" in install_and_test
    assert install_and_test in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
