"""Deliberation: comments with stances, moderation in the open, summaries and notifications."""
