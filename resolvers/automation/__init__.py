"""Automation rules ("robots"): when something happens in the CRM (a trigger) to a record
that matches a filter (the condition), a rule's actions run in its owner's rights.

``rules`` defines them, ``triggers`` and ``conditions`` decide whether one applies to an
event, ``actions`` holds one module per kind of action, ``runner`` reads the event log and
runs each rule at most once per event.
"""
