#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "http/types.hpp"

namespace mc::http {

// The built web app (web/dist), read into memory once at start: a few hundred kilobytes, so
// requests never touch the disk (no blocking I/O on the event loop) and can only ever name a file
// that was in the directory listing (no path traversal by construction).
//
// - /assets/* are content-hashed by the bundler: cached for a year as immutable.
// - Every other file (index.html, favicon, …) must be revalidated: `no-cache` with an ETag.
// - A GET for a path that is no file is the SPA's own route: index.html (client-side routing).
// - Precompressed siblings (name.gz, name.br) are served when the client accepts them.
// What a page of the app adds to index.html's <head> (link-preview tags), and whether other sites
// may show it in a frame (the embeddable player).
struct PageHead {
  std::string tags;
  bool frameable = false;
};

class StaticFiles {
 public:
  // Loads every regular file under `root`; an absent directory gives an empty set (the API still
  // runs, and `/` answers 404 with a hint). Throws on an unreadable file. `media_url` is CDN_URL.
  explicit StaticFiles(const std::string& root, const std::string& media_url = {});
  ~StaticFiles();

  bool empty() const { return files_.empty(); }
  std::size_t size() const { return files_.size(); }

  // Whether `path` belongs to the web app rather than to the API, media, ops or real-time paths.
  static bool owns(std::string_view path);

  // The answer for a GET or HEAD of `path` (percent-encoded, without the query).
  Response serve(const Request& req, std::string_view path) const;

  // index.html with `head.tags` written before </head>. Revalidated without an ETag: the bytes
  // vary by page and by the data they describe.
  Response serve_page(const Request& req, const PageHead& head) const;
  bool has_index() const { return index_ != nullptr; }

  // Content-Security-Policy of the app's pages: scripts and styles from this origin only; media,
  // images and fetches also from `media_origin` (the CDN in front of /media, when there is one), and
  // blob: for the MediaSource and worker hls.js plays through.
  const std::string& content_security_policy() const { return csp_; }

 private:
  struct File;
  const File* find(std::string_view path) const;

  std::unordered_map<std::string, std::unique_ptr<File>> files_;  // "/assets/x.js" → file
  const File* index_ = nullptr;
  std::string csp_;
};

// "https://cdn.example.com" for "https://cdn.example.com/media/x"; empty for anything else.
std::string origin_of(std::string_view url);

// Whether an If-None-Match header value names `etag` (quoted, as sent in ETag): weak comparison,
// as RFC 9110 allows for GET and HEAD.
bool etag_matches(std::string_view if_none_match, std::string_view etag);

// Exposed for tests: the MIME type for a file name, by extension.
std::string_view content_type_for(std::string_view name);

}  // namespace mc::http
