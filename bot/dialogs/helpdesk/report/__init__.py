"""The fault report, channel-neutral: its buttons (`actions`), its screens (`screens`) and
its steps (`steps`), over the typed draft of `bot.services.helpdesk_draft`."""
