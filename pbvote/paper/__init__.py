"""Paper ballots: council staff enter each paper ballot twice; only agreeing entries count."""
