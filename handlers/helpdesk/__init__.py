"""The helpdesk's Telegram adapters: ticket views and actions, staff, lists, the outbox."""
