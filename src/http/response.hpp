#pragma once
#include <boost/json/value.hpp>

#include "core/error.hpp"
#include "db/lsn.hpp"
#include "http/types.hpp"

namespace mc::http {

Response json_response(unsigned status, const boost::json::value& body);
Response empty_response(unsigned status);
Response text_response(unsigned status, std::string body, std::string_view content_type);
class Context;
// A write's answer: the body, and X-Consistency-Token from its commit (via the context).
Response written(Context& ctx, unsigned status, const boost::json::value& body, db::Lsn lsn);
Response written_empty(Context& ctx, db::Lsn lsn);

// The SPEC §5 envelope, with any headers the error carries.
Response error_response(const ApiError& error);

}  // namespace mc::http
