"""Officer dashboard (per draft) and the station's yearly overview.

``charts`` is pure (server-rendered SVG strings), ``stats`` holds the database
queries, ``web`` the pages (``ROUTES``).
"""
