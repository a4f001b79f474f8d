#pragma once
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "http/multipart.hpp"

namespace mc::http {

// A request body that goes to disk while it arrives (uploads), never into memory. A multipart/
// form-data body is parsed on the fly: its one file part is written to a temporary file and its
// small text fields are kept; any other body is written to the file as it is. The file is removed
// with the spool unless a handler takes it.
class UploadSpool {
 public:
  static constexpr std::size_t kMaxFields = 16;
  static constexpr std::size_t kMaxFieldBytes = 4096;

  explicit UploadSpool(std::filesystem::path dir);
  ~UploadSpool();
  UploadSpool(const UploadSpool&) = delete;
  UploadSpool& operator=(const UploadSpool&) = delete;

  // Called by the body reader.
  void begin(std::string_view content_type);
  // false: stop reading the body, because the disk refused it or the body cannot be used (then
  // refusal() says why and the server answers at once instead of reading the rest).
  bool write(std::string_view data);
  void end();

  bool multipart() const { return multipart_; }
  // Why the body cannot be used (malformed multipart, several files…); empty when it can.
  const std::string& error() const { return error_; }
  // The 400 malformed_multipart answer for an unusable body, when it is one.
  std::optional<ApiError> refusal() const;
  bool has_file() const { return has_file_; }
  const std::filesystem::path& file() const { return path_; }
  std::uint64_t file_size() const { return file_size_; }
  const std::optional<std::string>& filename() const { return filename_; }
  const std::string& file_field() const { return file_field_; }
  const std::map<std::string, std::string>& fields() const { return fields_; }

  // The handler keeps the file: the spool no longer removes it.
  std::filesystem::path take_file();

 private:
  bool open_file();
  bool write_file(std::string_view data);
  void refuse(std::string why);

  std::filesystem::path dir_;
  std::filesystem::path path_;
  std::FILE* out_ = nullptr;
  bool multipart_ = false;
  bool has_file_ = false;
  bool taken_ = false;
  bool disk_failed_ = false;
  std::uint64_t file_size_ = 0;
  std::optional<std::string> filename_;
  std::string file_field_;
  std::map<std::string, std::string> fields_;
  std::string error_;
  std::unique_ptr<MultipartParser> parser_;
  std::string* current_field_ = nullptr;  // the text field being read
  bool in_file_ = false;
};

// Beast Body whose value is the spool (set before the body is read).
struct SpoolBody {
  using value_type = std::shared_ptr<UploadSpool>;

  class reader {
   public:
    // Constructed with the parser, before the server sets the spool: both are read in init().
    template <bool isRequest, class Fields>
    reader(boost::beast::http::header<isRequest, Fields>& h, value_type& body)
        : body_(body),
          content_type_([&h] { return std::string(h[boost::beast::http::field::content_type]); }) {}

    void init(const boost::optional<std::uint64_t>&, boost::beast::error_code& ec) {
      if (!body_) {
        ec = boost::beast::errc::make_error_code(boost::beast::errc::invalid_argument);
        return;
      }
      body_->begin(content_type_());
      ec = {};
    }

    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, boost::beast::error_code& ec) {
      std::size_t n = 0;
      for (const auto b : boost::beast::buffers_range_ref(buffers)) {
        if (!body_->write(std::string_view(static_cast<const char*>(b.data()), b.size()))) {
          ec = boost::beast::errc::make_error_code(boost::beast::errc::io_error);
          return n;
        }
        n += b.size();
      }
      ec = {};
      return n;
    }

    void finish(boost::beast::error_code& ec) {
      body_->end();
      ec = {};
    }

   private:
    value_type& body_;
    std::function<std::string()> content_type_;
  };
};

}  // namespace mc::http
