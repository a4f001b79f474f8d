#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mc {

// The one parser for timestamps that come in from clients (RFC 3339 date-time, e.g.
// 2026-05-01T18:00:00Z or 2026-05-01T20:00:00.5+02:00): every field is range-checked (month 1-12,
// day within its month, hour 0-23, minute and second 0-59, offset up to ±23:59), so nothing
// out of range ever reaches SQL. Returns microseconds since the Unix epoch, UTC; nullopt when the
// text is not such a timestamp. 't'/'z' are accepted as RFC 3339 allows; a leap second (:60) is not.
std::optional<std::int64_t> parse_rfc3339(std::string_view text);

// The instant as RFC 3339 in UTC with microseconds (2026-05-01T16:00:00.000000Z): what SQL gets.
// Years 0001-9999 only (the range check of the caller keeps it there).
std::string format_rfc3339_utc(std::int64_t unix_micros);

// The instants client timestamps may name: 1970-01-01T00:00:00Z up to 2199-12-31T23:59:59.999999Z,
// which a release schedule needs and every clock in the server (nanosecond system_clock) can hold.
inline constexpr std::int64_t kEarliestTimestamp = 0;
inline constexpr std::int64_t kLatestTimestamp = 7258118399999999;  // 2199-12-31T23:59:59.999999Z

}  // namespace mc
