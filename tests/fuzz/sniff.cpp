// The upload content sniffer on arbitrary files: classify_head on the bytes as a head, and
// sniff_file on them as a whole file (held in a memfd, so the RIFF/FORM size and last-Ogg-page
// checks run too). Invariants: the only failure is InvalidMedia with one of the documented codes;
// the answer is deterministic; an ID3v2 size is within what its syncsafe field can say; the
// search for the last Ogg page stays within its checksum budget.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "media/errors.hpp"
#include "media/sniff.hpp"

using namespace mc::media;

namespace {

const std::set<std::string> kCodes{"unrecognized_format", "not_audio",  "unsupported_codec",
                                   "no_audio_stream",     "empty_file", "truncated_or_corrupt"};

std::string classify(std::string_view head, bool at_end) {
  try {
    return std::string(to_string(classify_head(head, at_end)));
  } catch (const InvalidMedia& e) {
    FUZZ_CHECK(kCodes.contains(e.code()));
    return e.code();
  }
}

std::string sniff(const std::string& path) {
  try {
    return std::string(to_string(sniff_file(path)));
  } catch (const InvalidMedia& e) {
    FUZZ_CHECK(kCodes.contains(e.code()));
    return e.code();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(bytes), size);
  const std::string head = classify(in, true);
  FUZZ_CHECK(head == classify(in, true));
  classify(in, false);
  FUZZ_CHECK(id3v2_size(in) <= 10 + (std::uint64_t{1} << 28) + 10);

  const OggTail tail = scan_ogg_tail(in);
  FUZZ_CHECK(tail.checksummed <= kOggScanBudget);
  FUZZ_CHECK(tail.found || !tail.end_of_stream);

  static const int fd = memfd_create("fuzz-sniff", 0);
  static const std::string path = "/proc/self/fd/" + std::to_string(fd);
  FUZZ_CHECK(fd >= 0);
  FUZZ_CHECK(ftruncate(fd, 0) == 0);
  FUZZ_CHECK(pwrite(fd, in.data(), in.size(), 0) == static_cast<ssize_t>(in.size()));
  const std::string file = sniff(path);
  if (size == 0) FUZZ_CHECK(file == "empty_file");
  // A file of at most one head without ID3 tags in front gets the head's verdict, except that a
  // format the head names may still be refused because the file's end shows it truncated.
  if (id3v2_size(in) == 0 && size > 0 && size <= 64 * 1024) {
    FUZZ_CHECK(file == head || (!kCodes.contains(head) && file == "truncated_or_corrupt"));
  }
  return 0;
}
