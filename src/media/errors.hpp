#pragma once
#include <stdexcept>
#include <string>

#include "core/rejected_input.hpp"

namespace mc::media {

// An upload that is not acceptable audio or a picture we take: the client's fault. `code` is stable
// snake_case (docs/media.md lists them with the status the HTTP layer answers):
//   empty_file, unrecognized_format, not_audio, unsupported_codec, truncated_or_corrupt,
//   no_audio_stream, too_long, unsupported_image, image_too_large, corrupt_image, …
// The HTTP pipeline answers one that reaches it as a RejectedInput (core/rejected_input.hpp), so
// http/ needs nothing from media/.
class InvalidMedia : public RejectedInput {
 public:
  using RejectedInput::RejectedInput;

  // The HTTP status the API answers with: 415 when the file is of a kind we do not take at all,
  // 422 when it is of an accepted kind but unusable (corrupt, too long, too large).
  int status() const override {
    const bool wrong_kind = code() == "unrecognized_format" || code() == "not_audio" ||
                            code() == "unsupported_codec" || code() == "unsupported_image";
    return wrong_kind ? 415 : 422;
  }
};

// Processing failed for a reason that is not the upload's fault (a tool is missing, the disk is
// full, an output failed its own checks): a job retries these; it never retries InvalidMedia.
class ProcessingError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Processing was cancelled through its stop token.
class Cancelled : public std::runtime_error {
 public:
  Cancelled() : std::runtime_error("media processing cancelled") {}
};

}  // namespace mc::media
