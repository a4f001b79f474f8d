// The S3 response reader on arbitrary documents. Invariants: every element found is a slice of the
// document, in document order, without overlaps; first()/all() agree with elements(); unescaping
// never grows the text; escape then unescape gives back the text.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "media/s3_xml.hpp"

namespace s3xml = mc::media::s3xml;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string_view xml(reinterpret_cast<const char*>(bytes), size);
  for (const std::string_view tag : {"Key", "Contents", "UploadId", "Code", "Message", "IsTruncated",
                                     "NextContinuationToken", "ETag", "Size", "Error"}) {
    const auto found = s3xml::elements(xml, tag);
    const char* previous_end = xml.data();
    for (const std::string_view e : found) {
      if (e.empty()) continue;  // <tag/> gives an empty view of no particular place
      FUZZ_CHECK(e.data() >= previous_end && e.data() + e.size() <= xml.data() + xml.size());
      previous_end = e.data() + e.size();
    }
    const auto texts = s3xml::all(xml, tag);
    FUZZ_CHECK(texts.size() == found.size());
    const auto one = s3xml::first(xml, tag);
    FUZZ_CHECK(one.has_value() == !found.empty());
    if (one) FUZZ_CHECK(*one == texts.front());
    for (std::size_t i = 0; i < found.size(); ++i) FUZZ_CHECK(texts[i].size() <= found[i].size());
  }
  const std::string plain = s3xml::unescape(xml);
  FUZZ_CHECK(plain.size() <= xml.size());
  FUZZ_CHECK(s3xml::unescape(s3xml::escape(xml)) == xml);
  return 0;
}
