"""The helpdesk: tickets, access rules, workflow, schools and centres, staff, the outbox."""
