"""Settings of the rewards store that staff do not change in admin."""

from datetime import timedelta

# An unclaimed voucher expires this long after it was issued; the points go back.
VOUCHER_VALID_FOR = timedelta(days=7)

# Codes are read aloud at the counter: no 0/O and no 1/I, which people confuse.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 8

# A stock at or below this shows up under the admin's "low stock" filter.
LOW_STOCK = 3

# How many rows the monthly leaderboard shows (the worker's own row is shown even below).
LEADERBOARD_SIZE = 50
