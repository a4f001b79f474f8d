#pragma once
// Link previews for the web app's shareable pages (issue 13 item 6): a chat app or social network
// fetching /artist/{id}, /artist/{id}/release/{release} or /track/{id} runs no JavaScript, so the
// server writes the page's Open Graph and Twitter card tags into index.html itself — the same
// title, description and picture an anonymous visitor would see (locked items as their teasers).
#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "db/cluster.hpp"
#include "http/static_files.hpp"

namespace mc::artists {
class ArtistsService;
}
namespace mc::catalog {
class CatalogService;
}

namespace mc::sharing {

struct PageMeta {
  std::string title;
  std::string description;
  std::string image;  // absolute URL, or empty
  std::string url;    // absolute canonical URL of the page
  std::string type;   // og:type: profile, music.album, music.song
};

// The tags, every value HTML-escaped.
std::string render_tags(const PageMeta& meta);

class PageMetaSource {
 public:
  PageMetaSource(artists::ArtistsService& artists, catalog::CatalogService& catalog, std::string public_url);

  // The <head> additions for a shareable page; nullopt for any other path, or an id that names
  // nothing visible (the web app then shows its not-found page).
  boost::asio::awaitable<std::optional<http::PageHead>> head(db::Cluster& db, std::string path) const;

 private:
  artists::ArtistsService& artists_;
  catalog::CatalogService& catalog_;
  std::string public_url_;
};

}  // namespace mc::sharing
