#pragma once

// SQL text that renders a timestamptz column as the RFC 3339 UTC text the API sends: to the second
// (MC_ISO) or to the millisecond (MC_ISO_MS, for things ordered within a second, like messages).
#define MC_ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define MC_ISO_MS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
