#include "media/glib_log.hpp"

#include <glib.h>

#include <mutex>
#include <string_view>

#include "core/log.hpp"

namespace mc::media {
namespace {

std::string_view field(const GLogField* fields, gsize n, std::string_view key) {
  for (gsize i = 0; i < n; ++i) {
    if (key != fields[i].key || !fields[i].value) continue;
    const auto* text = static_cast<const char*>(fields[i].value);
    return fields[i].length < 0 ? std::string_view(text)
                                : std::string_view(text, static_cast<std::size_t>(fields[i].length));
  }
  return {};
}

// Every GLib message passes here: g_log() reaches it through GLib's default handler, and
// structured logging directly.
GLogWriterOutput write_to_log(GLogLevelFlags level, const GLogField* fields, gsize n, gpointer) {
  log::Level to = log::Level::debug;
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) {
    to = log::Level::error;
  } else if (level & G_LOG_LEVEL_WARNING) {
    to = log::Level::warn;
  } else if (level & G_LOG_LEVEL_MESSAGE) {
    to = log::Level::info;
  }
  if (!log::enabled(to)) return G_LOG_WRITER_HANDLED;
  std::string_view domain = field(fields, n, "GLIB_DOMAIN");
  if (domain.empty()) domain = "glib";
  log::write(to, field(fields, n, "MESSAGE"), {{"source", domain}});
  return G_LOG_WRITER_HANDLED;
}

}  // namespace

void route_glib_messages_to_log() {
  static std::once_flag once;  // GLib allows one writer per process
  std::call_once(once, [] { g_log_set_writer_func(write_to_log, nullptr, nullptr); });
}

}  // namespace mc::media
