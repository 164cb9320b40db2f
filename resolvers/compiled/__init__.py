"""Compiled reads: a query's selection turned into one SQL statement per root field that
builds the response's JSON in the database (docs/performance.md, "Compiled reads").

- ``selection``: the operation's fields, with fragments merged, as a plain tree; or why it
  cannot be compiled.
- ``json_sql``: JSON objects, arrays, Relay IDs and scalars in each dialect's SQL.
- ``objects``: an object's selection as a JSON expression: CRM records from their
  declarations, stages and users from their columns.
- ``roots``: the root fields (the record lists and ``node``) and running their statements.

Anything the compiler does not know answers ``NotCompiled`` and the operation runs on the
resolvers; the rights are the same ``read_filter`` the resolvers put in their WHERE clauses.
"""
