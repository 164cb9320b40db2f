"""Files: the store their bytes live in, and attachments to records, tasks, posts and
comments."""
