"""Tagging characters with any tag set: named entities, or words with their part of speech."""
