"""Imports of leads, contacts, companies and deals from CSV and XLSX files (docs/data.md)."""
