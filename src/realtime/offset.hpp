#pragma once
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mc::realtime {

// A channel message's position: the (transaction id, row id) of its outbox row. The relay delivers
// rows in this order and only once every older transaction has finished, so offsets only grow on
// a channel, and they are the same in every region (the outbox replicates). Written "<xid>-<id>".
struct Offset {
  std::uint64_t xid = 0;
  std::int64_t id = 0;
  auto operator<=>(const Offset&) const = default;
  std::string str() const;
};

// nullopt unless two decimal numbers joined by '-' (no sign, no leading '+', at most 20 digits each).
std::optional<Offset> parse_offset(std::string_view text);

}  // namespace mc::realtime
