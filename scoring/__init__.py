"""The pure points domain of Υ.Σ.Ε.Π.Ε.Η.Υ. selection (circular 170610/Δ2): standard library only.

Front ends call::

    declaration = parse_declaration(obj)   # raises DeclarationInvalid(issues)
    result = score(declaration)            # ScoreResult: criteria, total, total_min, notes,
                                           # eligibility (status: eligible/fallback/not_eligible)

and translate the codes they get back (`ErrorCode`, `NoteCode`, `ReasonCode`).
"""

from scoring.codes import (
    DeclarationInvalid,
    EligibilityStatus,
    ErrorCode,
    Issue,
    Note,
    NoteCode,
    Reason,
    ReasonCode,
)
from scoring.declaration import (
    SCHEMA,
    SCHEMA_2,
    SCHEMAS,
    Declaration,
    EligibilityFacts,
    Employment,
    LanguageSkill,
    Period,
    Role,
    Title,
    declaration_to_json,
    parse_declaration,
)
from scoring.eligibility import EligibilityResult, check_eligibility, is_priority_branch
from scoring.engine import CriterionResult, ScoreResult, score, score_object
from scoring.ruleset import (
    CURRENT_RULESET,
    RULESET_170610_D2_2016,
    RULESETS,
    Criterion,
    Document,
    Level,
    Ruleset,
    TitleKind,
    Unit,
    UnknownRuleset,
    ruleset_named,
)

__all__ = [
    "CURRENT_RULESET",
    "RULESETS",
    "RULESET_170610_D2_2016",
    "SCHEMA",
    "SCHEMAS",
    "SCHEMA_2",
    "Criterion",
    "CriterionResult",
    "Declaration",
    "DeclarationInvalid",
    "Document",
    "EligibilityFacts",
    "EligibilityResult",
    "EligibilityStatus",
    "Employment",
    "ErrorCode",
    "Issue",
    "LanguageSkill",
    "Level",
    "Note",
    "NoteCode",
    "Period",
    "Reason",
    "ReasonCode",
    "Role",
    "Ruleset",
    "ScoreResult",
    "Title",
    "TitleKind",
    "Unit",
    "UnknownRuleset",
    "check_eligibility",
    "declaration_to_json",
    "is_priority_branch",
    "parse_declaration",
    "ruleset_named",
    "score",
    "score_object",
]
