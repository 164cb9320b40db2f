"""Outgoing webhooks: administration (admin.py), turning events into deliveries
(dispatch.py), sending them (delivery.py) and signing what is sent (signing.py)."""
