"""Content in several languages: translations of the texts councils and residents write (a round's name and
description, a proposal's title, summary and description), shown in the page's language and falling back to
the original. See ``operations.py`` for who may translate what, and ``lookup.py`` for ``localized()``."""
