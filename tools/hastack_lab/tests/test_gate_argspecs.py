"""The argspec check must catch each kind of drift it claims to catch."""

import textwrap

import pytest

from hastack_lab import ROOT
from hastack_lab.gates import argspecs as check_argspecs

DEFAULTS = "demo_port: 80\ndemo_name: web\n"
SPECS = """
argument_specs:
  main:
    options:
      demo_port: {type: int, default: 80, description: x}
      demo_name: {type: str, default: web, description: x}
"""
README = "demo_port demo_name\n"


def make_role(tmp_path, defaults=DEFAULTS, specs=SPECS, readme=README):
    role = tmp_path / "demo"
    for sub in ("defaults", "meta"):
        (role / sub).mkdir(parents=True)
    (role / "defaults" / "main.yml").write_text(defaults)
    (role / "meta" / "argument_specs.yml").write_text(textwrap.dedent(specs))
    (role / "README.md").write_text(readme)
    return role


def test_a_consistent_role_passes(tmp_path):
    assert check_argspecs.check_role(make_role(tmp_path)) == []


@pytest.mark.parametrize("change, expected", [
    ({"defaults": DEFAULTS + "demo_extra: 1\n"},
     "demo_extra is in defaults/main.yml but not in meta/argument_specs.yml"),
    ({"defaults": "demo_port: 80\n"},
     "demo_name is in meta/argument_specs.yml but not in defaults/main.yml"),
    ({"defaults": "demo_port: 8080\ndemo_name: web\n"},
     "demo_port defaults to 8080 in defaults/main.yml but meta/argument_specs.yml says 80"),
    ({"defaults": DEFAULTS + "other_x: 1\n",
      "specs": SPECS + "      other_x: {type: int, default: 1, description: x}\n",
      "readme": README + "other_x"},
     "other_x does not start with the role prefix demo_"),
    ({"readme": "demo_port only"}, "README.md does not mention demo_name"),
])
def test_each_kind_of_drift_is_reported(tmp_path, change, expected):
    problems = check_argspecs.check_role(make_role(tmp_path, **change))
    assert any(expected in p for p in problems), problems


def test_a_required_option_needs_no_default(tmp_path):
    specs = SPECS + "      demo_password: {type: str, required: true, no_log: true, description: x}\n"
    assert check_argspecs.check_role(make_role(tmp_path, specs=specs, readme=README + "demo_password")) == []


def test_the_real_roles_pass():
    roles = sorted(p for p in (ROOT / "roles").iterdir() if p.is_dir())
    assert roles
    for role in roles:
        assert check_argspecs.check_role(role) == [], role.name
