#pragma once
// Just enough XML for S3's responses (ListBucketResult, InitiateMultipartUploadResult, DeleteResult,
// Error) and request bodies: no namespaces, attributes are skipped, no CDATA, no DTDs.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mc::media::s3xml {

// The inner text of every <tag>…</tag> (or <tag/>) at any depth, in document order, not decoded.
std::vector<std::string_view> elements(std::string_view xml, std::string_view tag);
// The first element's text with entities decoded.
std::optional<std::string> first(std::string_view xml, std::string_view tag);
// Every element's text with entities decoded.
std::vector<std::string> all(std::string_view xml, std::string_view tag);

std::string escape(std::string_view text);
std::string unescape(std::string_view text);

}  // namespace mc::media::s3xml
