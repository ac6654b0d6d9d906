"""English formats: the Vietnamese dates (dd/mm/yyyy), English number separators."""

from nghisu.formats.vi.formats import *  # noqa: F403

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
