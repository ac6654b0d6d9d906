"""Signals other apps follow without accounts importing them."""

from django.dispatch import Signal

#: Sent (inside the transaction) when a membership ends or is removed:
#: ``body_id``, ``user_id``, ``actor`` (None for the scheduler). Receivers take
#: the former member's seats away (meetings: voting right and documents).
membership_ended = Signal()
