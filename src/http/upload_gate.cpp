#include "http/upload_gate.hpp"

#include <sys/statvfs.h>

namespace mc::http {

UploadGate::Ticket& UploadGate::Ticket::operator=(Ticket&& other) noexcept {
  if (this != &other) {
    release();
    gate_ = std::exchange(other.gate_, nullptr);
    user_ = std::move(other.user_);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

void UploadGate::Ticket::release() {
  if (gate_) gate_->release(user_, bytes_);
  gate_ = nullptr;
}

std::optional<std::uint64_t> UploadGate::free_bytes() const {
  // The spool directory may not exist yet: measure the nearest directory that does.
  std::filesystem::path dir = limits_.spool_dir;
  std::error_code ec;
  while (!dir.empty() && !std::filesystem::is_directory(dir, ec)) {
    if (dir == dir.parent_path()) break;
    dir = dir.parent_path();
  }
  struct statvfs st {};
  if (dir.empty() || ::statvfs(dir.c_str(), &st) != 0) return std::nullopt;
  return static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
}

std::variant<UploadGate::Ticket, ApiError> UploadGate::admit(const std::string& user_id,
                                                             std::uint64_t bytes) {
  if (bytes > limits_.spool_budget) {
    return ApiError(413, "payload_too_large", "The upload is larger than the server can take at once");
  }
  // Measured outside the lock: statvfs may touch the filesystem.
  const std::optional<std::uint64_t> free = free_bytes();
  std::lock_guard lock(mutex_);
  const auto it = per_user_.find(user_id);
  if (it != per_user_.end() && it->second >= limits_.per_user) {
    return ApiError(429, "too_many_uploads",
                    "Finish one of your uploads in progress (at most " + std::to_string(limits_.per_user) +
                        " at once) before starting another")
        .with_header("Retry-After", "5");
  }
  if (reserved_ + bytes > limits_.spool_budget) {
    return ApiError(503, "uploads_busy", "The server is taking too many uploads at once; try again shortly")
        .with_header("Retry-After", "30");
  }
  // Bytes reserved but not written yet are still to come out of what is free now.
  if (free && (*free < reserved_ + bytes || *free - reserved_ - bytes < limits_.min_free)) {
    return ApiError(507, "insufficient_storage", "The server has no room for this upload now");
  }
  ++per_user_[user_id];
  reserved_ += bytes;
  Ticket t;
  t.gate_ = this;
  t.user_ = user_id;
  t.bytes_ = bytes;
  return t;
}

void UploadGate::release(const std::string& user_id, std::uint64_t bytes) {
  std::lock_guard lock(mutex_);
  reserved_ -= std::min(reserved_, bytes);
  const auto it = per_user_.find(user_id);
  if (it != per_user_.end() && --it->second == 0) per_user_.erase(it);
}

std::uint64_t UploadGate::reserved_bytes() const {
  std::lock_guard lock(mutex_);
  return reserved_;
}

unsigned UploadGate::in_flight(const std::string& user_id) const {
  std::lock_guard lock(mutex_);
  const auto it = per_user_.find(user_id);
  return it == per_user_.end() ? 0 : it->second;
}

}  // namespace mc::http
