"""E-mail: templates, sending through the outbox, mass mail, unsubscribes, notifications."""
