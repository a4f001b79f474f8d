#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "core/config.hpp"
#include "core/jwt.hpp"
#include "db/cluster.hpp"
#include "http/router.hpp"
#include "http/types.hpp"
#include "media/storage.hpp"

// Direct-message attachments (docs/messaging.md "Attachments"): an image or an audio file, sniffed
// from its content, processed through the media library (images re-encoded by media::render_image,
// audio probed by media::probe_audio and transcoded to AAC in MP4), stored under
// dm/<uploader>/<random>/ and attached to one message by its uploader.
namespace mc::messaging {

using boost::asio::awaitable;

inline constexpr std::size_t kAttachmentUploadLimit = std::size_t{15} << 20;  // bytes as uploaded
inline constexpr double kAttachmentMaxSeconds = 600;                          // audio: 10 minutes
inline constexpr int kAttachmentAudioKbps = 128;
inline constexpr int kMaxPendingAttachments = 5;  // uploaded and not yet sent, per user
inline constexpr int kAttachmentKeepHours = 24;   // an upload not sent within this expires

class AttachmentService {
 public:
  AttachmentService(media::Storage& storage, const Config& config) : storage_(storage), config_(config) {}

  // Processes and stores an uploaded file (the spool's, removed whatever happens); the new
  // attachment as the uploader sees it, with its expiry.
  awaitable<db::Written<boost::json::object>> upload(db::Cluster& db, const AccessClaims& who,
                                                     std::filesystem::path file);
  // The stored file, for its uploader and the members of the conversation it was sent in; 404 for
  // anyone else (its existence is not revealed).
  awaitable<http::Response> content(db::Cluster& db, const AccessClaims& who, const std::string& id,
                                    std::optional<db::Lsn> token);
  // Retention: removes uploads never sent within kAttachmentKeepHours, and those whose message
  // is gone (its conversation was deleted with an account), files first. Returns how many.
  awaitable<int64_t> prune(db::Cluster& db);

  // Refuses an upload on its headers when the user already has the most pending uploads.
  awaitable<void> admit(db::Cluster& db, const AccessClaims& who);

 private:
  media::Storage& storage_;
  const Config& config_;
};

// The message's view of an attachment: id, kind, contentType, size, width/height (images),
// durationMs (audio) and the URL its readers fetch it from.
boost::json::object attachment_json(const std::string& id, const std::string& kind,
                                    const std::string& content_type, int64_t size,
                                    std::optional<int64_t> width, std::optional<int64_t> height,
                                    std::optional<int64_t> duration_ms);

// POST /api/messaging/attachments (multipart `file` or the raw body) and
// GET /api/messaging/attachments/{id}.
void register_attachment_routes(http::Router& router, media::Storage& storage, const Config& config);

}  // namespace mc::messaging
