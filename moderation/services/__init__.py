"""Writes for moderation, split by concern (HackSoft "Modules"): screening, flags, escalation,
sanctions. Import the submodule you need: `from moderation.services import flags`.
"""
