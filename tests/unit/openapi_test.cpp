// The OpenAPI document (docs/api/openapi.json, compiled in) and the router must describe the same
// set of operations: a route added without documentation, or documentation for a route that does
// not exist, fails here.
#include <gtest/gtest.h>
#include "media/storage.hpp"

#include <boost/json.hpp>
#include <filesystem>
#include <set>

#include "app/payments_setup.hpp"
#include "app/routes.hpp"
#include "core/crypto.hpp"
#include "core/embedded_file.hpp"
#include "mail/mailer.hpp"

using namespace mc;

namespace {

std::set<std::string> router_operations() {
  const auto var_dir = std::filesystem::temp_directory_path() / ("mc-openapi-" + fast_random_hex(4));
  Config config = load_config([&](const std::string& k) -> std::optional<std::string> {
    if (k == "VAR_DIR") return var_dir.string();
    if (k == "APP_ENV") return std::string("development");
    return std::nullopt;
  });
  config.jwt_secret = "x-test-secret-x-test-secret-x-test-secret";
  config.jwt_kid = "test";
  crypto_init();
  const JwtCodec jwt({{config.jwt_kid, config.jwt_secret}});
  auto mailer = mail::make_mailer(config);
  accounts::AccountsService accounts(config, jwt, *mailer);
  artists::ArtistsService artists;
  catalog::CatalogService catalog(artists);
  media::StorageOptions storage_options;
  storage_options.fs_root = var_dir / "media";
  auto storage = media::make_storage(storage_options);
  catalog::UploadService uploads(catalog, *storage, config);
  config.media_url_secret = "x-media-secret-x-media-secret-x-media";
  auto limiter = cache::make_in_process_rate_limiter();
  streaming::StreamingService streaming(catalog, *storage, config, *limiter);
  artists::ImageService images(artists, *storage);
  config.stripe_webhook_secret = "whsec_openapi_test";
  app::PaymentsStack payments = app::make_payments(config, artists);
  messaging::MessagingService messaging;
  notifications::NotificationService notifications;
  parties::PartyService parties;
  posts::PostService posts(artists, catalog, *storage);
  search::SearchService search;
  privacy::PrivacyService privacy(config, accounts, *storage);
  admin::AdminService admin(accounts);
  moderation::ModerationService moderation;
  flags::FlagService flags;
  std::atomic<bool> draining{false};
  http::Router router;
  app::register_all_routes(
      router, app::RouteDeps{config, draining, accounts, artists, catalog, uploads, images, streaming,
                             *payments.memberships, *payments.earnings, *payments.webhooks, messaging,
                             notifications, parties, posts, search, *payments.buying, privacy, admin,
                             moderation, flags});
  std::set<std::string> out;
  for (const auto* r : router.routes()) {
    std::string method(http::bhttp::to_string(r->method));
    std::transform(method.begin(), method.end(), method.begin(), ::tolower);
    out.insert(method + " " + r->path_template);
  }
  std::filesystem::remove_all(var_dir);
  return out;
}

std::set<std::string> document_operations() {
  const auto text = find_embedded(ops::embedded_docs(), "openapi.json");
  EXPECT_TRUE(text.has_value());
  const auto doc = boost::json::parse(*text).as_object();
  EXPECT_TRUE(std::string_view(doc.at("openapi").as_string()).starts_with("3.1"));
  std::set<std::string> out;
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    for (const auto& [method, op] : item.as_object()) {
      if (method == "get" || method == "post" || method == "put" || method == "patch" || method == "delete") {
        out.insert(std::string(method) + " " + std::string(path));
      }
    }
  }
  return out;
}

}  // namespace

TEST(OpenApi, document_and_router_describe_the_same_operations) {
  const auto routes = router_operations();
  const auto documented = document_operations();
  for (const auto& r : routes) EXPECT_TRUE(documented.contains(r)) << "undocumented route: " << r;
  for (const auto& d : documented) EXPECT_TRUE(routes.contains(d)) << "documented but not routed: " << d;
  EXPECT_GE(routes.size(), 19u);
}
