"""GraphQL for the CRM: records, dictionaries, activities, timeline, duplicates."""
