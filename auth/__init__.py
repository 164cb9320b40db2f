"""Identity (passwords, tokens, the viewer) and, later, the access policy."""
