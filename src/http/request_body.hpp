#pragma once
#include <boost/json/object.hpp>

#include "http/context.hpp"

namespace mc::http {

// The request's JSON object body: 415 unless Content-Type is application/json, 400 invalid_json
// unless it parses to an object.
boost::json::object json_body(const Context& ctx);

// For endpoints that take no input: an empty body, or `{}`.
void no_body(const Context& ctx);

}  // namespace mc::http
