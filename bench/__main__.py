"""``make bench``: every measured figure, each against its floor from the same run."""
from bench import claims, coldstart, roundtrips

if __name__ == "__main__":
    print(roundtrips.report())
    print(coldstart.report())
    print(claims.run())
