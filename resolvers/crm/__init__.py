"""CRM operations: records, dictionaries, conversion, activities, timeline, duplicates."""
