"""The helpdesk's screens and the wording of its notices."""
