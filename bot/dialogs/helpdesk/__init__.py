"""The helpdesk's conversations: the fault report, ticket screens, notices' wording."""
