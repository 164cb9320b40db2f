"""Identity (passwords, tokens, the viewer) and the access policy (``auth.policy``)."""
