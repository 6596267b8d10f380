"""The points interview end to end, in Greek: from /points to a correct, explained total.

One long scenario walks every kind of question (yes/no, the keypad and "more",
options, typed numbers and dates, lists of titles, periods and languages),
with back, skip and invalid answers on the way, then uses the result: keep it,
the documents, both downloads, change an answer, /mypoints and delete.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from scoring import parse_declaration, score
from tests.e2e.conftest import ALICE, BotHarness, labels
from tests.e2e.points_chat import Teacher, consent_of, kept_declaration, pdf_text

# What Αλίκη declares below, in the spec's format (the JSON download must be exactly this).
ALICE_DECLARATION = {
    "schema": "ysepehy-declaration/1",
    "titles": [
        {"kind": "master", "related": True, "id": "t1"},
        {"kind": "phd", "related": True, "id": "t2", "continues": "t1"},
        {"kind": "second_degree", "related": False, "id": "t3"},
    ],
    "keplinet_head_years": 7,
    "keplinet_staff_years_3plus_days": 2,
    "lab_manager_effective_years": 3,
    "keplinet_training_years": 1,
    "lab_experience_periods": [
        {"start": "2015-09-15", "end": "2016-09-14"},
        {"start": "2018-01-01", "end": "2018-06-30", "from_thesis": True},
    ],
    "ict_level_b_certified": True,
    "lab_procurement_procedures": 5,
    "languages": [
        {"language": "en", "level": "C2"},
        {"language": "fr", "level": "C1"},
        {"language": "de", "level": "B2"},
    ],
    "eligibility": {
        "days_per_week_at_school": 2,
        "completes_hours_at_schools_with_manager": True,
        "branch": "ΠΕ86",
    },
}
# By hand: α 6 (the doctorate continues the master's, which then does not count) + στ 0,5
# + ζ 5 (7 years, capped at 5) + η 1 + ια 3 + ιβ 0,5 + ιγ 1 (one whole year; the thesis
# period does not count) + ιδ 3 + ιστ 2 (5 procedures, capped at 2) + ιζ 1 + ιη 0,5 + ιθ 0,25
HAND_TOTAL = Decimal("23.75")


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    """The long scenario runs on SQLite only: test_points_flows.py covers PostgreSQL."""
    return sqlite_database_url


def lines_starting(text: str, prefix: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(prefix)]


ELIGIBILITY = "1/7 · Ποιος μπορεί να οριστεί\n"


async def answer_eligibility(alice: Teacher) -> None:
    [intro] = await alice.send("/points")
    assert "Ας υπολογίσουμε τα μόριά σας" in intro["text"]
    assert ELIGIBILITY + "Θα διδάξετε Πληροφορική σε αυτό το σχολείο" in intro["text"]
    assert "💡" in intro["text"]  # the circular's one-line hint
    assert labels(intro) == ["Ναι", "Όχι", "✖ Ακύρωση"]  # first question: no Back

    answered = await alice.press("Ναι")
    # One message: the pressed question becomes the next one, under what was answered.
    assert answered.new == []
    assert alice.screen["message_id"] == intro["message_id"]
    assert alice.text.startswith("✓ Διδάσκει Πληροφορική στο σχολείο: Ναι\n\n" + ELIGIBILITY)
    assert alice.question.startswith(ELIGIBILITY + "Ποια θέση έχετε στο σχολείο;")
    await alice.press("Εκπαιδευτικός")

    # A teacher (not a director) is never asked whether they are the only one.
    assert alice.question.startswith(ELIGIBILITY + "Με ποια σχέση εργασίας")
    await alice.press("Μόνιμος/η")
    assert alice.question.startswith(ELIGIBILITY + "Πόσες ημέρες την εβδομάδα")
    assert labels(alice.screen)[:8] == ["0", "1", "2", "3", "4", "5", "6", "7"]
    [again] = await alice.send("δύο")
    assert again["text"].startswith("⚠️ Στείλτε έναν ακέραιο αριθμό")
    assert ELIGIBILITY + "Πόσες ημέρες την εβδομάδα" in again["text"]  # the same question
    [again] = await alice.send("9")
    assert again["text"].startswith("⚠️ Στείλτε έναν αριθμό από 0 έως 7")
    await alice.press("2")
    # Two days a week: the circular's exception is asked about; the marker does not jump.
    assert alice.question.startswith(
        ELIGIBILITY + "Συμπληρώνετε το υποχρεωτικό ωράριό σας σε άλλα σχολεία"
    )
    await alice.press("Ναι")
    # The exception is for the school of the organic post: asked now, not at the end.
    assert alice.question.startswith(ELIGIBILITY + "Έχετε οργανική θέση σε αυτό το σχολείο")
    await alice.press("Όχι")
    # Not eligible: said at once, with the rule, and the interview goes on for the points.
    assert alice.text.startswith(
        "✓ Οργανική θέση στο σχολείο του εργαστηρίου: Όχι\n\n"
        "⛔ Με αυτή την απάντηση δεν μπορείτε να οριστείτε Υ.Σ.Ε.Π.Ε.Η.Υ. σε αυτό το σχολείο:\n"
        "• Η εξαίρεση των δύο ημερών της ενότητας 4 ισχύει μόνο για το σχολείο στο οποίο "
        "ανήκετε"
    )
    assert "Μπορείτε πάντως να συνεχίσετε παρακάτω για να υπολογίσετε τα μόριά σας" in alice.text
    assert alice.question.startswith(ELIGIBILITY + "Έχετε οριστεί Υ.Σ.Ε.Π.Ε.Η.Υ. σε άλλο σχολείο")
    await alice.press("Όχι")
    assert "⛔" not in alice.text  # said once
    assert alice.question.startswith(ELIGIBILITY + "Ποιος είναι ο κλάδος σας;")
    assert "Επιλέξτε από τα κουμπιά ή πληκτρολογήστε την απάντησή σας." in alice.text
    assert "μόνο στην υποχρεωτική ανάθεση" in alice.text
    await alice.press("ΠΕ86")


async def answer_titles(alice: Teacher) -> None:
    assert alice.question.startswith("2/7 · Τίτλοι σπουδών\nΈχετε διδακτορικό, μεταπτυχιακό")
    assert labels(alice.screen)[:2] == ["➕ Προσθήκη τίτλου", "Κανένας τίτλος"]
    await alice.press("Προσθήκη τίτλου")
    assert alice.question.startswith("2/7 · Τίτλος 1\nΤι τίτλος είναι;")
    await alice.press("Μεταπτυχιακό")
    # "Related" is not defined by the circular: said so, with examples as examples.
    assert "💡 Η εγκύκλιος δεν ορίζει τι είναι «συναφές»: το κρίνει ο σύλλογος" in alice.text
    await alice.press("Ναι")  # related
    await alice.press("Όχι")  # not from abroad: recognition is not asked
    assert "Μέχρι τώρα:\n1. Μεταπτυχιακό, συναφές αντικείμενο" in alice.text

    await alice.press("Προσθήκη κι άλλου τίτλου")
    await alice.press("Διδακτορικό")
    await alice.press("Ναι")  # related
    await alice.press("Ναι")  # from abroad
    assert alice.question.startswith("2/7 · Τίτλος 2\nΈχει αναγνωριστεί από τον Δ.Ο.Α.Τ.Α.Π.;")
    await alice.press("Ναι")  # recognised
    # The line above the next question tells the whole title so far, not a bare "Yes".
    assert alice.text.startswith(
        "✓ Τίτλος 2: Διδακτορικό, συναφές αντικείμενο, από το εξωτερικό, "
        "αναγνωρισμένος από τον Δ.Ο.Α.Τ.Α.Π.\n\n"
    )
    # A doctorate, with a master's already given: is it the same programme?
    assert any(label.startswith("Ναι, τίτλος 1: Μεταπτυχιακό") for label in labels(alice.screen))
    await alice.press("Ναι, τίτλος 1")
    assert "2. Διδακτορικό, συναφές αντικείμενο, από το εξωτερικό, αναγνωρισμένος" in alice.text
    assert "συνέχεια του τίτλου 1" in alice.text

    # A wrong title, removed from the list again.
    await alice.press("Προσθήκη κι άλλου τίτλου")
    await alice.press("Μεταπτυχιακό")
    await alice.press("Όχι")
    await alice.press("Όχι")
    assert "3. Μεταπτυχιακό, μη συναφές" in alice.text
    await alice.press("🗑 3")
    assert "3." not in alice.text.split("Μέχρι τώρα:")[1].split("💡")[0]

    await alice.press("Προσθήκη κι άλλου τίτλου")
    await alice.press("Δεύτερο πτυχίο")
    # Back from a question about the item returns to the one before.
    await alice.press("« Πίσω")
    assert alice.question.startswith("2/7 · Τίτλος 3\nΤι τίτλος είναι;")
    await alice.press("Δεύτερο πτυχίο")
    await alice.press("Όχι")  # unrelated
    await alice.press("Όχι")  # not from abroad
    await alice.press("✅ Τέλος")
    assert alice.text.startswith(
        "✓ Μεταπτυχιακοί τίτλοι και δεύτερα πτυχία: 3 τίτλοι\n\n3/7 · Υπηρεσία\n"
    )


async def answer_service(alice: Teacher) -> None:
    assert alice.question.startswith("3/7 · Υπηρεσία\nΈχετε υπηρετήσει ποτέ σε ΚΕ.ΠΛΗ.ΝΕ.Τ.")
    await alice.press("Ναι")
    # Served at a ΚΕ.ΠΛΗ.ΝΕ.Τ.: four more questions apply; the marker stays.
    assert alice.question.startswith("3/7 · Υπηρεσία\nΠόσα σχολικά έτη υπηρετήσατε ως")
    # Years are whole school years: how to count a part year is said.
    assert "μέρος σχολικού έτους δεν μετρά ως έτος (διευκρίνιση i)" in alice.text
    # The keypad 0–5 and "more", with the cap shown.
    assert labels(alice.screen)[:7] == ["0", "1", "2", "3", "4", "5", "Περισσότερα…"]
    assert "📈 Μετράει έως 5 σχολικά έτη." in alice.text
    more = await alice.press("Περισσότερα…")
    assert more.new[0]["text"] == "✍️ Πληκτρολογήστε τον αριθμό και στείλτε τον."
    await alice.send("7")
    await alice.press("2")  # η
    # θ: skip (= 0), then back, then skip again.
    await alice.press("Παράλειψη »")
    assert alice.text.startswith(
        "⏭ Συνεργάτης/τιδα ΚΕ.ΠΛΗ.ΝΕ.Τ., λιγότερες από 3 ημέρες την εβδομάδα: 0\n\n"
        "3/7 · Υπηρεσία\n"
    )
    await alice.press("« Πίσω")
    assert alice.question.startswith("3/7 · Υπηρεσία\nΠόσα σχολικά έτη υπηρετήσατε σε ΚΕ.ΠΛΗ")
    assert "λιγότερες από 3 ημέρες" in alice.text
    await alice.press("Παράλειψη »")
    await alice.press("0")  # ι
    await alice.send("3")  # ια, typed
    await alice.press("1")  # ιβ


async def answer_lab_experience(alice: Teacher) -> None:
    assert alice.question.startswith(
        "4/7 · Εργαστηριακή εμπειρία\nΈχετε εργαστηριακή εμπειρία εκτός σχολείου;"
    )
    assert "📈 Μετράει έως 4 έτη." in alice.text
    await alice.press("Προσθήκη περιόδου")
    assert alice.question.startswith("4/7 · Περίοδος 1\nΠότε ξεκίνησε")
    assert "ως ημέρα/μήνας/έτος" in alice.text
    await alice.send("15/9/2015")
    [refused] = await alice.send("2015-09-14")
    assert refused["text"].startswith("⚠️ Η λήξη δεν μπορεί να είναι πριν από την έναρξη")
    [refused] = await alice.send("31/02/2016")
    assert refused["text"].startswith("⚠️ Στείλτε μια ημερομηνία")
    await alice.send("14/9/2016")
    await alice.press("Όχι")  # not from a thesis
    await alice.press("Προσθήκη κι άλλης περιόδου")
    await alice.send("1/1/2018")
    await alice.send("30.6.2018")
    await alice.press("Ναι")  # from a thesis
    assert "(από διπλωματική ή διατριβή: δεν μετράει)" in alice.text
    await alice.press("✅ Τέλος")
    # The summary counts years of experience (the thesis period does not count), not periods.
    assert alice.text.startswith("✓ Εξωσχολική εργαστηριακή εμπειρία: 1 έτος\n\n5/7 · ")


async def answer_the_rest(alice: Teacher) -> None:
    await alice.press("Ναι")  # ιδ: Level B ICT certificate
    [refused] = await alice.send("-1")  # ιε
    assert refused["text"].startswith("⚠️ Στείλτε έναν αριθμό από 0 έως 60")
    await alice.press("0")
    await alice.press("5")  # ιστ
    await alice.press("Προσθήκη γλώσσας")
    assert labels(alice.screen)[:6] == [
        "Αγγλικά",
        "Γαλλικά",
        "Γερμανικά",
        "Ιταλικά",
        "Ισπανικά",
        "Ρωσικά",
    ]
    await alice.press("Αγγλικά")
    assert labels(alice.screen)[:3] == ["C2 (άριστη)", "C1 (πολύ καλή)", "B2 (καλή)"]
    await alice.press("C2 (άριστη)")
    await alice.press("Προσθήκη κι άλλης γλώσσας")
    await alice.send("γαλλικα")  # typed, without the accent: the same as the button
    await alice.press("C1 (πολύ καλή)")
    await alice.press("Προσθήκη κι άλλης γλώσσας")
    await alice.press("Γερμανικά")
    await alice.press("B2 (καλή)")
    assert "3. Γερμανικά B2 (καλή)" in alice.text
    # Typing the button's own label is pressing it.
    await alice.send("τέλος")
    # The organic post was asked with the eligibility questions: not again.


async def test_a_full_interview_in_greek_ends_at_the_correct_total(bot: BotHarness) -> None:
    oracle = score(parse_declaration(ALICE_DECLARATION)).total
    assert oracle == HAND_TOTAL

    alice = Teacher(bot, ALICE)
    await answer_eligibility(alice)
    await answer_titles(alice)
    await answer_service(alice)
    await answer_lab_experience(alice)
    await answer_the_rest(alice)

    summary = alice.screen
    text = summary["text"]
    assert text.startswith("✓ Ξένες γλώσσες: 3 γλώσσες\n\nΕνδεικτικό σύνολο: 23,75 μόρια\n")
    assert lines_starting(text, "α) ") == ["α) Διδακτορικό σε συναφές αντικείμενο: 6 μόρια"]
    assert lines_starting(text, "στ) ")[0].endswith(": 0,5 μόρια")
    assert lines_starting(text, "ζ) ")[0].endswith(": 5 μόρια (7 σχολικά έτη, ανώτατο όριο)")
    assert lines_starting(text, "ιγ) ")[0].endswith(": 1 μόριο (1 έτος)")
    assert lines_starting(text, "ιστ) ")[0].endswith("(5 διαδικασίες, ανώτατο όριο)")
    for not_met in ("β) ", "γ) ", "δ) ", "ε) ", "θ) ", "ι) ", "ιε) ", "κ) "):
        assert not lines_starting(text, not_met), not_met
    assert "Δεν πληροίτε τις προϋποθέσεις" in text
    assert "ΠΕ86" in text
    assert "ενδεικτικά" in text.lower()  # the provisional-points disclaimer
    assert "Να αποθηκεύσω αυτή τη δήλωση" in text  # consent, asked once
    assert labels(summary) == [
        "📄 Δικαιολογητικά που θα χρειαστείτε",
        "✏️ Αλλαγή απάντησης",
        "⬇️ PDF",
        "⬇️ JSON",
        "💾 Ναι, να αποθηκευτεί",
        "Όχι, ευχαριστώ",
        "✅ Ολοκλήρωση",
    ]

    # Keep it.
    kept = await alice.press("Ναι, να αποθηκευτεί", summary)
    assert kept.new[0]["text"].startswith("💾 Αποθηκεύτηκε")
    assert "🗑 Διαγραφή της αποθηκευμένης δήλωσης" in labels(kept.message)
    # The summary no longer asks; it says that it is kept.
    assert "Να αποθηκεύσω" not in kept.message["text"]
    assert kept.message["text"].endswith(
        "\n\n💾 Αποθηκεύτηκε: το /mypoints τη δείχνει ξανά· "
        "μπορείτε να τη διαγράψετε όποτε θέλετε."
    )
    assert "Ενδεικτικό σύνολο: 23,75 μόρια" in kept.message["text"]
    summary = kept.message
    stored = await kept_declaration(bot.database_url, ALICE.id)
    assert stored is not None
    assert stored.declaration == parse_declaration(ALICE_DECLARATION)

    # The documents.
    docs = await alice.press("Δικαιολογητικά", summary)
    documents = docs.new[0]["text"]
    assert "α) Διδακτορικό σε συναφές αντικείμενο" in documents
    assert "Δ.Ο.Α.Τ.Α.Π." in documents
    assert "ΑΣΕΠ" in documents
    assert "κ) " not in documents
    # The service acts of clauses v and xi, each as it applies.
    zeta = documents.split("ζ) ")[1].split("\n")[1]
    assert (
        zeta
        == "  • Οι αντίστοιχες υπηρεσιακές πράξεις (επιλογής, τοποθέτησης, απόσπασης ή διάθεσης)"
    )
    assert "αποφάσεις συγκρότησης των επιτροπών" in documents.split("ιστ) ")[1]

    # The JSON download is the declaration, as `keplibot score` reads it.
    sent = await alice.press("⬇️ JSON", summary)
    [file_message] = sent.new
    assert file_message["document"]["file_name"] == "ysepehy-declaration.json"
    downloaded = json.loads(await alice.download(file_message))
    assert downloaded == ALICE_DECLARATION

    # The PDF has the total, in Greek.
    sent = await alice.press("⬇️ PDF", summary)
    [pdf_message] = sent.new
    assert pdf_message["document"]["mime_type"] == "application/pdf"
    pdf = pdf_text(await alice.download(pdf_message))
    assert "Ενδεικτικό σύνολο: 23,75 μόρια" in pdf
    assert "Δικαιολογητικά που θα χρειαστείτε" in pdf

    # Change an answer: the organic post, yes after all.
    await alice.press("Αλλαγή απάντησης", summary)
    change_list = alice.screen
    [organic] = lines_starting_with_label(change_list["text"], "Οργανική θέση")
    number = organic.split(".")[0]
    await alice.press(number, change_list)
    assert alice.question.startswith("✏️ Αλλαγή απάντησης\nΈχετε οργανική θέση σε αυτό το")
    assert "Η τωρινή σας απάντηση: Όχι" in alice.text
    await alice.press("Ναι")
    changed = alice.screen["text"]
    # The headline says that eligibility changed, too.
    assert changed.startswith(
        "✓ Οργανική θέση στο σχολείο του εργαστηρίου: Ναι\n"
        "✏️ Νέο σύνολο: 25,75 μόρια (πριν: 23,75 μόρια).\n"
        "Αλλαγή στις προϋποθέσεις: δεν τις πληροίτε → τις πληροίτε.\n\n"
    )
    assert "ισχύει η εξαίρεση της ενότητας 4" in changed
    assert "κ) Οργανική θέση στο σχολείο του εργαστηρίου: 2 μόρια" in changed
    assert "Αποθηκεύτηκε" in changed  # kept again, as agreed
    stored = await kept_declaration(bot.database_url, ALICE.id)
    assert stored is not None
    assert score(stored.declaration).total == HAND_TOTAL + 2

    # Finish, then /mypoints shows the kept declaration again.
    finished = await alice.press("Ολοκλήρωση")
    assert finished.message["reply_markup"] is None
    await alice.send("/mypoints")
    assert "Η αποθηκευμένη δήλωσή σας" in alice.text
    assert "Ενδεικτικό σύνολο: 25,75 μόρια" in alice.text

    # Delete it.
    deleted = await alice.press("Διαγραφή της αποθηκευμένης δήλωσης")
    assert deleted.new[0]["text"].startswith("🗑 Διαγράφηκε")
    assert await kept_declaration(bot.database_url, ALICE.id) is None
    assert await consent_of(bot.database_url, ALICE.id) is False
    [nothing] = await alice.send("/mypoints")
    assert nothing["text"] == "Επιλέξατε να μην αποθηκεύω τις δηλώσεις σας, οπότε δεν έχω καμία."


def lines_starting_with_label(text: str, label: str) -> list[str]:
    return [line for line in text.splitlines() if line.split(". ", 1)[-1].startswith(label)]
