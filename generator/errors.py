"""Findings and input errors.

Every problem with the input is reported as a :class:`Finding`: a stable rule
id, a severity, the file, the place in it (a JSON pointer such as
``/simulations/3/messages/0`` or ``line 12``) and what was expected. Code that
reads input raises :class:`InputError`, which the caller turns into a finding;
nothing that comes from bad input should surface as a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Finding:
    """One problem found in the input.

    ``file`` is relative to the project root where possible; ``place`` is a
    JSON pointer, ``line N`` or empty when the whole file is meant.
    """

    file: str
    place: str
    rule: str
    message: str
    severity: Severity = "error"
    run: str | None = field(default=None, compare=False)

    def format(self) -> str:
        where = f"{self.file}:{self.place}" if self.place else self.file
        return f"{where}: {self.severity} [{self.rule}] {self.message}"


class InputError(Exception):
    """Bad input: names the file, the place in it and what was expected."""

    def __init__(self, file: str, place: str, message: str, rule: str = "input"):
        super().__init__(f"{file}:{place}: {message}" if place else f"{file}: {message}")
        self.file = str(file)
        self.place = place
        self.message = message
        self.rule = rule

    def finding(self, severity: Severity = "error", run: str | None = None) -> Finding:
        return Finding(self.file, self.place, self.rule, self.message, severity, run)
