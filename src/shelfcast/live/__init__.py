"""Live, pure: the intraday profile, the nowcast of today's total, the business clock.

No Django here: the server (``shelfcast.server.live``) reads its tables into these functions.
"""

from shelfcast.live.clock import business_today, minute_of_day, tomorrow
from shelfcast.live.nowcast import nowcast, nowcast_array, fit_prior_strength
from shelfcast.live.profile import IntradayProfile, intraday_profile

__all__ = [
    "IntradayProfile", "intraday_profile", "nowcast", "nowcast_array",
    "fit_prior_strength", "business_today", "tomorrow", "minute_of_day",
]
