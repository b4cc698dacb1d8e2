"""``make bench``: every measured figure, each against its floor from the same run."""
from bench import coldstart, roundtrips

if __name__ == "__main__":
    print(roundtrips.report())
    print(coldstart.report())
