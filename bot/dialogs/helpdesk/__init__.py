"""The helpdesk's conversations: the fault report and the tickets."""
