"""Every worked example of the spec's revision 2 (`../shared/spec/examples-rev2/`)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from scoring import score_object
from tests.unit.scoring_support import EXAMPLES_DIR, example_names, spec_dir

EXAMPLES = example_names()


def test_the_spec_examples_are_found() -> None:
    examples = spec_dir() / EXAMPLES_DIR
    assert len(EXAMPLES) >= 17, f"only {EXAMPLES} in {examples}"


@pytest.mark.parametrize("name", EXAMPLES)
def test_spec_example_scores_as_expected(name: str) -> None:
    examples = spec_dir() / EXAMPLES_DIR
    declaration = json.loads((examples / f"{name}.json").read_text(encoding="utf-8"))
    expected = json.loads(
        (examples / f"{name}.expected.json").read_text(encoding="utf-8"),
        parse_float=Decimal,
        parse_int=Decimal,
    )
    result = score_object(declaration)
    assert result.total == expected["total"]
    assert result.total_min == expected["total_min"]
    assert {c.key: c.points for c in result.criteria} == expected["criteria"]
    if "eligibility" in expected:
        assert result.eligibility is not None
        assert result.eligibility.status == expected["eligibility"]["status"]
        assert result.eligibility.eligible == expected["eligibility"]["eligible"]
        assert result.eligibility.priority_branch == expected["eligibility"]["priority_branch"]
    else:
        assert ("eligibility" in declaration) == (result.eligibility is not None)
