"""Eligibility for the lab-manager post (section 4 of circular 170610/Δ2, spec revision 2).

Eligibility does not change the points; it says whether the teacher can be
appointed (`eligible`), can be appointed only if no one who meets the main
rules can be (`fallback`), or cannot be (`not_eligible`). It also says whether
the branch is ΠΕ86 (which succeeded ΠΕ19 and ΠΕ20) or one of those two: the
circular gives them priority only for the compulsory assignment when nobody
applies, not over anyone's points.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from scoring.codes import EligibilityStatus, Reason, ReasonCode
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
    status: EligibilityStatus
    priority_branch: bool
    reasons: tuple[Reason, ...]

    @property
    def eligible(self) -> bool:
        """`status == eligible` (a fallback is not "eligible")."""
        return self.status == EligibilityStatus.ELIGIBLE


def canonical_branch(branch: str) -> str | None:
    """`"pe 86"`, `"Π.Ε.19"`, `"ΠΕ20"` → `"ΠΕ86"`, `"ΠΕ19"`, `"ΠΕ20"`; None if not a ΠΕ code."""
    compact = _SEPARATORS.sub("", branch).upper().translate(_LATIN_TO_GREEK)
    match = _BRANCH_RE.fullmatch(compact)
    return f"ΠΕ{match.group(1)}" if match else None


def is_priority_branch(branch: str) -> bool:
    return canonical_branch(branch) in PRIORITY_BRANCHES


def lowest(statuses: list[EligibilityStatus]) -> EligibilityStatus:
    """The worst of `statuses` (eligible when there are none)."""
    return max(statuses, key=lambda s: s.rank, default=EligibilityStatus.ELIGIBLE)


def check_eligibility(facts: EligibilityFacts, organic_post: bool = False) -> EligibilityResult:
    """Every rule of section 4 is checked, so the teacher sees all reasons, not the first.

    `organic_post` is the declaration's `organic_position_at_school`: the school
    the teacher "belongs to" (ανήκει), which the two-day exception needs.
    Section 4 is about the teachers who will teach informatics at the school:
    for anyone else the other rules are moot and not reported (the interview
    does not ask them either).
    """
    reasons: list[Reason] = []
    if facts.teaches_informatics:
        reasons.append(Reason(ReasonCode.TEACHES_INFORMATICS))
        reasons.extend(_role_and_days(facts, organic_post))
    else:
        reasons.append(Reason(ReasonCode.NOT_INFORMATICS_TEACHER, EligibilityStatus.NOT_ELIGIBLE))

    canonical = canonical_branch(facts.branch)
    priority = canonical in PRIORITY_BRANCHES
    if priority and canonical is not None:
        reasons.append(Reason(ReasonCode.PRIORITY_BRANCH, params={"branch": canonical}))
    elif not facts.branch.strip():
        reasons.append(Reason(ReasonCode.BRANCH_NOT_GIVEN))
    else:
        shown = canonical or facts.branch.strip()
        reasons.append(Reason(ReasonCode.NOT_PRIORITY_BRANCH, params={"branch": shown}))

    status = lowest([reason.limit for reason in reasons])
    return EligibilityResult(status, priority, tuple(reasons))


def _role_and_days(facts: EligibilityFacts, organic_post: bool) -> list[Reason]:
    fallback, not_eligible = EligibilityStatus.FALLBACK, EligibilityStatus.NOT_ELIGIBLE
    reasons: list[Reason] = []
    if facts.role in (Role.DIRECTOR, Role.DEPUTY_DIRECTOR):
        role = {"role": facts.role.value}
        if facts.sole_informatics_teacher:
            reasons.append(Reason(ReasonCode.HEAD_SOLE_TEACHER, params=role))
        else:
            reasons.append(Reason(ReasonCode.HEAD_NOT_SOLE_TEACHER, not_eligible, role))

    days = {"days": facts.days_per_week_at_school}
    completing = facts.completes_hours_at_schools_with_manager
    if facts.days_per_week_at_school >= MIN_DAYS:
        reasons.append(Reason(ReasonCode.ENOUGH_DAYS, params=days))
        days_rule = True
    elif facts.days_per_week_at_school == EXCEPTION_DAYS and completing and organic_post:
        reasons.append(Reason(ReasonCode.TWO_DAYS_EXCEPTION, params=days))
        days_rule = True
    else:
        days_rule = False
    if days_rule and facts.manager_at_other_school:
        # One teacher at two schools only when no one else at this school can be appointed.
        reasons.append(Reason(ReasonCode.MANAGER_AT_OTHER_SCHOOL, fallback))
    elif not days_rule and facts.manager_at_other_school:
        reasons.append(Reason(ReasonCode.FEW_DAYS_MANAGER_ELSEWHERE, fallback, days))
    elif not days_rule:
        if facts.days_per_week_at_school != EXCEPTION_DAYS:
            code = ReasonCode.TOO_FEW_DAYS
        elif not completing:
            code = ReasonCode.TWO_DAYS_NOT_COMPLETING
        else:
            code = ReasonCode.TWO_DAYS_NO_ORGANIC_POST
        reasons.append(Reason(code, not_eligible, days))

    if facts.employment.only_as_fallback:
        employment = {"employment": facts.employment.value}
        reasons.append(Reason(ReasonCode.REDUCED_HOURS_EMPLOYMENT, fallback, employment))
    return reasons
