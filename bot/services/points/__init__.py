"""The points feature's domain and persistence: no words, no Telegram.

- `session`: the interview state of one teacher (`InterviewSession`), walking the
  interview of its own ruleset;
- `store`: kept declarations (with the teacher's consent), each naming its ruleset;
- `files`: the declaration as a JSON file, and such a file read back.

What people read is built in `bot.dialogs.points`.
"""
