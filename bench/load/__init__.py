"""The load test of a morning peak (issue 16): `make load` runs bench/load/run.py."""
