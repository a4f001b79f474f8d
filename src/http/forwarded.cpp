#include "http/forwarded.hpp"

#include <boost/asio/ip/address.hpp>
#include <vector>

namespace mc::http {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string forwarded_client(const Request& req, std::string_view peer, unsigned hops) {
  if (hops == 0) return std::string(peer);
  // Several X-Forwarded-For lines form one list, in order (RFC 9110 §5.3).
  std::vector<std::string_view> entries;
  for (auto [it, end] = req.equal_range("X-Forwarded-For"); it != end; ++it) {
    std::string_view rest(it->value().data(), it->value().size());
    while (true) {
      const auto comma = rest.find(',');
      entries.push_back(trim(rest.substr(0, comma)));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
      if (entries.size() > 64) return std::string(peer);  // no real proxy chain is this long
    }
  }
  if (entries.empty()) return std::string(peer);
  const std::string_view chosen = entries.size() >= hops ? entries[entries.size() - hops] : entries.front();
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(std::string(chosen), ec);
  if (ec) return std::string(peer);
  return address.to_string();
}

std::string viewer_country(const Request& req, unsigned hops) {
  if (hops == 0) return "ZZ";
  const std::string_view v = trim(req["CloudFront-Viewer-Country"]);
  if (v.size() != 2) return "ZZ";
  std::string out;
  for (const char c : v) {
    if (c >= 'a' && c <= 'z') {
      out += static_cast<char>(c - 'a' + 'A');
    } else if (c >= 'A' && c <= 'Z') {
      out += c;
    } else {
      return "ZZ";
    }
  }
  return out;
}

}  // namespace mc::http
