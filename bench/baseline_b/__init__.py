"""Baseline B: what most Channels code does (the Channels tutorial's pattern).

Every socket joins the room's channel-layer group; an event is ``group_send``
of a dict, and every consumer receives it through the layer, serialises it
with ``json.dumps`` and sends it. The sender reads the database once per event
(the meeting row, as a real handler checks what it changes). Served by Daphne
with the project's settings; not part of the product.
"""
