"""A role's variables against its argument spec, YAML booleans in choice options, and
misspelt variables: table-driven, over plain data and over the roles' real specs."""

import re
from pathlib import Path

import pytest
import yaml

from ansible_collections.hastack.web.plugins.module_utils import role_vars

ROOT = Path(__file__).resolve().parents[4]
ROLES = sorted(path.parent.parent.name for path in ROOT.glob("roles/*/meta/argument_specs.yml"))


def spec(role):
    text = (ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text()
    return yaml.safe_load(text)["argument_specs"]["main"]["options"]


@pytest.mark.parametrize("value, choices, expected", [
    (False, ["on", "delay", "off"], "off"),
    (True, ["on", "delay", "off"], "on"),
    ("off", ["on", "delay", "off"], "off"),
    ("delay", ["on", "delay", "off"], "delay"),
    (False, ["yes", "no"], "no"),
    (False, [0, 1, 2], False),                # no word for it: unchanged, and refused by spec_problems
    (True, ["yes", "on", "off"], True),       # two words for true: ambiguous, unchanged
    (False, ["files", "database"], False),
    (None, ["on", "off"], None),
    (0, ["on", "off"], 0),
])
def test_boolean_choice(value, choices, expected):
    result = role_vars.boolean_choice(value, choices)
    assert result == expected and type(result) is type(expected)


KEEPALIVED = spec("keepalived")


@pytest.mark.parametrize("values, expected", [
    ({"keepalived_preempt": "off", "keepalived_advert_int": 0.1}, []),
    ({"keepalived_preempt": False}, []),      # unquoted off: the role maps it to 'off'
    ({"keepalived_preempt": "maybe"},
     ["value of keepalived_preempt must be one of: on, delay, off, got: maybe: see the role's README for what "
      "keepalived_preempt takes"]),
    ({"keepalived_vrrp_version": True},
     ["keepalived_vrrp_version is the boolean true (YAML reads an unquoted yes/no/on/off/true/false as one), but it "
      "must be one of: 2, 3. Write one of these values instead"]),
    ({"keepalived_advert_int": "fast"},
     ["keepalived_advert_int must be a number, not 'fast'"]),
    ({"keepalived_advert_int": "0.5"}, []),   # a quoted number is a number
    # Ansible would split a string at commas for its check, and the role would iterate its characters
    ({"keepalived_instances": "VI_1"}, ["keepalived_instances must be a YAML list ([a, b], or one item per line under "
                                        "it), not 'VI_1'"]),
    ({"keepalived_preempt_delay": "soon"}, ["keepalived_preempt_delay must be a whole number, not 'soon'"]),
])
def test_spec_problems_name_the_variable_the_value_and_the_allowed_values(values, expected):
    assert role_vars.spec_problems(KEEPALIVED, values) == expected


@pytest.mark.parametrize("options, values, expected", [
    ({"haproxy_stats_password": {"type": "str", "required": True}, "haproxy_x": {"type": "str", "required": True}},
     {}, ["haproxy_stats_password is required and has no default: set it in the inventory (a secret: from a vault)",
          "haproxy_x is required and has no default: set it in the inventory"]),
    ({"haproxy_backends": {"type": "list", "elements": "dict", "options": {"name": {"type": "str"}}}},
     {"haproxy_backends": [{"name": "web", "sevrers": []}]},
     ["haproxy_backends has an entry with the key sevrers, which it does not take (it takes: name)"]),
    ({"haproxy_backends": {"type": "list", "elements": "dict", "options": {"port": {"type": "int", "required": True}}}},
     {"haproxy_backends": [{"port": 80}, {}]}, ["every entry of haproxy_backends needs port"]),
    ({"common_x": {"type": "dict"}, "common_y_password": {"type": "list"}},
     {"common_x": "a=b", "common_y_password": "s3cret"},
     ["common_x must be a YAML mapping (key: value lines under it), not 'a=b'",
      "common_y_password must be a YAML list ([a, b], or one item per line under it), not a secret"]),
])
def test_required_and_unknown_keys_say_what_to_do(options, values, expected):
    assert role_vars.spec_problems(options, values) == expected


def test_a_value_that_cannot_be_worked_out_is_named_with_its_cause():
    problems = role_vars.spec_problems(KEEPALIVED, {}, {"keepalived_instances": "'hastack_public_vip' is undefined"})
    assert problems == ["keepalived_instances cannot be worked out: 'hastack_public_vip' is undefined. Set what it "
                        "needs in the inventory, or set keepalived_instances itself"]


def test_variables_of_other_roles_are_not_checked():
    assert role_vars.spec_problems(KEEPALIVED, {"haproxy_maxconn": "many"}) == []


CHOICES = [(role, name, choice) for role in ROLES for name, option in sorted(spec(role).items())
           for choice in option.get("choices") or []]


@pytest.mark.parametrize("role, name, choice", CHOICES)
def test_every_choice_means_itself_quoted_and_unquoted(role, name, choice):
    """Written in the inventory quoted or unquoted, an allowed value either means itself
    (after the role's boolean_choice) or is refused with a message: never another value."""
    options = {name: spec(role)[name]}
    quoted = yaml.safe_load('%s: "%s"' % (name, choice))[name]
    unquoted = yaml.safe_load("%s: %s" % (name, choice))[name]
    if options[name].get("type") in ("int", "float"):
        quoted = unquoted  # a number is written unquoted
    assert role_vars.spec_problems(options, {name: quoted}) == []
    meant = role_vars.boolean_choice(unquoted, options[name]["choices"])
    problems = role_vars.spec_problems(options, {name: unquoted})
    assert (problems == [] and str(meant) == str(choice)) or (problems and "boolean" in problems[0]), problems


@pytest.mark.parametrize("role, name", sorted(set(
    (role, name) for role, name, choice in CHOICES
    if isinstance(choice, str) and choice.lower() in role_vars.YAML_BOOLEAN_WORDS)))
def test_a_role_reads_a_choice_that_yaml_can_turn_into_a_boolean_through_boolean_choice(role, name):
    """The templates use the normalised private variable, never the raw one."""
    role_dir = ROOT / "roles" / role
    assert "__%s: \"{{ %s | hastack.web.boolean_choice(" % (name, name) in (role_dir / "vars" / "main.yml").read_text()
    for path in list(role_dir.glob("templates/**/*")) + list(role_dir.glob("tasks/*.yml")):
        raw = [line for line in path.read_text().splitlines() if re.search(r"(?<!\w)%s(?!\w)" % name, line)]
        assert not raw, (path, raw)


@pytest.mark.parametrize("names, ignore, expected", [
    (["keepalived_advert_intt", "keepalived_advert_int", "haproxy_maxconn"], [],
     [("keepalived_advert_intt", "keepalived_advert_int")]),
    (["keepalived_preemt"], [], [("keepalived_preemt", "keepalived_preempt")]),
    (["keepalived_exporter_port"], [], [("keepalived_exporter_port", None)]),
    (["keepalived_exporter_port"], ["keepalived_exporter_*"], []),
    (["keepalived_advert_intt"], ["keepalived_advert_intt"], []),
    (["__keepalived_plan", "hastack_public_vip", "ansible_host"], [], []),
])
def test_unknown_variables_with_the_role_prefix_are_found_with_the_closest_name(names, ignore, expected):
    assert role_vars.unknown_variables("keepalived_", KEEPALIVED, names, ignore) == expected


def test_the_warning_names_the_host_the_variable_the_closest_one_and_the_way_to_silence_it():
    unknown = [("keepalived_advert_intt", "keepalived_advert_int")]
    warning, = role_vars.unknown_variable_warnings("keepalived", "lb1", unknown)
    for part in ("lb1", "keepalived_advert_intt", "did you mean keepalived_advert_int?",
                 "hastack_preflight_ignore_variables"):
        assert part in warning
