#include "features/admin/audit.hpp"

namespace mc::audit {

Origin origin_of(const http::Context& ctx) {
  return Origin{ctx.client_ip, std::string(ctx.req[http::bhttp::field::user_agent])};
}

namespace {

constexpr db::Query kRecord{
    "audit_record",
    "INSERT INTO audit_log (actor_id, actor_role, action, target_type, target_id, ip, user_agent, details) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)"};

std::optional<std::string> non_empty(const std::string& s, std::size_t max) {
  if (s.empty()) return std::nullopt;
  return s.substr(0, max);
}

}  // namespace

boost::asio::awaitable<void> record(db::Transaction& tx, const Entry& e) {
  co_await tx.exec(kRecord, db::params(e.actor_id, e.actor_role, e.action, e.target_type, e.target_id,
                                       non_empty(e.ip, 100), non_empty(e.user_agent, 500),
                                       boost::json::serialize(e.details)));
}

}  // namespace mc::audit
