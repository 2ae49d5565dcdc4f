"""Check that every role documents exactly the variables it defaults, and documents them once.

For each roles/<role>/:
  - meta/argument_specs.yml (entry point `main`) and defaults/main.yml have the same keys;
  - each documented `default:` equals the value in defaults/main.yml (one source of truth);
  - every public variable starts with the role's name;
  - the role's README.md mentions every variable.
Exit 1 with one line per problem.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from .. import ROOT


def check_role(role_dir: Path) -> list[str]:
    name = role_dir.name
    problems: list[str] = []
    defaults_file = role_dir / "defaults" / "main.yml"
    spec_file = role_dir / "meta" / "argument_specs.yml"
    readme = role_dir / "README.md"
    defaults = (yaml.safe_load(defaults_file.read_text()) or {}) if defaults_file.exists() else {}
    if not spec_file.exists():
        return [f"{name}: meta/argument_specs.yml is missing"]
    specs = yaml.safe_load(spec_file.read_text()).get("argument_specs", {})
    options = (specs.get("main") or {}).get("options") or {}
    for key in sorted(set(defaults) - set(options)):
        problems.append(f"{name}: {key} is in defaults/main.yml but not in meta/argument_specs.yml")
    for key in sorted(set(options) - set(defaults)):
        if not options[key].get("required"):
            problems.append(f"{name}: {key} is in meta/argument_specs.yml but not in defaults/main.yml "
                            f"(give it a default, or mark it required: true)")
    for key in sorted(set(options) & set(defaults)):
        if "default" not in options[key]:
            problems.append(f"{name}: {key} has no default: in meta/argument_specs.yml")
        elif options[key]["default"] != defaults[key]:
            problems.append(f"{name}: {key} defaults to {defaults[key]!r} in defaults/main.yml but "
                            f"meta/argument_specs.yml says {options[key]['default']!r}")
    for key in sorted(set(options) | set(defaults)):
        if not key.startswith(f"{name}_"):
            problems.append(f"{name}: {key} does not start with the role prefix {name}_")
    text = readme.read_text() if readme.exists() else ""
    if not text:
        problems.append(f"{name}: README.md is missing")
    else:
        for key in sorted(options):
            if key not in text:
                problems.append(f"{name}: README.md does not mention {key}")
    return problems


def main(argv: list[str] | None = None) -> int:
    problems = []
    roles = sorted(p for p in (ROOT / "roles").iterdir() if p.is_dir())
    for role_dir in roles:
        problems.extend(check_role(role_dir))
    for line in problems:
        print(line)
    print(f"argspec check: {len(roles)} roles, {len(problems)} problems")
    return 1 if problems else 0
