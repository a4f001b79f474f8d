#include "http/upload_spool.hpp"

#include <cctype>
#include <system_error>

#include "core/crypto.hpp"

namespace mc::http {

UploadSpool::UploadSpool(std::filesystem::path dir) : dir_(std::move(dir)) {}

UploadSpool::~UploadSpool() {
  if (out_) std::fclose(out_);
  if (!path_.empty() && !taken_) {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
}

bool UploadSpool::open_file() {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  path_ = dir_ / ("upload-" + fast_random_hex(16) + ".part");
  out_ = std::fopen(path_.c_str(), "wbx");
  if (!out_) {
    disk_failed_ = true;
    return false;
  }
  has_file_ = true;
  return true;
}

bool UploadSpool::write_file(std::string_view data) {
  if (!out_ && !open_file()) return false;
  if (std::fwrite(data.data(), 1, data.size(), out_) != data.size()) {
    disk_failed_ = true;
    return false;
  }
  file_size_ += data.size();
  return true;
}

void UploadSpool::refuse(std::string why) {
  if (error_.empty()) error_ = std::move(why);
}

void UploadSpool::begin(std::string_view content_type) {
  const auto semi = content_type.find(';');
  std::string media(content_type.substr(0, semi));
  for (auto& c : media) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!media.starts_with("multipart/")) return;  // a raw body: the file is the body
  multipart_ = true;
  auto boundary = multipart_boundary(content_type);
  if (!boundary) {
    refuse("the multipart Content-Type has no valid boundary");
    return;
  }
  MultipartParser::Callbacks cb;
  cb.on_part_begin = [this](const PartHeaders& h) {
    if (h.filename) {
      if (has_file_ || in_file_) {
        refuse("only one file may be uploaded per request");
        return false;
      }
      in_file_ = true;
      filename_ = h.filename;
      file_field_ = h.name;
      return open_file();
    }
    if (fields_.size() >= kMaxFields) {
      refuse("too many form fields");
      return false;
    }
    current_field_ = &fields_[h.name];
    current_field_->clear();
    return true;
  };
  cb.on_part_data = [this](std::string_view data) {
    if (in_file_) return write_file(data);
    if (current_field_->size() + data.size() > kMaxFieldBytes) {
      refuse("a form field is longer than 4096 bytes");
      return false;
    }
    current_field_->append(data);
    return true;
  };
  cb.on_part_end = [this] {
    in_file_ = false;
    current_field_ = nullptr;
    return true;
  };
  parser_ = std::make_unique<MultipartParser>(*boundary, std::move(cb));
}

bool UploadSpool::write(std::string_view data) {
  if (disk_failed_) return false;
  if (!multipart_) return write_file(data);
  // A body that is already unusable is not read further: the server answers refusal() at once.
  if (!parser_ || !error_.empty()) return false;
  if (!parser_->feed(data)) {
    if (!disk_failed_) refuse("malformed multipart body: " + parser_->error());
    return false;
  }
  return true;
}

std::optional<ApiError> UploadSpool::refusal() const {
  if (error_.empty()) return std::nullopt;
  return ApiError(400, "malformed_multipart", error_);
}

void UploadSpool::end() {
  if (multipart_ && parser_ && error_.empty() && !parser_->finish()) {
    refuse("malformed multipart body: " + parser_->error());
  }
  if (out_) {
    if (std::fflush(out_) != 0) refuse("the upload could not be stored");
    std::fclose(out_);
    out_ = nullptr;
  }
}

std::filesystem::path UploadSpool::take_file() {
  taken_ = true;
  return path_;
}

}  // namespace mc::http
