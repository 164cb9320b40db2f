"""Tasks: the workflow rules, visibility, commands, checklist and queries."""
