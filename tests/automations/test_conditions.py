"""Conditions: each operator of each kind of field, the all/any combination, Chinese text,
and a definition that cannot run refused with the path of what is wrong."""

import pytest

from automations.conditions import DefinitionError, check_conditions, holds, matches


def c(field, operator, value=None):
    return {"field": field, "operator": operator, "value": value}


@pytest.mark.parametrize(
    ("condition", "fact", "expected"),
    [
        # choice
        (c("priority", "is", "urgent"), "urgent", True),
        (c("priority", "is", "urgent"), "high", False),
        (c("priority", "is_not", "urgent"), "high", True),
        (c("status", "in", ["new", "open"]), "open", True),
        (c("status", "in", ["new", "open"]), "pending", False),
        (c("status", "not_in", ["resolved", "closed"]), "open", True),
        (c("entitlement", "in", ["in_warranty"]), ["in_warranty", "contract"], True),
        (c("entitlement", "in", ["contract"]), ["out_of_warranty"], False),
        # reference (ids or a tier's code)
        (c("team", "is", 7), 7, True),
        (c("team", "is", "7"), 7, True),
        (c("team", "is", 7), None, False),
        (c("team", "is_not", 7), 8, True),
        (c("assignee", "in", [1, 2]), 2, True),
        (c("assignee", "not_in", [1, 2]), 3, True),
        (c("category", "is_empty"), None, True),
        (c("category", "is_empty"), 4, False),
        (c("category", "is_set"), 4, True),
        (c("tier", "is", "vip"), "vip", True),
        # tags (case-insensitive)
        (c("tags", "contains_any", ["E4", "leak"]), ["e4", "noise"], True),
        (c("tags", "contains_any", ["leak"]), ["e4"], False),
        (c("tags", "contains_all", ["e4", "noise"]), ["e4", "noise", "x"], True),
        (c("tags", "contains_all", ["e4", "leak"]), ["e4"], False),
        (c("tags", "contains_none", ["leak"]), ["e4"], True),
        (c("tags", "contains_none", ["E4"]), ["e4"], False),
        # text: substrings, case-folded, Chinese without word boundaries
        (c("subject", "contains", "E4"), "Dishwasher error e4 again", True),
        (c("subject", "contains", "漏水"), "洗衣机漏水了", True),
        (c("subject", "contains", "漏电"), "洗衣机漏水了", False),
        (c("subject", "not_contains", "漏电"), "洗衣机漏水了", True),
        (c("subject_or_text", "contains_any", ["bug", "故障"]), "系统故障", True),
        (c("subject_or_text", "contains_any", ["bug"]), "系统故障", False),
        (c("message", "contains_none", ["投诉", "律师"]), "谢谢", True),
        (c("message", "contains_none", ["投诉"]), "我要投诉", False),
        (c("subject", "is", "Hello"), "hello", True),
        (c("subject", "starts_with", "[RMA]"), "[rma] unit back", True),
        # numbers
        (c("reopens", "eq", 2), 2, True),
        (c("reopens", "ne", 2), 1, True),
        (c("survey_score", "lt", 3), 2, True),
        (c("survey_score", "lt", 3), None, False),
        (c("survey_score", "lte", 3), 3, True),
        (c("hours_since_created", "gt", 72), 72.5, True),
        (c("hours_since_created", "gte", 72), 71.9, False),
        # booleans
        (c("is_vip", "is", True), True, True),
        (c("within_business_hours", "is", False), True, False),
    ],
)
def test_each_operator(condition, fact, expected):
    checked = check_conditions({"all": [condition]})["all"][0]
    assert holds(checked, fact) is expected


def test_all_must_hold_and_one_of_any():
    definition = check_conditions(
        {
            "all": [c("priority", "in", ["high", "urgent"])],
            "any": [c("subject", "contains", "E4"), c("tags", "contains_any", ["e4"])],
        }
    )
    assert matches(definition, {"priority": "high", "subject": "E4 again", "tags": []})
    assert matches(definition, {"priority": "urgent", "subject": "Noise", "tags": ["e4"]})
    assert not matches(definition, {"priority": "urgent", "subject": "Noise", "tags": []})
    assert not matches(definition, {"priority": "low", "subject": "E4", "tags": ["e4"]})
    assert matches(check_conditions({}), {})  # no condition: every ticket


def test_a_fact_no_condition_names_is_never_read():
    class Facts(dict):
        def __missing__(self, key):
            raise AssertionError(f"{key} was read")

    definition = check_conditions({"all": [c("priority", "is", "high")]})
    assert matches(definition, Facts(priority="high"))


@pytest.mark.parametrize(
    ("definition", "path"),
    [
        ([], "conditions"),
        ({"all": [], "none": []}, "conditions.none"),
        ({"all": "priority"}, "conditions.all"),
        ({"all": [c("colour", "is", "red")]}, "conditions.all[0].field"),
        ({"any": [c("subject", "gt", 3)]}, "conditions.any[0].operator"),
        ({"all": [c("reopens", "gt", "3")]}, "conditions.all[0].value"),
        ({"all": [c("priority", "is", "critical")]}, "conditions.all[0].value"),
        ({"all": [c("tags", "contains_any", [])]}, "conditions.all[0].value"),
        ({"all": [c("category", "is_empty", 3)]}, "conditions.all[0].value"),
        ({"all": [c("is_vip", "is", "yes")]}, "conditions.all[0].value"),
        ({"all": [c("subject", "contains", "x" * 201)]}, "conditions.all[0].value"),
        ({"all": [c("team", "is", True)]}, "conditions.all[0].value"),
        ({"all": ["priority is high"]}, "conditions.all[0]"),
    ],
)
def test_a_definition_that_cannot_run_names_the_path(definition, path):
    with pytest.raises(DefinitionError) as refused:
        check_conditions(definition)
    assert path in refused.value.errors
