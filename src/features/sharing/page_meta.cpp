#include "features/sharing/page_meta.hpp"

#include <boost/json.hpp>
#include <vector>

#include "core/error.hpp"
#include "features/artists/service.hpp"
#include "features/catalog/service.hpp"

namespace mc::sharing {

namespace bj = boost::json;
using boost::asio::awaitable;

namespace {

std::string escape_html(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A description is one line of at most ~200 characters, cut at a character boundary (UTF-8).
std::string summary(std::string_view text) {
  std::string out;
  bool space = false;
  for (const char c : text) {
    const bool ws = c == '\n' || c == '\r' || c == '\t' || c == ' ';
    if (ws) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  constexpr std::size_t kMax = 200;
  if (out.size() <= kMax) return out;
  std::size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
  return out.substr(0, cut) + "…";
}

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> parts;
  std::size_t start = 1;
  while (start <= path.size()) {
    const auto end = path.find('/', start);
    const auto part =
        path.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (!part.empty()) parts.emplace_back(part);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

bool plain_id(std::string_view s) {
  if (s.empty() || s.size() > 100) return false;
  for (const char c : s) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::string str(const bj::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// The largest picture of an image_urls() object ({"128": "/media/…", …}).
std::string largest(const bj::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_object()) return {};
  long best = -1;
  std::string url;
  for (const auto& [size, u] : v->as_object()) {
    const long w = std::strtol(std::string(size).c_str(), nullptr, 10);
    if (w > best && u.is_string()) {
      best = w;
      url = std::string(u.as_string());
    }
  }
  return url;
}

}  // namespace

std::string render_tags(const PageMeta& m) {
  std::string out;
  const auto tag = [&out](std::string_view attr, std::string_view name, std::string_view value) {
    out += "<meta ";
    out += attr;
    out += "=\"";
    out += name;
    out += "\" content=\"";
    out += escape_html(value);
    out += "\">";
  };
  tag("property", "og:site_name", "MusicConnect");
  tag("property", "og:type", m.type);
  tag("property", "og:title", m.title);
  tag("name", "description", m.description);
  tag("property", "og:description", m.description);
  tag("property", "og:url", m.url);
  tag("name", "twitter:card", m.image.empty() ? "summary" : "summary_large_image");
  tag("name", "twitter:title", m.title);
  tag("name", "twitter:description", m.description);
  if (!m.image.empty()) {
    tag("property", "og:image", m.image);
    tag("name", "twitter:image", m.image);
  }
  out += "<link rel=\"canonical\" href=\"" + escape_html(m.url) + "\">";
  return out;
}

PageMetaSource::PageMetaSource(artists::ArtistsService& artists, catalog::CatalogService& catalog,
                               std::string public_url)
    : artists_(artists), catalog_(catalog), public_url_(std::move(public_url)) {
  while (public_url_.ends_with('/')) public_url_.pop_back();
}

awaitable<std::optional<http::PageHead>> PageMetaSource::head(db::Cluster& db, std::string path) const {
  const auto parts = split_path(path);
  const auto absolute = [this](const std::string& p) { return p.empty() ? p : public_url_ + p; };
  PageMeta meta;
  bool frameable = false;
  try {
    if (parts.size() == 2 && parts[0] == "artist" && plain_id(parts[1])) {
      const bj::object artist = co_await artists_.get(db, parts[1], std::nullopt);
      meta.title = str(artist, "stageName");
      meta.description = summary(str(artist, "bio"));
      if (meta.description.empty()) meta.description = meta.title + " on MusicConnect";
      meta.image = absolute(largest(artist, "avatar"));
      meta.url = public_url_ + "/artist/" + str(artist, "slug");
      meta.type = "profile";
    } else if (parts.size() == 4 && parts[0] == "artist" && parts[2] == "release" && plain_id(parts[1]) &&
               plain_id(parts[3])) {
      const bj::object artist = co_await artists_.get(db, parts[1], std::nullopt);
      const bj::object content = co_await catalog_.artist_content(db, std::nullopt, parts[1], std::nullopt);
      const bj::object* release = nullptr;
      if (const auto* rs = content.if_contains("releases"); rs && rs->is_array()) {
        for (const auto& r : rs->as_array()) {
          if (r.is_object() && str(r.as_object(), "id") == parts[3]) release = &r.as_object();
        }
      }
      if (!release) co_return std::nullopt;
      const std::string artist_name = str(artist, "stageName");
      meta.title = str(*release, "title") + " by " + artist_name;
      meta.description = summary(str(*release, "description"));
      if (meta.description.empty()) meta.description = "Listen to " + meta.title + " on MusicConnect";
      meta.image = absolute(largest(*release, "cover"));
      if (const auto* tracks = release->if_contains("tracks");
          meta.image.empty() && tracks && tracks->is_array()) {
        for (const auto& t : tracks->as_array()) {
          if (meta.image.empty() && t.is_object()) meta.image = absolute(largest(t.as_object(), "artwork"));
        }
      }
      if (meta.image.empty()) meta.image = absolute(largest(artist, "avatar"));
      meta.url = public_url_ + "/artist/" + str(artist, "slug") + "/release/" + parts[3];
      meta.type = "music.album";
    } else if (parts.size() == 2 && parts[0] == "track" && plain_id(parts[1])) {
      const bj::object track = co_await catalog_.content(db, std::nullopt, parts[1], std::nullopt);
      const bj::object artist = co_await artists_.get(db, str(track, "artistId"), std::nullopt);
      meta.title = str(track, "title") + " by " + str(artist, "stageName");
      meta.description = "Listen to " + meta.title + " on MusicConnect";
      meta.image = absolute(largest(track, "artwork"));
      if (meta.image.empty()) meta.image = absolute(largest(artist, "avatar"));
      meta.url = public_url_ + "/track/" + parts[1];
      meta.type = "music.song";
    } else if (parts.size() == 3 && parts[0] == "embed" && parts[1] == "track" && plain_id(parts[2])) {
      const bj::object track = co_await catalog_.content(db, std::nullopt, parts[2], std::nullopt);
      meta.title = str(track, "title");
      meta.description = "Listen on MusicConnect";
      meta.image = absolute(largest(track, "artwork"));
      meta.url = public_url_ + "/track/" + parts[2];
      meta.type = "music.song";
      frameable = true;
    } else {
      co_return std::nullopt;
    }
  } catch (const ApiError& e) {
    if (e.status() == 404 || e.status() == 400) co_return std::nullopt;  // the app shows not-found
    throw;
  }
  http::PageHead head;
  head.tags = render_tags(meta);
  head.frameable = frameable;
  co_return head;
}

}  // namespace mc::sharing
