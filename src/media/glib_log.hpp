#pragma once

namespace mc::media {

// Sends GLib's messages (libvips warnings such as "VipsJpeg: Premature end of JPEG file", GObject
// criticals) to the JSON log instead of as plain text on stderr, where they would break the one
// JSON object per line that log shippers expect. Idempotent; call before libvips can warn.
void route_glib_messages_to_log();

}  // namespace mc::media
