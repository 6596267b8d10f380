"""The FAQ lexicon (`locales/faq_lexicon.yaml`) is content: loaded and checked at start."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.services.faq import FAQ_DIR, LEXICON_FILE, FaqContentError, FaqIndex, load_lexicon

GOOD = """\
stop_words:
  el: ο η το
  en: a the
concepts:
  - name: pc
    surfaces: [υπολογιστής, pc]
  - name: lab
    surfaces: [εργαστήριο, lab]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / LEXICON_FILE
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_lexicon_loads_with_its_concepts_in_order() -> None:
    lexicon = load_lexicon(FAQ_DIR / LEXICON_FILE)
    names = [c.name for c in lexicon.concepts]
    assert names[:3] == ["pc", "internet", "psd"]
    assert len(names) == len(set(names))
    assert "πως" in lexicon.greek_stop_words
    assert "πόσο" not in lexicon.greek_stop_words  # a question about an amount keeps it
    assert "the" in lexicon.english_stop_words


def test_a_small_lexicon_is_read_as_written(tmp_path: Path) -> None:
    lexicon = load_lexicon(write(tmp_path, GOOD))
    assert lexicon.greek_stop_words == ("ο", "η", "το")
    assert [(c.name, c.surfaces) for c in lexicon.concepts] == [
        ("pc", ("υπολογιστής", "pc")),
        ("lab", ("εργαστήριο", "lab")),
    ]


def test_the_search_uses_the_lexicons_concepts() -> None:
    index = FaqIndex.load()
    assert index.terms("πισι", "el") == index.terms("υπολογιστής", "el") == ["#pc"]


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (GOOD.replace("[υπολογιστής, pc]", "[υπολογιστής, no]"), r"concept 'pc': surface False"),
        (GOOD.replace("[υπολογιστής, pc]", "[]"), r"concept 'pc': 'surfaces' must be"),
        (
            GOOD.replace("[υπολογιστής, pc]", "[pc, pc]"),
            r"concept 'pc': a surface is listed twice",
        ),
        (GOOD.replace("name: lab", "name: pc"), r"concept 'pc': declared twice"),
        (GOOD.replace("name: lab", "name: Lab Room"), r"concept 'Lab Room': 'name' must be"),
        (GOOD.replace("  - name: lab\n", "  - name: lab\n    note: x\n"), r"unknown fields note"),
        (GOOD.replace("  en: a the\n", ""), r"'stop_words' must have exactly"),
        (GOOD.replace("concepts:", "concept:"), r"exactly 'stop_words' and 'concepts'"),
        ("stop_words: [", r"not valid YAML"),
    ],
)
def test_a_malformed_lexicon_is_refused_naming_the_file_and_the_entry(
    tmp_path: Path, broken: str, message: str
) -> None:
    path = write(tmp_path, broken)
    with pytest.raises(FaqContentError, match=message) as caught:
        load_lexicon(path)
    assert str(caught.value).startswith(f"{path}: ")


def test_a_missing_lexicon_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FaqContentError, match=r"faq_lexicon\.yaml: missing"):
        load_lexicon(tmp_path / LEXICON_FILE)
