#pragma once
#include <boost/json/object.hpp>

#include <string>
#include <string_view>

namespace mc::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

// JSON lines on stderr, written by a background thread so request threads never block on I/O.
void init(std::string_view level);
void shutdown();  // flushes; call before exit
bool enabled(Level level);

void write(Level level, std::string_view message, boost::json::object fields = {});
inline void debug(std::string_view m, boost::json::object f = {}) {
  write(Level::debug, m, std::move(f));
}
inline void info(std::string_view m, boost::json::object f = {}) {
  write(Level::info, m, std::move(f));
}
inline void warn(std::string_view m, boost::json::object f = {}) {
  write(Level::warn, m, std::move(f));
}
inline void error(std::string_view m, boost::json::object f = {}) {
  write(Level::error, m, std::move(f));
}

// Appends an already formatted JSON line (the access log builds its own for speed).
void write_line(std::string_view line);

// ISO-8601 UTC timestamp with milliseconds.
std::string now_iso8601();

}  // namespace mc::log
