"""The points feature in words and screens, for any channel (no Telegram, no database).

- `labels`: names of things, per ruleset (`RULESET_WORDS`: criterion labels and what a
  document means for a criterion; a new circular adds one entry), documents, options, units;
- `questions`: the interview's questions, hints and answer problems;
- `words`: notes, eligibility, validation errors, the breakdown and the JSON output object
  (also `keplibot score`'s);
- `chat`: answers as phrases, typed answers read back, eligibility notices;
- `actions`: the typed buttons (one codec, "p");
- `interview` / `result`: the screens of a question and of a result, and what a button does;
- `export` / `pdf`: a declaration file's problems in words, the PDF summary.

Everything is worded under the ruleset a result or a session carries, never the current one.
"""
