#include "http/static_files.hpp"

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "core/crypto.hpp"
#include "core/log.hpp"
#include "http/response.hpp"

namespace mc::http {

namespace {

namespace fs = std::filesystem;

constexpr std::uintmax_t kMaxTotalBytes = std::uintmax_t{256} << 20;  // a web build, not a media store
constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
constexpr std::string_view kRevalidate = "no-cache";

struct Variant {
  std::string body;
  std::string etag;
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string etag_of(std::string_view body, std::string_view suffix) {
  return "\"" + to_hex(sha256(body)).substr(0, 20) + std::string(suffix) + "\"";
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.ends_with(suffix);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes a path; nullopt for malformed escapes or a NUL byte.
std::optional<std::string> decode_path(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (std::size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c == '%') {
      if (i + 2 >= path.size()) return std::nullopt;
      const int hi = hex_value(path[i + 1]);
      const int lo = hex_value(path[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (c == '\0') return std::nullopt;
    out.push_back(c);
  }
  return out;
}

// Whether the client accepts `coding` (RFC 9110 §12.5.3; q=0 refuses it).
bool accepts(std::string_view header, std::string_view coding) {
  std::size_t start = 0;
  while (start <= header.size()) {
    const auto comma = header.find(',', start);
    std::string_view item =
        header.substr(start, comma == std::string_view::npos ? header.npos : comma - start);
    start = comma == std::string_view::npos ? header.size() + 1 : comma + 1;
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    const auto semi = item.find(';');
    std::string_view name = item.substr(0, semi);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (name != coding) continue;
    if (semi == std::string_view::npos) return true;
    std::string_view params = item.substr(semi + 1);
    const auto q = params.find("q=");
    if (q == std::string_view::npos) return true;
    std::string_view value = params.substr(q + 2);
    // q=0, q=0.0, q=0.00, q=0.000 refuse; anything else accepts.
    const bool zero = !value.empty() && value.front() == '0' &&
                      value.substr(1).find_first_not_of(".0 ") == std::string_view::npos;
    return !zero;
  }
  return false;
}

}  // namespace

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  if (if_none_match.empty()) return false;
  if (if_none_match == "*") return true;
  std::size_t start = 0;
  while (start < if_none_match.size()) {
    auto comma = if_none_match.find(',', start);
    if (comma == std::string_view::npos) comma = if_none_match.size();
    std::string_view tag = if_none_match.substr(start, comma - start);
    start = comma + 1;
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (tag.starts_with("W/")) tag.remove_prefix(2);  // weak comparison, as GET allows
    if (tag == etag) return true;
  }
  return false;
}

struct StaticFiles::File {
  std::string_view content_type;
  bool immutable = false;
  Variant identity;
  std::optional<Variant> gzip;
  std::optional<Variant> brotli;
};

std::string_view content_type_for(std::string_view name) {
  static const std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".webp", "image/webp"},
      {".avif", "image/avif"},
      {".gif", "image/gif"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".txt", "text/plain; charset=utf-8"},
      {".wasm", "application/wasm"},
  };
  for (const auto& [ext, type] : kTypes) {
    if (ends_with(name, ext)) return type;
  }
  return "application/octet-stream";
}

std::string origin_of(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  const std::string_view name = url.substr(0, scheme);
  if (name != "https" && name != "http") return {};
  const auto host_end = url.find_first_of("/?#", scheme + 3);
  const std::string_view origin = url.substr(0, host_end);
  if (origin.size() == scheme + 3) return {};
  // Anything that could break out of the header value or the directive is refused.
  for (const char c : origin) {
    if (c <= ' ' || c == ';' || c == ',' || c == '\'' || c == '"' || c == 0x7f) return {};
  }
  return std::string(origin);
}

Response StaticFiles::serve_page(const Request& req, const PageHead& head) const {
  if (!index_) return serve(req, "/");
  std::string body = index_->identity.body;
  const auto at = body.find("</head>");
  body.insert(at == std::string::npos ? 0 : at, head.tags);
  Response res{bhttp::status::ok, 11};
  res.set(bhttp::field::cache_control, kRevalidate);
  std::string csp = csp_;
  if (head.frameable) {
    const std::string none = "frame-ancestors 'none'";
    if (const auto p = csp.find(none); p != std::string::npos)
      csp.replace(p, none.size(), "frame-ancestors *");
  }
  res.set("Content-Security-Policy", csp);
  res.set(bhttp::field::content_type, "text/html; charset=utf-8");
  if (req.method() == Verb::head) {
    res.content_length(body.size());
  } else {
    res.body() = std::move(body);
    res.prepare_payload();
  }
  return res;
}

StaticFiles::StaticFiles(const std::string& root, const std::string& media_url) {
  const std::string media = origin_of(media_url);
  const std::string extra = media.empty() ? "" : " " + media;
  csp_ = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:" + extra +
         "; media-src 'self' blob:" + extra + "; worker-src 'self' blob:; connect-src 'self'" + extra +
         "; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
  std::error_code ec;
  if (root.empty() || !fs::is_directory(root, ec)) {
    log::warn("web app directory not found; only the API is served", {{"web_dir", root}});
    return;
  }
  const fs::path base = fs::canonical(root);
  std::uintmax_t total = 0;
  std::vector<fs::path> compressed;
  for (auto it = fs::recursive_directory_iterator(base); it != fs::recursive_directory_iterator(); ++it) {
    const auto name = it->path().filename().string();
    if (name.starts_with(".")) {  // dotfiles and dot-directories are never published
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    // Symlinks are not followed (they could point out of the tree); nor are devices, sockets, ….
    if (it->is_symlink() || !it->is_regular_file()) continue;
    total += it->file_size();
    if (total > kMaxTotalBytes) throw std::runtime_error("web app directory is larger than 256 MiB: " + root);
    if (ends_with(name, ".gz") || ends_with(name, ".br")) {
      compressed.push_back(it->path());
      continue;
    }
    const std::string rel = "/" + fs::relative(it->path(), base).generic_string();
    auto file = std::make_unique<File>();
    file->content_type = content_type_for(name);
    file->immutable = rel.starts_with("/assets/");
    file->identity.body = read_file(it->path());
    file->identity.etag = etag_of(file->identity.body, "");
    files_.emplace(rel, std::move(file));
  }
  // name.gz / name.br are alternative encodings of name, when name itself is served.
  for (const auto& path : compressed) {
    const std::string rel = "/" + fs::relative(path, base).generic_string();
    const std::string plain = rel.substr(0, rel.size() - 3);
    const auto found = files_.find(plain);
    if (found == files_.end()) continue;
    Variant v;
    v.body = read_file(path);
    const bool gz = ends_with(rel, ".gz");
    v.etag = etag_of(v.body, gz ? "-gzip" : "-br");
    (gz ? found->second->gzip : found->second->brotli) = std::move(v);
  }
  if (auto index = files_.find("/index.html"); index != files_.end()) index_ = index->second.get();
  log::info("web app loaded", {{"web_dir", base.string()}, {"files", files_.size()}, {"bytes", total}});
}

StaticFiles::~StaticFiles() = default;

bool StaticFiles::owns(std::string_view path) {
  auto under = [&](std::string_view prefix) {
    return path == prefix ||
           (path.starts_with(prefix) && path.size() > prefix.size() && path[prefix.size()] == '/');
  };
  return !(under("/api") || under("/media") || under("/ws") || path == "/health" || path == "/ready" ||
           path == "/metrics");
}

const StaticFiles::File* StaticFiles::find(std::string_view path) const {
  if (path == "/") return index_;
  const auto it = files_.find(std::string(path));
  return it == files_.end() ? nullptr : it->second.get();
}

Response StaticFiles::serve(const Request& req, std::string_view raw_path) const {
  const auto path = decode_path(raw_path);
  if (!path) return error_response(ApiError(400, "bad_request", "Malformed path"));
  const File* file = find(*path);
  if (!file) {
    // A missing hashed asset must not turn into HTML (a stale tab would run index.html as a
    // script), and neither should any other name with a file extension; app routes have none.
    const auto last = path->substr(path->rfind('/') + 1);
    if (path->starts_with("/assets/") || last.find('.') != std::string::npos || !index_) {
      return error_response(ApiError::not_found(index_ ? "No such file" : "The web app is not built"));
    }
    file = index_;
  }

  const Variant* variant = &file->identity;
  std::string_view encoding;
  const auto accept = req[bhttp::field::accept_encoding];
  if (file->brotli && accepts(accept, "br")) {
    variant = &*file->brotli;
    encoding = "br";
  } else if (file->gzip && accepts(accept, "gzip")) {
    variant = &*file->gzip;
    encoding = "gzip";
  }

  Response res{bhttp::status::ok, 11};
  res.set(bhttp::field::etag, variant->etag);
  res.set(bhttp::field::cache_control, file->immutable ? kImmutable : kRevalidate);
  if (file->gzip || file->brotli) res.set(bhttp::field::vary, "Accept-Encoding");
  if (file == index_ || file->content_type.starts_with("text/html")) {
    res.set("Content-Security-Policy", csp_);
  }
  if (etag_matches(req[bhttp::field::if_none_match], variant->etag)) {
    res.result(bhttp::status::not_modified);
    return res;
  }
  res.set(bhttp::field::content_type, file->content_type);
  if (!encoding.empty()) res.set(bhttp::field::content_encoding, encoding);
  if (req.method() == Verb::head) {
    res.content_length(variant->body.size());
  } else {
    res.body() = variant->body;
    res.prepare_payload();
  }
  return res;
}

}  // namespace mc::http
