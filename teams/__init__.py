"""Microsoft Teams: keplibot's second messaging channel (issue 16), one adapter package.

The counterpart of `handlers/` (Telegram), on the Microsoft 365 Agents SDK's activity
model and connector client:

- `auth`: the Bot Connector's JWT on every request (`InboundAuth`), and the bot's own
  token for its calls back (`TokenSource`);
- `render`: a channel-neutral `Screen` as a Teams message (markdown, an Adaptive Card
  whose `Action.Submit` buttons carry the packed codec action, files as attachments);
- `connector`: the outgoing `serviceUrl` calls (send, update);
- `bot` / `turn` / `faq` / `points` (and `actions`, Teams' own buttons): one incoming
  activity → the dialogs → replies, with the conversation's state kept in the database
  (`bot.services.channels`);
- `report` / `report_send` / `photos` / `tickets`: the helpdesk's teacher side (the fault
  report with photos, «Send», "My tickets"; `quotes`: a quoted reply to a ticket's
  notice goes to that ticket); `flows`: one flow at a time; `privacy`:
  /privacy, /mydata, /delete;
- `notifier`: the Notifier port for Teams (proactive messages to a stored conversation);
- `files`: large files (the PDF) offered at a link of keplibot's server;
- `web`: `POST /api/messages` on keplibot's aiohttp server (`bot.web` mounts it when
  TEAMS_APP_ID is set);
- `manifest`: the Teams app package (`keplibot teams manifest`);
- `standin`: a local Bot Connector (and token issuer) for tests, strict about what Teams
  accepts.

It uses the dialogs and services as the Telegram handlers do, never `handlers` itself
(`.importlinter`).
"""
