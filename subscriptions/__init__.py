"""The event log (outbox), the broadcast bus and the streams behind GraphQL subscriptions."""
