"""Access control over the database: loading and caching policies, the roles admin API,
and explanations of access decisions."""
