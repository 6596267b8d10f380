"""Eligibility for the lab-manager post (section 4 of circular 170610/Δ2).

Eligibility does not change the points; it says whether the teacher can be
appointed at all, and whether their branch has priority (ΠΕ86, which
succeeded ΠΕ19 and ΠΕ20, and those two).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from scoring.codes import Reason, ReasonCode
from scoring.declaration import EligibilityFacts, Role

PRIORITY_BRANCHES: Final = frozenset({"ΠΕ86", "ΠΕ19", "ΠΕ20"})
MIN_DAYS: Final = 3
EXCEPTION_DAYS: Final = 2

# Latin letters that people type for the Greek capitals of "ΠΕ".
_LATIN_TO_GREEK: Final = str.maketrans({"P": "Π", "E": "Ε"})
_SEPARATORS: Final = re.compile(r"[\s.\-_·]+")
_BRANCH_RE: Final = re.compile(r"ΠΕ([0-9]{2,3})")


@dataclass(frozen=True, slots=True)
class EligibilityResult:
    eligible: bool
    priority_branch: bool
    reasons: tuple[Reason, ...]


def canonical_branch(branch: str) -> str | None:
    """`"pe 86"`, `"Π.Ε.19"`, `"ΠΕ20"` → `"ΠΕ86"`, `"ΠΕ19"`, `"ΠΕ20"`; None if not a ΠΕ code."""
    compact = _SEPARATORS.sub("", branch).upper().translate(_LATIN_TO_GREEK)
    match = _BRANCH_RE.fullmatch(compact)
    return f"ΠΕ{match.group(1)}" if match else None


def is_priority_branch(branch: str) -> bool:
    return canonical_branch(branch) in PRIORITY_BRANCHES


def check_eligibility(facts: EligibilityFacts) -> EligibilityResult:
    """Every rule of section 4 is checked, so the teacher sees all reasons, not the first.

    Section 4 is about the teachers who will teach informatics at the school:
    for anyone else the role and days rules are moot and not reported (the
    interview does not ask them either).
    """
    reasons: list[Reason] = []
    if facts.teaches_informatics:
        reasons.append(Reason(ReasonCode.TEACHES_INFORMATICS))
        reasons.extend(_role_and_days(facts))
    else:
        reasons.append(Reason(ReasonCode.NOT_INFORMATICS_TEACHER, blocking=True))

    canonical = canonical_branch(facts.branch)
    priority = canonical in PRIORITY_BRANCHES
    if priority and canonical is not None:
        reasons.append(Reason(ReasonCode.PRIORITY_BRANCH, params={"branch": canonical}))
    elif not facts.branch.strip():
        reasons.append(Reason(ReasonCode.BRANCH_NOT_GIVEN))
    else:
        shown = canonical or facts.branch.strip()
        reasons.append(Reason(ReasonCode.NOT_PRIORITY_BRANCH, params={"branch": shown}))

    eligible = not any(reason.blocking for reason in reasons)
    return EligibilityResult(eligible, priority, tuple(reasons))


def _role_and_days(facts: EligibilityFacts) -> list[Reason]:
    reasons: list[Reason] = []
    if facts.role in (Role.DIRECTOR, Role.DEPUTY_DIRECTOR):
        if facts.sole_informatics_teacher:
            reasons.append(Reason(ReasonCode.HEAD_SOLE_TEACHER, params={"role": facts.role.value}))
        else:
            reasons.append(
                Reason(
                    ReasonCode.HEAD_NOT_SOLE_TEACHER,
                    blocking=True,
                    params={"role": facts.role.value},
                )
            )

    days = facts.days_per_week_at_school
    if days >= MIN_DAYS:
        reasons.append(Reason(ReasonCode.ENOUGH_DAYS, params={"days": days}))
    elif days == EXCEPTION_DAYS and facts.completes_hours_at_schools_with_manager:
        reasons.append(Reason(ReasonCode.TWO_DAYS_EXCEPTION, params={"days": days}))
    elif days == EXCEPTION_DAYS:
        reasons.append(
            Reason(ReasonCode.TWO_DAYS_NOT_COMPLETING, blocking=True, params={"days": days})
        )
    else:
        reasons.append(Reason(ReasonCode.TOO_FEW_DAYS, blocking=True, params={"days": days}))
    return reasons
