"""PynamoDB's settings file for the local API server (``PYNAMODB_CONFIG`` names it).

PynamoDB looks for this file at import (``/etc/pynamodb/global_default_settings.py`` unless
``PYNAMODB_CONFIG`` says otherwise) and, without one, said so on every start. Only what differs
locally is here; every other setting keeps PynamoDB's default, as in Lambda.
"""

# A Lambda serves one request at a time, so 10 connections per table are plenty there. The local
# server serves a load test from one process: past 10 requests in flight on a table, urllib3
# would drop the extra connections (with a warning each) and open new ones to the emulator.
max_pool_connections = 128
