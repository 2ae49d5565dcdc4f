"""Why a Molecule scenario failed, in a few lines.

`make molecule` runs scenarios side by side, and a run's last lines (all that a CI page
may show) belong to whichever scenario finished last. When one fails, the Makefile prints
these lines for it at the very end: Molecule's own verdict, pytest's failed tests and
their assertion messages, and the last Ansible task that failed, with its message.
"""

from __future__ import annotations

import re

MOLECULE_VERDICT = re.compile(r"^(ERROR|CRITICAL)\s")
PYTEST_FAILURE = re.compile(r"^(FAILED|ERROR) \S+\.py::|^E {3}")
ANSIBLE_FAILURE = re.compile(r"^(fatal|failed): \[[^\]]+\]")
TASK = re.compile(r"^TASK \[")
# Molecule's newer console frames each line of a command's output with a bar.
FRAME = re.compile(r"^\s*\u2502 ?")
COLOUR = re.compile(r"\x1b\[[0-9;]*m")
# Printed at the start of every run, failed or not: Molecule looking for a scenario named
# "default" for its shared state. It then says "default scenario not found" and goes on.
NOT_A_FAILURE = re.compile(r"'molecule/default/molecule\.yml' glob failed")


def failure_lines(lines: list[str], limit: int = 40, body: int = 12) -> list[str]:
    """The lines that say why the scenario failed, in the order they were printed, at most
    `limit`. The last failed Ansible task comes with its header and up to `body` lines of
    its message, because the scenario may expect earlier ones (a preflight it tests)."""
    text = [FRAME.sub("", COLOUR.sub("", line.rstrip("\n"))) for line in lines]
    picked: list[int] = []
    last_fatal, last_task = None, None
    for i, line in enumerate(text):
        if TASK.match(line):
            last_task = i
        if ANSIBLE_FAILURE.match(line):
            last_fatal = (last_task, i)
        if PYTEST_FAILURE.match(line) or (MOLECULE_VERDICT.match(line) and not NOT_A_FAILURE.search(line)):
            picked.append(i)
    if last_fatal is not None:
        task, fatal = last_fatal
        block = [task] if task is not None else []
        block.append(fatal)
        for j in range(fatal + 1, min(fatal + 1 + body, len(text))):
            if not text[j].startswith(" ") or not text[j].strip():
                break
            block.append(j)
        picked.extend(block)
    out = [text[i] for i in sorted(set(picked))]
    if len(out) > limit:
        out = out[:limit - 1] + ["... %d more lines in the log" % (len(out) - limit + 1)]
    return out
