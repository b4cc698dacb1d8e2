"""``make bench``: every measured figure, each against its floor from the same run.

Each benchmark runs in its own interpreter: the models fix their DynamoDB endpoint when first
imported, and the round-trip count runs on moto while the flash claim runs on DynamoDB Local.
"""
import subprocess
import sys

for module in ("bench.roundtrips", "bench.coldstart", "bench.overhead", "bench.claims", "bench.wakeup", "bench.journeys", "bench.rollup"):
    subprocess.run([sys.executable, "-m", module], check=True)
