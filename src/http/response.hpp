#pragma once
#include <boost/json/value.hpp>

#include "core/error.hpp"
#include "http/types.hpp"

namespace mc::http {

Response json_response(unsigned status, const boost::json::value& body);
Response empty_response(unsigned status);
Response text_response(unsigned status, std::string body, std::string_view content_type);
// The SPEC §5 envelope, with any headers the error carries.
Response error_response(const ApiError& error);

}  // namespace mc::http
