"""Deadlines in people's hands: calendar feeds, reminder emails and the weekly campaign digest."""
