"""The helpdesk on Telegram: the fault report, tickets, staff and the outbox's delivery."""
