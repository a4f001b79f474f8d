#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "db/cluster.hpp"

// The webhook pipeline every provider event goes through (Stripe's over HTTP, the sandbox's
// in-process): verify the signature on the raw body, store the event, then process it exactly
// once — the event row is locked and marked processed in the same transaction as its effects, so
// concurrent or repeated deliveries of one event change nothing more.
namespace mc::payments {

using boost::asio::awaitable;

struct Event {
  std::string id;
  std::string type;
  int64_t created = 0;
  std::optional<std::string> account;  // Connect events name the connected account
  const boost::json::object* object = nullptr;  // data.object
};

// Returns false when the event needs nothing from us (recorded as ignored).
using EventHandler = std::function<awaitable<bool>(db::Transaction&, const Event&)>;

enum class Delivery { processed, ignored, duplicate };

class WebhookPipeline {
 public:
  // provider: the name events are stored under (stripe | sandbox). secrets: the current signing
  // secret first, then any previous one still accepted.
  WebhookPipeline(std::string provider, std::vector<std::string> secrets);

  // Handlers are registered before serving; one per event type.
  void on(const std::string& type, EventHandler handler);
  bool handles(std::string_view type) const { return handlers_.contains(type); }

  // Throws ApiError 400 (invalid_signature / invalid_event) and rethrows handler failures (the
  // sender retries; the stored event stays unprocessed with its error recorded).
  awaitable<Delivery> receive(db::Cluster& db, std::string_view body, std::string_view signature_header,
                              int64_t now_seconds);

  const std::string& provider() const { return provider_; }
  const std::string& signing_secret() const { return secrets_.front(); }

 private:
  awaitable<Delivery> process(db::Cluster& db, const std::string& id);

  std::string provider_;
  std::vector<std::string> secrets_;
  std::map<std::string, EventHandler, std::less<>> handlers_;
};

const char* to_string(Delivery d);

}  // namespace mc::payments
