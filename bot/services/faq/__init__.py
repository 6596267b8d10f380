"""FAQ: the content, its search, small talk, the log of what was asked.

The package's modules:

- `catalog`: the content (`locales/<lang>/faq.yaml`), its validation, the answers;
- `lexicon`: stop words and concepts (`locales/faq_lexicon.yaml`), content too;
- `greek`, `analysis`: text into search terms (Greek, Greeklish, English);
- `index`: the search over both catalogs and the decision (answer, did you mean, no match);
- `smalltalk`: greetings and thanks, told apart from questions;
- `log`: what was asked, missed and voted (for the staff), `deadlines`: the live part
  of an answer about dates.

Importing the package gives the content and search API (`FaqIndex`, `Decision` ...);
the other modules are imported by name.
"""

from bot.services.faq.catalog import (
    FAQ_DIR,
    LANGUAGES,
    CentreContacts,
    FaqCatalog,
    FaqContentError,
    FaqEntry,
    load_catalog,
    load_catalogs,
)
from bot.services.faq.index import (
    Decision,
    FaqIndex,
    Hit,
    SearchResult,
    Thresholds,
    Understanding,
    decide,
)
from bot.services.faq.lexicon import LEXICON_FILE, Concept, Lexicon, load_lexicon

__all__ = [
    "FAQ_DIR",
    "LANGUAGES",
    "LEXICON_FILE",
    "CentreContacts",
    "Concept",
    "Decision",
    "FaqCatalog",
    "FaqContentError",
    "FaqEntry",
    "FaqIndex",
    "Hit",
    "Lexicon",
    "SearchResult",
    "Thresholds",
    "Understanding",
    "decide",
    "load_catalog",
    "load_catalogs",
    "load_lexicon",
]
