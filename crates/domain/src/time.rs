//! The business clock: China time (UTC+8, Asia/Shanghai, which keeps no daylight saving time).
//! Calendar days in filters and reports, the channels' timestamps and notify times all use it.

use chrono::FixedOffset;

/// UTC+8.
pub fn business_tz() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("+08:00 is a valid offset")
}
