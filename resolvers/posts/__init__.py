"""Live-feed posts: who they reach, the commands on them, and reading them."""
