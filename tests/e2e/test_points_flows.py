"""The points interview's other paths: English, cancel, resume after a restart, files sent in,
/mypoints without a kept declaration, and the commands in /help."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

from bot.services.clock import FakeClock
from bot.services.points.session import RESULT_KEPT_FOR
from handlers.points import PURGE_JOB
from scoring import parse_declaration, score
from tests.e2e.conftest import ALICE, BOB, BotHarness, Launch, labels
from tests.e2e.helpdesk_e2e import png
from tests.e2e.points_chat import (
    Teacher,
    consent_of,
    flows_of,
    in_points_flow,
    json_document,
    kept_declaration,
    pdf_text,
    rename_kept_ruleset,
)
from tests.unit.scoring_support import EXAMPLES_DIR, spec_dir

BOB_DECLARATION = {
    "schema": "ysepehy-declaration/1",
    "titles": [{"kind": "master", "related": True, "id": "t1", "recognised": False}],
    "lab_manager_effective_years": 1,
    "languages": [{"language": "en", "level": "B1"}],
    "organic_position_at_school": True,
    "eligibility": {"teaches_informatics": False},
}
ELIGIBILITY = "1/7 · Ποιος μπορεί να οριστεί\n"
BOB_HAND_TOTAL = Decimal(3)  # ια 1 + κ 2; the unrecognised master's and B1 English count nothing


async def test_an_interview_in_english_skips_what_does_not_apply(bot: BotHarness) -> None:
    assert score(parse_declaration(BOB_DECLARATION)).total == BOB_HAND_TOTAL
    bob = Teacher(bot, BOB)
    await bob.send("/points")
    assert "\n\n1/7 · Who can be appointed\nWill you teach informatics at this school" in bob.text
    await bob.press("No")
    # Not eligible: said at once, citing the rule, and the points can still be calculated.
    assert (
        "⛔ With this answer you cannot be appointed lab manager at this school:\n"
        "• Only a teacher who will teach informatics at the school can be appointed "
        "(sections 1 and 4 of the circular).\n"
        "You can still go on below to calculate your points anyway"
    ) in bob.text
    # Not teaching informatics: no post, no days; the branch is next.
    assert bob.question.startswith("1/7 · Who can be appointed\nWhat is your branch (κλάδος)?")
    # The branch's priority is only for the compulsory assignment, never over points.
    assert "only for the compulsory assignment when no one applies (section 4)" in bob.text
    await bob.press("Skip »")
    assert bob.question.startswith("2/7 · Titles of study\nDo you hold a doctorate")
    await bob.press("Add a title")
    await bob.press("Master's degree")
    await bob.press("Yes")
    await bob.press("Yes")  # from abroad
    await bob.press("No")  # not recognised
    assert "1. Master's degree, related subject, from abroad, not recognised" in bob.text
    await bob.press("✅ Done")
    assert bob.question.startswith("3/7 · Service\nHave you ever served at a ΚΕ.ΠΛΗ.ΝΕ.Τ.")
    await bob.press("No")
    # Never served: the four ΚΕ.ΠΛΗ.ΝΕ.Τ. questions are not asked.
    assert bob.question.startswith("3/7 · Service\nFor how many school years have you served")
    assert "📈 Counts up to 4 school years." in bob.text
    await bob.send("1")
    await bob.press("Skip »")  # ιβ
    assert labels(bob.screen)[:2] == ["➕ Add a period", "No lab experience"]
    await bob.press("No lab experience")
    await bob.press("No")  # ιδ
    await bob.press("Skip »")  # ιε
    await bob.press("Skip »")  # ιστ
    await bob.press("Add a language")
    await bob.press("English")
    assert labels(bob.screen)[:6] == [
        "C2 (excellent)",
        "C1 (very good)",
        "B2 (good)",
        "B1",
        "A2",
        "A1",
    ]
    await bob.press("B1")
    await bob.press("✅ Done")
    assert bob.question.startswith("7/7 · Organic post\nIs your organic post (οργανική θέση)")
    assert in_points_flow(bot, BOB)
    await bob.send("yes")

    text = bob.text
    assert text.startswith(
        "✓ Organic post (οργανική θέση) at the lab's school: Yes\n\nProvisional total: 3 points"
    )
    assert "ια) Effective service as lab manager (Υ.Σ.Ε.Π.Ε.Η.Υ.): 1 point (1 school year)" in text
    assert "κ) Organic post (οργανική θέση) at the lab's school: 2 points" in text
    assert "not recognised by Δ.Ο.Α.Τ.Α.Π." in text
    assert "Not eligible: you cannot be appointed lab manager at this school." in text
    assert (
        "Only a teacher who will teach informatics at the school can be appointed (sections 1 "
        "and 4 of the circular)."
    ) in text

    # The flow ended with the result: the next text is not taken as an answer.
    assert not in_points_flow(bot, BOB)

    # No, thanks: nothing is kept, and the question is not asked again.
    no = await bob.press("No, thanks")
    assert no.new[0]["text"] == "Understood: I will not keep your declarations."
    assert "💾 Keep this declaration" in labels(no.message)
    assert "May I keep" not in no.message["text"]
    assert no.message["text"].endswith("the Directorate of Secondary Education (Δ.Δ.Ε.) decides.")
    assert await consent_of(bot.database_url, BOB.id) is False
    assert await kept_declaration(bot.database_url, BOB.id) is None

    sent = await bob.press("⬇️ JSON")
    assert json.loads(await bob.download(sent.new[0])) == BOB_DECLARATION
    sent = await bob.press("⬇️ PDF")
    pdf = pdf_text(await bob.download(sent.new[0]))
    assert "Provisional total: 3 points" in pdf
    assert "Not eligible" in pdf

    # A second interview: the consent question is not asked again.
    await bob.press("Finish")
    await bob.send("/points")
    await bob.press("No")
    await bob.press("Skip »")
    await bob.press("No titles")
    await bob.press("No")
    for _ in range(2):
        await bob.press("Skip »")
    await bob.press("No lab experience")
    for _ in range(3):
        await bob.press("Skip »")
    await bob.press("No languages")
    await bob.press("Skip »")
    assert "\n\nProvisional total: 0 points\n" in bob.text
    assert "No criterion is met." in bob.text
    assert "May I keep" not in bob.text
    assert "💾 Keep this declaration" in labels(bob.screen)


async def test_cancel_drops_the_interview_and_a_director_is_asked_more(bot: BotHarness) -> None:
    alice = Teacher(bot, ALICE)
    await alice.send("/points")
    await alice.press("Ναι")
    await alice.press("Διευθυντής/ντρια")
    # A director can be appointed only as the only teacher of informatics: asked.
    assert alice.question.startswith(ELIGIBILITY + "Είστε ο/η μοναδικός/ή εκπαιδευτικός")
    # The interview has answers: «✖ Ακύρωση» asks first (handlers.flows).
    asked = await alice.press("✖ Ακύρωση")
    assert asked.message["text"].startswith("⚠️ Να απορριφθούν οι απαντήσεις σας")
    cancelled = await alice.press("🗑 Απόρριψη", asked.message)
    assert cancelled.message["text"].startswith("Ακυρώθηκε.")
    assert "🧮 Υπολογισμός μορίων" in labels(cancelled.message)

    # Started again from the menu: a new interview, not the old one.
    started = await alice.press("Υπολογισμός μορίων", cancelled.message)
    assert "Ας υπολογίσουμε" in started.new[0]["text"]
    assert "1/7 · " in alice.text
    await alice.press("Ναι")
    [cancelled_message] = await alice.send("/cancel")
    assert cancelled_message["text"].startswith("Ακυρώθηκε.")
    await alice.send("/points")
    assert "1/7 · " in alice.text


async def test_a_half_finished_interview_survives_a_restart(launch: Launch) -> None:
    bot = await launch()
    alice = Teacher(bot, ALICE)
    await alice.send("/points")
    await alice.press("Ναι")
    await alice.press("Εκπαιδευτικός")
    await alice.press("Μόνιμος/η")
    await alice.press("5")
    await alice.press("Όχι")  # not a lab manager at another school
    await alice.press("ΠΕ86")
    await alice.press("Προσθήκη τίτλου")
    await alice.press("Μεταπτυχιακό")
    question = alice.screen
    assert alice.question.startswith("2/7 · Τίτλος 1\nΕίναι σε γνωστικό αντικείμενο συναφές")

    await bot.restart()

    # The question on screen still works after the restart, and nothing was lost.
    await alice.press("Ναι", question)
    assert alice.question.startswith("2/7 · Τίτλος 1\nΕίναι από ίδρυμα της αλλοδαπής;")
    await alice.press("Όχι")
    assert "1. Μεταπτυχιακό, συναφές αντικείμενο" in alice.text

    await bot.restart()
    # /points after a restart continues where the teacher stopped.
    [resumed] = await alice.send("/points")
    assert resumed["text"].startswith("↪️ Συνεχίζουμε από εκεί που σταματήσατε.")
    assert "1. Μεταπτυχιακό, συναφές αντικείμενο" in resumed["text"]
    await alice.press("✅ Τέλος")
    await alice.press("Όχι")  # no ΚΕ.ΠΛΗ.ΝΕ.Τ. service
    for _ in range(2):
        await alice.press("Παράλειψη »")
    await alice.press("Καμία εργαστηριακή εμπειρία")
    for _ in range(3):
        await alice.press("Παράλειψη »")
    await alice.press("Καμία ξένη γλώσσα")
    await alice.press("Παράλειψη »")
    assert "\n\nΕνδεικτικό σύνολο: 4 μόρια\n" in alice.text
    assert "γ) Μεταπτυχιακό σε συναφές αντικείμενο: 4 μόρια" in alice.text


async def test_a_declaration_file_is_scored_and_can_be_changed(bot: BotHarness) -> None:
    path = spec_dir() / EXAMPLES_DIR / "full-house.json"
    oracle = score(parse_declaration(json.loads(path.read_text(encoding="utf-8")))).total
    alice = Teacher(bot, ALICE)

    # Sent in the middle of an interview: it replaces the interview.
    await alice.send("/points")
    await alice.press("Ναι")
    [summary] = await alice.send_file(path.read_bytes(), "full-house.json")
    assert summary["text"].startswith("📂 Η δήλωση του αρχείου full-house.json:")
    assert "(Αντικαθιστά τον υπολογισμό που δεν είχατε ολοκληρώσει.)" in summary["text"]
    total = format(oracle, "f").replace(".", ",")
    assert f"Ενδεικτικό σύνολο: {total} μόρια" in summary["text"]
    assert await kept_declaration(bot.database_url, ALICE.id) is None  # not kept unasked

    # Change an answer of the file, then go back: nothing changes.
    await alice.press("Αλλαγή απάντησης")
    [languages] = [
        line for line in alice.text.splitlines() if line.split(". ", 1)[-1].startswith("Ξένες")
    ]
    await alice.press(languages.split(".")[0])
    assert alice.question.startswith(
        "✏️ Αλλαγή απάντησης\nΈχετε πιστοποιημένη γνώση ξένων γλωσσών;"
    )
    back = await alice.press("« Πίσω")
    assert back.message["text"].startswith("↩️ Δεν άλλαξε τίποτα.")
    assert f"Ενδεικτικό σύνολο: {total} μόρια" in back.message["text"]

    # Remove every language: the total drops by what they were worth.
    languages_worth = sum(
        (score(parse_declaration(json.loads(path.read_text())))[key].points)
        for key in ("ιζ", "ιη", "ιθ")
    )
    await alice.press("Αλλαγή απάντησης")
    await alice.press(languages.split(".")[0])
    while any(label.startswith("🗑") for label in labels(alice.screen)):
        await alice.press("🗑 1")
    await alice.press("Καμία ξένη γλώσσα")
    new_total = format(oracle - languages_worth, "f").replace(".", ",")
    assert alice.text.startswith(
        "✓ Ξένες γλώσσες: Καμία ξένη γλώσσα\n"
        f"✏️ Νέο σύνολο: {new_total} μόρια (πριν: {total} μόρια)."
    )


async def test_invalid_files_are_explained_in_words(bot: BotHarness) -> None:
    alice = Teacher(bot, ALICE)
    dangling = {
        "titles": [
            {"kind": "master", "related": True, "id": "m1"},
            {"kind": "phd", "related": True, "continues": "m9"},
        ],
        "keplinet_head_years": "3",
    }
    [reply] = await alice.send_file(json_document(dangling), "δήλωση.json")
    assert reply["text"].startswith("⚠️ Αυτό το αρχείο δεν είναι δήλωση που μπορώ να μοριοδοτήσω:")
    assert "• keplinet_head_years: " in reply["text"]
    assert "• titles[1].continues: " in reply["text"]
    assert "m9" in reply["text"]

    [reply] = await alice.send_file(b'{"titles": [', "broken.json")
    assert "Το αρχείο δεν είναι έγκυρο JSON (γραμμή 1, στήλη 13)." in reply["text"]

    bob = Teacher(bot, BOB)
    [reply] = await bob.send_file(json_document({"languages": [{"language": "en"}]}), "x.json")
    assert "• languages[0].level: " in reply["text"]
    assert reply["text"].startswith("⚠️ This file is not a declaration I can score:")


async def test_mypoints_without_a_kept_declaration_offers_the_interview(bot: BotHarness) -> None:
    alice = Teacher(bot, ALICE)
    [reply] = await alice.send("/mypoints")
    assert reply["text"] == "Δεν έχω αποθηκευμένη δήλωσή σας."
    started = await alice.press("Υπολογισμός των μορίων μου")
    assert "1/7 · " in started.new[0]["text"]
    # In the middle of the interview, /mypoints says so and asks the question again.
    [note] = await alice.send("/mypoints")
    assert note["text"].startswith("ℹ️ Βρίσκεστε στη μέση του υπολογισμού μορίων")
    assert "1/7 · " in note["text"]


async def test_a_kept_declaration_of_an_unknown_circular_is_refused_in_words(
    bot: BotHarness,
) -> None:
    alice = Teacher(bot, ALICE)
    [summary] = await alice.send_file(json_document({"keplinet_head_years": 2}), "mine.json")
    await bot.press(ALICE, summary, "p:keep")
    assert (await kept_declaration(bot.database_url, ALICE.id)) is not None
    await rename_kept_ruleset(bot.database_url, ALICE.id, "999/Δ2/2099")
    [reply] = await alice.send("/mypoints")
    assert reply["text"].startswith("⚠️ Η αποθηκευμένη δήλωσή σας υπολογίστηκε με την εγκύκλιο")
    assert "999/Δ2/2099" in reply["text"]
    assert labels(reply) == ["🧮 Υπολογισμός των μορίων μου"]


async def test_points_commands_are_in_help(bot: BotHarness) -> None:
    [help_message] = await bot.send(ALICE, "/help")
    assert "/points — Υπολογισμός μορίων για τη θέση Υ.Σ.Ε.Π.Ε.Η.Υ." in help_message["text"]
    assert "/mypoints — Η αποθηκευμένη δήλωση μορίων σας" in help_message["text"]
    commands = {c["command"] for c in await bot.sim.commands(ALICE.id, ALICE)}
    assert {"points", "mypoints"} <= commands


async def test_an_interview_whose_data_was_deleted_ends_politely(bot: BotHarness) -> None:
    alice = Teacher(bot, ALICE)
    await alice.send("/points")
    await alice.press("Ναι")
    assert bot.app is not None
    # What "forget me" does (bot.services.users.delete_user_data and the app's copy).
    bot.app.drop_user_data(ALICE.id)
    [reply] = await alice.send("3")
    assert reply["text"] == "Δεν υπάρχει υπολογισμός μορίων σε εξέλιξη: το /points ξεκινά έναν."
    await alice.send("/points")
    assert "1/7 · " in alice.text


async def test_a_result_not_kept_is_dropped_after_some_hours(launch: Launch) -> None:
    clock = FakeClock()
    bot = await launch(clock=clock.now)
    alice, bob = Teacher(bot, ALICE), Teacher(bot, BOB)
    two_years = json_document({"lab_manager_effective_years": 2})
    await alice.send_file(two_years, "d.json")
    assert "Ενδεικτικό σύνολο: 2 μόρια" in alice.text
    await bob.send_file(two_years, "d.json")
    assert "Provisional total: 2 points" in bob.text
    assert bot.app is not None

    clock.advance(RESULT_KEPT_FOR - timedelta(minutes=1))
    sent = await alice.press("⬇️ JSON")  # still there
    assert sent.new[0]["document"] is not None

    clock.advance(minutes=2)
    # Touched after the time: the result's buttons say it is gone.
    gone = await alice.press("⬇️ PDF")
    assert gone.answer is not None
    assert gone.answer["text"] == "Αυτό το κουμπί δεν είναι πια ενεργό."
    assert gone.new[0]["text"].startswith("Δεν έχω πια αυτό το αποτέλεσμα")
    assert "points" not in bot.app.user_data[ALICE.id]
    # Not touched: the purge job drops it.
    assert "points" in bot.app.user_data[BOB.id]
    [purge] = bot.app.job_queue.get_jobs_by_name(PURGE_JOB) if bot.app.job_queue else []
    await purge.run(bot.app)
    assert "points" not in bot.app.user_data[BOB.id]


async def test_a_json_file_in_a_fault_report_is_an_attachment(bot: BotHarness) -> None:
    """In the middle of another flow (a fault report) a .json file belongs to that flow."""
    alice = Teacher(bot, ALICE)
    [question] = await alice.send("/report")
    assert question["text"].startswith("🏫 Σε ποιο σχολείο είναι η βλάβη;")
    [kept] = await alice.send_file(json_document({"lab_manager_effective_years": 2}), "log.json")
    assert kept["text"].startswith("📎 Το κράτησα (1 φωτογραφία ή αρχείο μέχρι τώρα).")
    assert "🏫 Σε ποιο σχολείο είναι η βλάβη;" in kept["text"]
    assert "Ενδεικτικό σύνολο" not in kept["text"]
    assert not in_points_flow(bot, ALICE)
    [cancelled] = await alice.send("/cancel")
    assert cancelled["text"].startswith("Ακυρώθηκε.")

    # Outside every flow the same file is a declaration to score.
    [summary] = await alice.send_file(json_document({"lab_manager_effective_years": 2}), "d.json")
    assert "Ενδεικτικό σύνολο: 2 μόρια" in summary["text"]


async def test_a_photo_in_the_interview_does_not_start_a_fault_report(bot: BotHarness) -> None:
    alice = Teacher(bot, ALICE)
    await alice.send("/points")
    await alice.press("Ναι")
    sent = await bot.sim.send_photo(ALICE, png())
    await bot.recorder.wait(("message", ALICE.id, int(sent["message_id"])))
    [asked] = await bot.bot_messages(ALICE.id, after=int(sent["message_id"]))
    # It would start a fault report: first the question whether to leave the interview.
    assert asked["text"].startswith("⚠️ Να αφήσετε τον υπολογισμό μορίων;")
    assert flows_of(bot, ALICE) == {"points"}
    # «Συνέχεια»: the interview goes on where it was.
    kept = await alice.press("↩️ Συνέχεια", asked)
    assert "\n\n" + ELIGIBILITY + "Ποια θέση έχετε στο σχολείο;" in kept.message["text"]
    assert flows_of(bot, ALICE) == {"points"}
    await alice.press("Εκπαιδευτικός")
    assert alice.question.startswith(ELIGIBILITY + "Με ποια σχέση εργασίας")


async def test_a_revision_2_file_shows_both_totals_and_the_fallback(bot: BotHarness) -> None:
    """A `ysepehy-declaration/2` file with a doctorate in the same field as a master's, one
    language by code and by name, and an hourly-paid teacher: both totals, in chat and PDF."""
    declaration = {
        "schema": "ysepehy-declaration/2",
        "titles": [
            {"kind": "master", "related": True, "id": "m1"},
            {"kind": "phd", "related": True, "same_field_as": "m1"},
        ],
        "languages": [{"language": "Αγγλικά", "level": "C2"}, {"language": "en", "level": "C1"}],
        "eligibility": {"employment": "hourly_paid", "branch": "ΠΕ86"},
    }
    alice = Teacher(bot, ALICE)
    [summary] = await alice.send_file(json_document(declaration), "rev2.json")
    text = summary["text"]
    assert "Ενδεικτικό σύνολο: 11 μόρια· 7 αν ο σύλλογος μετρήσει μόνο τον ανώτερο τίτλο" in text
    assert "ιη) " not in text  # C1 of the same language (Αγγλικά = en) does not count
    assert "Η διευκρίνιση iii της εγκυκλίου δεν ρυθμίζει αυτή την περίπτωση" in text
    assert (
        "Μόνο επικουρικά: μπορείτε να οριστείτε Υ.Σ.Ε.Π.Ε.Η.Υ. μόνο αν δεν μπορεί να οριστεί "
        "κανείς που πληροί τους κύριους όρους της ενότητας 4. Τι πρέπει να ισχύει:\n"
        "• Ως ωρομίσθιος/α, μπορείτε να οριστείτε μόνο αν δεν μπορεί να οριστεί μόνιμος/η ή "
        "αναπληρωτής/τρια πλήρους ωραρίου (ενότητα 4)."
    ) in text

    sent = await alice.press("⬇️ PDF")
    pdf = pdf_text(await alice.download(sent.new[0]))
    assert "11 μόρια· 7 αν ο σύλλογος μετρήσει μόνο τον ανώτερο τίτλο" in pdf
    assert "Μόνο επικουρικά" in pdf
    sent = await alice.press("⬇️ JSON")
    assert json.loads(await alice.download(sent.new[0])) == declaration
