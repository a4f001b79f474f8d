#pragma once
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>

namespace mc::http {

namespace bhttp = boost::beast::http;
using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;
using Verb = bhttp::verb;

// A handler that answers with (part of) a local file sets this header to "<offset> <length> <path>"
// and leaves the body empty; the server removes it and sends the bytes from the file in pieces, so
// large files never sit in memory. Only handlers set it: it never comes from a client.
inline constexpr const char* kSendFileHeader = "X-Mc-Send-File";

}  // namespace mc::http
