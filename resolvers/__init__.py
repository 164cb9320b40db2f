"""The operations of the domain: plain async functions over a request context.

All business rules and all SQL live here; domain errors are the exceptions of
``resolvers.errors`` and become GraphQL errors in ``schema/``.
"""
