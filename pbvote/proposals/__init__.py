"""Proposals: residents submit projects, co-author and revise them; the council reviews them."""
