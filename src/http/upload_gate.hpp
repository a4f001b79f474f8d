#pragma once
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>

#include "core/error.hpp"

namespace mc::http {

// What the spool may hold at once (docs/media.md, "Upload admission").
struct UploadLimits {
  unsigned per_user = 3;                    // uploads of one user in flight at once
  std::uint64_t spool_budget = 4ull << 30;  // bytes reserved by all uploads in flight
  std::uint64_t min_free = 1ull << 30;      // free bytes the spool's filesystem keeps
  std::filesystem::path spool_dir;          // whose filesystem is measured
};

// Admits spooled uploads on their headers: a per-user count of uploads in flight and a
// reservation of the bytes each may write to the spool, so that a refused upload is refused before
// its first byte is read and the spool can never fill the disk it shares with the database. One per
// process, shared by every event loop.
class UploadGate {
 public:
  // Holds an admitted upload's place and bytes until destroyed.
  class Ticket {
   public:
    Ticket() = default;
    Ticket(Ticket&& other) noexcept { *this = std::move(other); }
    Ticket& operator=(Ticket&& other) noexcept;
    ~Ticket() { release(); }
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    explicit operator bool() const { return gate_ != nullptr; }

   private:
    friend class UploadGate;
    void release();
    UploadGate* gate_ = nullptr;
    std::string user_;
    std::uint64_t bytes_ = 0;
  };

  explicit UploadGate(UploadLimits limits) : limits_(std::move(limits)) {}

  // A ticket, or why not: 429 too_many_uploads, 413 payload_too_large (more than the whole budget),
  // 503 uploads_busy (the budget is taken by uploads in flight), 507 insufficient_storage (the disk
  // would fall below its free-space floor).
  std::variant<Ticket, ApiError> admit(const std::string& user_id, std::uint64_t bytes);

  // For tests and metrics.
  std::uint64_t reserved_bytes() const;
  unsigned in_flight(const std::string& user_id) const;

 private:
  void release(const std::string& user_id, std::uint64_t bytes);
  std::optional<std::uint64_t> free_bytes() const;

  UploadLimits limits_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, unsigned> per_user_;
  std::uint64_t reserved_ = 0;
};

}  // namespace mc::http
